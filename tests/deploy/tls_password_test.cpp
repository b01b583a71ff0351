// TLS with certificate checks, SCRAM-SHA-256 passwords, and passwords kept
// out of every message: against PostgreSQL servers the tests start, with a CA
// and certificates they make with openssl.
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <vector>

#include <riverqueue/client.hpp>
#include <riverqueue/connection.hpp>
#include <riverqueue/errors.hpp>
#include <riverqueue/migrator.hpp>

#ifdef RIVERQUEUE_CLI_PATH
#include "cli_runner.hpp"
#endif
#include "support/servers.hpp"
#include "support/test_database.hpp"

namespace riverqueue::deploy {
namespace {

using testing::scalar;

const std::string schema = "river_deploy";

struct note_args {
    static constexpr std::string_view kind() { return "note"; }
    std::string to_json() const { return "{}"; }
};

// A CA, a server certificate it signed for `localhost`, and an unrelated CA.
struct certificates {
    temp_dir dir{"certs"};
    std::string ca() const { return dir.path() + "/ca.crt"; }
    std::string other_ca() const { return dir.path() + "/other_ca.crt"; }
    std::string cert() const { return dir.path() + "/server.crt"; }
    std::string key() const { return dir.path() + "/server.key"; }

    certificates() {
        const std::string d = dir.path(), log = d + "/openssl.log";
        auto openssl = [&](std::vector<std::string> args) {
            args.insert(args.begin(), "openssl");
            ASSERT_EQ(run(args, log, false), 0) << read_file(log);
        };
        for (const std::string name : {"ca", "other_ca"}) {
            openssl({"req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", d + "/" + name + ".key", "-out",
                     d + "/" + name + ".crt", "-days", "2", "-subj", "/CN=riverqueue test " + name});
        }
        openssl({"req", "-newkey", "rsa:2048", "-nodes", "-keyout", key(), "-out", d + "/server.csr", "-subj",
                 "/CN=localhost"});
        write_file(d + "/san.ext", "subjectAltName = DNS:localhost\n");
        openssl({"x509", "-req", "-in", d + "/server.csr", "-CA", ca(), "-CAkey", d + "/ca.key", "-CAcreateserial",
                 "-out", cert(), "-days", "2", "-extfile", d + "/san.ext"});
        // PostgreSQL wants its key private to the server user.
        write_file(key(), read_file(key()));
        write_file(cert(), read_file(cert()));
    }
};

// River's tables on `server`, set up over its trusted unix socket.
void migrate(const postgres_server& server) {
    auto conn = connection::open(server.socket_conninfo());
    conn.execute("CREATE SCHEMA IF NOT EXISTS " + schema);
    migrator(schema).migrate_up(conn);
}

long job_count(const postgres_server& server) {
    auto conn = connection::open(server.socket_conninfo());
    return std::stol(scalar(conn.native_handle(), "SELECT count(*) FROM " + schema + ".river_job"));
}

client client_for(const std::string& conninfo) {
    client_options options;
    options.conninfo = conninfo;
    options.schema = schema;
    return client(options);
}

// Runs an insert that must fail to connect; returns what() of the error.
std::string connection_failure(const std::string& conninfo) {
    try {
        client_for(conninfo).insert(note_args{});
    } catch (const connection_error& e) {
        return e.what();
    } catch (const std::exception& e) {
        ADD_FAILURE() << "expected a connection_error, got: " << e.what();
        return e.what();
    }
    ADD_FAILURE() << "expected a connection_error for " << conninfo;
    return {};
}

class Tls : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        certs_ = new certificates();
        server_ = new postgres_server(postgres_settings{
            .conf = {"ssl = on", "ssl_cert_file = '" + certs_->cert() + "'", "ssl_key_file = '" + certs_->key() + "'"},
            // TLS or nothing over TCP; the tests' own checks use the socket.
            .hba = {"local all all trust", "hostssl all all 127.0.0.1/32 trust", "host all all 127.0.0.1/32 reject"},
            .superuser_password = {}});
        migrate(*server_);
    }
    static void TearDownTestSuite() {
        delete server_;
        delete certs_;
    }
    std::string conninfo(const std::string& tls) const {
        return "port=" + std::to_string(server_->port()) + " dbname=postgres user=postgres " + tls;
    }

    static certificates* certs_;
    static postgres_server* server_;
};
certificates* Tls::certs_ = nullptr;
postgres_server* Tls::server_ = nullptr;

TEST_F(Tls, VerifyFullInserts) {
    const long before = job_count(*server_);
    const std::string verified =
        conninfo("host=localhost hostaddr=127.0.0.1 sslmode=verify-full sslrootcert=" + certs_->ca());
    client_for(verified).insert(note_args{});
    EXPECT_EQ(job_count(*server_), before + 1);
    auto conn = connection::open(verified);
    EXPECT_EQ(scalar(conn.native_handle(), "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()"), "t");
}

TEST_F(Tls, WrongCaIsAConnectionErrorAndNothingIsInserted) {
    const long before = job_count(*server_);
    const std::string message = connection_failure(
        conninfo("host=localhost hostaddr=127.0.0.1 sslmode=verify-full sslrootcert=" + certs_->other_ca()));
    EXPECT_NE(message.find("certificate verify failed"), std::string::npos) << message;
    EXPECT_EQ(job_count(*server_), before);
}

