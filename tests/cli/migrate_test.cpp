// `riverqueue migrate up|down|list [--to N]`.
#include "cli_fixture.hpp"

namespace riverqueue::testing {
namespace {

using migrate_test = cli_test;

TEST_F(migrate_test, UpToStopsAtThatVersion) {
    const auto up = cli({"migrate", "up", "--to", "3"});
    ASSERT_EQ(up.status, 0) << up.err;
    EXPECT_EQ(up.out, "applied versions 1, 2, 3\n");
    const auto list = cli({"migrate", "list"});
    ASSERT_EQ(list.status, 0) << list.err;
    EXPECT_NE(list.out.find("3\tapplied\t"), std::string::npos) << list.out;
    EXPECT_NE(list.out.find("4\tnot applied\t"), std::string::npos) << list.out;
    EXPECT_EQ(scalar("SELECT string_agg(version::text, ',' ORDER BY version) FROM \"" + schema_.name() +
                     "\".river_migration"),
              "1,2,3");
}

TEST_F(migrate_test, ListShowsEveryVersionOnAFreshSchema) {
    const auto list = cli({"migrate", "list"});
    ASSERT_EQ(list.status, 0) << list.err;
    for (int version = 1; version <= 8; ++version) {
        EXPECT_NE(list.out.find(std::to_string(version) + "\tnot applied\t"), std::string::npos) << list.out;
    }
    EXPECT_EQ(list.out.find("\tapplied"), std::string::npos) << list.out;
}

TEST_F(migrate_test, UpDownToAndUpAgain) {
    ASSERT_EQ(cli({"migrate", "up"}).status, 0);
    EXPECT_EQ(cli({"migrate", "up"}).out, "nothing to do\n");
    auto list = cli({"migrate", "list"});
    EXPECT_NE(list.out.find("8\tapplied\t"), std::string::npos) << list.out;

    const auto down = cli({"migrate", "down", "--to", "5"});
    ASSERT_EQ(down.status, 0) << down.err;
    EXPECT_EQ(down.out, "reverted versions 8, 7, 6\n");
    list = cli({"migrate", "list"});
    EXPECT_NE(list.out.find("5\tapplied\t"), std::string::npos) << list.out;
    EXPECT_NE(list.out.find("6\tnot applied\t"), std::string::npos) << list.out;

    EXPECT_EQ(cli({"migrate", "down"}).out, "reverted versions 5\n");  // one version without --to
    EXPECT_EQ(cli({"migrate", "up"}).out, "applied versions 5, 6, 7, 8\n");
}

TEST_F(migrate_test, DownToZeroRemovesRiversTables) {
    ASSERT_EQ(cli({"migrate", "up"}).status, 0);
    const auto down = cli({"migrate", "down", "--to", "0"});
    ASSERT_EQ(down.status, 0) << down.err;
    EXPECT_EQ(down.out, "reverted versions 8, 7, 6, 5, 4, 3, 2, 1\n");
    EXPECT_EQ(scalar("SELECT coalesce(to_regclass('\"" + schema_.name() + "\".river_job')::text, 'none')"), "none");
}

}  // namespace
}  // namespace riverqueue::testing
