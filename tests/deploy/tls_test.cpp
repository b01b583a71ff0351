// TLS against a PostgreSQL server the test starts, with a CA and a server
// certificate made here with openssl: verify-full inserts over an encrypted
// connection, a certificate from an unknown CA or for another host name is a
// connection_error before anything is written, and require encrypts without
// checking.
#include <gtest/gtest.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <riverqueue/connection.hpp>
#include <riverqueue/errors.hpp>

#include "support/river_on_server.hpp"
#include "support/servers.hpp"
#include "support/test_database.hpp"

namespace riverqueue::deploy {
namespace {

// A CA, a server certificate it signed for `localhost`, and an unrelated CA
// that a client may wrongly trust.
class certificates {
public:
    certificates() {
        for (const std::string name : {"ca", "other_ca"}) {
            openssl({"req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", file(name + ".key"), "-out",
                     file(name + ".crt"), "-days", "2", "-subj", "/CN=riverqueue test " + name});
        }
        openssl({"req", "-newkey", "rsa:2048", "-nodes", "-keyout", key(), "-out", file("server.csr"), "-subj",
                 "/CN=localhost"});
        // libpq matches the host name against the SAN when there is one.
        write_file(file("san.ext"), "subjectAltName = DNS:localhost\n");
        openssl({"x509", "-req", "-in", file("server.csr"), "-CA", ca(), "-CAkey", file("ca.key"), "-CAcreateserial",
                 "-out", cert(), "-days", "2", "-extfile", file("san.ext")});
        // openssl ran as root; PostgreSQL wants the key 0600 and its own.
        write_file(key(), read_file(key()));
        write_file(cert(), read_file(cert()));
    }

    std::string ca() const { return file("ca.crt"); }
    std::string other_ca() const { return file("other_ca.crt"); }
    std::string cert() const { return file("server.crt"); }
    std::string key() const { return file("server.key"); }

private:
    std::string file(const std::string& name) const { return dir_.path() + "/" + name; }

    void openssl(std::vector<std::string> args) const {
        const std::string log = file("openssl.log");
        args.insert(args.begin(), "openssl");
        if (run(args, log, false) != 0) throw std::runtime_error("openssl failed:\n" + read_file(log));
    }

    temp_dir dir_{"certs"};
};

class Tls : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        certs_ = std::make_unique<certificates>();
        server_ = std::make_unique<postgres_server>(postgres_settings{
            .conf = {"ssl = on", "ssl_cert_file = '" + certs_->cert() + "'", "ssl_key_file = '" + certs_->key() + "'"},
            // TLS or nothing over TCP; the tests' own setup and counts use the socket.
            .hba = {"local all all trust", "hostssl all all 127.0.0.1/32 trust", "host all all 127.0.0.1/32 reject"},
            .superuser_password = {}});
        migrate(*server_);
    }
    static void TearDownTestSuite() {
        server_.reset();
        certs_.reset();
    }

    // TCP to the test server with `tls` settings.
    static std::string conninfo(const std::string& tls) {
        return "port=" + std::to_string(server_->port()) + " dbname=postgres user=postgres " + tls;
    }
    // verify-full for localhost, the name the certificate carries, trusting `ca`.
    static std::string verified(const std::string& ca) {
        return conninfo("host=localhost hostaddr=127.0.0.1 sslmode=verify-full sslrootcert=" + ca);
    }

    static std::unique_ptr<certificates> certs_;
    static std::unique_ptr<postgres_server> server_;
};
std::unique_ptr<certificates> Tls::certs_;
std::unique_ptr<postgres_server> Tls::server_;

TEST_F(Tls, VerifyFullInsertsOverAnEncryptedConnection) {
    const long before = job_count(*server_);
    const auto result = client_for(verified(certs_->ca())).insert(note_args{});
    EXPECT_EQ(job_count(*server_), before + 1);
    auto check = connection::open(server_->socket_conninfo());
    EXPECT_EQ(testing::scalar(check.native_handle(), "SELECT kind FROM " + river_schema +
                                                         ".river_job WHERE id = " + std::to_string(result.job.id)),
              "note");
    auto conn = connection::open(verified(certs_->ca()));
    EXPECT_EQ(testing::scalar(conn.native_handle(), "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()"), "t");
}

TEST_F(Tls, CertificateFromAnotherCaIsAConnectionErrorAndNothingIsInserted) {
    const long before = job_count(*server_);
    const std::string message = connection_failure(verified(certs_->other_ca()));
    EXPECT_NE(message.find("certificate verify failed"), std::string::npos) << message;
    EXPECT_EQ(job_count(*server_), before);
}

TEST_F(Tls, HostNameTheCertificateDoesNotNameIsAConnectionErrorAndNothingIsInserted) {
    const long before = job_count(*server_);
    // The certificate names localhost, not 127.0.0.1.
    const std::string message =
        connection_failure(conninfo("host=127.0.0.1 sslmode=verify-full sslrootcert=" + certs_->ca()));
    EXPECT_NE(message.find("does not match host name \"127.0.0.1\""), std::string::npos) << message;
    EXPECT_EQ(job_count(*server_), before);
}

TEST_F(Tls, RequireEncryptsWithoutCheckingAndPlainTextIsRefused) {
    const long before = job_count(*server_);
    // 127.0.0.1 is not the certificate's name, and no CA is given: require checks neither.
    const std::string required = conninfo("host=127.0.0.1 sslmode=require");
    client_for(required).insert(note_args{});
    EXPECT_EQ(job_count(*server_), before + 1);
    auto conn = connection::open(required);
    EXPECT_EQ(testing::scalar(conn.native_handle(), "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()"), "t");
    // The server really demands TLS, so the successes above are not plain text.
    const std::string message = connection_failure(conninfo("host=127.0.0.1 sslmode=disable"));
    EXPECT_NE(message.find("no encryption"), std::string::npos) << message;
    EXPECT_EQ(job_count(*server_), before + 1);
}

}  // namespace
}  // namespace riverqueue::deploy
