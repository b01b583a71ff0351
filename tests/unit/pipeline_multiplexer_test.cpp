// The asynchronous client's pipeline logic (drivers/libpq_async/multiplexer)
// with no server and no socket: the segments it asks to send, and what it
// makes of the results it is handed (rows, errors, aborted statements, lost
// connections, cancellations).
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <riverqueue/errors.hpp>

#include "core/insert_batch.hpp"
#include "core/insert_sql.hpp"
#include "core/ops/operation.hpp"
#include "core/prepared_statement_names.hpp"
#include "drivers/libpq_async/multiplexer.hpp"

namespace riverqueue::libpq_async {
namespace {

using core::ops::op;
using core::ops::reply;
using core::ops::request;
using core::ops::session_facts;
using how = libpq::prepared_statements::how;
using cells = std::vector<std::optional<std::string>>;

constexpr auto text = driver::result_format::text;

// Rows as a driver returns them, in text format.
class rows_of final : public driver::rows {
public:
    explicit rows_of(std::vector<cells> content) : content_(std::move(content)) {}
    std::size_t row_count() const override { return content_.size(); }
    std::size_t column_count() const override { return content_.empty() ? 0 : content_.front().size(); }
    std::optional<std::string_view> cell(std::size_t r, std::size_t c) const override {
        const auto& value = content_.at(r).at(c);
        return value ? std::optional<std::string_view>(*value) : std::nullopt;
    }

private:
    std::vector<cells> content_;
};

// The row the insert statement returns for a job newly inserted: the
// columns of core::job_columns() in text format, then the duplicate flag.
cells inserted_row(std::int64_t id, const core::resolved_job& job) {
    return {std::to_string(id), job.args.str(), "0", {}, {}, "946684801000000", {}, {}, job.kind, "25", job.metadata,
            "1", job.queue, "available", "946684801000000", "[]", {}, {}, "f"};
}

core::resolved_job job_of(std::string kind, std::string queue = "default") {
    core::resolved_job job;
    job.kind = std::move(kind);
    job.args = "{}";
    job.metadata = "{}";
    job.queue = std::move(queue);
    return job;
}

// An operation that records how it completed; a conversation when `make` is set.
class recorded_op final : public pipeline_op {
public:
    std::function<op<int>(const session_facts&)> make;
    std::optional<session_facts> facts;
    std::optional<op<int>> conversation;

    int completions = 0;
    std::exception_ptr error;
    std::vector<insert_result> rows;
    std::optional<int> outcome;  // the conversation's

