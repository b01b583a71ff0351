// Timeouts against real servers: libpq's connect_timeout against a server
// that accepts and never answers; client_options::statement_timeout on every
// insert path, directly, through PgBouncer in transaction pooling and from the
// CLI; and the asynchronous client's per-call timeout, which must also stop
// the statement on the server. Inserts are held up by another connection's
// ACCESS EXCLUSIVE lock on river_job, so that they wait until cancelled.
#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include <riverqueue/client.hpp>
#include <riverqueue/connection.hpp>
#include <riverqueue/errors.hpp>

#ifdef RIVERQUEUE_TEST_ASYNC
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <riverqueue/async_client.hpp>
#endif

#ifdef RIVERQUEUE_CLI_PATH
#include "cli_runner.hpp"
#endif
#include "support/river_on_server.hpp"
#include "support/servers.hpp"
#include "support/silent_listener.hpp"
#include "support/test_database.hpp"

namespace riverqueue::deploy {
namespace {

using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

// Generous: these bounds prove that nothing hangs, they measure nothing.
constexpr auto no_hang = 30s;
constexpr std::chrono::milliseconds limit{300};

std::vector<insert_many_params> notes(int from, int count) {
    std::vector<insert_many_params> jobs;
    for (int i = from; i < from + count; ++i) jobs.push_back(make_insert_many_params(note_args{i}));
    return jobs;
}

// `conninfo` (a URI or key=value pairs) with one more parameter.
std::string with_parameter(const std::string& conninfo, const std::string& key, const std::string& value) {
    const bool uri = conninfo.rfind("postgres://", 0) == 0 || conninfo.rfind("postgresql://", 0) == 0;
    if (!uri) return conninfo + " " + key + "=" + value;
    return conninfo + (conninfo.find('?') == std::string::npos ? "?" : "&") + key + "=" + value;
}

// Polls `done` until it holds or `limit` passes.
bool eventually(const std::function<bool()>& done, steady::duration within = 10s) {
    const auto deadline = steady::now() + within;
    while (!done()) {
        if (steady::now() > deadline) return false;
        std::this_thread::sleep_for(20ms);
    }
    return true;
}

using testing::silent_listener;

TEST(ConnectTimeout, AServerThatNeverAnswersFailsTheInsertInsteadOfHanging) {
    silent_listener listener;
    client_options options;
    options.conninfo = "host=127.0.0.1 port=" + std::to_string(listener.port()) + " connect_timeout=2";
    client c(options);
    const auto started = steady::now();
    try {
        c.insert(note_args{1});
        ADD_FAILURE() << "the insert succeeded against a server that never answers";
    } catch (const connection_error& e) {
        EXPECT_NE(std::string(e.what()).find("timeout expired"), std::string::npos) << e.what();
        EXPECT_FALSE(e.may_have_committed());
    }
    EXPECT_LT(steady::now() - started, 10s);
    // It was this listener that kept the client waiting, not a refusal.
    EXPECT_GE(listener.accepted(), 1);
}

// Holds an ACCESS EXCLUSIVE lock on `table` in an open transaction of a
// connection of its own, so that every statement touching the table waits
// until release() (or destruction).
class table_lock {
public:
    explicit table_lock(const std::string& table) : conn_(connection::open(testing::database_url())), tx_(conn_) {
        conn_.execute("LOCK TABLE " + table + " IN ACCESS EXCLUSIVE MODE");
    }
    void release() { tx_.rollback(); }

private:
    connection conn_;
    transaction tx_;
};

// Calls `call`, which must fail with the statement_timeout's 57014 (keeping
// PostgreSQL's message) rather than succeed or hang.
void expect_statement_timeout(const std::string& what, const std::function<void()>& call) {
    const auto started = steady::now();
    try {
        call();
        ADD_FAILURE() << what << " succeeded behind the lock";
    } catch (const database_error& e) {
        EXPECT_EQ(e.sqlstate(), "57014") << what << ": " << e.what();
        EXPECT_NE(e.message().find("statement_timeout of 300 ms reached"), std::string::npos) << what << ": " << e.what();
        EXPECT_NE(e.message().find("canceling statement"), std::string::npos) << what << ": " << e.what();
    } catch (const std::exception& e) {
        ADD_FAILURE() << what << " failed otherwise: " << e.what();
    }
    EXPECT_LT(steady::now() - started, no_hang) << what;
}

class StatementTimeout : public testing::migrated_schema_test {
protected:
    std::string table() const { return "\"" + schema_.name() + "\".river_job"; }
    long job_count() { return std::stol(scalar("SELECT count(*) FROM " + table())); }
    // Unique to the test, to find its connections in pg_stat_activity.
    std::string application_name() const { return "rq_timeout_" + schema_.name(); }
    std::string backend_pids() {
        return scalar("SELECT string_agg(pid::text, ',' ORDER BY pid) FROM pg_stat_activity WHERE application_name = '" +
                      application_name() + "'");
    }

    client_options options_for(const std::string& conninfo) const {
        client_options options;
        options.conninfo = conninfo;
        options.schema = schema_.name();
        options.pool_size = 1;  // so that the connection that timed out is the one reused
        options.statement_timeout = limit;
        return options;
    }

