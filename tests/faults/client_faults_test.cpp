// Faults on a real PostgreSQL in the middle of an insert (ctest label
// `faults`): the backend terminated, the server stopped, the database read
// only, the schema dropped under a live client. After each, the table holds
// all or none of the batch, the caller gets a typed error that says whether
// the commit may have happened, and the client goes on with a new connection.
#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <riverqueue/errors.hpp>
#include <riverqueue/migrator.hpp>

#include "integration/client_test_support.hpp"
#include "support/private_server.hpp"

namespace riverqueue::testing {
namespace {

using namespace std::chrono_literals;

insert_many_params numbered_job(int n) {
    return {dynamic_args{"fault_job", R"({"n":)" + std::to_string(n) + "}", {}}, {}};
}

// `total` numbered jobs; `at_job` runs once, just before job `at` is made.
job_generator jobs_with_fault(int total, int at, std::function<void()> at_job) {
    return [n = 0, total, at, at_job = std::move(at_job)]() mutable -> std::optional<insert_many_params> {
        if (n == total) return std::nullopt;
        if (n == at) at_job();
        return numbered_job(n++);
    };
}

// Calls `call`, which must fail with a connection_error, and returns it.
std::optional<connection_error> lost_connection(const std::function<void()>& call) {
    try {
        call();
    } catch (const connection_error& e) {
        return e;
    } catch (const std::exception& e) {
        ADD_FAILURE() << "expected a connection_error, got: " << e.what();
        return std::nullopt;
    }
    ADD_FAILURE() << "expected the insert to fail";
    return std::nullopt;
}

class faults_test : public client_test {
protected:
    // The client's connections carry the test's own application_name, so
    // that the test terminates only them.
    client_options tagged_options() const {
        client_options options;
        const std::string url = database_url();
        options.conninfo = url + (url.find('?') == std::string::npos ? "?" : "&") + "application_name=" + tag();
        options.schema = schema_.name();
        options.pool_size = 1;
        return options;
    }
    std::string tag() const { return "rq_faults_" + schema_.name(); }

    // Terminates the client's backends and waits until they are gone;
    // returns how many there were.
    int terminate_client_backends() {
        return std::stoi(scalar("SELECT count(pg_terminate_backend(pid, 10000)) FROM pg_stat_activity WHERE "
                                "application_name = '" + tag() + "'"));
    }

    // Holds an exclusive lock on river_job in an open transaction of another
    // connection: the client's insert waits on the server until released.
    void lock_jobs() {
        locker_ = connection::open(database_url());
        locker_.execute("BEGIN");
        locker_.execute("LOCK TABLE " + table("river_job") + " IN ACCESS EXCLUSIVE MODE");
    }
    void release_jobs() { locker_.execute("ROLLBACK"); }
    // Waits (up to 10 s) until one of the client's backends waits for a lock.
    bool client_waits_for_lock() {
        for (int i = 0; i < 1000; ++i) {
            if (scalar("SELECT count(*) FROM pg_stat_activity WHERE application_name = '" + tag() +
                       "' AND wait_event_type = 'Lock'") == "1") {
                return true;
            }
            std::this_thread::sleep_for(10ms);
        }
        return false;
    }