    const request* start(const session_facts& given) override {
        facts = given;
        conversation.emplace(make(given));
        return conversation->step();
    }
    const request* resume(reply answer) override {
        conversation->answer(std::move(answer));
        return conversation->step();
    }
    void complete(std::exception_ptr failure, std::vector<insert_result> inserted) override {
        ++completions;
        error = failure;
        rows = std::move(inserted);
        if (!error && conversation) {
            try {
                outcome = conversation->result();
            } catch (...) {
                error = std::current_exception();
            }
        }
    }
};
using recorded_ptr = std::shared_ptr<recorded_op>;

recorded_ptr insert_op(std::vector<core::resolved_job> jobs, bool may_commit = true) {
    auto op = std::make_shared<recorded_op>();
    op->what = jobs.size() == 1 ? pipeline_op::type::insert : pipeline_op::type::insert_many;
    op->jobs = std::move(jobs);
    op->may_commit = may_commit;
    return op;
}

recorded_ptr statement_op(std::string sql) {
    auto op = std::make_shared<recorded_op>();
    op->what = pipeline_op::type::statement;
    op->sql = std::move(sql);
    op->may_commit = false;
    return op;
}

// One single-job insert per kind, pushed in that order.
std::vector<recorded_ptr> push_inserts(multiplexer& mux, std::initializer_list<const char*> kinds) {
    std::vector<recorded_ptr> ops;
    for (const char* kind : kinds) {
        ops.push_back(insert_op({job_of(kind)}));
        mux.push(ops.back());
    }
    return ops;
}

pipeline_result result_of(pipeline_result::kind what, std::vector<cells> content = {}) {
    pipeline_result result;
    result.what = what;
    if (what == pipeline_result::kind::rows || what == pipeline_result::kind::command_ok) {
        result.rows = std::make_unique<rows_of>(std::move(content));
    }
    return result;
}

pipeline_result refused(std::string sqlstate) {
    pipeline_result result;
    result.what = pipeline_result::kind::error;
    result.error = std::make_exception_ptr(database_error(sqlstate, "refused", "", "", ""));
    result.sqlstate = std::move(sqlstate);
    return result;
}

std::string sqlstate_of(const std::exception_ptr& error) {
    if (!error) return "no error";
    try {
        std::rethrow_exception(error);
    } catch (const database_error& e) {
        return e.sqlstate();
    } catch (...) {
        return "not a database_error";
    }
}

std::string what(const std::exception_ptr& error) {
    if (!error) return "no error";
    try {
        std::rethrow_exception(error);
    } catch (const std::exception& e) {
        return e.what();
    }
}

std::optional<bool> may_have_committed(const std::exception_ptr& error) {
    if (!error) return std::nullopt;
    try {
        std::rethrow_exception(error);
    } catch (const connection_error& e) {
        return e.may_have_committed();
    } catch (...) {
        return std::nullopt;
    }
}

// Whether `out` is the insert of these jobs in one statement, notifying these queues.
::testing::AssertionResult inserts(const std::optional<multiplexer::outgoing>& out,
                                   const std::vector<core::resolved_job>& jobs,
                                   const std::vector<std::string>& notified) {
    if (!out) return ::testing::AssertionFailure() << "nothing to send";
    const core::batch_plan plan = core::plan_batch(jobs);
    const core::sql_statement expected = core::build_insert("", plan.to_send, notified, core::duplicate_detection::xmax,
                                                            text, core::param_encoding::binary);
    if (out->sql != expected.sql) return ::testing::AssertionFailure() << "another statement: " << out->sql;
    if (!std::equal(out->params.begin(), out->params.end(), expected.params.begin(), expected.params.end())) {
        return ::testing::AssertionFailure() << "other parameters (jobs or notified queues)";
    }
    return ::testing::AssertionSuccess();
}

struct setup {
    bool prepare = true;
    bool in_transaction = false;
    bool notify = true;
};

class PipelineMultiplexer : public ::testing::Test {
protected:
    multiplexer make(setup given = {}) {
        client_options options;
        options.prepared_statements = given.prepare;
        options.notify = given.notify;
        // A queue is notified once per test: the limiter's rule, kept from
        // depending on how fast the test runs.
        options.notify_cooldown = std::chrono::hours(1);
        return multiplexer(std::make_shared<client_config>(options), given.in_transaction, text,
                           multiplexer::hooks{[this] { ++finished; }, [this] { ++requeued; }});
    }

