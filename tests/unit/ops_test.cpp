// The core's operations driven by a script, with no session and no server:
// the requests each one makes, in order, and what it does with the answers
// (rows, COPY counts, failures at every step).
#include <gtest/gtest.h>

#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <riverqueue/errors.hpp>

#include "core/copy_format.hpp"
#include "core/ops/client_inserts.hpp"
#include "core/ops/insert_statements.hpp"
#include "core/ops/operation.hpp"
#include "core/ops/streamed_inserts.hpp"

namespace riverqueue::core::ops {
namespace {

using cell = std::optional<std::string>;
using row = std::vector<cell>;

class text_rows final : public driver::rows {
public:
    explicit text_rows(std::vector<row> content, std::size_t columns = 19)
        : rows_(std::move(content)), columns_(columns) {}
    std::size_t row_count() const override { return rows_.size(); }
    std::size_t column_count() const override { return rows_.empty() ? columns_ : rows_[0].size(); }
    std::optional<std::string_view> cell(std::size_t r, std::size_t c) const override {
        if (!rows_[r][c]) return std::nullopt;
        return std::string_view(*rows_[r][c]);
    }

private:
    std::vector<row> rows_;
    std::size_t columns_;
};

// A text row of job_columns() plus the duplicate flag.
row job_row_text(std::int64_t id, const std::string& kind, bool duplicate = false) {
    return {std::to_string(id), "{}", "0", std::nullopt, std::nullopt, "946684801000000", std::nullopt,
            std::nullopt, kind, "25", "{}", "1", "default", "available", "946684801000000", "[]",
            std::nullopt, std::nullopt, duplicate ? "t" : "f"};
}

// The transport of these tests: records each request and answers it with the
// responder, which may fail it.
struct scripted_transport {
    std::vector<std::string> log;  // "query <sql prefix>", "copy_begin <sql>", "copy_write <n lines>", ...
    std::function<reply(const request&)> respond = [](const request&) { return reply{}; };

    template <typename T>
    T run(op<T> operation) {
        while (const request* next = operation.step()) {
            log.push_back(describe(*next));
            reply answer;
            try {
                answer = respond(*next);
            } catch (...) {
                answer.error = std::current_exception();
            }
            if (next->what == request::kind::query && !answer.rows && !answer.error) {
                answer.rows = std::make_unique<text_rows>(std::vector<row>{});
            }
            operation.answer(std::move(answer));
        }
        return operation.result();
    }

