// A database without River's tables, or a schema that does not exist: every
// insert path, and the worker client's start, fail with a schema_error that
// names the schema looked in and says how to create the tables; nothing is
// written.
#include <gtest/gtest.h>

#include <riverqueue/client.hpp>
#include <riverqueue/errors.hpp>
#include <riverqueue/worker_client.hpp>

#include "support/test_database.hpp"

namespace riverqueue::testing {
namespace {

template <typename Call>
void expect_schema_error(const std::string& schema, Call call) {
    try {
        call();
        ADD_FAILURE() << "expected schema_error";
    } catch (const schema_error& e) {
        EXPECT_EQ(e.schema(), schema);
        EXPECT_NE(std::string(e.what()).find("\"" + schema + "\""), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("riverqueue migrate up"), std::string::npos) << e.what();
        EXPECT_TRUE(e.sqlstate() == "42P01" || e.sqlstate() == "3F000") << e.sqlstate();
    }
}

void every_insert_path(const std::string& schema) {
    client_options options;
    options.conninfo = database_url();
    options.schema = schema;
    client c(options);
    const dynamic_args args{"k", "{}", {}};
    const std::vector<insert_many_params> jobs = {{args, {}}, {args, {}}};
    expect_schema_error(schema, [&] { c.insert(args); });
    insert_opts unique;
    unique.unique = unique_opts{.by_args = unique_by_args_all{}};
    expect_schema_error(schema, [&] { c.insert(args, unique); });
    expect_schema_error(schema, [&] { c.insert_many(jobs); });
    expect_schema_error(schema, [&] { c.insert_many_fast(jobs); });
    expect_schema_error(schema, [&] { c.insert_many(generate_from(jobs), {}); });
    connection conn = connection::open(database_url());
    transaction tx(conn);
    expect_schema_error(schema, [&] { c.insert_tx(tx, args); });
}

TEST(MissingSchema, ASchemaWithoutRiversTablesIsNamed) {
    scratch_schema empty;  // exists, never migrated
    every_insert_path(empty.name());
}

TEST(MissingSchema, ASchemaThatDoesNotExistIsNamed) { every_insert_path("rq_no_such_schema"); }

TEST(MissingSchema, TheWorkerClientSaysSoAtStart) {
    scratch_schema empty;
    workers registry;
    registry.add("k", [](const job_context&) {});
    worker_options options;
    options.conninfo = database_url();
    options.schema = empty.name();
    options.queues["default"] = {};
    worker_client worker(options, std::move(registry));
    expect_schema_error(empty.name(), [&] { worker.start(); });
}

}  // namespace
}  // namespace riverqueue::testing
