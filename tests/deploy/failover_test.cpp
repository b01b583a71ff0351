// A primary with a streaming standby, both started by the test: multi-host
// conninfo finds the primary, the same client carries on after the standby
// is promoted, an insert in flight when the primary dies says honestly
// whether it may have committed, and a standby alone is a clear error.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <exception>
#include <functional>
#include <future>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <riverqueue/client.hpp>
#include <riverqueue/connection.hpp>
#include <riverqueue/errors.hpp>
#include <riverqueue/migrator.hpp>

#include "support/river_on_server.hpp"
#include "support/servers.hpp"
#include "support/test_database.hpp"

namespace riverqueue::deploy {
namespace {

using namespace std::chrono_literals;
using testing::scalar;

const std::string& schema = river_schema;

// Asked over the server's trusted unix socket, so that checks never go
// through the client or the multi-host conninfo under test.
std::string ask(const postgres_server& server, const std::string& sql) {
    auto conn = connection::open(server.socket_conninfo());
    return scalar(conn.native_handle(), sql);
}

// How many of `ids` are rows on `server`: the client's answer is only worth
// something if the rows it reported are where it says.
long jobs_present(const postgres_server& server, const std::vector<std::int64_t>& ids) {
    std::string list;
    for (const auto id : ids) list += (list.empty() ? "" : ",") + std::to_string(id);
    return std::stol(ask(server, "SELECT count(*) FROM " + schema + ".river_job WHERE id IN (" + list + ")"));
}

// Polls `condition` until it holds, for at most `limit`.
template <typename Condition>
bool eventually(Condition condition, std::chrono::milliseconds limit = 30s) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
        try {
            if (condition()) return true;
        } catch (const std::exception&) {
            // A server still starting or promoting: ask again.
        }
        std::this_thread::sleep_for(20ms);
    }
    return false;
}

// Replication is asynchronous: waits until `standby` has replayed everything
// `primary` has written so far.
void wait_for_replay(const postgres_server& primary, const postgres_server& standby) {
    const std::string lsn = ask(primary, "SELECT pg_current_wal_lsn()");
    if (!eventually([&] { return ask(standby, "SELECT pg_last_wal_replay_lsn() >= '" + lsn + "'") == "t"; })) {
        throw std::runtime_error("the standby did not replay up to " + lsn + "; its log: " + standby.log_path());
    }
}

// A primary and its standby, River migrated on the primary after the standby
// started, so that the schema reaches the standby by streaming replication.
struct replicated_pair {
    postgres_server primary;
    postgres_server standby;
};

replicated_pair start_replicated_pair() {
    postgres_server primary;
    postgres_server standby = postgres_server::standby_of(primary);
    migrate(primary);
    wait_for_replay(primary, standby);
    if (ask(standby, "SELECT to_regclass('" + schema + ".river_job') IS NOT NULL") != "t") {
        throw std::runtime_error("the standby has replayed the migration but has no river_job");
    }
    return {std::move(primary), std::move(standby)};
}

client client_for(const std::string& conninfo, std::size_t pool_size, bool notify = true) {
    client_options options;
    options.conninfo = conninfo;
    options.schema = schema;
    options.pool_size = pool_size;
    options.notify = notify;
    // Every insert notifies, so that each call of a path sends the same
    // statement text (and a warmed connection has it prepared).
    options.notify_cooldown = 0ms;
    return client(options);
}

std::string both_hosts(const postgres_server& first, const postgres_server& second) {
    return "host=127.0.0.1,127.0.0.1 port=" + std::to_string(first.port()) + "," + std::to_string(second.port()) +
           " dbname=postgres user=postgres target_session_attrs=read-write connect_timeout=5";
}

// Runs `work` on a thread; the future holds what it threw, or null.
std::future<std::exception_ptr> in_background(std::function<void()> work) {
    return std::async(std::launch::async, [work = std::move(work)]() -> std::exception_ptr {
        try {
            work();
        } catch (...) {
            return std::current_exception();
        }
        return nullptr;
    });
}

// The exception a background call ended with, if it ended within the bound.
std::exception_ptr outcome(std::future<std::exception_ptr>& future) {
    if (future.wait_for(30s) != std::future_status::ready) throw std::runtime_error("the call did not end within 30 s");
    return future.get();
}

// River's table locked (ACCESS EXCLUSIVE, in an open transaction) on
// `server`: an insert then waits on the lock until release() or the
// server's death, in the middle of its statement.
class table_lock {
public:
    explicit table_lock(const postgres_server& server) : conn_(connection::open(server.socket_conninfo())) {
        conn_.execute("BEGIN; LOCK TABLE " + schema + ".river_job IN ACCESS EXCLUSIVE MODE");
    }
    void release() { conn_.execute("COMMIT"); }

private:
    connection conn_;
};

// Waits until `count` backends on `server` wait as `condition` says (a
// pg_stat_activity predicate), so that the calls are known to be in flight.
bool backends_waiting(const postgres_server& server, int count, const std::string& condition) {
    return eventually([&] {
        return ask(server, "SELECT count(*) FROM pg_stat_activity WHERE " + condition) == std::to_string(count);
    });
}