    // With river_job locked, every insert path of a client with `options`
    // fails with 57014 (the _tx form on a connection to `caller_conninfo`);
    // once the lock is gone none of them left a row, and the client inserts
    // again. With `same_backend`, its connections are found by
    // application_name: pool_size is 1 and the pool drops a connection it
    // cannot reuse, so an unchanged backend means the timed-out one went on.
    void expect_every_insert_times_out(const client_options& options, const std::string& caller_conninfo,
                                       bool same_backend) {
        client c(options);
        // Connected and the schema's version known, so that what times out
        // below is each insert itself.
        c.insert(note_args{0});
        const std::string backend = backend_pids();
        {
            table_lock lock(table());
            expect_statement_timeout("insert", [&] { c.insert(note_args{1}); });
            expect_statement_timeout("insert_many", [&] { c.insert_many(notes(2, 3)); });
            expect_statement_timeout("insert_many_fast (COPY)", [&] { c.insert_many_fast(notes(5, 3)); });
            connection caller = connection::open(caller_conninfo);
            transaction tx(caller);
            expect_statement_timeout("insert_tx", [&] { c.insert_tx(tx, note_args{8}); });
            tx.rollback();
            lock.release();
        }
        EXPECT_EQ(job_count(), 1) << "a cancelled insert left rows";
        EXPECT_FALSE(c.insert(note_args{9}).unique_skipped_as_duplicated);
        EXPECT_EQ(job_count(), 2);
        if (same_backend) {
            EXPECT_NE(backend, "");
            EXPECT_EQ(backend_pids(), backend);
        }
    }
};

TEST_F(StatementTimeout, EveryInsertPathFailsWith57014AndTheConnectionIsReused) {
    expect_every_insert_times_out(
        options_for(with_parameter(testing::database_url(), "application_name", application_name())),
        testing::database_url(), true);
}

// A cancel request, not a session SET, so that it works through PgBouncer in
// transaction pooling, where a SET would stay on a server connection for the
// next client.
TEST_F(StatementTimeout, ThroughPgBouncerInTransactionPooling) {
    const socket_address database = test_database_socket();
    pgbouncer bouncer(database.dir, database.port, pgbouncer_settings{});
    client_options options = options_for(bouncer.conninfo());
    options.prepared_statements = false;  // what transaction pooling needs (docs/deployment.md)
    expect_every_insert_times_out(options, bouncer.conninfo(), false);
    // Two transactions at once hold PgBouncer's two server connections:
    // neither was left with a statement_timeout.
    connection first = connection::open(bouncer.conninfo());
    connection second = connection::open(bouncer.conninfo());
    transaction on_first(first);
    transaction on_second(second);
    EXPECT_EQ(testing::scalar(first.native_handle(), "SHOW statement_timeout"), "0");
    EXPECT_EQ(testing::scalar(second.native_handle(), "SHOW statement_timeout"), "0");
}

#ifdef RIVERQUEUE_CLI_PATH
TEST_F(StatementTimeout, TheCliFlag) {
    const std::vector<std::string> insert = {"insert", "--kind", "note", "--args", "{}", "--database-url",
                                             testing::database_url(), "--schema", schema_.name()};
    auto with = [&](const std::string& value) {
        auto args = insert;
        args.push_back("--statement-timeout");
        args.push_back(value);
        return testing::run_cli(args);
    };
    const testing::cli_result negative = with("-1");
    EXPECT_EQ(negative.status, 2) << negative.err;
    {
        table_lock lock(table());
        const testing::cli_result blocked = with("300");
        EXPECT_EQ(blocked.status, 1) << blocked.err;
        EXPECT_NE(blocked.err.find("SQLSTATE 57014"), std::string::npos) << blocked.err;
        EXPECT_NE(blocked.err.find("statement_timeout of 300 ms reached"), std::string::npos) << blocked.err;
        lock.release();
    }
    EXPECT_EQ(job_count(), 0);
    const testing::cli_result unblocked = with("300");
    EXPECT_EQ(unblocked.status, 0) << unblocked.err;
    EXPECT_EQ(job_count(), 1);
}
#endif

#ifdef RIVERQUEUE_TEST_ASYNC
// An insert already sent when its call timeout expires completes with
// operation_cancelled, and its statement is cancelled on the server too:
// otherwise it would wait on the lock for as long as the lock is held, and
// insert its row afterwards.
TEST_F(StatementTimeout, AsyncCallTimeoutCancelsTheStatementOnTheServer) {
    namespace asio = boost::asio;
    asio::io_context io;
    auto work = asio::make_work_guard(io);
    std::thread runner([&] { io.run(); });
    client_options options = options_for(with_parameter(testing::database_url(), "application_name", application_name()));
    options.statement_timeout = {};  // the call's timeout alone
    const std::string waiting = "SELECT count(*) FROM pg_stat_activity WHERE application_name = '" +
                                application_name() + "' AND wait_event_type = 'Lock'";
    {
        async_client c(io.get_executor(), options);
        // Connected, so that the insert below is sent at once.
        c.insert(note_args{0}, insert_opts{}, asio::use_future).get();
        table_lock lock(table());
        auto timed = c.insert(note_args{1}, insert_opts{}, call_options{limit}, asio::use_future);
        // No ASSERT while `runner` runs: leaving early would not join it.
        EXPECT_EQ(timed.wait_for(no_hang), std::future_status::ready);
        try {
            timed.get();
            ADD_FAILURE() << "the insert succeeded behind the lock";
        } catch (const operation_cancelled& e) {
            EXPECT_TRUE(e.timed_out());
            // True only for an insert that was sent (one still queued is withdrawn).
            EXPECT_TRUE(e.may_have_committed());
        } catch (const std::exception& e) {
            ADD_FAILURE() << "failed otherwise: " << e.what();
        }
        EXPECT_TRUE(eventually([&] { return scalar(waiting) == "0"; })) << "the INSERT still waits on the server";
        lock.release();
        // The connection goes on after the cancelled statement.
        EXPECT_GT(c.insert(note_args{2}, insert_opts{}, asio::use_future).get().job.id, 0);
    }
    work.reset();
    runner.join();
    EXPECT_EQ(job_count(), 2) << "the timed-out insert ran after all";
}
#endif

}  // namespace
}  // namespace riverqueue::deploy
