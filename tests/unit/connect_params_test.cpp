// The default connect_timeout: added to what libpq is given only when neither
// the conninfo nor PGCONNECT_TIMEOUT sets one, and the caller's conninfo
// passed through untouched behind it.
#include <gtest/gtest.h>

#include <chrono>
#include <cstring>
#include <string>
#include <vector>

#include <riverqueue/errors.hpp>

#include "drivers/libpq/connect_params.hpp"

namespace riverqueue::libpq {
namespace {

using strings = std::vector<std::string>;
using namespace std::chrono_literals;

TEST(ConnectParams, KeyValueConninfoGetsTheDefaultBeforeIt) {
    const std::string conninfo = "host=db port=5433 dbname=app";
    const connect_params params = connect_params_for(conninfo, nullptr);
    EXPECT_EQ(params.keywords, (strings{"connect_timeout", "dbname"}));
    EXPECT_EQ(params.values, (strings{"10", conninfo}));
    EXPECT_EQ(params.connect_timeout, "10");
    EXPECT_EQ(params.source, connect_timeout_source::library_default);
    EXPECT_EQ(params.timeout(), 10s);
    EXPECT_EQ(connect_params::expand_dbname, 1);
}

TEST(ConnectParams, UriGetsTheDefaultToo) {
    const std::string conninfo = "postgresql://app@db:5433/app?sslmode=disable";
    const connect_params params = connect_params_for(conninfo, nullptr);
    EXPECT_EQ(params.keywords, (strings{"connect_timeout", "dbname"}));
    EXPECT_EQ(params.values, (strings{"10", conninfo}));
    EXPECT_EQ(params.source, connect_timeout_source::library_default);
}

TEST(ConnectParams, TheConninfosOwnValueWinsAndNothingIsAdded) {
    for (const std::string conninfo : {"host=db connect_timeout=3", "host=db connect_timeout = '3'",
                                       "postgres://db/app?connect_timeout=3", "postgresql://db/app?sslmode=disable&connect_timeout=3"}) {
        // Even with the variable set: libpq lets an explicit value win.
        const connect_params params = connect_params_for(conninfo, "7");
        EXPECT_EQ(params.keywords, (strings{"dbname"})) << conninfo;
        EXPECT_EQ(params.values, (strings{conninfo})) << conninfo;
        EXPECT_EQ(params.connect_timeout, "3") << conninfo;
        EXPECT_EQ(params.source, connect_timeout_source::conninfo) << conninfo;
        EXPECT_EQ(params.timeout(), 3s) << conninfo;
    }
}

TEST(ConnectParams, PgConnectTimeoutIsLeftToLibpq) {
    const connect_params params = connect_params_for("host=db", "7");
    EXPECT_EQ(params.keywords, (strings{"dbname"}));
    EXPECT_EQ(params.connect_timeout, "7");
    EXPECT_EQ(params.source, connect_timeout_source::environment);
    EXPECT_EQ(params.timeout(), 7s);
}

TEST(ConnectParams, AnEmptyValueCountsAsUnset) {
    // PQconnectdbParams skips empty values, so they would not bound anything.
    const connect_params from_variable = connect_params_for("host=db", "");
    EXPECT_EQ(from_variable.keywords, (strings{"connect_timeout", "dbname"}));
    EXPECT_EQ(from_variable.source, connect_timeout_source::library_default);
    const connect_params from_conninfo = connect_params_for("host=db connect_timeout=''", nullptr);
    EXPECT_EQ(from_conninfo.values, (strings{"10", "host=db connect_timeout=''"}));
    EXPECT_EQ(from_conninfo.source, connect_timeout_source::library_default);
}

TEST(ConnectParams, EmptyConninfoLeavesEverythingElseToLibpqsDefaults) {
    // Passed as "dbname", a blank string would name a database "   ".
    for (const std::string conninfo : {"", "   "}) {
        const connect_params params = connect_params_for(conninfo, nullptr);
        EXPECT_EQ(params.keywords, (strings{"connect_timeout"})) << '"' << conninfo << '"';
        EXPECT_EQ(params.values, (strings{"10"})) << '"' << conninfo << '"';
    }
    const connect_params from_variable = connect_params_for("", "4");
    EXPECT_TRUE(from_variable.keywords.empty());
    EXPECT_EQ(from_variable.timeout(), 4s);
}

TEST(ConnectParams, ArraysEndInNullAndPointAtTheValues) {
    const connect_params params = connect_params_for("host=db", nullptr);
    const connect_params::c_arrays arrays = params.arrays();
    ASSERT_EQ(arrays.keywords.size(), 3U);
    ASSERT_EQ(arrays.values.size(), 3U);
    EXPECT_STREQ(arrays.keywords[0], "connect_timeout");
    EXPECT_STREQ(arrays.values[0], "10");
    EXPECT_STREQ(arrays.keywords[1], "dbname");
    EXPECT_STREQ(arrays.values[1], "host=db");
    EXPECT_EQ(arrays.keywords[2], nullptr);
    EXPECT_EQ(arrays.values[2], nullptr);
}

TEST(ConnectParams, TimeoutReadsAsLibpqReadsIt) {
    const auto timeout_of = [](const std::string& value) {
        return connect_params_for("host=db connect_timeout='" + value + "'", nullptr).timeout();
    };
    EXPECT_EQ(timeout_of("1"), 2s);  // libpq's minimum
    EXPECT_EQ(timeout_of(" 5 "), 5s);
    EXPECT_EQ(timeout_of("0"), std::nullopt);  // wait forever, as the user asked
    EXPECT_EQ(timeout_of("-3"), std::nullopt);
}

TEST(ConnectParams, NotAnIntegerFailsBeforeConnecting) {
    for (const char* value : {"abc", "5s", "99999999999"}) {
        try {
            connect_params_for(std::string("host=db connect_timeout=") + value, nullptr);
            ADD_FAILURE() << value << " accepted";
        } catch (const connection_error& e) {
            EXPECT_NE(std::strstr(e.what(), "invalid integer value"), nullptr) << e.what();
            EXPECT_NE(std::strstr(e.what(), value), nullptr) << e.what();
        }
    }
    try {
        connect_params_for("host=db", "soon");
        ADD_FAILURE() << "PGCONNECT_TIMEOUT=soon accepted";
    } catch (const connection_error& e) {
        EXPECT_NE(std::strstr(e.what(), "PGCONNECT_TIMEOUT"), nullptr) << e.what();
    }
}

TEST(ConnectParams, AConninfoLibpqCannotReadFailsWithThePasswordRedacted) {
    // libpq names the token it cannot decode, here the password itself.
    const std::string cases[] = {"postgresql://app:s3%zzcret@db/app", "postgresql://db/app?user=app&password=s3%zzcret"};
    for (const std::string& conninfo : cases) {
        try {
            connect_params_for(conninfo, nullptr);
            ADD_FAILURE() << conninfo << " accepted";
        } catch (const connection_error& e) {
            const std::string message = e.what();
            EXPECT_EQ(message.rfind("could not connect to PostgreSQL: invalid percent-encoded token", 0), 0U) << message;
            EXPECT_EQ(message.find("s3"), std::string::npos) << message;
        }
    }
}

TEST(ConnectParams, DescribeTimeoutSaysWhereItCameFrom) {
    EXPECT_EQ(connect_params_for("host=db connect_timeout=3", nullptr).describe_timeout(),
              "connect_timeout=3 s, set in the conninfo");
    EXPECT_EQ(connect_params_for("host=db connect_timeout=1", nullptr).describe_timeout(),
              "connect_timeout=1 (2 s, libpq's minimum), set in the conninfo");
    EXPECT_EQ(connect_params_for("host=db", "4").describe_timeout(), "connect_timeout=4 s, set by PGCONNECT_TIMEOUT");
    EXPECT_EQ(connect_params_for("host=db", nullptr).describe_timeout(),
              "connect_timeout=10 s, the library's default; set connect_timeout in the conninfo or PGCONNECT_TIMEOUT to "
              "change it");
}

}  // namespace
}  // namespace riverqueue::libpq
