// Where the tool connects (--database-url, DATABASE_URL, libpq's PG* variables),
// and how database and connection errors are reported: status 1, with SQLSTATE.
#include <libpq-fe.h>

#include <memory>

#include "cli_fixture.hpp"

namespace riverqueue::testing {
namespace {

namespace json = boost::json;
using connection_test = migrated_cli_test;

const std::string nowhere = "postgresql:///postgres?host=/nonexistent-riverqueue-dir";

// The test database's connection settings as libpq's PG* variables.
environment_changes pg_variables_for(const std::string& url) {
    environment_changes env = {{"DATABASE_URL", std::nullopt}};
    std::unique_ptr<PQconninfoOption, decltype(&PQconninfoFree)> options(PQconninfoParse(url.c_str(), nullptr),
                                                                         &PQconninfoFree);
    const std::pair<const char*, const char*> names[] = {
        {"host", "PGHOST"}, {"port", "PGPORT"}, {"user", "PGUSER"}, {"dbname", "PGDATABASE"}, {"password", "PGPASSWORD"}};
    for (const PQconninfoOption* option = options.get(); option != nullptr && option->keyword != nullptr; ++option) {
        for (const auto& [keyword, variable] : names) {
            if (option->val != nullptr && std::string(option->keyword) == keyword) env.emplace_back(variable, option->val);
        }
    }
    return env;
}

TEST_F(connection_test, DatabaseUrlVariableWithoutTheFlag) {
    const auto result =
        run_cli({"insert", "--kind", "k", "--schema", schema_.name()}, {}, {{"DATABASE_URL", database_url()}});
    ASSERT_EQ(result.status, 0) << result.err;
    EXPECT_EQ(job_count(), 1);
}

TEST_F(connection_test, FlagWinsOverTheVariable) {
    const auto result = run_cli({"insert", "--kind", "k", "--schema", schema_.name(), "--database-url", database_url()},
                                {}, {{"DATABASE_URL", nowhere}});
    ASSERT_EQ(result.status, 0) << result.err;
    EXPECT_EQ(job_count(), 1);
}

TEST_F(connection_test, PgVariablesWithoutUrl) {
    const auto result = run_cli({"insert-many", "--schema", schema_.name()}, job_lines(2), pg_variables_for(database_url()));
    ASSERT_EQ(result.status, 0) << result.err;
    EXPECT_EQ(job_count(), 2);
}

TEST_F(connection_test, UnreachableServerExitsOne) {
    for (const std::string command : {"insert", "insert-many", "migrate"}) {
        std::vector<std::string> args = {command, "--database-url", nowhere};
        if (command == "insert") args.insert(args.end(), {"--kind", "k"});
        if (command == "migrate") args.emplace_back("list");
        const auto result = run_cli(args, job_lines(1));
        EXPECT_EQ(result.status, 1) << command << ": " << result.err;
        EXPECT_NE(result.err.find("nonexistent-riverqueue-dir"), std::string::npos) << result.err;
        EXPECT_EQ(result.out, "");
    }
}

TEST_F(connection_test, DatabaseErrorsExitOneWithSqlstate) {
    // A schema without River's tables: undefined_table.
    for (const std::string command : {"insert", "insert-many"}) {
        std::vector<std::string> args = {command, "--database-url", database_url(), "--schema", "schema_without_river"};
        if (command == "insert") args.insert(args.end(), {"--kind", "k"});
        const auto result = run_cli(args, job_lines(1));
        EXPECT_EQ(result.status, 1) << command << ": " << result.err;
        EXPECT_NE(result.err.find("SQLSTATE 42P01"), std::string::npos) << command << ": " << result.err;
        EXPECT_EQ(result.out, "");
    }
}

TEST_F(connection_test, DatabaseErrorMidwayRollsBackInsertMany) {
    // River's tables accept the jobs; a trigger of this test's own refuses the 3rd.
    admin_.execute("CREATE FUNCTION \"" + schema_.name() + "\".refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                   "IF (NEW.args->>'n')::int = 3 THEN RAISE EXCEPTION 'refused' USING ERRCODE = 'P0042'; END IF; "
                   "RETURN NEW; END $$");
    admin_.execute("CREATE TRIGGER refuse BEFORE INSERT ON " + jobs() + " FOR EACH ROW EXECUTE FUNCTION \"" +
                   schema_.name() + "\".refuse()");
    const auto result = cli({"insert-many"}, job_lines(5));
    EXPECT_EQ(result.status, 1) << result.err;
    EXPECT_NE(result.err.find("SQLSTATE P0042"), std::string::npos) << result.err;
    EXPECT_EQ(job_count(), 0);
}

}  // namespace
}  // namespace riverqueue::testing
