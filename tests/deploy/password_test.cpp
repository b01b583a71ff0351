// SCRAM-SHA-256 passwords against a PostgreSQL server the test starts: in a
// percent-encoded URL and from a .pgpass file; a wrong one is a
// connection_error. And the password never shows in what the library throws
// or what the `riverqueue` tool prints, whatever way connecting fails.
#include <gtest/gtest.h>

#include <cstdlib>
#include <exception>
#include <memory>
#include <string>
#include <vector>

#include <riverqueue/connection.hpp>
#include <riverqueue/errors.hpp>

#ifdef RIVERQUEUE_CLI_PATH
#include "cli_runner.hpp"
#endif
#include "support/river_on_server.hpp"
#include "support/servers.hpp"
#include "support/test_database.hpp"

namespace riverqueue::deploy {
namespace {

// The superuser's password, with characters a URL must percent-encode (and
// ':' that .pgpass must escape), so that both encodings are exercised.
const std::string password = "Rq-p@ss:w/rd%?#7";
const std::string password_in_url = "Rq-p%40ss%3Aw%2Frd%25%3F%237";

// Every wrong password of these tests starts with this, so that any echo of
// one, whole or in part, is found.
const std::string wrong_marker = "Wr0ngPw";

class Scram : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        server_ = std::make_unique<postgres_server>(postgres_settings{
            .conf = {"password_encryption = 'scram-sha-256'"},
            // A password over TCP; the tests' own setup and counts use the trusted socket.
            .hba = {"local all all trust", "host all all 127.0.0.1/32 scram-sha-256"},
            .superuser_password = password});
        migrate(*server_);
    }
    static void TearDownTestSuite() { server_.reset(); }

    // A URL to the server with `secret` as the password, written as given.
    static std::string url(const std::string& secret, const std::string& dbname = "postgres") {
        return "postgresql://postgres:" + secret + "@127.0.0.1:" + std::to_string(server_->port()) + "/" + dbname;
    }

    static std::unique_ptr<postgres_server> server_;
};
std::unique_ptr<postgres_server> Scram::server_;

TEST_F(Scram, PasswordInAPercentEncodedUrl) {
    // The server stores a SCRAM verifier, so this is SCRAM and not md5.
    auto admin = connection::open(server_->socket_conninfo());
    ASSERT_EQ(testing::scalar(admin.native_handle(),
                              "SELECT left(rolpassword, 14) FROM pg_authid WHERE rolname = 'postgres'"),
              "SCRAM-SHA-256$");
    const long before = job_count(*server_);
    client_for(url(password_in_url)).insert(note_args{});
    EXPECT_EQ(job_count(*server_), before + 1);
}

TEST_F(Scram, PasswordFromPgpassfile) {
    temp_dir dir("pgpass");
    const std::string file = dir.path() + "/pgpass";
    // No password in the conninfo: without a password file, none is sent.
    const std::string conninfo = server_->conninfo();
    ASSERT_EQ(conninfo.find("password"), std::string::npos);
    // Each gtest case runs in a process of its own under ctest, so setenv is safe.
    ::setenv("PGPASSFILE", file.c_str(), 1);
    const std::string without = connection_failure(conninfo);
    EXPECT_NE(without.find("no password supplied"), std::string::npos) << without;

    // .pgpass escapes ':' and '\' with a backslash. write_file makes it 0600,
    // as libpq ignores a password file that others may read.
    std::string escaped;
    for (char c : password) {
        if (c == ':' || c == '\\') escaped.push_back('\\');
        escaped.push_back(c);
    }
    write_file(file, "127.0.0.1:" + std::to_string(server_->port()) + ":postgres:postgres:" + escaped + "\n");
    const long before = job_count(*server_);
    client_for(conninfo).insert(note_args{});
    EXPECT_EQ(job_count(*server_), before + 1);
    ::unsetenv("PGPASSFILE");
}

TEST_F(Scram, WrongPasswordIsAConnectionErrorAndNothingIsInserted) {
    const long before = job_count(*server_);
    const std::string message = connection_failure(url(wrong_marker));
    EXPECT_NE(message.find("password authentication failed"), std::string::npos) << message;
    EXPECT_EQ(job_count(*server_), before);
}

// One way for an insert to fail with a password in the conninfo.
struct failure {
    std::string conninfo;
    // Part of the message, so that each case fails the way it is meant to.
    std::string expected;
    std::string schema = river_schema;
    bool statement_fails = false;  // a database_error; otherwise a connection_error
};