TEST_F(Tls, HostNameTheCertificateDoesNotNameIsAConnectionError) {
    const long before = job_count(*server_);
    // The certificate names localhost, not 127.0.0.1.
    const std::string message =
        connection_failure(conninfo("host=127.0.0.1 sslmode=verify-full sslrootcert=" + certs_->ca()));
    EXPECT_NE(message.find("does not match host name"), std::string::npos) << message;
    EXPECT_EQ(job_count(*server_), before);
}

TEST_F(Tls, RequireWithoutChecksWorksAndPlainTextIsRefused) {
    const long before = job_count(*server_);
    client_for(conninfo("host=127.0.0.1 sslmode=require")).insert(note_args{});
    EXPECT_EQ(job_count(*server_), before + 1);
    connection_failure(conninfo("host=127.0.0.1 sslmode=disable"));
    EXPECT_EQ(job_count(*server_), before + 1);
}

// Characters a URL must percent-encode, so that encoding is exercised.
const std::string password = "Pw@s:e/c%r?et#7";
const std::string password_in_url = "Pw%40s%3Ae%2Fc%25r%3Fet%237";

class Scram : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        server_ = new postgres_server(postgres_settings{
            .conf = {"password_encryption = 'scram-sha-256'"},
            .hba = {"local all all trust", "host all all 127.0.0.1/32 scram-sha-256"},
            .superuser_password = password});
        migrate(*server_);
    }
    static void TearDownTestSuite() { delete server_; }
    std::string url(const std::string& secret) const {
        return "postgresql://postgres:" + secret + "@127.0.0.1:" + std::to_string(server_->port()) + "/postgres";
    }
    static postgres_server* server_;
};
postgres_server* Scram::server_ = nullptr;

TEST_F(Scram, PasswordInTheUrl) {
    auto conn = connection::open(server_->socket_conninfo());
    ASSERT_EQ(scalar(conn.native_handle(), "SELECT left(rolpassword, 14) FROM pg_authid WHERE rolname = 'postgres'"),
              "SCRAM-SHA-256$");
    const long before = job_count(*server_);
    client_for(url(password_in_url)).insert(note_args{});
    EXPECT_EQ(job_count(*server_), before + 1);
}

TEST_F(Scram, PasswordFromPgpassfile) {
    temp_dir dir("pgpass");
    // .pgpass escapes ':' and '\' with a backslash.
    std::string escaped;
    for (char c : password) {
        if (c == ':' || c == '\\') escaped.push_back('\\');
        escaped.push_back(c);
    }
    const std::string file = dir.path() + "/pgpass";
    write_file(file, "127.0.0.1:" + std::to_string(server_->port()) + ":postgres:postgres:" + escaped + "\n");
    ::setenv("PGPASSFILE", file.c_str(), 1);  // each test runs in a process of its own under ctest
    const long before = job_count(*server_);
    client_for(server_->conninfo()).insert(note_args{});
    ::unsetenv("PGPASSFILE");
    EXPECT_EQ(job_count(*server_), before + 1);
}

TEST_F(Scram, WrongPasswordIsAConnectionError) {
    const std::string message = connection_failure(url("not-the-password"));
    EXPECT_NE(message.find("password authentication failed"), std::string::npos) << message;
}

// Every failure whose conninfo carries the password: wrong password, nothing
// listening, unknown database, malformed URL and conninfo. Neither the
// library's messages nor the CLI's output may show it.
TEST_F(Scram, PasswordNeverAppearsInMessages) {
    const std::string secret = "Sup3rSecretPw";
    const std::string port = std::to_string(server_->port());
    const std::vector<std::string> conninfos = {
        url(secret),
        "postgresql://postgres:" + secret + "@127.0.0.1:1/postgres",
        url(password_in_url) + "_no_such_db",
        url(secret) + "?no_such_parameter=1",
        "postgresql://postgres:" + secret + "@[bad-host/postgres",
        "host=127.0.0.1 port=" + port + " user=postgres password=" + secret + " no_such_keyword=1",
        "host=127.0.0.1 port=" + port + " user=postgres password='" + secret,
    };
    // The real password (its raw and its URL-encoded forms) and the wrong one.
    auto leaks = [&](const std::string& text) {
        for (const auto& needle : {secret, password, password_in_url}) {
            if (text.find(needle) != std::string::npos) return true;
        }
        return false;
    };
    for (const auto& conninfo : conninfos) {
        SCOPED_TRACE(conninfo);
        std::string message;
        try {
            client_for(conninfo).insert(note_args{});
            ADD_FAILURE() << "expected an error";
        } catch (const std::exception& e) {
            message = e.what();
        }
        EXPECT_FALSE(message.empty());
        EXPECT_FALSE(leaks(message)) << message;
        try {
            connection::open(conninfo);
        } catch (const std::exception& e) {
            EXPECT_FALSE(leaks(e.what())) << e.what();
        }
#ifdef RIVERQUEUE_CLI_PATH
        for (const std::vector<std::string>& command :
             {std::vector<std::string>{"insert", "--kind", "k"}, std::vector<std::string>{"migrate", "up"},
              std::vector<std::string>{"insert-many", "--fast", "-"}}) {
            std::vector<std::string> args = command;
            args.insert(args.end(), {"--database-url", conninfo, "--schema", schema});
            const auto result = testing::run_cli(args, "{\"kind\":\"k\",\"args\":{}}\n");
            EXPECT_NE(result.status, 0);
            EXPECT_FALSE(leaks(result.out)) << result.out;
            EXPECT_FALSE(leaks(result.err)) << result.err;
            EXPECT_FALSE(result.err.empty());
        }
#endif
    }
}

}  // namespace
}  // namespace riverqueue::deploy
