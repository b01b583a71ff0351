// insert_tx / insert_many_tx on the caller's transaction, and River's insert
// notifications: delivered only on commit, once per queue of available jobs.
#include <gtest/gtest.h>

#include <set>

#include <riverqueue/errors.hpp>

#include "client_test_support.hpp"
#include "support/notification_listener.hpp"

namespace riverqueue::testing {
namespace {

using namespace std::chrono_literals;

using listener = notification_listener;

TEST_F(client_test, RollbackOfTheCallersTransactionLeavesNothing) {
    auto c = make_client();
    auto conn = connection::open(database_url());
    {
        transaction tx(conn);
        c.insert_tx(tx, email_args{"rolled@example.com"});
        std::vector<insert_many_params> jobs = {make_insert_many_params(email_args{"r2"}),
                                                make_insert_many_params(email_args{"r3"})};
        c.insert_many_tx(tx, jobs);
        tx.rollback();
    }
    EXPECT_EQ(job_count(), 0);
}

// PostgreSQL answers COMMIT in an aborted transaction with a ROLLBACK tag and
// no error; transaction::commit reports it, so a lost job never looks stored.
TEST_F(client_test, CommitOfAnAbortedTransactionThrows) {
    auto c = make_client();
    auto conn = connection::open(database_url());
    transaction tx(conn);
    c.insert_tx(tx, email_args{"lost@example.com"});
    EXPECT_THROW(conn.execute("SELECT 1/0"), database_error);
    try {
        tx.commit();
        FAIL() << "expected a database_error";
    } catch (const database_error& e) {
        EXPECT_EQ(e.sqlstate(), "25P02");
    }
    EXPECT_EQ(job_count(), 0);
    EXPECT_TRUE(conn.healthy());  // the transaction ended; the connection is reusable
    EXPECT_FALSE(conn.in_transaction());
}

TEST_F(client_test, CommitOfTheCallersTransactionKeepsTheJobsAndTheCallersWrites) {
    auto c = make_client();
    auto conn = connection::open(database_url());
    conn.execute("CREATE TABLE " + table("orders") + " (id int)");
    transaction tx(conn);
    conn.execute("INSERT INTO " + table("orders") + " VALUES (1)");
    const auto result = c.insert_tx(conn, email_args{"committed@example.com"});
    // Not visible outside the transaction before commit.
    EXPECT_EQ(job_count(), 0);
    tx.commit();
    EXPECT_EQ(job_count(), 1);
    EXPECT_EQ(scalar("SELECT count(*) FROM " + table("orders")), "1");
    EXPECT_EQ(scalar("SELECT kind FROM " + table("river_job") + " WHERE id = " + std::to_string(result.job.id)),
              "email");
}

TEST_F(client_test, TxFunctionsRequireAnOpenTransaction) {
    auto c = make_client();
    auto conn = connection::open(database_url());
    EXPECT_THROW(c.insert_tx(conn, email_args{"x"}), validation_error);
    EXPECT_EQ(job_count(), 0);
}

TEST_F(client_test, NotificationIsSentOnCommitOncePerQueueOfAvailableJobs) {
    auto c = make_client();
    const std::string channel = schema_.name() + ".river_insert";
    listener listening(channel);
    auto conn = connection::open(database_url());
    transaction tx(conn);
    insert_opts queue_a;
    queue_a.queue = "queue_a";
    insert_opts queue_b;
    queue_b.queue = "queue_b";
    insert_opts scheduled;
    scheduled.queue = "queue_scheduled";
    scheduled.scheduled_at = riverqueue::now() + 1h;
    insert_opts pending;
    pending.queue = "queue_pending";
    pending.pending = true;
    std::vector<insert_many_params> jobs = {
        make_insert_many_params(email_args{"1"}, queue_a), make_insert_many_params(email_args{"2"}, queue_a),
        make_insert_many_params(email_args{"3"}, queue_b), make_insert_many_params(email_args{"4"}, scheduled),
        make_insert_many_params(email_args{"5"}, pending)};
    c.insert_many_tx(tx, jobs);
    EXPECT_TRUE(listening.drain(300ms).empty()) << "notification delivered before commit";
    tx.commit();
    const auto received = listening.drain(2s);
    std::multiset<std::string> payloads;
    for (const auto& [name, payload] : received) {
        EXPECT_EQ(name, channel);
        payloads.insert(payload);
    }
    EXPECT_EQ(payloads, (std::multiset<std::string>{R"({"queue": "queue_a"})", R"({"queue": "queue_b"})"}));
}

TEST_F(client_test, NonTransactionalInsertNotifies) {
    auto c = make_client();
    listener listening(schema_.name() + ".river_insert");
    c.insert(email_args{"n"});
    const auto received = listening.drain(2s);
    ASSERT_EQ(received.size(), 1u);
    EXPECT_EQ(received.front().second, R"({"queue": "default"})");
}

TEST_F(client_test, NoNotificationAfterRollbackOrWhenDisabled) {
    listener listening(schema_.name() + ".river_insert");
    {
        auto c = make_client();
        auto conn = connection::open(database_url());
        transaction tx(conn);
        c.insert_tx(tx, email_args{"r"});
        tx.rollback();
    }
    auto quiet = make_client(/*notify=*/false);
    quiet.insert(email_args{"q"});
    EXPECT_TRUE(listening.drain(500ms).empty());
    EXPECT_EQ(job_count(), 1);
}

TEST_F(client_test, NotificationsAreLimitedPerQueueByTheCooldown) {
    client_options options;
    options.conninfo = database_url();
    options.schema = schema_.name();
    options.notify_cooldown = std::chrono::hours(1);
    client c(options);
    listener listening(schema_.name() + ".river_insert");
    c.insert(email_args{"1"});
    c.insert(email_args{"2"});
    EXPECT_EQ(listening.drain(1s).size(), 1u);
    EXPECT_EQ(job_count(), 2);
}

TEST_F(client_test, UnqualifiedSchemaNotifiesOnCurrentSchemaChannel) {
    client_options options;
    options.conninfo = schema_.conninfo_with_search_path();
    options.notify_cooldown = std::chrono::milliseconds(0);
    client c(options);
    listener listening(schema_.name() + ".river_insert");
    c.insert(email_args{"cs"});
    const auto received = listening.drain(2s);
    ASSERT_EQ(received.size(), 1u);
    EXPECT_EQ(received.front().first, schema_.name() + ".river_insert");
}

}  // namespace
}  // namespace riverqueue::testing

namespace riverqueue::testing {
namespace {

using listener = notification_listener;
using namespace std::chrono_literals;

TEST_F(client_test, FastPathNotifiesOnCommitForAvailableQueues) {
    auto c = make_client();
    listener listening(schema_.name() + ".river_insert");
    insert_opts other;
    other.queue = "other_queue";
    insert_opts later;
    later.queue = "later_queue";
    later.scheduled_at = riverqueue::now() + 1h;
    std::vector<insert_many_params> jobs = {make_insert_many_params(email_args{"1"}),
                                            make_insert_many_params(email_args{"2"}, other),
                                            make_insert_many_params(email_args{"3"}, later)};
    EXPECT_EQ(c.insert_many_fast(jobs), 3u);
    std::multiset<std::string> payloads;
    for (const auto& [name, payload] : listening.drain(2s)) payloads.insert(payload);
    EXPECT_EQ(payloads, (std::multiset<std::string>{R"({"queue": "default"})", R"({"queue": "other_queue"})"}));
}

}  // namespace
}  // namespace riverqueue::testing