const std::string on_lock = "wait_event_type = 'Lock'";
const std::string on_sync_standby = "wait_event = 'SyncRep'";

TEST(Failover, TheSameClientInsertsIntoThePromotedStandby) {
    auto [primary, standby] = start_replicated_pair();
    // The standby is listed first: target_session_attrs=read-write makes
    // libpq skip it, which is what finds the primary.
    const std::string conninfo = both_hosts(standby, primary);
    constexpr std::size_t pool_size = 2;
    auto c = client_for(conninfo, pool_size);

    // Two inserts held on a lock at once make the pool open both its
    // connections to the primary, so that the failover below meets a full
    // pool of connections that are stale.
    std::vector<std::int64_t> before(pool_size);
    {
        // Declared first, destroyed last: should an assertion return early,
        // the lock goes (its connection closed) before the futures wait.
        std::vector<std::future<std::exception_ptr>> calls;
        table_lock lock(primary);
        for (std::size_t i = 0; i < pool_size; ++i) {
            calls.push_back(in_background([&, i] { before[i] = c.insert(note_args{static_cast<int>(i)}).job.id; }));
        }
        ASSERT_TRUE(backends_waiting(primary, static_cast<int>(pool_size), on_lock));
        lock.release();
        for (auto& call : calls) ASSERT_EQ(outcome(call), nullptr);
    }
    before.push_back(c.insert(note_args{2}).job.id);
    EXPECT_EQ(jobs_present(primary, before), 3);
    {
        auto conn = connection::open(conninfo);
        EXPECT_EQ(scalar(conn.native_handle(), "SELECT pg_is_in_recovery()"), "f");
        EXPECT_EQ(scalar(conn.native_handle(), "SHOW port"), std::to_string(primary.port()));
    }
    wait_for_replay(primary, standby);

    primary.stop("immediate");
    standby.promote();

    // What the pool does, exactly: before it hands out an idle connection it
    // reads what the server left on it, so a connection whose server went
    // away (here: the stopped primary, whose exit closed every socket) is
    // seen to be dead and dropped, not used. The pool then opens new
    // connections, which libpq points at the promoted standby: every insert
    // after the failover succeeds, with no manual step and no error. (A
    // server that dies while a statement is in flight is the other case:
    // connection_error with may_have_committed(), in the tests below.)
    constexpr int attempts = 10;
    std::vector<std::int64_t> after;
    for (int i = 0; i < attempts; ++i) {
        try {
            after.push_back(c.insert(note_args{100 + i}).job.id);
        } catch (const connection_error& e) {
            ADD_FAILURE() << "insert " << i << " after the failover failed: " << e.what();
        }
    }
    ASSERT_EQ(after.size(), static_cast<std::size_t>(attempts));
    EXPECT_EQ(jobs_present(standby, after), static_cast<long>(after.size()));
    // The rows of before the failover, replicated, and the new ones; none of
    // the failed inserts.
    EXPECT_EQ(job_count(standby), static_cast<long>(before.size() + after.size()));
    EXPECT_EQ(jobs_present(standby, before), static_cast<long>(before.size()));
    auto conn = connection::open(conninfo);
    EXPECT_EQ(scalar(conn.native_handle(), "SELECT pg_is_in_recovery()"), "f");
    EXPECT_EQ(scalar(conn.native_handle(), "SHOW port"), std::to_string(standby.port()));
}

// Each of the client's own insert paths, with whether it is one
// self-committing statement (no BEGIN/COMMIT around it) and how many rows it
// writes.
struct insert_path {
    std::string name;
    std::function<void(client&)> insert;
    bool self_committing;
    long rows;
};

std::vector<insert_path> insert_paths() {
    static const std::vector<insert_many_params> batch = {make_insert_many_params(note_args{1}),
                                                          make_insert_many_params(note_args{2})};
    return {
        {"insert", [](client& c) { c.insert(note_args{0}); }, true, 1},
        {"insert_many of a span", [](client& c) { c.insert_many(batch); }, true, 2},
        {"streamed insert_many",
         [](client& c) {
             auto jobs = batch;
             c.insert_many(generate_from(jobs), {});
         },
         false, 2},
        {"insert_many_fast", [](client& c) { c.insert_many_fast(batch); }, false, 2},
    };
}

// Runs every insert path at once on `server`, each on a client of its own
// with one connection, waits until all of them wait as `waiting` says, kills
// the server and returns what each path threw.
std::vector<std::exception_ptr> kill_server_under(postgres_server& server, const std::vector<insert_path>& paths,
                                                  std::vector<client>& clients, const std::string& waiting) {
    std::vector<std::future<std::exception_ptr>> calls;
    for (std::size_t i = 0; i < paths.size(); ++i) {
        calls.push_back(in_background([&, i] { paths[i].insert(clients[i]); }));
    }
    const bool all_waiting = backends_waiting(server, static_cast<int>(paths.size()), waiting);
    // What the backends were doing instead, for the failure message.
    const std::string activity =
        all_waiting ? std::string()
                    : ask(server, "SELECT string_agg(concat_ws(' ', state, wait_event_type, wait_event, query), E'\\n') "
                                  "FROM pg_stat_activity WHERE backend_type = 'client backend'");
    server.stop("immediate");
    if (!all_waiting) throw std::runtime_error("not every insert reached the wait on " + waiting + ":\n" + activity);
    std::vector<std::exception_ptr> errors;
    for (auto& call : calls) errors.push_back(outcome(call));
    return errors;
}

