// A primary with a streaming standby, both started by the test: multi-host
// conninfo finds the primary, the same client carries on after the standby
// is promoted, an insert in flight when the primary dies says honestly
// whether it may have committed, and a standby alone is a clear error.
#include <gtest/gtest.h>

#include <chrono>
#include <exception>
#include <future>
#include <string>
#include <thread>

#include <riverqueue/client.hpp>
#include <riverqueue/connection.hpp>
#include <riverqueue/errors.hpp>
#include <riverqueue/migrator.hpp>

#include "support/servers.hpp"
#include "support/test_database.hpp"

namespace riverqueue::deploy {
namespace {

using namespace std::chrono_literals;
using testing::scalar;

const std::string schema = "river_failover";

struct note_args {
    int n = 0;
    static constexpr std::string_view kind() { return "note"; }
    std::string to_json() const { return R"({"n":)" + std::to_string(n) + "}"; }
};

std::string ask(const postgres_server& server, const std::string& sql) {
    auto conn = connection::open(server.socket_conninfo());
    return scalar(conn.native_handle(), sql);
}

long job_count(const postgres_server& server) {
    return std::stol(ask(server, "SELECT count(*) FROM " + schema + ".river_job"));
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
        std::this_thread::sleep_for(50ms);
    }
    return false;
}

postgres_server migrated_primary() {
    postgres_server primary;
    auto conn = connection::open(primary.socket_conninfo());
    conn.execute("CREATE SCHEMA " + schema);
    migrator(schema).migrate_up(conn);
    return primary;
}

client client_for(const std::string& conninfo, std::size_t pool_size = 2) {
    client_options options;
    options.conninfo = conninfo;
    options.schema = schema;
    options.pool_size = pool_size;
    // Every insert notifies, so that each has the same statement (and a
    // warmed connection has it prepared).
    options.notify_cooldown = 0ms;
    return client(options);
}

std::string both_hosts(const postgres_server& first, const postgres_server& second) {
    return "host=127.0.0.1,127.0.0.1 port=" + std::to_string(first.port()) + "," + std::to_string(second.port()) +
           " dbname=postgres user=postgres target_session_attrs=read-write connect_timeout=5";
}

TEST(Failover, TheSameClientInsertsIntoThePromotedStandby) {
    postgres_server primary = migrated_primary();
    postgres_server standby = postgres_server::standby_of(primary);
    // The standby is listed first: target_session_attrs skips it.
    const std::string conninfo = both_hosts(standby, primary);
    auto c = client_for(conninfo);
    for (int i = 0; i < 5; ++i) c.insert(note_args{i});
    EXPECT_EQ(job_count(primary), 5);
    {
        auto conn = connection::open(conninfo);
        EXPECT_EQ(scalar(conn.native_handle(), "SELECT pg_is_in_recovery()"), "f");
        EXPECT_EQ(scalar(conn.native_handle(), "SHOW port"), std::to_string(primary.port()));
    }
    // Replication is asynchronous: wait until the standby has the five rows.
    ASSERT_TRUE(eventually([&] { return job_count(standby) == 5; }));

    primary.stop("immediate");
    standby.promote();
    ASSERT_TRUE(eventually([&] { return ask(standby, "SELECT pg_is_in_recovery()") == "f"; }));

    // Pooled connections to the dead primary fail once each and are dropped;
    // the pool then opens connections that find the new primary by itself.
    int failures = 0;
    int inserted = 0;
    for (int i = 0; i < 20; ++i) {
        try {
            c.insert(note_args{100 + i});
            ++inserted;
        } catch (const connection_error& e) {
            EXPECT_EQ(inserted, 0) << "a failure after inserts went through: " << e.what();
            ++failures;
        }
    }
    EXPECT_LE(failures, 2);  // at most one per pooled connection
    EXPECT_EQ(inserted, 20 - failures);
    EXPECT_EQ(job_count(standby), 5 + inserted);
}

// An insert blocked on a lock when the primary dies: a self-committing insert
// (insert, and insert_many of a span, one statement each) may have committed
// as far as the client can tell; a streamed batch, in a transaction whose
// COMMIT was never sent, cannot have. (A statement still being prepared cannot have
// either: each client below has one connection, warmed so that its insert
// statement is prepared before the lock is taken.)
TEST(Failover, InFlightInsertsReportWhetherTheyMayHaveCommitted) {
    postgres_server primary = migrated_primary();
    auto single_client = client_for(primary.conninfo(), 1);
    auto batch_client = client_for(primary.conninfo(), 1);
    single_client.insert(note_args{0});
    std::vector<insert_many_params> jobs = {make_insert_many_params(note_args{2}),
                                            make_insert_many_params(note_args{3})};
    batch_client.insert_many(generate_from(jobs), {});
    auto locker = connection::open(primary.socket_conninfo());
    locker.execute("BEGIN; LOCK TABLE " + schema + ".river_job IN ACCESS EXCLUSIVE MODE");

    auto outcome = [](auto insert) {
        return std::async(std::launch::async, [insert]() -> std::exception_ptr {
            try {
                insert();
            } catch (...) {
                return std::current_exception();
            }
            return nullptr;
        });
    };
    auto single = outcome([&] { single_client.insert(note_args{1}); });
    auto batch = outcome([&] { batch_client.insert_many(generate_from(jobs), {}); });
    ASSERT_TRUE(eventually([&] {
        return ask(primary, "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'") == "2";
    }));
    primary.stop("immediate");

    for (auto* future : {&single, &batch}) {
        ASSERT_EQ(future->wait_for(30s), std::future_status::ready);
    }
    const std::exception_ptr single_error = single.get();
    const std::exception_ptr batch_error = batch.get();
    try {
        ASSERT_TRUE(single_error);
        std::rethrow_exception(single_error);
    } catch (const connection_error& e) {
        EXPECT_TRUE(e.may_have_committed()) << e.what();
    }
    try {
        ASSERT_TRUE(batch_error);
        std::rethrow_exception(batch_error);
    } catch (const connection_error& e) {
        EXPECT_FALSE(e.may_have_committed()) << e.what();
    }
}

TEST(Failover, AStandbyAloneIsAClearError) {
    postgres_server primary = migrated_primary();
    postgres_server standby = postgres_server::standby_of(primary);
    ASSERT_TRUE(eventually([&] { return ask(standby, "SELECT to_regclass('" + schema + ".river_job') IS NOT NULL") == "t"; }));

    // Connected to a standby, PostgreSQL refuses the write; the client does
    // not send it anywhere else.
    auto c = client_for(standby.conninfo());
    try {
        c.insert(note_args{1});
        FAIL() << "expected a database_error";
    } catch (const database_error& e) {
        EXPECT_EQ(e.sqlstate(), "25006") << e.what();
    }
    EXPECT_EQ(job_count(primary), 0);

    // Asked for a read-write server, libpq finds none: a connection_error.
    auto picky = client_for(standby.conninfo("dbname=postgres user=postgres target_session_attrs=read-write"));
    try {
        picky.insert(note_args{2});
        FAIL() << "expected a connection_error";
    } catch (const connection_error& e) {
        EXPECT_NE(std::string(e.what()).find("read-only"), std::string::npos) << e.what();
        EXPECT_FALSE(e.may_have_committed());
    }
    EXPECT_EQ(job_count(primary), 0);
}

}  // namespace
}  // namespace riverqueue::deploy