class PasswordNeverShows : public Scram {
protected:
    // Every spelling of a password these tests use.
    static void expect_no_password(const std::string& text) {
        for (const auto& secret : {password, password_in_url, wrong_marker}) {
            EXPECT_EQ(text.find(secret), std::string::npos) << "\"" << secret << "\" in: " << text;
        }
    }

    static std::vector<failure> failures() {
        const std::string port = std::to_string(server_->port());
        const std::string key_value = "host=127.0.0.1 port=" + port + " dbname=postgres user=postgres ";
        return {
            {url(wrong_marker), "password authentication failed"},
            {"postgresql://postgres:" + wrong_marker + "@127.0.0.1:" + std::to_string(free_loopback_port()) +
                 "/postgres",
             "Connection refused"},
            // The right password, the wrong database.
            {url(password_in_url, "no_such_db"), "database \"no_such_db\" does not exist"},
            {url(password_in_url) + "?bogus_option=1", "invalid URI query parameter"},
            // libpq names a token it cannot decode bare, password or not.
            {url(wrong_marker + "%zz"), "invalid percent-encoded token"},
            {url(wrong_marker + "%00"), "forbidden value %00"},
            // libpq echoes the whole URI.
            {"postgresql://postgres:" + wrong_marker + "@[::1/postgres", "IPv6 host address"},
            {key_value + "password=" + wrong_marker + " no_such_keyword=1", "invalid connection option"},
            {key_value + "password='" + wrong_marker, "unterminated quoted string"},
            // Connected with the right password; the statement fails.
            {url(password_in_url), "does not exist", "no_such_schema", true},
        };
    }
};

TEST_F(PasswordNeverShows, InWhatTheLibraryThrows) {
    for (const auto& f : failures()) {
        SCOPED_TRACE(f.expected);
        std::string message;
        try {
            client_for(f.conninfo, f.schema).insert(note_args{});
            ADD_FAILURE() << "expected an error";
        } catch (const database_error& e) {
            EXPECT_TRUE(f.statement_fails) << e.what();
            message = e.what();
        } catch (const connection_error& e) {
            EXPECT_FALSE(f.statement_fails) << e.what();
            message = e.what();
        }
        EXPECT_NE(message.find(f.expected), std::string::npos) << message;
        expect_no_password(message);
    }
    // Nor does the server log it, whatever the client sent.
    expect_no_password(read_file(server_->log_path()));
}

#ifdef RIVERQUEUE_CLI_PATH
TEST_F(PasswordNeverShows, InWhatTheToolPrints) {
    const std::string job = "{\"kind\":\"note\",\"args\":{}}\n";
    const auto expect_failure_without_password = [&](const std::vector<std::string>& args,
                                                     const testing::environment_changes& environment = {}) {
        const auto result = testing::run_cli(args, job, environment);
        EXPECT_NE(result.status, 0);
        EXPECT_FALSE(result.err.empty());
        expect_no_password(result.out);
        expect_no_password(result.err);
        return result;
    };
    for (const auto& f : failures()) {
        SCOPED_TRACE(f.expected);
        for (const std::vector<std::string>& command :
             {std::vector<std::string>{"insert", "--kind", "note"}, std::vector<std::string>{"migrate", "up"},
              std::vector<std::string>{"insert-many", "--fast", "-"}}) {
            std::vector<std::string> args = command;
            args.insert(args.end(), {"--database-url", f.conninfo, "--schema", f.schema});
            const auto result = expect_failure_without_password(args);
            // migrate up into a missing schema fails on its first CREATE, with another message.
            if (command[0] != "migrate") {
                EXPECT_NE(result.err.find(f.expected), std::string::npos) << result.err;
            }
        }
        expect_failure_without_password({"insert", "--kind", "note", "--schema", f.schema},
                                        {{"DATABASE_URL", f.conninfo}});
    }
    // A URL where another argument belongs comes back in the usage message.
    const std::string misplaced = url(wrong_marker);
    expect_failure_without_password({"insert", "--kind", "note", misplaced});
    expect_failure_without_password({"insert-many", misplaced});
    expect_failure_without_password({"migrate", misplaced});
    expect_failure_without_password({"insert", "--kind", "note", "--schema", misplaced, "--database-url", misplaced});
}
#endif

}  // namespace
}  // namespace riverqueue::deploy
