// Each insert fails on its own: rejected neighbours, cancellation, timeouts,
// a lost connection.
#include <gtest/gtest.h>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <riverqueue/errors.hpp>
#include <riverqueue/migrator.hpp>

#include "async_test_support.hpp"
#include "support/capture_stderr.hpp"

namespace riverqueue::testing {
namespace {

using asio::awaitable;
using asio::use_awaitable;

struct outcome {
    bool done = false;
    std::exception_ptr error;
    insert_result result;
};

auto record(outcome& into) {
    return [&into](std::exception_ptr error, insert_result r) {
        into.error = error;
        into.result = std::move(r);
        into.done = true;
    };
}

template <typename E>
const E* as(const std::exception_ptr& error, std::string& storage_for_message) {
    try {
        std::rethrow_exception(error);
    } catch (const E& e) {
        return &e;
    } catch (const std::exception& e) {
        storage_for_message = e.what();
    } catch (...) {
    }
    return nullptr;
}

class async_failure_test : public async_test {
protected:
    // Holds an exclusive lock on river_job in an open transaction of another
    // connection, so that inserts wait on the server until release().
    void lock_jobs() {
        locker_ = connection::open(database_url());
        locker_.execute("BEGIN");
        locker_.execute("LOCK TABLE " + table("river_job") + " IN ACCESS EXCLUSIVE MODE");
    }
    void release() { locker_.execute("ROLLBACK"); }
    // Waits until the server shows `count` of the client's inserts waiting for the lock.
    ::testing::AssertionResult wait_for_blocked(asio::io_context& io, int count) {
        const std::string sql = "SELECT count(*) FROM pg_stat_activity WHERE application_name = '" +
                                application_name() + "' AND wait_event_type = 'Lock'";
        return run_until(io, [&] { return query(sql) == std::to_string(count); });
    }
    // Inserts note `n`, which must succeed.
    void insert_ok(asio::io_context& io, async_client& client, int n) {
        outcome inserted;
        client.insert(note_args{n}, {}, record(inserted));
        ASSERT_TRUE(run_until(io, [&] { return inserted.done; }));
        ASSERT_FALSE(inserted.error) << describe(inserted.error);
    }
    // Starts the client's connection, so that later inserts are sent at once.
    void warm_up(asio::io_context& io, async_client& client) { insert_ok(io, client, -1); }