    int finished = 0;
    int requeued = 0;
};

TEST_F(PipelineMultiplexer, GathersTheWaitingInsertsIntoOneStatementAndHandsEachItsRows) {
    multiplexer mux = make();
    const std::vector<core::resolved_job> jobs{job_of("a"), job_of("b"), job_of("c", "other"), job_of("d")};
    auto one = insert_op({jobs[0]});
    auto two = insert_op({jobs[1]});
    auto many = insert_op({jobs[2], jobs[3]});
    for (const auto& op : {one, two, many}) mux.push(op);

    const auto out = mux.take_segment();
    ASSERT_TRUE(out);
    EXPECT_FALSE(mux.has_pending());
    EXPECT_TRUE(inserts(out, jobs, {"default", "other"}));
    EXPECT_EQ(out->format, text);
    ASSERT_EQ(out->as.what, how::prepare);
    EXPECT_EQ(*out->as.name, core::prepared_statement_name(out->sql));

    mux.on_result(result_of(pipeline_result::kind::command_ok));  // the prepare
    mux.on_result(result_of(pipeline_result::kind::rows, {inserted_row(1, jobs[0]), inserted_row(2, jobs[1]),
                                                          inserted_row(3, jobs[2]), inserted_row(4, jobs[3])}));
    EXPECT_EQ(finished, 0);  // until the segment's Sync
    mux.on_result(result_of(pipeline_result::kind::sync));

    EXPECT_EQ(finished, 3);
    EXPECT_FALSE(mux.awaiting());
    for (const auto& op : {one, two, many}) {
        EXPECT_EQ(op->completions, 1);
        EXPECT_FALSE(op->error) << what(op->error);
    }
    ASSERT_EQ(one->rows.size(), 1u);
    EXPECT_EQ(one->rows[0].job.id, 1);
    ASSERT_EQ(two->rows.size(), 1u);
    EXPECT_EQ(two->rows[0].job.kind, "b");
    ASSERT_EQ(many->rows.size(), 2u);
    EXPECT_EQ(many->rows[0].job.queue, "other");
    EXPECT_EQ(many->rows[1].job.id, 4);
}

TEST_F(PipelineMultiplexer, GathersNoMoreThanTheJobLimitNorAStatementNorInATransaction) {
    multiplexer mux = make();
    mux.push(insert_op(std::vector<core::resolved_job>(multiplexer::max_batch_jobs - 1, job_of("a"))));
    mux.push(insert_op({job_of("b")}));
    mux.push(insert_op({job_of("c")}));  // one job too many
    ASSERT_TRUE(mux.take_segment());
    ASSERT_TRUE(mux.has_pending());
    mux.push(statement_op("SELECT 1"));
    // c alone, the statement not gathered; its queue was notified by the first segment.
    EXPECT_TRUE(inserts(mux.take_segment(), {job_of("c")}, {}));
    ASSERT_TRUE(mux.has_pending());
    EXPECT_EQ(mux.take_segment()->sql, "SELECT 1");

    multiplexer in_transaction = make({.in_transaction = true});
    in_transaction.push(insert_op({job_of("a")}, false));
    in_transaction.push(insert_op({job_of("b")}, false));
    ASSERT_TRUE(in_transaction.take_segment());
    EXPECT_TRUE(in_transaction.has_pending());
}

TEST_F(PipelineMultiplexer, PreparesAShapeOnceAndRunsItByNameOnceThePrepareIsAnswered) {
    multiplexer mux = make({.notify = false});
    mux.push(insert_op({job_of("a")}));
    EXPECT_EQ(mux.take_segment()->as.what, how::prepare);
    mux.push(insert_op({job_of("b")}));
    EXPECT_EQ(mux.take_segment()->as.what, how::unnamed);  // still being prepared
    mux.on_result(result_of(pipeline_result::kind::command_ok));
    mux.push(insert_op({job_of("c")}));
    const auto out = mux.take_segment();
    EXPECT_EQ(out->as.what, how::prepared);
    EXPECT_EQ(*out->as.name, core::prepared_statement_name(out->sql));
    mux.push(statement_op("COMMIT"));
    EXPECT_EQ(mux.take_segment()->as.what, how::unnamed);  // not a repeated statement

    multiplexer unprepared = make({.prepare = false});
    unprepared.push(insert_op({job_of("a")}));
    EXPECT_EQ(unprepared.take_segment()->as.what, how::unnamed);
}

TEST_F(PipelineMultiplexer, AFailedPrepareFailsItsAbortedSegmentAloneAndIsPreparedAgain) {
    multiplexer mux = make({.notify = false});
    auto first = insert_op({job_of("a")});
    auto second = insert_op({job_of("b")});
    mux.push(first);
    ASSERT_EQ(mux.take_segment()->as.what, how::prepare);
    mux.push(second);
    ASSERT_EQ(mux.take_segment()->as.what, how::unnamed);

    mux.on_result(refused("42P05"));                            // the prepare
    mux.on_result(result_of(pipeline_result::kind::aborted));  // its statement, not run
    mux.on_result(result_of(pipeline_result::kind::sync));
    EXPECT_EQ(first->completions, 1);
    EXPECT_EQ(sqlstate_of(first->error), "42P05");
    EXPECT_EQ(second->completions, 0);

    mux.on_result(result_of(pipeline_result::kind::rows, {inserted_row(7, job_of("b"))}));
    mux.on_result(result_of(pipeline_result::kind::sync));
    EXPECT_FALSE(second->error);
    ASSERT_EQ(second->rows.size(), 1u);
    EXPECT_EQ(second->rows[0].job.id, 7);

    mux.push(insert_op({job_of("c")}));
    EXPECT_EQ(mux.take_segment()->as.what, how::prepare);
}

TEST_F(PipelineMultiplexer, ARejectedGatheredStatementIsSentAgainOneOperationAtATime) {
    multiplexer mux = make({.prepare = false});
    const std::vector<core::resolved_job> jobs{job_of("a"), job_of("b"), job_of("c")};
    const auto ops = push_inserts(mux, {"a", "b", "c"});
    const recorded_ptr &a = ops[0], &b = ops[1], &c = ops[2];
    ASSERT_TRUE(inserts(mux.take_segment(), jobs, {"default"}));
    mux.on_result(refused("23514"));
    mux.on_result(result_of(pipeline_result::kind::sync));
    EXPECT_EQ(finished, 0);
    EXPECT_EQ(requeued, 1);

    // Each alone, in the order they came, still notifying the queue that the
    // failed statement was to notify (the limiter would not let it again).
    for (const auto& job : jobs) ASSERT_TRUE(inserts(mux.take_segment(), {job}, {"default"}));
    EXPECT_FALSE(mux.has_pending());
    mux.on_result(result_of(pipeline_result::kind::rows, {inserted_row(1, jobs[0])}));
    mux.on_result(result_of(pipeline_result::kind::sync));
    mux.on_result(refused("23514"));
    mux.on_result(result_of(pipeline_result::kind::sync));
    mux.on_result(result_of(pipeline_result::kind::rows, {inserted_row(3, jobs[2])}));
    mux.on_result(result_of(pipeline_result::kind::sync));

    EXPECT_FALSE(a->error);
    EXPECT_EQ(sqlstate_of(b->error), "23514");  // alone now: its own failure, not sent again
    EXPECT_FALSE(c->error);
    EXPECT_EQ(c->rows.at(0).job.id, 3);
    EXPECT_EQ(finished, 3);
    EXPECT_FALSE(mux.has_pending());
}

TEST_F(PipelineMultiplexer, RowsThatDoNotMatchTheJobsFailEveryOperationOfTheSegment) {
    multiplexer mux = make({.prepare = false});
    const auto ops = push_inserts(mux, {"a", "b"});
    const recorded_ptr &a = ops[0], &b = ops[1];
    ASSERT_TRUE(mux.take_segment());
    mux.on_result(result_of(pipeline_result::kind::rows, {inserted_row(1, job_of("b")), inserted_row(2, job_of("a"))}));
    mux.on_result(result_of(pipeline_result::kind::sync));
    EXPECT_TRUE(a->error);
    EXPECT_TRUE(b->error);
    EXPECT_EQ(requeued, 0);  // not the server's refusal: nothing is sent again
}

TEST_F(PipelineMultiplexer, ALossMidSegmentFailsWhatWasSentAsItMayHaveCommittedAndKeepsWhatWaits) {
    multiplexer mux = make({.notify = false});
    auto committing = insert_op({job_of("a")}, true);
    auto not_committing = insert_op({job_of("b")}, false);
    mux.push(committing);
    mux.push(not_committing);
    ASSERT_TRUE(mux.take_segment());
    auto statement = statement_op("SELECT 1");
    mux.push(statement);
    ASSERT_TRUE(mux.take_segment());
    auto waiting = insert_op({job_of("c"), job_of("d")});  // the first segment's shape
    mux.push(waiting);
    mux.on_result(result_of(pipeline_result::kind::command_ok));  // the prepare, then nothing more

    EXPECT_TRUE(mux.front_may_commit());
    mux.connection_lost("server closed the connection");
    EXPECT_EQ(may_have_committed(committing->error), true);
    EXPECT_EQ(may_have_committed(not_committing->error), false);
    EXPECT_EQ(may_have_committed(statement->error), false);
    EXPECT_FALSE(mux.awaiting());
    EXPECT_EQ(waiting->completions, 0);  // for the next connection
    ASSERT_TRUE(mux.has_pending());

    mux.connection_closed();
    mux.connected(160000);
    const auto out = mux.take_segment();
    ASSERT_TRUE(out);
    EXPECT_EQ(out->as.what, how::prepare);  // the statements went with the connection
}

TEST_F(PipelineMultiplexer, ALostTransactionFailsWhatWaitsToo) {
    multiplexer mux = make({.in_transaction = true});
    auto sent = insert_op({job_of("a")}, false);
    auto waiting = insert_op({job_of("b")}, false);
    mux.push(sent);
    ASSERT_TRUE(mux.take_segment());
    mux.push(waiting);
    mux.connection_lost("gone");
    EXPECT_EQ(may_have_committed(sent->error), false);
    EXPECT_EQ(may_have_committed(waiting->error), false);
    EXPECT_FALSE(mux.has_pending());
    EXPECT_EQ(finished, 2);
}

TEST_F(PipelineMultiplexer, AFatalErrorIsReportedAsTheConnectionClosing) {
    multiplexer mux = make({.prepare = false});
    auto op = insert_op({job_of("a")});
    mux.push(op);
    ASSERT_TRUE(mux.take_segment());
    pipeline_result fatal;
    fatal.what = pipeline_result::kind::error;
    fatal.fatal = true;
    fatal.message = "terminating connection due to administrator command";
    EXPECT_EQ(mux.on_result(std::move(fatal)), "terminating connection due to administrator command");
    EXPECT_EQ(op->completions, 0);  // the transport reports the loss
    EXPECT_EQ(mux.on_result(result_of(pipeline_result::kind::aborted)), std::nullopt);
}

op<int> two_steps() {
    const auto first = co_await core::ops::query({"SELECT 1", {}, false, false});
    const auto second = co_await core::ops::query({"SELECT 2", {}, false, true});
    co_return static_cast<int>(first->row_count() * 10 + second->row_count());
}

TEST_F(PipelineMultiplexer, AConversationSendsItsStepsInOrderAheadOfLaterOperations) {
    multiplexer mux = make();
    mux.connected(160000);
    auto talk = std::make_shared<recorded_op>();
    talk->what = pipeline_op::type::conversation;
    talk->make = [](const session_facts&) { return two_steps(); };
    mux.push(talk);

    auto out = mux.take_segment();
    ASSERT_TRUE(out);
    EXPECT_EQ(out->sql, "SELECT 1");
    EXPECT_EQ(out->as.what, how::unnamed);
    ASSERT_TRUE(talk->facts);
    EXPECT_EQ(talk->facts->server_version, 160000);
    EXPECT_EQ(talk->facts->format, text);
    EXPECT_FALSE(talk->facts->in_transaction);
    EXPECT_FALSE(talk->may_commit);
    auto later = insert_op({job_of("a")});
    mux.push(later);  // arrives while the first step runs

    mux.on_result(result_of(pipeline_result::kind::rows, {{"1"}, {"1"}}));
    mux.on_result(result_of(pipeline_result::kind::sync));
    EXPECT_EQ(requeued, 1);
    out = mux.take_segment();
    ASSERT_TRUE(out);
    EXPECT_EQ(out->sql, "SELECT 2");
    EXPECT_TRUE(talk->may_commit);  // the step's own: it commits itself
    mux.on_result(result_of(pipeline_result::kind::rows, {{"2"}, {"2"}, {"2"}}));
    mux.on_result(result_of(pipeline_result::kind::sync));

    EXPECT_EQ(talk->completions, 1);
    EXPECT_FALSE(talk->error);
    EXPECT_EQ(talk->outcome, 23);
    EXPECT_EQ(later->completions, 0);
    EXPECT_TRUE(mux.has_pending());
}

TEST_F(PipelineMultiplexer, AConversationGetsItsStepsFailureAndCannotCopy) {
    multiplexer mux = make();
    auto talk = std::make_shared<recorded_op>();
    talk->what = pipeline_op::type::conversation;
    talk->make = [](const session_facts&) { return two_steps(); };
    mux.push(talk);
    ASSERT_TRUE(mux.take_segment());
    mux.on_result(refused("42P01"));
    mux.on_result(result_of(pipeline_result::kind::sync));
    EXPECT_EQ(sqlstate_of(talk->error), "42P01");  // rethrown at its co_await, out of the operation
    EXPECT_EQ(requeued, 0);

    auto copying = std::make_shared<recorded_op>();
    copying->what = pipeline_op::type::conversation;
    copying->make = [](const session_facts&) -> op<int> {
        co_await core::ops::copy_begin("COPY t FROM STDIN");
        co_return 0;
    };
    mux.push(copying);
    EXPECT_FALSE(mux.take_segment());
    EXPECT_FALSE(mux.awaiting());
    ASSERT_TRUE(copying->error);
    EXPECT_EQ(sqlstate_of(copying->error), "not a database_error");
}

TEST_F(PipelineMultiplexer, ACommitAnsweredWithRollbackFailsAndAStatementCompletes) {
    multiplexer mux = make({.in_transaction = true});
    auto begin = statement_op("BEGIN");
    auto commit = statement_op("COMMIT");
    mux.push(begin);
    mux.push(commit);
    ASSERT_TRUE(mux.take_segment());
    EXPECT_FALSE(mux.answer_checks_commit());
    mux.on_result(result_of(pipeline_result::kind::command_ok));
    mux.on_result(result_of(pipeline_result::kind::sync));
    EXPECT_EQ(begin->completions, 1);
    EXPECT_FALSE(begin->error);

    ASSERT_TRUE(mux.take_segment());
    EXPECT_TRUE(mux.answer_checks_commit());
    pipeline_result rolled_back = result_of(pipeline_result::kind::command_ok);
    rolled_back.error = std::make_exception_ptr(database_error("25P02", "rolled back", "", "", ""));
    mux.on_result(std::move(rolled_back));
    mux.on_result(result_of(pipeline_result::kind::sync));
    EXPECT_EQ(sqlstate_of(commit->error), "25P02");
}

std::exception_ptr cancelled(bool may_have_committed) {
    return std::make_exception_ptr(connection_error("cancelled", may_have_committed));
}

TEST_F(PipelineMultiplexer, CancellingBeforeTheSendWithdrawsTheOperation) {
    multiplexer mux = make({.prepare = false});
    auto withdrawn = insert_op({job_of("a")});
    auto kept = insert_op({job_of("b")});
    mux.push(withdrawn);
    mux.push(kept);
    EXPECT_FALSE(mux.cancel(withdrawn, false, false, cancelled));
    EXPECT_EQ(may_have_committed(withdrawn->error), false);
    EXPECT_TRUE(inserts(mux.take_segment(), {job_of("b")}, {"default"}));
    EXPECT_FALSE(mux.has_pending());
    EXPECT_FALSE(mux.cancel(withdrawn, true, true, cancelled));  // done already
    EXPECT_EQ(withdrawn->completions, 1);
}

TEST_F(PipelineMultiplexer, CancellingAfterTheSendAbandonsOnlyWhenAskedAndCancelsOnTheServerOnATimeout) {
    multiplexer mux = make({.prepare = false});
    const auto ops = push_inserts(mux, {"a", "b"});
    const recorded_ptr &a = ops[0], &b = ops[1];
    ASSERT_TRUE(mux.take_segment());

    EXPECT_FALSE(mux.cancel(a, false, false, cancelled));  // not terminal: the outcome is awaited
    EXPECT_EQ(a->completions, 0);
    EXPECT_TRUE(mux.cancel(a, true, false, cancelled));
    EXPECT_EQ(may_have_committed(a->error), true);
    EXPECT_FALSE(mux.server_cancel_due());  // b still awaits the statement
    EXPECT_TRUE(mux.cancel(b, true, true, cancelled));
    EXPECT_TRUE(mux.server_cancel_due());
    mux.server_cancel_sent();
    EXPECT_FALSE(mux.server_cancel_due());  // once

    mux.on_result(refused("57014"));
    mux.on_result(result_of(pipeline_result::kind::sync));
    EXPECT_EQ(a->completions, 1);
    EXPECT_EQ(b->completions, 1);
    EXPECT_EQ(requeued, 0);

    multiplexer in_transaction = make({.prepare = false, .in_transaction = true});
    auto c = insert_op({job_of("c")}, false);
    in_transaction.push(c);
    ASSERT_TRUE(in_transaction.take_segment());
    EXPECT_TRUE(in_transaction.cancel(c, true, true, cancelled));
    EXPECT_EQ(may_have_committed(c->error), false);
    EXPECT_FALSE(in_transaction.server_cancel_due());  // it would abort the caller's transaction
}

TEST_F(PipelineMultiplexer, AStrayCancelIsSentAgainOnceAndASecondIsReported) {
    multiplexer mux = make({.prepare = false});
    auto timed_out = insert_op({job_of("a")});
    mux.push(timed_out);
    ASSERT_TRUE(mux.take_segment());
    auto next = insert_op({job_of("b")});
    mux.push(next);
    ASSERT_TRUE(mux.take_segment());
    ASSERT_TRUE(mux.cancel(timed_out, true, true, cancelled));
    ASSERT_TRUE(mux.server_cancel_due());
    mux.server_cancel_sent();

    // The first statement ended before the cancel arrived; the cancel stopped the next.
    mux.on_result(result_of(pipeline_result::kind::rows, {inserted_row(1, job_of("a"))}));
    mux.on_result(result_of(pipeline_result::kind::sync));
    mux.on_result(refused("57014"));
    mux.on_result(result_of(pipeline_result::kind::sync));
    EXPECT_EQ(next->completions, 0);
    EXPECT_EQ(requeued, 1);

    ASSERT_TRUE(mux.take_segment());
    mux.on_result(refused("57014"));  // the server's own statement_timeout now
    mux.on_result(result_of(pipeline_result::kind::sync));
    EXPECT_EQ(sqlstate_of(next->error), "57014");
    EXPECT_EQ(requeued, 1);
}

TEST_F(PipelineMultiplexer, SendsNoMoreThanTheInFlightLimit) {
    multiplexer mux = make();
    for (std::size_t i = 0; i <= multiplexer::max_in_flight; ++i) mux.push(statement_op("SELECT 1"));
    for (std::size_t i = 0; i < multiplexer::max_in_flight; ++i) ASSERT_TRUE(mux.take_segment());
    EXPECT_TRUE(mux.has_pending());
    EXPECT_FALSE(mux.can_send());
    mux.on_result(result_of(pipeline_result::kind::rows, {{"1"}}));
    mux.on_result(result_of(pipeline_result::kind::sync));
    EXPECT_TRUE(mux.can_send());
    mux.fail_pending("closed");
    EXPECT_FALSE(mux.has_pending());
    EXPECT_EQ(finished, 2);
}

}  // namespace
}  // namespace riverqueue::libpq_async