// The connection_error that `error` holds, or a test failure.
void expect_connection_error(const std::exception_ptr& error, const std::string& path, bool may_have_committed) {
    SCOPED_TRACE(path);
    if (!error) {
        ADD_FAILURE() << "the insert succeeded on a server that was killed";
        return;
    }
    try {
        std::rethrow_exception(error);
    } catch (const connection_error& e) {
        EXPECT_EQ(e.may_have_committed(), may_have_committed) << e.what();
    } catch (const std::exception& e) {
        ADD_FAILURE() << "expected a connection_error, got: " << e.what();
    }
}

// Inserts blocked on a lock when the primary dies, that is before anything of
// them could commit: a self-committing statement was sent, so the client
// cannot know and says it may have committed; a batch in BEGIN/COMMIT had not
// sent its COMMIT, so it says it did not. The restarted server then shows
// that none committed. (A statement still being prepared cannot have
// committed either: each client is warmed with the same call first, so that
// what waits on the lock is the execution of a prepared statement.)
TEST(Failover, InsertsBlockedBeforeCommitReportWhetherTheyMayHaveCommitted) {
    postgres_server primary;
    migrate(primary);
    const auto paths = insert_paths();
    std::vector<client> clients;
    long warm_rows = 0;
    for (const auto& path : paths) {
        clients.push_back(client_for(primary.conninfo(), 1));
        path.insert(clients.back());
        warm_rows += path.rows;
    }
    std::vector<std::exception_ptr> errors;
    {
        table_lock lock(primary);
        errors = kill_server_under(primary, paths, clients, on_lock);
    }
    for (std::size_t i = 0; i < paths.size(); ++i) {
        expect_connection_error(errors[i], paths[i].name, paths[i].self_committing);
    }
    primary.start();
    EXPECT_EQ(job_count(primary), warm_rows);
}

// Inserts whose commit waits for a synchronous standby that never connects
// when the primary dies: the commit is already in the primary's WAL, so after
// a restart the rows are there, although every call failed. Each path must
// say it may have committed: this is the case that makes the flag necessary.
TEST(Failover, InsertsWhoseCommitWasSentReportTheyMayHaveCommitted) {
    postgres_settings settings;
    settings.conf = {"synchronous_standby_names = 'absent_standby'"};
    postgres_server primary(settings);
    migrate(primary, true);
    const auto paths = insert_paths();
    std::vector<client> clients;
    long sent_rows = 0;
    for (const auto& path : paths) {
        // Without notifications: a notifying transaction holds PostgreSQL's
        // notify queue lock from before its commit record until it ends, so
        // the others would wait on that lock, not yet committed.
        clients.push_back(client_for(primary.conninfo(), 1, false));
        sent_rows += path.rows;
    }
    const auto errors = kill_server_under(primary, paths, clients, on_sync_standby);
    for (std::size_t i = 0; i < paths.size(); ++i) expect_connection_error(errors[i], paths[i].name, true);
    primary.start();
    EXPECT_EQ(job_count(primary), sent_rows);
}

// Connected to a standby, PostgreSQL refuses the write. The error is the
// server's, not the connection's, and the library sends the insert nowhere
// else: the next insert of the same client gets the same answer.
TEST(Failover, AStandbyAloneRefusesTheInsertWith25006) {
    auto [primary, standby] = start_replicated_pair();
    auto c = client_for(standby.conninfo(), 1);
    for (int attempt = 0; attempt < 2; ++attempt) {
        try {
            c.insert(note_args{attempt});
            ADD_FAILURE() << "a standby accepted an insert";
        } catch (const database_error& e) {
            EXPECT_EQ(e.sqlstate(), "25006") << e.what();
        }
    }
    EXPECT_EQ(job_count(primary), 0);
}

// Asked for a read-write server, libpq finds none: the connection itself
// fails, before anything was sent.
TEST(Failover, AStandbyAloneWithReadWriteRequiredIsAConnectionError) {
    auto [primary, standby] = start_replicated_pair();
    auto c = client_for(standby.conninfo("dbname=postgres user=postgres target_session_attrs=read-write"), 1);
    try {
        c.insert(note_args{});
        FAIL() << "expected a connection_error";
    } catch (const connection_error& e) {
        const std::string message = e.what();
        EXPECT_NE(message.find("read-only"), std::string::npos) << message;
        EXPECT_NE(message.find(std::to_string(standby.port())), std::string::npos) << message;
        EXPECT_FALSE(e.may_have_committed());
    }
    EXPECT_EQ(job_count(primary), 0);
}

}  // namespace
}  // namespace riverqueue::deploy