    connection locker_{nullptr};
};

TEST_F(async_failure_test, ARejectedInsertDoesNotFailItsNeighbours) {
    // PostgreSQL rejects one kind of job; the client cannot know that before sending.
    query("ALTER TABLE " + table("river_job") + " ADD CONSTRAINT no_rejected CHECK (kind <> 'rejected')");
    asio::io_context io;
    async_client client(io.get_executor(), options(1));
    constexpr int inserts = 120;
    std::vector<outcome> outcomes(inserts);
    for (int i = 0; i < inserts; ++i) {
        const bool rejected = i % 4 == 1;
        dynamic_args args{rejected ? "rejected" : "note", R"({"n":)" + std::to_string(i) + "}", {}};
        client.insert(args, {}, record(outcomes[static_cast<std::size_t>(i)]));
    }
    ASSERT_TRUE(run_until(io, [&] {
        return std::all_of(outcomes.begin(), outcomes.end(), [](const outcome& o) { return o.done; });
    }));
    int accepted = 0;
    for (int i = 0; i < inserts; ++i) {
        const outcome& o = outcomes[static_cast<std::size_t>(i)];
        if (i % 4 == 1) {
            std::string other;
            const auto* e = as<database_error>(o.error, other);
            ASSERT_NE(e, nullptr) << i << ": " << describe(o.error);
            EXPECT_EQ(e->sqlstate(), "23514");
            EXPECT_EQ(e->constraint(), "no_rejected");
        } else {
            EXPECT_FALSE(o.error) << i << ": " << describe(o.error);
            EXPECT_EQ(o.result.job.args, R"({"n": )" + std::to_string(i) + "}");
            ++accepted;
        }
    }
    EXPECT_EQ(job_count(), accepted);
    EXPECT_EQ(query("SELECT count(*) FROM " + table("river_job") + " WHERE kind = 'rejected'"), "0");
}

TEST_F(async_failure_test, AnInvalidInsertFailsAlone) {
    asio::io_context io;
    async_client client(io.get_executor(), options(1));
    outcome good1, bad, good2;
    insert_opts wrong;
    wrong.max_attempts = 0;
    wrong.queue = "bad queue";
    client.insert(note_args{1}, {}, record(good1));
    client.insert(note_args{2}, wrong, record(bad));
    client.insert(note_args{3}, {}, record(good2));
    ASSERT_TRUE(run_until(io, [&] { return good1.done && bad.done && good2.done; }));
    EXPECT_FALSE(good1.error);
    EXPECT_FALSE(good2.error);
    std::string other;
    EXPECT_NE(as<validation_error>(bad.error, other), nullptr) << describe(bad.error);
    EXPECT_EQ(job_count(), 2);
}

TEST_F(async_failure_test, CancellingBeforeSendingWithdrawsTheInsert) {
    asio::io_context io;
    async_client client(io.get_executor(), options(1));
    warm_up(io, client);
    asio::cancellation_signal signal;
    outcome cancelled, after;
    client.insert(note_args{1}, {}, asio::bind_cancellation_slot(signal.slot(), record(cancelled)));
    // Emitted before the client's strand has run: the insert is still waiting.
    signal.emit(asio::cancellation_type::total);
    client.insert(note_args{2}, {}, record(after));
    ASSERT_TRUE(run_until(io, [&] { return cancelled.done && after.done; }));
    std::string other;
    const auto* e = as<operation_cancelled>(cancelled.error, other);
    ASSERT_NE(e, nullptr) << describe(cancelled.error);
    EXPECT_FALSE(e->timed_out());
    EXPECT_FALSE(e->may_have_committed());
    EXPECT_FALSE(after.error) << describe(after.error);
    EXPECT_EQ(query("SELECT string_agg(args->>'n', ',' ORDER BY id) FROM " + table("river_job")), "-1,2");
}

TEST_F(async_failure_test, TerminalCancellationAfterSendingReportsAnUnknownOutcome) {
    asio::io_context io;
    async_client client(io.get_executor(), options(1));
    warm_up(io, client);
    lock_jobs();
    asio::cancellation_signal signal;
    outcome cancelled;
    client.insert(note_args{1}, {}, asio::bind_cancellation_slot(signal.slot(), record(cancelled)));
    ASSERT_TRUE(wait_for_blocked(io, 1));
    signal.emit(asio::cancellation_type::terminal);
    ASSERT_TRUE(run_until(io, [&] { return cancelled.done; }));
    std::string other;
    const auto* e = as<operation_cancelled>(cancelled.error, other);
    ASSERT_NE(e, nullptr) << describe(cancelled.error);
    EXPECT_FALSE(e->timed_out());
    EXPECT_TRUE(e->may_have_committed());
    release();
    // The connection goes on; the cancelled insert did reach the server.
    outcome after;
    client.insert(note_args{2}, {}, record(after));
    ASSERT_TRUE(run_until(io, [&] { return after.done; }));
    EXPECT_FALSE(after.error) << describe(after.error);
    EXPECT_EQ(query("SELECT string_agg(args->>'n', ',' ORDER BY id) FROM " + table("river_job")), "-1,1,2");
}

TEST_F(async_failure_test, PartialCancellationAfterSendingIsIgnored) {
    asio::io_context io;
    async_client client(io.get_executor(), options(1));
    warm_up(io, client);
    lock_jobs();
    asio::cancellation_signal signal;
    outcome waited;
    client.insert(note_args{1}, {}, asio::bind_cancellation_slot(signal.slot(), record(waited)));
    ASSERT_TRUE(wait_for_blocked(io, 1));
    signal.emit(asio::cancellation_type::partial);
    io.poll();
    EXPECT_FALSE(waited.done);
    release();
    ASSERT_TRUE(run_until(io, [&] { return waited.done; }));
    EXPECT_FALSE(waited.error) << describe(waited.error);
    EXPECT_GT(waited.result.job.id, 0);
}

TEST_F(async_failure_test, ATimeoutFailsTheWaitingInsertOnly) {
    asio::io_context io;
    async_client client(io.get_executor(), options(1));
    warm_up(io, client);
    lock_jobs();
    outcome timed, patient;
    client.insert(note_args{1}, {}, call_options{std::chrono::milliseconds(50)}, record(timed));
    client.insert(note_args{2}, {}, record(patient));
    // Blocked by the lock until released, so the timeout always expires first.
    ASSERT_TRUE(run_until(io, [&] { return timed.done; }));
    EXPECT_FALSE(patient.done);
    std::string other;
    const auto* e = as<operation_cancelled>(timed.error, other);
    ASSERT_NE(e, nullptr) << describe(timed.error);
    EXPECT_TRUE(e->timed_out());
    EXPECT_TRUE(e->may_have_committed());
    release();
    ASSERT_TRUE(run_until(io, [&] { return patient.done; }));
    EXPECT_FALSE(patient.error) << describe(patient.error);
}

TEST_F(async_failure_test, ALostConnectionFailsWhatWasSentAndTheClientReconnects) {
    asio::io_context io;
    async_client client(io.get_executor(), options(1));
    warm_up(io, client);
    lock_jobs();
    outcome in_flight;
    client.insert(note_args{1}, {}, record(in_flight));
    ASSERT_TRUE(wait_for_blocked(io, 1));
    query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = '" + application_name() +
          "'");
    ASSERT_TRUE(run_until(io, [&] { return in_flight.done; }));
    std::string other;
    const auto* e = as<connection_error>(in_flight.error, other);
    ASSERT_NE(e, nullptr) << describe(in_flight.error);
    EXPECT_TRUE(e->may_have_committed());
    release();
    outcome next;
    client.insert(note_args{2}, {}, record(next));
    ASSERT_TRUE(run_until(io, [&] { return next.done; }));
    EXPECT_FALSE(next.error) << describe(next.error);
    // The terminated backend's insert was rolled back.
    EXPECT_EQ(query("SELECT string_agg(args->>'n', ',' ORDER BY id) FROM " + table("river_job")), "-1,2");
}

// Faults (label faults too): a batch whose backend is terminated while the
// server runs it fails as a whole, with an unknown outcome, and leaves none of
// its jobs; the client reconnects.
TEST_F(async_failure_test, ABatchWhoseBackendIsTerminatedLeavesNoneOfItAndTheClientReconnects) {
    asio::io_context io;
    async_client client(io.get_executor(), options(1));
    warm_up(io, client);
    std::vector<insert_many_params> batch;
    for (int i = 0; i < 500; ++i) batch.push_back({dynamic_args{"note", R"({"n":)" + std::to_string(i) + "}", {}}, {}});
    lock_jobs();
    bool done = false;
    std::exception_ptr error;
    client.insert_many(batch, [&](std::exception_ptr e, std::vector<insert_result>) {
        error = e;
        done = true;
    });
    ASSERT_TRUE(wait_for_blocked(io, 1));
    query("SELECT pg_terminate_backend(pid, 10000) FROM pg_stat_activity WHERE application_name = '" +
          application_name() + "'");
    ASSERT_TRUE(run_until(io, [&] { return done; }));
    release();
    std::string other;
    const auto* e = as<connection_error>(error, other);
    ASSERT_NE(e, nullptr) << describe(error);
    EXPECT_TRUE(e->may_have_committed());
    EXPECT_EQ(job_count(), 1) << "only the warm-up job";
    insert_ok(io, client, 2);
    EXPECT_EQ(job_count(), 2);
}

// The schema dropped under a live client whose pipelined connection has
// River's statements prepared: a schema_error naming it, and inserts work
// again once the schema is back.
TEST_F(async_failure_test, ASchemaDroppedUnderALiveClientIsNamedAndTheClientWorksOnceItIsBack) {
    asio::io_context io;
    async_client client(io.get_executor(), options(1));
    for (int i = 0; i < 3; ++i) warm_up(io, client);  // repeated: prepared on the connection
    query("DROP SCHEMA \"" + schema_.name() + "\" CASCADE");
    outcome dropped;
    client.insert(note_args{1}, {}, record(dropped));
    ASSERT_TRUE(run_until(io, [&] { return dropped.done; }));
    std::string other;
    const auto* e = as<schema_error>(dropped.error, other);
    ASSERT_NE(e, nullptr) << describe(dropped.error);
    EXPECT_NE(std::string(e->what()).find(schema_.name()), std::string::npos) << e->what();
    query("CREATE SCHEMA \"" + schema_.name() + "\"");
    migrator(schema_.name()).migrate_up(admin_);
    insert_ok(io, client, 2);
    EXPECT_EQ(job_count(), 1);
}

// libpq prints an error that arrives on an idle connection (the FATAL of a
// backend terminated while the client waits for work) to stderr unless told
// otherwise: the asynchronous client, which reads its connection all the
// time, prints nothing, and reconnects for the next insert.
TEST_F(async_failure_test, ABackendTerminatedWhileIdlePrintsNothingOnStderr) {
    asio::io_context io;
    async_client client(io.get_executor(), options(1));
    warm_up(io, client);
    const std::string printed = stderr_of([&] {
        query("SELECT pg_terminate_backend(pid, 10000) FROM pg_stat_activity WHERE application_name = '" +
              application_name() + "'");
        // Long enough for the client to read the server's goodbye.
        io.run_for(std::chrono::milliseconds(300));
        io.restart();
        insert_ok(io, client, 1);
    });
    EXPECT_EQ(printed, "");
    EXPECT_EQ(job_count(), 2);
}

TEST_F(async_failure_test, AnUnreachableServerFailsWithNothingCommitted) {
    asio::io_context io;
    client_options opts = options(1);
    opts.conninfo = "postgresql:///postgres?host=/nonexistent-riverqueue-socket-dir";
    async_client client(io.get_executor(), opts);
    outcome failed;
    client.insert(note_args{1}, {}, record(failed));
    ASSERT_TRUE(run_until(io, [&] { return failed.done; }));
    std::string other;
    const auto* e = as<connection_error>(failed.error, other);
    ASSERT_NE(e, nullptr) << describe(failed.error);
    EXPECT_FALSE(e->may_have_committed());
}

}  // namespace
}  // namespace riverqueue::testing
