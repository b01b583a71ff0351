// The tool against a server that accepts TCP and never answers: every command
// that connects gives up after the connect timeout with a connection error
// (status 1) naming the setting, instead of hanging. No call is timed: a hang
// is caught by ctest's TIMEOUT for the suite.
#include "cli_fixture.hpp"
#include "support/silent_listener.hpp"

namespace riverqueue::testing {
namespace {

// Each command that connects, with what it needs besides the URL.
std::vector<std::vector<std::string>> connecting_commands(const std::string& url) {
    return {{"insert", "--kind", "k", "--database-url", url},
            {"insert-many", "--database-url", url},
            {"migrate", "list", "--database-url", url}};
}

std::string silent_url(const silent_listener& listener, const std::string& query) {
    return "postgresql://app:s3cret@127.0.0.1:" + std::to_string(listener.port()) + "/app" + query;
}

void expect_timed_out(const cli_result& result, const std::string& setting, const std::string& command) {
    EXPECT_EQ(result.status, 1) << command << ": " << result.err;
    EXPECT_NE(result.err.find("timeout expired"), std::string::npos) << command << ": " << result.err;
    EXPECT_NE(result.err.find(setting), std::string::npos) << command << ": " << result.err;
    EXPECT_EQ(result.err.find("s3cret"), std::string::npos) << command << ": " << result.err;
    EXPECT_EQ(result.out, "") << command;
}

TEST(cli_connect_timeout, TheUriParameterBoundsEveryCommand) {
    silent_listener listener;
    for (const auto& args : connecting_commands(silent_url(listener, "?connect_timeout=1"))) {
        expect_timed_out(run_cli(args, job_lines(1), {{"PGCONNECT_TIMEOUT", std::nullopt}}),
                         "connect_timeout=1 (2 s, libpq's minimum), set in the conninfo", args.front());
    }
    EXPECT_GE(listener.accepted(), 3);
}

TEST(cli_connect_timeout, PgConnectTimeoutWhenTheUrlSetsNone) {
    silent_listener listener;
    const auto result = run_cli(connecting_commands(silent_url(listener, "")).front(), {}, {{"PGCONNECT_TIMEOUT", "2"}});
    expect_timed_out(result, "connect_timeout=2 s, set by PGCONNECT_TIMEOUT", "insert");
    EXPECT_GE(listener.accepted(), 1);
}

TEST(cli_connect_timeout, AValueThatIsNotANumberFailsBeforeConnecting) {
    silent_listener listener;
    const auto result = run_cli(connecting_commands(silent_url(listener, "?connect_timeout=soon")).front());
    EXPECT_EQ(result.status, 1) << result.err;
    EXPECT_NE(result.err.find(R"(invalid integer value "soon" for connection option "connect_timeout")"),
              std::string::npos)
        << result.err;
    EXPECT_EQ(listener.accepted(), 0);
}

}  // namespace
}  // namespace riverqueue::testing
