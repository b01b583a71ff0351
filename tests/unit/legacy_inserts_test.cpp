// The statements core/ops/legacy_inserts.hpp sends for schemas up to version 5,
// and in what order, over a recording session (no server).
#include <gtest/gtest.h>

#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <riverqueue/errors.hpp>

#include "core/ops/legacy_inserts.hpp"
#include "core/ops/run_on_session.hpp"
#include "core/legacy_unique.hpp"

namespace riverqueue::core {
namespace {

using cell = std::optional<std::string>;
using row = std::vector<cell>;

class fake_rows final : public driver::rows {
public:
    explicit fake_rows(std::vector<row> content) : rows_(std::move(content)) {}
    std::size_t row_count() const override { return rows_.size(); }
    // No rows: the shape of a job row and its duplicate flag.
    std::size_t column_count() const override { return rows_.empty() ? 19 : rows_[0].size(); }
    std::optional<std::string_view> cell(std::size_t r, std::size_t c) const override {
        if (!rows_[r][c]) return std::nullopt;
        return std::string_view(*rows_[r][c]);
    }

private:
    std::vector<row> rows_;
};

// A text-format session that records each statement and answers from a
// queue of results (savepoint commands take none).
class recording_session final : public driver::session {
public:
    driver::result_format format() const noexcept override { return driver::result_format::text; }
    int server_version() override { return 160000; }
    bool in_transaction() override { return transaction; }
    std::unique_ptr<driver::rows> query(const driver::statement& stmt) override {
        sql.emplace_back(stmt.sql);
        std::vector<cell>& recorded = params.emplace_back();
        for (const driver::param& p : stmt.params) {
            recorded.push_back(p.is_null() ? cell() : cell(std::string(p.text())));
        }
        if (fail_on && std::string(stmt.sql).starts_with(*fail_on)) {
            fail_on.reset();
            throw database_error(fail_sqlstate, "refused", "", "", "");
        }
        const std::string text(stmt.sql);
        const bool savepoint = text.starts_with("SAVEPOINT") || text.starts_with("RELEASE") || text.starts_with("ROLLBACK");
        if (savepoint || answers.empty()) return std::make_unique<fake_rows>(std::vector<row>{});
        auto next = std::move(answers.front());
        answers.pop_front();
        return std::make_unique<fake_rows>(std::move(next));
    }

    // What each statement began with, shortened to its first word(s).
    std::vector<std::string> shapes() const {
        std::vector<std::string> out;
        for (const auto& s : sql) {
            if (s.starts_with("INSERT")) out.emplace_back(s.find("ON CONFLICT") != std::string::npos ? "upsert" : "insert");
            else if (s.starts_with("SELECT pg_advisory_xact_lock")) out.emplace_back("lock");
            else if (s.starts_with("SELECT count(pg_advisory_xact_lock")) out.emplace_back("locks");
            else if (s.find("true AS unique_skipped_as_duplicate") != std::string::npos) out.emplace_back("lookup");
            else out.push_back(s);
        }
        return out;
    }

