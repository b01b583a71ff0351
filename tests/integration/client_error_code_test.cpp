// The client's non-throwing calls on a real PostgreSQL: what the throwing
// form would throw arrives as an error_code and diagnostics, with nothing
// written; a success clears both and returns the same result.
#include <gtest/gtest.h>

#include <optional>
#include <vector>

#include <riverqueue/error_code.hpp>

#include "client_test_support.hpp"

namespace riverqueue::testing {
namespace {

insert_many_params job(int n, insert_opts opts = {}) {
    return {dynamic_args{"error_code", R"({"n":)" + std::to_string(n) + "}", {}}, std::move(opts)};
}

job_generator generate(std::vector<insert_many_params> jobs) {
    return [jobs = std::move(jobs), at = std::size_t{0}]() mutable -> std::optional<insert_many_params> {
        if (at == jobs.size()) return std::nullopt;
        return jobs[at++];
    };
}

TEST_F(client_test, EveryNonThrowingCallReportsBadInputAsValidationWithTheField) {
    auto c = make_client();
    insert_opts bad;
    bad.priority = 9;
    const std::vector<insert_many_params> batch = {job(1), job(2, bad)};
    std::error_code ec;
    diagnostics diag;
    const auto expect_validation = [&](const char* call, const std::string& field) {
        EXPECT_EQ(ec, errc::validation) << call;
        EXPECT_EQ(diag.field, field) << call;
        EXPECT_FALSE(diag.message.empty()) << call;
        ec.clear();
    };
    c.insert(email_args{"x"}, bad, ec, diag);
    expect_validation("insert", "priority");
    c.insert_many(batch, ec, diag);
    expect_validation("insert_many", "jobs[1].priority");
    c.insert_many(generate(batch), {}, ec, diag);
    expect_validation("insert_many streamed", "jobs[1].priority");
    c.insert_many_fast(batch, ec, diag);
    expect_validation("insert_many_fast", "jobs[1].priority");
    c.insert_many_fast(generate(batch), ec, diag);
    expect_validation("insert_many_fast streamed", "jobs[1].priority");

    auto conn = connection::open(database_url());
    conn.execute("BEGIN");
    c.insert_tx(conn, email_args{"x"}, bad, ec, diag);
    expect_validation("insert_tx", "priority");
    c.insert_many_tx(conn, batch, ec, diag);
    expect_validation("insert_many_tx", "jobs[1].priority");
    c.insert_many_tx(conn, generate(batch), {}, ec, diag);
    expect_validation("insert_many_tx streamed", "jobs[1].priority");
    c.insert_many_fast_tx(conn, batch, ec, diag);
    expect_validation("insert_many_fast_tx", "jobs[1].priority");
    c.insert_many_fast_tx(conn, generate(batch), ec, diag);
    expect_validation("insert_many_fast_tx streamed", "jobs[1].priority");
    conn.execute("COMMIT");
    EXPECT_EQ(job_count(), 0);
}

TEST_F(client_test, NonThrowingCallsReportPostgresRefusalsAndMissingSchemasAndClearOnSuccess) {
    scalar("ALTER TABLE " + table("river_job") + " ADD CONSTRAINT no_rejected CHECK (kind <> 'rejected')");
    auto c = make_client();
    std::error_code ec;
    diagnostics diag;
    c.insert(dynamic_args{"rejected", "{}", {}}, ec, diag);
    EXPECT_EQ(ec, errc::database);
    EXPECT_EQ(diag.sqlstate, "23514");
    EXPECT_EQ(diag.constraint, "no_rejected");

    const std::vector<insert_many_params> rejected_batch = {job(1), {dynamic_args{"rejected", "{}", {}}, {}}};
    EXPECT_TRUE(c.insert_many(rejected_batch, ec, diag).empty());
    EXPECT_EQ(ec, errc::database);
    EXPECT_EQ(c.insert_many_fast(rejected_batch, ec, diag), 0u);
    EXPECT_EQ(ec, errc::database);
    EXPECT_EQ(job_count(), 0) << "all or nothing";

    const insert_result inserted = c.insert(email_args{"ada"}, ec, diag);
    EXPECT_FALSE(ec);
    EXPECT_TRUE(diag.message.empty());
    EXPECT_GT(inserted.job.id, 0);
    EXPECT_EQ(c.insert_many(std::vector<insert_many_params>{job(3), job(4)}, ec, diag).size(), 2u);
    EXPECT_FALSE(ec);
    EXPECT_EQ(job_count(), 3);

    client_options elsewhere;
    elsewhere.conninfo = database_url();
    elsewhere.schema = "rq_no_such_schema_error_code";
    client lost(elsewhere);
    lost.insert(email_args{"x"}, ec, diag);
    EXPECT_EQ(ec, errc::schema_missing);
    EXPECT_EQ(diag.schema, "rq_no_such_schema_error_code");
}

}  // namespace
}  // namespace riverqueue::testing
