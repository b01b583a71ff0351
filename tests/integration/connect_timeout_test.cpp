// The library's default connect timeout on real connections: against a server
// that accepts TCP and never answers, connecting fails with connection_error
// rather than waiting forever, whichever of the conninfo (key=value or URI)
// and PGCONNECT_TIMEOUT sets the timeout; and on a working connection libpq
// really holds the default (PQconninfo), which no test waits 10 s to see.
//
// Nothing here times the calls: a call that hangs is caught by ctest's
// TIMEOUT for the suite, and one that fails otherwise by the error it throws.
#include <gtest/gtest.h>

#include <libpq-fe.h>

#include <cstdlib>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include <riverqueue/client.hpp>
#include <riverqueue/connection.hpp>
#include <riverqueue/errors.hpp>

#include "support/silent_listener.hpp"
#include "support/test_database.hpp"

namespace riverqueue::testing {
namespace {

struct note_args {
    static constexpr std::string_view kind() { return "note"; }
    std::string to_json() const { return "{}"; }
};

// Sets (or with std::nullopt unsets) an environment variable for one test,
// restoring what was there before.
class scoped_env {
public:
    scoped_env(std::string name, const std::optional<std::string>& value) : name_(std::move(name)) {
        if (const char* old = std::getenv(name_.c_str())) old_ = old;
        set(value);
    }
    ~scoped_env() { set(old_); }
    scoped_env(const scoped_env&) = delete;
    scoped_env& operator=(const scoped_env&) = delete;

private:
    void set(const std::optional<std::string>& value) {
        if (value) ::setenv(name_.c_str(), value->c_str(), 1);
        else ::unsetenv(name_.c_str());
    }
    std::string name_;
    std::optional<std::string> old_;
};

// The connect_timeout that libpq holds for an open connection.
std::string connect_timeout_of(const connection& conn) {
    const std::unique_ptr<PQconninfoOption, decltype(&PQconninfoFree)> options(PQconninfo(conn.native_handle()),
                                                                               &PQconninfoFree);
    for (const PQconninfoOption* option = options.get(); option != nullptr && option->keyword != nullptr; ++option) {
        if (std::string(option->keyword) == "connect_timeout") return option->val != nullptr ? option->val : "(unset)";
    }
    return "(absent)";
}

// `call` must fail with a connection_error saying that the connect timed out,
// and naming `setting`; it must have reached `listener` (not been refused).
void expect_connect_timeout(const silent_listener& listener, const std::string& setting,
                            const std::function<void()>& call) {
    try {
        call();
        ADD_FAILURE() << "connected to a server that never answers";
    } catch (const connection_error& e) {
        const std::string message = e.what();
        EXPECT_NE(message.find("timeout expired"), std::string::npos) << message;
        EXPECT_NE(message.find(setting), std::string::npos) << message;
        EXPECT_FALSE(e.may_have_committed());
    }
    EXPECT_GE(listener.accepted(), 1);
}

std::string silent_uri(const silent_listener& listener, const std::string& query) {
    return "postgresql://app:s3cret@127.0.0.1:" + std::to_string(listener.port()) + "/app" + query;
}

TEST(ConnectTimeout, ClientInsertWithTheUriParameter) {
    silent_listener listener;
    client_options options;
    options.conninfo = silent_uri(listener, "?connect_timeout=1");
    client c(options);
    expect_connect_timeout(listener, "connect_timeout=1 (2 s, libpq's minimum), set in the conninfo",
                           [&] { c.insert(note_args{}); });
}

TEST(ConnectTimeout, ConnectionOpenWithTheKeyValueParameter) {
    silent_listener listener;
    const std::string conninfo = "host=127.0.0.1 port=" + std::to_string(listener.port()) + " connect_timeout=2";
    expect_connect_timeout(listener, "connect_timeout=2 s, set in the conninfo", [&] { connection::open(conninfo); });
}

TEST(ConnectTimeout, TheConninfosValueWinsOverPgConnectTimeout) {
    // Were the variable to win, this would wait an hour, until ctest's TIMEOUT.
    const scoped_env variable("PGCONNECT_TIMEOUT", "3600");
    silent_listener listener;
    expect_connect_timeout(listener, "set in the conninfo",
                           [&] { connection::open(silent_uri(listener, "?connect_timeout=2")); });
}

TEST(ConnectTimeout, PgConnectTimeoutWhenTheConninfoSetsNone) {
    const scoped_env variable("PGCONNECT_TIMEOUT", "2");
    silent_listener listener;
    client_options options;
    options.conninfo = silent_uri(listener, "");
    client c(options);
    expect_connect_timeout(listener, "connect_timeout=2 s, set by PGCONNECT_TIMEOUT", [&] { c.insert(note_args{}); });
}

TEST(ConnectTimeout, TheTimeoutMessageKeepsThePasswordOut) {
    silent_listener listener;
    try {
        connection::open(silent_uri(listener, "?connect_timeout=1"));
        ADD_FAILURE() << "connected to a server that never answers";
    } catch (const connection_error& e) {
        EXPECT_EQ(std::string(e.what()).find("s3cret"), std::string::npos) << e.what();
    }
}

TEST(ConnectTimeout, AnOpenConnectionCarriesTheDefault) {
    const scoped_env variable("PGCONNECT_TIMEOUT", std::nullopt);
    const connection conn = connection::open(database_url());
    EXPECT_EQ(connect_timeout_of(conn), "10");
}

TEST(ConnectTimeout, AnOpenConnectionCarriesPgConnectTimeout) {
    const scoped_env variable("PGCONNECT_TIMEOUT", "7");
    const connection conn = connection::open(database_url());
    EXPECT_EQ(connect_timeout_of(conn), "7");
}

}  // namespace
}  // namespace riverqueue::testing