    std::vector<std::string> sql;
    std::vector<std::vector<cell>> params;
    std::deque<std::vector<row>> answers;
    std::optional<std::string> fail_on;
    std::string fail_sqlstate = "23514";
    bool transaction = true;
};

// A text row of job_columns() plus the duplicate flag.
row job_row_text(std::int64_t id, const std::string& kind, bool duplicate, const std::string& queue = "default") {
    return {std::to_string(id), "{}", "0", std::nullopt, std::nullopt, "946684801000000", std::nullopt,
            std::nullopt, kind, "25", "{}", "1", queue, "available", "946684801000000", "[]",
            std::nullopt, std::nullopt, duplicate ? "t" : "f"};
}

resolved_job job(const std::string& kind, std::optional<unique_opts> unique = std::nullopt) {
    resolved_job j;
    j.kind = kind;
    j.args = R"({"a":1})";
    j.queue = "default";
    j.metadata = "{}";
    j.unique = std::move(unique);
    if (j.unique) j.unique_key = std::array<std::uint8_t, 32>{};
    return j;
}

unique_opts advisory_opts() {
    return unique_opts{.by_args = unique_by_args_all{},
                       .by_state = std::vector<job_state>{job_state::available, job_state::pending, job_state::running,
                                                          job_state::scheduled}};
}

using ops::legacy_target;
using ops::schema_version_unreadable;
using ops::legacy_needs_transaction;
using ops::legacy_schema;
using ops::validate_legacy_jobs;

// The operations, run on the recording session.
insert_result legacy_insert_one(recording_session& session, const legacy_target& to, const resolved_job& one,
                                bool savepoint, bool commits_itself) {
    return ops::run(session, ops::legacy_insert_one(ops::facts_of(session), to, one, savepoint, commits_itself));
}
std::vector<insert_result> legacy_insert_batch(recording_session& session, const legacy_target& to,
                                               std::span<const resolved_job> jobs) {
    return ops::run(session, ops::legacy_insert_batch(ops::facts_of(session), to, jobs));
}
int probe_schema_version(recording_session& session, std::string_view schema) {
    return ops::run(session, ops::probe_schema_version(ops::facts_of(session), schema));
}

const legacy_target target{"s", 5, 42};

TEST(LegacyInserts, AdvisoryPathInTheCallersTransactionRunsInASavepoint) {
    recording_session session;
    session.answers = {{}, {}, {job_row_text(7, "k", false)}};  // lock, lookup (none), insert
    const insert_result result = legacy_insert_one(session, target, job("k", advisory_opts()), true, false);
    EXPECT_EQ(result.job.id, 7);
    EXPECT_FALSE(result.unique_skipped_as_duplicated);
    EXPECT_EQ(session.shapes(), (std::vector<std::string>{"SAVEPOINT riverqueue_unique_insert", "lock", "lookup",
                                                           "insert", "RELEASE SAVEPOINT riverqueue_unique_insert"}));
    // The lock key carries the prefix in its upper 32 bits.
    const std::int64_t key = std::stoll(*session.params[1][0]);
    EXPECT_EQ(static_cast<std::uint64_t>(key) >> 32, 42u);
}

TEST(LegacyInserts, AFoundRowIsTheDuplicateAndNothingIsInserted) {
    recording_session session;
    session.answers = {{}, {job_row_text(3, "k", true)}};
    const insert_result result = legacy_insert_one(session, target, job("k", advisory_opts()), false, false);
    EXPECT_EQ(result.job.id, 3);
    EXPECT_TRUE(result.unique_skipped_as_duplicated);
    EXPECT_EQ(session.shapes(), (std::vector<std::string>{"lock", "lookup"}));
}

TEST(LegacyInserts, AnErrorRollsBackToTheSavepointAndIsRethrown) {
    recording_session session;
    session.answers = {{}, {}};
    session.fail_on = "INSERT";
    EXPECT_THROW(legacy_insert_one(session, target, job("k", advisory_opts()), true, false), database_error);
    EXPECT_EQ(session.shapes(),
              (std::vector<std::string>{"SAVEPOINT riverqueue_unique_insert", "lock", "lookup", "insert",
                                        "ROLLBACK TO SAVEPOINT riverqueue_unique_insert",
                                        "RELEASE SAVEPOINT riverqueue_unique_insert"}));
}

TEST(LegacyInserts, FastPathAndPlainJobsAreOneStatement) {
    recording_session session;
    session.answers = {{job_row_text(1, "k", false)}};
    legacy_insert_one(session, target, job("k", unique_opts{.by_args = unique_by_args_all{}}), true, true);
    session.answers = {{job_row_text(2, "p", false)}};
    legacy_insert_one(session, target, job("p"), false, true);
    EXPECT_EQ(session.shapes(), (std::vector<std::string>{"upsert", "insert"}));
    // Before version 5 every unique job takes the advisory path.
    EXPECT_TRUE(legacy_needs_transaction(job("k", unique_opts{.by_args = unique_by_args_all{}}), 4));
    EXPECT_FALSE(legacy_needs_transaction(job("k", unique_opts{.by_args = unique_by_args_all{}}), 5));
    EXPECT_TRUE(legacy_needs_transaction(job("k", advisory_opts()), 5));
    EXPECT_FALSE(legacy_needs_transaction(job("p"), 3));
}

TEST(LegacyInserts, BatchTakesEveryLockFirstInAscendingOrderThenGoesInInputOrder) {
    recording_session session;
    resolved_job a1 = job("a", advisory_opts());
    resolved_job a2 = job("b", advisory_opts());
    std::vector<resolved_job> jobs = {job("p1"), job("p2"), a1, job("f", unique_opts{.by_args = unique_by_args_all{}}),
                                      a2, job("p3")};
    session.answers = {
        {},                                                                   // locks
        {job_row_text(1, "p1", false), job_row_text(2, "p2", false)},         // plain run
        {},                                                                   // lookup a
        {job_row_text(3, "a", false)},                                        // insert a
        {job_row_text(4, "f", false)},                                        // upsert f
        {job_row_text(3, "b", true)},                                         // lookup b: found
        {job_row_text(5, "p3", false)},                                       // plain run
    };
    const auto results = legacy_insert_batch(session, target, jobs);
    EXPECT_EQ(session.shapes(),
              (std::vector<std::string>{"locks", "insert", "lookup", "insert", "upsert", "lookup", "insert"}));
    ASSERT_EQ(results.size(), 6u);
    EXPECT_EQ(results[1].job.kind, "p2");
    EXPECT_TRUE(results[4].unique_skipped_as_duplicated);
    EXPECT_EQ(results[5].job.id, 5);
    // The two lock keys, sorted, in one array parameter.
    const std::string keys = *session.params[0][0];
    const std::int64_t ka = legacy_unique_lock_key(42, "a", "&args={\"a\":1}&state=available,pending,running,scheduled");
    const std::int64_t kb = legacy_unique_lock_key(42, "b", "&args={\"a\":1}&state=available,pending,running,scheduled");
    const auto quoted = [](std::int64_t key) { return "\"" + std::to_string(key) + "\""; };
    EXPECT_EQ(keys, "{" + quoted(std::min(ka, kb)) + "," + quoted(std::max(ka, kb)) + "}");
}

TEST(LegacyInserts, ProbeReadsBothLayouts) {
    recording_session session;
    session.transaction = false;
    session.answers = {{{"t", "t"}}, {{"5"}}};
    EXPECT_EQ(probe_schema_version(session, "s"), 5);
    ASSERT_EQ(session.sql.size(), 2u);
    EXPECT_NE(session.sql[1].find("WHERE line = $1"), std::string::npos);
    recording_session old_layout;
    old_layout.transaction = false;
    old_layout.answers = {{{"t", "f"}}, {{"3"}}};
    EXPECT_EQ(probe_schema_version(old_layout, ""), 3);
    EXPECT_EQ(old_layout.sql[1].find("line"), std::string::npos);
    // Inside a transaction, in a savepoint.
    recording_session none;
    none.answers = {{{"f", "f"}}};
    EXPECT_EQ(probe_schema_version(none, "s"), 0);
    ASSERT_EQ(none.sql.size(), 3u);
    EXPECT_EQ(none.sql[0], "SAVEPOINT riverqueue_schema_probe");
    EXPECT_EQ(none.sql[2], "RELEASE SAVEPOINT riverqueue_schema_probe");
    EXPECT_TRUE(legacy_schema(2) && legacy_schema(5) && !legacy_schema(6) && !legacy_schema(0));
}

TEST(LegacyInserts, AProbeTheRoleMayNotRunLeavesTheTransactionUsable) {
    recording_session session;
    session.answers = {{{"t", "t"}}};
    session.fail_on = "SELECT max(version)";
    session.fail_sqlstate = "42501";
    EXPECT_EQ(probe_schema_version(session, "s"), schema_version_unreadable);
    EXPECT_FALSE(legacy_schema(schema_version_unreadable));
    ASSERT_EQ(session.sql.size(), 5u);
    EXPECT_EQ(session.sql[3], "ROLLBACK TO SAVEPOINT riverqueue_schema_probe");
    // Other errors are the caller's.
    recording_session other;
    other.fail_on = "SELECT t.oid";
    EXPECT_THROW(probe_schema_version(other, "s"), database_error);
    EXPECT_EQ(other.sql.back(), "RELEASE SAVEPOINT riverqueue_schema_probe");
}

TEST(LegacyInserts, ValidationNamesTheBatchPosition) {
    std::vector<resolved_job> jobs = {job("p"), job("q")};
    jobs[1].state = job_state::pending;
    try {
        validate_legacy_jobs(jobs, 3, true);
        FAIL() << "expected validation_error";
    } catch (const validation_error& e) {
        EXPECT_EQ(e.field(), "jobs[1].pending");
    }
    EXPECT_NO_THROW(validate_legacy_jobs(jobs, 4, true));
}

}  // namespace
}  // namespace riverqueue::core
