// `--help` on the tool and on every command, with examples.
#include "cli_fixture.hpp"

namespace riverqueue::testing {
namespace {

TEST(cli_help, EveryCommandHasHelpWithExamples) {
    for (const char* command : {"migrate", "insert", "insert-many", "unique-key"}) {
        const auto result = run_cli({command, "--help"});
        EXPECT_EQ(result.status, 0) << command;
        EXPECT_NE(result.out.find("Example"), std::string::npos) << command << ": " << result.out;
        EXPECT_NE(result.out.find(std::string("riverqueue ") + command), std::string::npos) << result.out;
    }
}

TEST(cli_help, TopLevelHelpListsCommandsAndExitStatuses) {
    const auto result = run_cli({"--help"});
    EXPECT_EQ(result.status, 0);
    for (const char* text : {"migrate", "insert-many", "unique-key", "Examples", "Exit status"}) {
        EXPECT_NE(result.out.find(text), std::string::npos) << text << ": " << result.out;
    }
}

TEST(cli_help, VersionIsTheProjectsVersion) {
    // project(VERSION) in CMakeLists.txt, through riverqueue::version().
    const auto result = run_cli({"--version"});
    EXPECT_EQ(result.status, 0);
    EXPECT_EQ(result.out, std::string("riverqueue ") + RIVERQUEUE_PROJECT_VERSION + "\n");
    EXPECT_EQ(result.err, "");
    EXPECT_NE(run_cli({"--help"}).out.find("--version"), std::string::npos);
}

TEST(cli_help, NoCommandIsBadInput) {
    const auto result = run_cli({});
    EXPECT_EQ(result.status, 2);
    EXPECT_NE(result.err.find("subcommand"), std::string::npos) << result.err;
}

TEST(cli_help, FastFlagSaysWhatItDoes) {
    const auto result = run_cli({"insert-many", "--help"});
    EXPECT_NE(result.out.find("--fast"), std::string::npos) << result.out;
    EXPECT_NE(result.out.find("COPY"), std::string::npos) << result.out;
}

}  // namespace
}  // namespace riverqueue::testing