    static std::string describe(const request& req) {
        const std::string sql(req.statement.sql);
        switch (req.what) {
            case request::kind::query:
                return "query " + sql.substr(0, sql.find(' ', sql.find(' ') + 1));
            case request::kind::copy_begin:
                return "copy_begin " + sql;
            case request::kind::copy_write: {
                std::size_t lines = 0;
                for (char c : req.data) lines += c == '\n' ? 1 : 0;
                return "copy_write " + std::to_string(lines);
            }
            case request::kind::copy_end:
                return "copy_end";
            case request::kind::copy_abort:
                return "copy_abort";
            case request::kind::script:
                return "script " + sql;
        }
        return "?";
    }
};

const session_facts text_session{driver::result_format::text, 160000, true, true};

resolved_job plain_job(const std::string& kind, int priority = 1) {
    resolved_job j;
    j.kind = kind;
    j.args = "{}";
    j.queue = "default";
    j.metadata = "{}";
    j.priority = priority;
    return j;
}

resolved_job unique_job(const std::string& kind, std::uint8_t seed) {
    resolved_job j = plain_job(kind);
    std::array<std::uint8_t, 32> key{};
    key.fill(seed);
    j.unique_key = key;
    j.unique_states = 0xff;
    j.unique = unique_opts{.by_args = unique_by_args_all{}};
    return j;
}

job_source from(std::vector<resolved_job> jobs) {
    auto queue = std::make_shared<std::deque<resolved_job>>(jobs.begin(), jobs.end());
    return [queue]() -> std::optional<resolved_job> {
        if (queue->empty()) return std::nullopt;
        resolved_job next = std::move(queue->front());
        queue->pop_front();
        return next;
    };
}

// --- the operation machinery ---

op<int> answer_count(std::string_view sql) {
    const auto rows = co_await query({sql, {}, false, false});
    co_return static_cast<int>(rows->row_count());
}

op<int> sum_of_two() {
    const int a = co_await answer_count("SELECT 1");
    const int b = co_await answer_count("SELECT 2");
    co_return a + b;
}

TEST(Operation, NestedOperationsMakeTheirRequestsInOrderAndReturnValues) {
    scripted_transport transport;
    transport.respond = [](const request& req) {
        reply r;
        const std::size_t n = req.statement.sql == "SELECT 1" ? 1 : 3;
        r.rows = std::make_unique<text_rows>(std::vector<row>(n, row{"x"}), 1);
        return r;
    };
    EXPECT_EQ(transport.run(sum_of_two()), 4);
    EXPECT_EQ(transport.log, (std::vector<std::string>{"query SELECT 1", "query SELECT 2"}));
}

TEST(Operation, AFailedRequestIsRethrownAtItsAwaitAndOutOfTheOperation) {
    scripted_transport transport;
    transport.respond = [](const request& req) -> reply {
        if (req.statement.sql == "SELECT 2") throw database_error("42P01", "no table", "", "", "");
        return reply{};
    };
    try {
        transport.run(sum_of_two());
        FAIL() << "expected database_error";
    } catch (const database_error& e) {
        EXPECT_EQ(e.sqlstate(), "42P01");
    }
    EXPECT_EQ(transport.log.size(), 2u);
}

op<int> recovering() {
    std::exception_ptr failure;
    try {
        co_await answer_count("SELECT broken");
    } catch (...) {
        failure = std::current_exception();
    }
    co_return failure ? co_await answer_count("SELECT 1") : -1;
}

TEST(Operation, AnOperationMayCatchAFailureAndGoOn) {
    scripted_transport transport;
    transport.respond = [](const request& req) -> reply {
        if (req.statement.sql == "SELECT broken") throw connection_error("lost", false);
        return reply{};
    };
    EXPECT_EQ(transport.run(recovering()), 0);
    EXPECT_EQ(transport.log, (std::vector<std::string>{"query SELECT broken", "query SELECT 1"}));
}

TEST(Operation, AnOperationDestroyedMidwayFreesItsFrames) {
    // Under ASan this would report the nested frames as leaked.
    auto operation = sum_of_two();
    const request* first = operation.step();
    ASSERT_NE(first, nullptr);
    EXPECT_EQ(first->statement.sql, "SELECT 1");
    EXPECT_FALSE(operation.finished());
}

TEST(Operation, AnswerWithoutRowsIsTheTransportsFault) {
    auto operation = answer_count("SELECT 1");
    ASSERT_NE(operation.step(), nullptr);
    operation.answer(reply{});
    EXPECT_EQ(operation.step(), nullptr);
    EXPECT_THROW(operation.result(), error);
}

// --- insert_jobs ---

TEST(InsertJobsOp, OneStatementThatReturnsEachJobsRow) {
    scripted_transport transport;
    transport.respond = [](const request&) {
        reply r;
        r.rows = std::make_unique<text_rows>(std::vector<row>{job_row_text(1, "a"), job_row_text(2, "b")});
        return r;
    };
    const std::vector<resolved_job> jobs = {plain_job("a"), plain_job("b")};
    const auto results = transport.run(insert_jobs(text_session, "s", jobs, {"default"}, true));
    ASSERT_EQ(results.size(), 2u);
    EXPECT_EQ(results[1].job.id, 2);
    ASSERT_EQ(transport.log.size(), 1u);
    EXPECT_TRUE(transport.log[0].starts_with("query WITH") || transport.log[0].starts_with("query INSERT"))
        << transport.log[0];
}

TEST(InsertJobsOp, RowsForOtherJobsAreRefused) {
    scripted_transport transport;
    transport.respond = [](const request&) {
        reply r;
        r.rows = std::make_unique<text_rows>(std::vector<row>{job_row_text(1, "other")});
        return r;
    };
    const std::vector<resolved_job> jobs = {plain_job("a")};
    EXPECT_THROW(transport.run(insert_jobs(text_session, "s", jobs, {}, false)), error);
}

// --- the fast path ---

batch_insert answering_batches(std::vector<std::size_t>& sizes) {
    return [&sizes](std::span<const resolved_job> jobs) -> op<std::vector<insert_result>> {
        sizes.push_back(jobs.size());
        co_await query({"INSERT batch", {}, false, false});
        std::vector<insert_result> results(jobs.size());
        for (std::size_t i = 0; i < jobs.size(); ++i) results[i].job.kind = jobs[i].kind;
        co_return results;
    };
}

reply copied(std::uint64_t n) {
    reply r;
    r.copied = n;
    return r;
}

TEST(InsertFastOp, PlainJobsGoThroughOneCopyReopenedWithMoreColumnsWhenAJobNeedsThem) {
    std::vector<std::size_t> batches;
    scripted_transport transport;
    std::uint64_t lines = 0;
    transport.respond = [&](const request& req) {
        if (req.what == request::kind::copy_write) {
            for (char c : req.data) lines += c == '\n' ? 1 : 0;
        }
        if (req.what == request::kind::copy_end) return copied(std::exchange(lines, 0));
        return reply{};
    };
    std::vector<resolved_job> jobs(4000, plain_job("p"));            // one chunk, default columns
    jobs.insert(jobs.end(), 10, plain_job("q", 3));                  // a priority: the COPY reopens
    const auto outcome =
        transport.run(insert_fast(text_session, fast_insert_plan{"s", answering_batches(batches), 0}, from(jobs)));
    EXPECT_EQ(outcome.inserted, 4010u);
    EXPECT_TRUE(batches.empty());
    EXPECT_EQ(transport.log, (std::vector<std::string>{
                                 "copy_begin COPY \"s\".river_job (args, kind) FROM STDIN",
                                 "copy_write 4000",
                                 "copy_end",
                                 "copy_begin COPY \"s\".river_job (args, kind, priority) FROM STDIN",
                                 "copy_write 10",
                                 "copy_end",
                             }));
}

TEST(InsertFastOp, UniqueJobsEndTheCopyAndGoThroughTheBatchInsert) {
    std::vector<std::size_t> batches;
    scripted_transport transport;
    transport.respond = [](const request& req) { return req.what == request::kind::copy_end ? copied(4000) : reply{}; };
    std::vector<resolved_job> jobs(4000, plain_job("p"));
    jobs.push_back(unique_job("u", 1));
    jobs.push_back(unique_job("u", 2));
    const auto outcome =
        transport.run(insert_fast(text_session, fast_insert_plan{"s", answering_batches(batches), 0}, from(jobs)));
    EXPECT_EQ(outcome.inserted, 4002u);
    EXPECT_EQ(batches, (std::vector<std::size_t>{2}));
    EXPECT_EQ(transport.log, (std::vector<std::string>{"copy_begin COPY \"s\".river_job (args, kind) FROM STDIN",
                                                       "copy_write 4000", "copy_end", "query INSERT batch"}));
    EXPECT_EQ(outcome.notify.queues(), (std::vector<std::string>{"default"}));
}

TEST(InsertFastOp, ABadJobMidwayAbortsTheOpenCopy) {
    std::vector<std::size_t> batches;
    scripted_transport transport;
    std::size_t taken = 0;
    job_source failing = [&taken]() -> std::optional<resolved_job> {
        if (++taken > 4500) throw validation_error("jobs[4500].kind", "is required");
        return plain_job("p");
    };
    EXPECT_THROW(
        transport.run(insert_fast(text_session, fast_insert_plan{"s", answering_batches(batches), 0}, failing)),
        validation_error);
    EXPECT_EQ(transport.log, (std::vector<std::string>{"copy_begin COPY \"s\".river_job (args, kind) FROM STDIN",
                                                       "copy_write 4000", "copy_abort"}));
}

TEST(InsertFastOp, ARefusedCopyIsNotAbortedAgain) {
    std::vector<std::size_t> batches;
    scripted_transport transport;
    transport.respond = [](const request& req) -> reply {
        if (req.what == request::kind::copy_end) throw database_error("23514", "check", "", "", "");
        return reply{};
    };
    const std::vector<resolved_job> jobs(3, plain_job("p"));
    EXPECT_THROW(
        transport.run(insert_fast(text_session, fast_insert_plan{"s", answering_batches(batches), 0}, from(jobs))),
        database_error);
    EXPECT_EQ(transport.log.back(), "copy_end");
}

TEST(InsertFastOp, WithoutCopyPlainJobsGoThroughTheBatchInsertInChunks) {
    std::vector<std::size_t> batches;
    scripted_transport transport;
    session_facts no_copy = text_session;
    no_copy.supports_copy = false;
    const std::vector<resolved_job> jobs(9000, plain_job("p"));
    const auto outcome =
        transport.run(insert_fast(no_copy, fast_insert_plan{"s", answering_batches(batches), 0}, from(jobs)));
    EXPECT_EQ(outcome.inserted, 9000u);
    EXPECT_EQ(batches, (std::vector<std::size_t>{4000, 4000, 1000}));
}

TEST(InsertFastOp, AlwaysColumnsAreSentEvenAtTheirDefault) {
    std::vector<std::size_t> batches;
    scripted_transport transport;
    const std::vector<resolved_job> jobs(1, plain_job("p"));
    transport.run(insert_fast(text_session, fast_insert_plan{"s", answering_batches(batches), copy_max_attempts | copy_tags},
                              from(jobs)));
    EXPECT_EQ(transport.log.front(), "copy_begin COPY \"s\".river_job (args, kind, max_attempts, tags) FROM STDIN");
}

// --- the chunked (streamed) insert ---

TEST(InsertChunkedOp, SendsFullChunksAndTheRestAndHandsEachRowBackWithItsIndex) {
    std::vector<std::size_t> batches;
    scripted_transport transport;
    std::vector<std::size_t> indexes;
    const std::vector<resolved_job> jobs(7, plain_job("p"));
    const auto outcome = transport.run(insert_chunked(answering_batches(batches), 3, from(jobs),
                                                      [&](std::size_t i, const insert_result&) { indexes.push_back(i); }));
    EXPECT_EQ(outcome.jobs, 7u);
    EXPECT_EQ(batches, (std::vector<std::size_t>{3, 3, 1}));
    EXPECT_EQ(indexes, (std::vector<std::size_t>{0, 1, 2, 3, 4, 5, 6}));
}

TEST(InsertChunkedOp, AFailedChunkStopsTheBatch) {
    std::vector<std::size_t> batches;
    scripted_transport transport;
    int statements = 0;
    transport.respond = [&](const request&) -> reply {
        if (++statements == 2) throw connection_error("lost", true);
        return reply{};
    };
    const std::vector<resolved_job> jobs(7, plain_job("p"));
    EXPECT_THROW(transport.run(insert_chunked(answering_batches(batches), 3, from(jobs), {})), connection_error);
    EXPECT_EQ(batches, (std::vector<std::size_t>{3, 3}));
}

// --- the clients' inserts ---

insert_context context_for(int version, std::vector<std::string>* asked = nullptr) {
    return insert_context{"s", version, 0, [asked](const std::vector<std::string>& queues) {
                              if (asked != nullptr) asked->insert(asked->end(), queues.begin(), queues.end());
                              return queues;
                          }};
}

TEST(ClientInsertsOp, StreamedOnAnOldSchemaRefusesAJobItCannotStoreNamingItsPosition) {
    scripted_transport transport;
    std::vector<resolved_job> jobs(2, plain_job("p"));
    jobs[1].state = job_state::pending;  // version 3 has no pending state
    try {
        transport.run(insert_streamed(text_session, context_for(3), from(jobs), {}));
        FAIL() << "expected validation_error";
    } catch (const validation_error& e) {
        EXPECT_TRUE(e.field().starts_with("jobs[1]")) << e.field();
    }
    EXPECT_TRUE(transport.log.empty());  // the first chunk was not full yet: nothing sent
}

TEST(ClientInsertsOp, StreamedNotifiesOnceAfterTheLastChunkAndCountsRows) {
    scripted_transport transport;
    transport.respond = [](const request& req) {
        reply r;
        if (req.statement.sql.find("pg_notify") != std::string_view::npos && req.statement.sql.starts_with("SELECT")) {
            return r;
        }
        r.rows = std::make_unique<text_rows>(std::vector<row>{job_row_text(1, "p")});
        return r;
    };
    std::vector<std::string> asked;
    const std::vector<resolved_job> jobs(1, plain_job("p"));
    const auto summary = transport.run(insert_streamed(text_session, context_for(7, &asked), from(jobs), {}));
    EXPECT_EQ(summary.jobs, 1u);
    EXPECT_EQ(summary.inserted, 1u);
    EXPECT_EQ(asked, (std::vector<std::string>{"default"}));
    ASSERT_EQ(transport.log.size(), 2u);
}

TEST(ClientInsertsOp, RoutesOnTheSchemaVersion) {
    const resolved_job advisory = [] {
        resolved_job j = unique_job("u", 1);
        j.unique = unique_opts{.by_args = unique_by_args_all{},
                               .by_state = std::vector<job_state>{job_state::available, job_state::running}};
        return j;
    }();
    EXPECT_TRUE(single_insert_needs_transaction(context_for(5), advisory));
    EXPECT_FALSE(single_insert_needs_transaction(context_for(6), advisory));
    EXPECT_FALSE(single_insert_needs_transaction(context_for(5), plain_job("p")));
    EXPECT_TRUE(batch_insert_needs_transaction(context_for(2)));
    EXPECT_FALSE(batch_insert_needs_transaction(context_for(8)));
}

TEST(ClientInsertsOp, ResolvingAnEmptyBatchIsRefused) {
    const std::vector<insert_many_params> none;
    EXPECT_THROW(resolving(none, {}, time_point{}), validation_error);
    const job_generator empty = [] { return std::optional<insert_many_params>(); };
    job_source source = resolving(empty, {}, time_point{});
    EXPECT_THROW(source(), validation_error);
}

}  // namespace
}  // namespace riverqueue::core::ops
