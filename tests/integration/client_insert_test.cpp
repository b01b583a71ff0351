// Single inserts: every option lands in its column, defaults, per-type options.
#include <gtest/gtest.h>

#include <riverqueue/errors.hpp>

#include "client_test_support.hpp"

namespace riverqueue::testing {
namespace {

using namespace std::chrono_literals;

TEST_F(client_test, InsertsWithRiverDefaults) {
    auto c = make_client();
    const auto before = riverqueue::now();
    const insert_result result = c.insert(email_args{"a@example.com"});
    const job_row& job = result.job;
    EXPECT_FALSE(result.unique_skipped_as_duplicated);
    EXPECT_GT(job.id, 0);
    EXPECT_EQ(job.kind, "email");
    EXPECT_EQ(job.args, R"({"to": "a@example.com"})");
    EXPECT_EQ(job.queue, "default");
    EXPECT_EQ(job.priority, 1);
    EXPECT_EQ(job.max_attempts, 25);
    EXPECT_EQ(job.state, job_state::available);
    EXPECT_EQ(job.attempt, 0);
    EXPECT_EQ(job.metadata, "{}");
    EXPECT_TRUE(job.tags.empty());
    EXPECT_TRUE(job.errors.empty());
    EXPECT_TRUE(job.attempted_by.empty());
    EXPECT_FALSE(job.attempted_at);
    EXPECT_FALSE(job.finalized_at);
    EXPECT_FALSE(job.unique_key);
    EXPECT_FALSE(job.unique_states);
    EXPECT_GE(job.created_at, before - 1ms);
    EXPECT_EQ(job.scheduled_at, job.created_at);
    EXPECT_EQ(job_count(), 1);
}

TEST_F(client_test, EveryOptionLandsInItsColumn) {
    auto c = make_client();
    insert_opts opts;
    opts.queue = "emails";
    opts.priority = 2;
    opts.max_attempts = 5;
    opts.tags = std::vector<std::string>{"alpha", "beta-2"};
    opts.metadata = R"({"source": "test", "n": 1})";
    const auto at = std::chrono::sys_days{std::chrono::year{2031} / 5 / 6} + 7h + 8min + 9s + 123456us;
    opts.scheduled_at = at;
    const job_row job = c.insert(email_args{"b@example.com"}, opts).job;
    EXPECT_EQ(job.queue, "emails");
    EXPECT_EQ(job.priority, 2);
    EXPECT_EQ(job.max_attempts, 5);
    EXPECT_EQ(job.tags, (std::vector<std::string>{"alpha", "beta-2"}));
    EXPECT_EQ(job.metadata, R"({"n": 1, "source": "test"})");
    EXPECT_EQ(job.scheduled_at, at);
    EXPECT_EQ(job.state, job_state::scheduled);
    // Read back through SQL too, not only through our own decoder.
    const std::string where = " FROM " + table("river_job") + " WHERE id = " + std::to_string(job.id);
    EXPECT_EQ(scalar("SELECT queue || ',' || priority || ',' || max_attempts || ',' || state" + where),
              "emails,2,5,scheduled");
    EXPECT_EQ(scalar("SELECT tags::text" + where), "{alpha,beta-2}");
    EXPECT_EQ(scalar("SELECT to_char(scheduled_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US')" + where),
              "2031-05-06 07:08:09.123456");
}

TEST_F(client_test, PendingWinsOverScheduled) {
    auto c = make_client();
    insert_opts opts;
    opts.pending = true;
    opts.scheduled_at = riverqueue::now() + 1h;
    EXPECT_EQ(c.insert(email_args{"p@example.com"}, opts).job.state, job_state::pending);
}

TEST_F(client_test, PerTypeOptionsApplyAndCallOptionsOverrideThem) {
    auto c = make_client();
    const job_row from_type = c.insert(report_args{1}).job;
    EXPECT_EQ(from_type.queue, "reports");
    EXPECT_EQ(from_type.priority, 3);
    EXPECT_EQ(from_type.max_attempts, 7);
    EXPECT_EQ(from_type.tags, (std::vector<std::string>{"from_type", "nightly"}));

    insert_opts call;
    call.queue = "urgent";
    call.priority = 1;
    call.tags = std::vector<std::string>{"call"};
    const job_row overridden = c.insert(report_args{2}, call).job;
    EXPECT_EQ(overridden.queue, "urgent");
    EXPECT_EQ(overridden.priority, 1);
    EXPECT_EQ(overridden.max_attempts, 7);
    EXPECT_EQ(overridden.tags, (std::vector<std::string>{"call"}));

    insert_opts empty_tags;
    empty_tags.tags = std::vector<std::string>{};
    EXPECT_TRUE(c.insert(report_args{3}, empty_tags).job.tags.empty());
}

TEST_F(client_test, ClientDefaultMaxAttemptsApplies) {
    client_options options;
    options.conninfo = database_url();
    options.schema = schema_.name();
    options.default_max_attempts = 3;
    client c(options);
    EXPECT_EQ(c.insert(email_args{"d@example.com"}).job.max_attempts, 3);
}

TEST_F(client_test, DynamicArgsWork) {
    auto c = make_client();
    const job_row job = c.insert(dynamic_args{"dynamic_kind", R"({"nested": {"b": [1, 2.5, "x"]}})", {}}).job;
    EXPECT_EQ(job.kind, "dynamic_kind");
    EXPECT_EQ(job.args, R"({"nested": {"b": [1, 2.5, "x"]}})");
}

TEST_F(client_test, InvalidInputIsRejectedBeforeAnythingIsSent) {
    auto c = make_client();
    auto expect_field = [&](const dynamic_args& args, const insert_opts& opts, const std::string& field) {
        try {
            c.insert(args, opts);
            ADD_FAILURE() << "expected a validation_error for " << field;
        } catch (const validation_error& e) {
            EXPECT_EQ(e.field(), field) << e.what();
        }
    };
    const dynamic_args good{"k", "{}", {}};
    expect_field({"k", "[1]", {}}, {}, "args");
    expect_field({"k", "{\"a\":", {}}, {}, "args");
    expect_field({"k", "{\"a\":\"\xff\"}", {}}, {}, "args");
    expect_field({"k", R"({"a":"nul \u0000 inside"})", {}}, {}, "args");
    expect_field({"k", R"({"a":"lone \ud800 surrogate"})", {}}, {}, "args");
    expect_field({"", "{}", {}}, {}, "kind");
    expect_field({std::string(128, 'k'), "{}", {}}, {}, "kind");
    insert_opts opts;
    opts.priority = 5;
    expect_field(good, opts, "priority");
    opts = {};
    opts.max_attempts = -1;
    expect_field(good, opts, "max_attempts");
    opts = {};
    opts.max_attempts = 40000;
    expect_field(good, opts, "max_attempts");
    opts = {};
    opts.queue = "Bad Queue";
    expect_field(good, opts, "queue");
    opts = {};
    opts.queue = std::string(65, 'q');
    expect_field(good, opts, "queue");
    opts = {};
    opts.tags = std::vector<std::string>{"ok_tag", "no"};
    expect_field(good, opts, "tags");
    opts = {};
    opts.tags = std::vector<std::string>{"has,comma"};
    expect_field(good, opts, "tags");
    opts = {};
    opts.metadata = "[]";
    expect_field(good, opts, "metadata");
    opts = {};
    opts.unique = unique_opts{.by_period = 500ms};
    expect_field(good, opts, "unique_opts.by_period");
    opts = {};
    opts.unique = unique_opts{.exclude_kind = true};
    expect_field(good, opts, "unique_opts.exclude_kind");
    opts = {};
    opts.unique = unique_opts{.by_state = std::vector<job_state>{job_state::available}};
    expect_field(good, opts, "unique_opts.by_state");
    EXPECT_EQ(job_count(), 0);
}

TEST_F(client_test, InvalidClientOptionsAreRejected) {
    client_options options;
    options.schema = "bad-schema";
    EXPECT_THROW(client{options}, validation_error);
    options.schema = std::string(47, 's');
    EXPECT_THROW(client{options}, validation_error);
    options.schema = "";
    options.advisory_lock_prefix = std::int64_t{1} << 33;
    EXPECT_THROW(client{options}, validation_error);
    options.advisory_lock_prefix = 0;
    options.pool_size = 0;
    EXPECT_THROW(client{options}, validation_error);
}

TEST_F(client_test, DatabaseErrorsCarrySqlstate) {
    client_options options;
    options.conninfo = database_url();
    options.schema = "schema_without_river";
    client c(options);
    try {
        c.insert(email_args{"x@example.com"});
        FAIL() << "expected a database_error";
    } catch (const database_error& e) {
        EXPECT_EQ(e.sqlstate(), "42P01");  // undefined_table
        EXPECT_FALSE(e.message().empty());
    }
}

TEST_F(client_test, ConnectionFailuresAreConnectionErrors) {
    client_options options;
    options.conninfo = "postgresql:///postgres?host=/nonexistent-riverqueue-socket-dir";
    client c(options);
    EXPECT_THROW(c.insert(email_args{"x@example.com"}), connection_error);
}

TEST_F(client_test, SearchPathSchemaWorksWithoutConfiguredSchema) {
    client_options options;
    options.conninfo = schema_.conninfo_with_search_path();
    client c(options);
    c.insert(email_args{"sp@example.com"});
    EXPECT_EQ(job_count(), 1);
}

}  // namespace
}  // namespace riverqueue::testing