    connection locker_{nullptr};
};

// A streamed batch is one transaction of several statements: killed after
// its first chunk went in, none of it stays and the commit cannot have
// happened.
TEST_F(faults_test, ABackendTerminatedInTheMiddleOfAStreamedBatchLeavesNoneOfIt) {
    client c(tagged_options());
    c.insert(email_args{"before"});
    const auto error = lost_connection([&] {
        c.insert_many(jobs_with_fault(12000, 7000, [&] { EXPECT_EQ(terminate_client_backends(), 1); }), {});
    });
    ASSERT_TRUE(error.has_value());
    EXPECT_FALSE(error->may_have_committed()) << error->what();
    EXPECT_EQ(job_count(), 1) << "only the job from before the batch";
    c.insert(email_args{"after"});
    EXPECT_EQ(job_count(), 2);
}

// The same through COPY (insert_many_fast): the COPY is open and has rows
// when the backend goes.
TEST_F(faults_test, ABackendTerminatedInTheMiddleOfACopyLeavesNoneOfIt) {
    client c(tagged_options());
    c.insert(email_args{"before"});
    const auto error = lost_connection([&] {
        c.insert_many_fast(jobs_with_fault(12000, 6000, [&] { EXPECT_EQ(terminate_client_backends(), 1); }));
    });
    ASSERT_TRUE(error.has_value());
    EXPECT_FALSE(error->may_have_committed()) << error->what();
    EXPECT_EQ(job_count(), 1);
    EXPECT_EQ(c.insert_many_fast(std::vector<insert_many_params>{numbered_job(1), numbered_job(2)}), 2u);
    EXPECT_EQ(job_count(), 3);
}

// A batch sent as one statement that commits on its own, killed while the
// server runs it (waiting for a lock): the client cannot know whether it
// committed and says so; here it did not, and none of it is in the table.
// The statement is prepared on the connection first (the same batch shape
// twice), so that the kill reaches its execution, not its prepare (which
// waits for the same lock, and whose loss is known not to have committed).
TEST_F(faults_test, ABackendTerminatedDuringABatchStatementLeavesNoneAndSaysTheOutcomeIsUnknown) {
    client c(tagged_options());
    std::vector<insert_many_params> batch;
    for (int i = 0; i < 500; ++i) batch.push_back(numbered_job(i));
    c.insert_many(batch);
    c.insert_many(batch);
    lock_jobs();
    std::optional<connection_error> error;
    std::thread inserter([&] { error = lost_connection([&] { c.insert_many(batch); }); });
    const bool waited = client_waits_for_lock();
    EXPECT_TRUE(waited);
    EXPECT_EQ(terminate_client_backends(), 1);
    inserter.join();
    release_jobs();
    ASSERT_TRUE(error.has_value());
    EXPECT_TRUE(error->may_have_committed()) << "a lost statement that commits itself has an unknown outcome: "
                                             << error->what();
    EXPECT_EQ(job_count(), 1000);
    EXPECT_EQ(c.insert_many(batch).size(), batch.size());
    EXPECT_EQ(job_count(), 1500);
}

// The server stopped (and started again) in the middle of a streamed batch,
// on a server of the test's own.
TEST(faults, AServerStoppedInTheMiddleOfAStreamedBatchLeavesNoneOfIt) {
    private_server server;
    const std::string url = server.start_migrated();
    ASSERT_FALSE(url.empty());
    client_options options;
    options.conninfo = url;
    options.pool_size = 1;
    client c(options);
    c.insert(email_args{"before"});
    for (const bool fast : {false, true}) {
        SCOPED_TRACE(fast ? "insert_many_fast" : "insert_many");
        const auto restart = [&] {
            server.stop();
            server.start();
        };
        const auto error = lost_connection([&] {
            if (fast) c.insert_many_fast(jobs_with_fault(9000, 6000, restart));
            else c.insert_many(jobs_with_fault(9000, 6000, restart), {});
        });
        ASSERT_TRUE(error.has_value());
        EXPECT_FALSE(error->may_have_committed()) << error->what();
        auto conn = connection::open(url);
        EXPECT_EQ(scalar(conn.native_handle(), "SELECT count(*) FROM river_job"), "1");
    }
    c.insert(email_args{"after"});
    auto conn = connection::open(url);
    EXPECT_EQ(scalar(conn.native_handle(), "SELECT count(*) FROM river_job"), "2");
}

// A database that refuses writes (default_transaction_read_only, as on a
// standby or a server out of disk turned read only): every insert path
// fails with PostgreSQL's SQLSTATE 25006 and writes nothing.
TEST_F(faults_test, EveryInsertPathOnAReadOnlyDatabaseFailsWithItsSqlstateAndWritesNothing) {
    client_options options = tagged_options();
    options.conninfo += "&options=-c%20default_transaction_read_only%3Don";
    client c(options);
    const std::vector<insert_many_params> batch = {numbered_job(1), numbered_job(2)};
    const std::vector<std::pair<std::string, std::function<void()>>> paths = {
        {"insert", [&] { c.insert(email_args{"x"}); }},
        {"insert_many", [&] { c.insert_many(batch); }},
        {"insert_many streamed", [&] { c.insert_many(jobs_with_fault(10, 10, [] {}), {}); }},
        {"insert_many_fast", [&] { c.insert_many_fast(batch); }},
        {"insert_many_fast streamed", [&] { c.insert_many_fast(jobs_with_fault(10, 10, [] {})); }},
    };
    for (const auto& [name, call] : paths) {
        try {
            call();
            ADD_FAILURE() << name << ": a read-only database took the insert";
        } catch (const database_error& e) {
            EXPECT_EQ(e.sqlstate(), "25006") << name << ": " << e.what();
        }
    }
    EXPECT_EQ(job_count(), 0);
}

// The schema dropped under a live client whose connection has River's
// statements prepared: a typed error naming the schema, then, once the
// schema is back, inserts work again on the same client.
TEST_F(faults_test, ASchemaDroppedUnderALiveClientIsNamedAndTheClientWorksOnceItIsBack) {
    client c(tagged_options());
    for (int i = 0; i < 3; ++i) c.insert(email_args{"prepared"});  // repeated: prepared on the connection
    c.insert_many(std::vector<insert_many_params>{numbered_job(1), numbered_job(2)});
    scalar("DROP SCHEMA \"" + schema_.name() + "\" CASCADE");
    const std::vector<std::pair<std::string, std::function<void()>>> paths = {
        {"insert", [&] { c.insert(email_args{"x"}); }},
        {"insert_many", [&] { c.insert_many(std::vector<insert_many_params>{numbered_job(3)}); }},
        {"insert_many_fast", [&] { c.insert_many_fast(std::vector<insert_many_params>{numbered_job(4)}); }},
    };
    for (const auto& [name, call] : paths) {
        try {
            call();
            ADD_FAILURE() << name << ": inserted into a dropped schema";
        } catch (const schema_error& e) {
            EXPECT_NE(std::string(e.what()).find(schema_.name()), std::string::npos) << name << ": " << e.what();
        }
    }
    scalar("CREATE SCHEMA \"" + schema_.name() + "\"");
    migrator(schema_.name()).migrate_up(admin_);
    c.insert(email_args{"back"});
    c.insert_many(std::vector<insert_many_params>{numbered_job(5), numbered_job(6)});
    EXPECT_EQ(job_count(), 3);
}

}  // namespace
}  // namespace riverqueue::testing
