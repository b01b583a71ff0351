// The client's connection pool: shared between threads, bounded, and never
// reusing a broken connection.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>

#include <riverqueue/errors.hpp>

#include "client_test_support.hpp"
#include "support/capture_stderr.hpp"

namespace riverqueue::testing {
namespace {

// Conninfo that tags this client's connections, so that other tests running
// in parallel against the same database do not count.
std::string tagged_conninfo(const std::string& application_name) {
    const std::string url = database_url();
    return url + (url.find('?') == std::string::npos ? "?" : "&") + "application_name=" + application_name;
}

TEST_F(client_test, ConcurrentInsertsShareABoundedPool) {
    client_options options;
    options.conninfo = tagged_conninfo(schema_.name());
    options.schema = schema_.name();
    options.pool_size = 3;
    options.notify_cooldown = std::chrono::milliseconds(0);
    client c(options);
    constexpr int threads = 8;
    constexpr int per_thread = 40;
    std::atomic<int> failures{0};
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) {
        workers.emplace_back([&, t] {
            for (int i = 0; i < per_thread; ++i) {
                try {
                    if (i % 2 == 0) {
                        c.insert(dynamic_args{"pooled", R"({"t":)" + std::to_string(t) + R"(,"i":)" +
                                                            std::to_string(i) + "}", {}}, {});
                    } else {
                        std::vector<insert_many_params> batch = {
                            {dynamic_args{"pooled_batch", R"({"t":)" + std::to_string(t) + "}", {}}, {}},
                            {dynamic_args{"pooled_batch", R"({"i":)" + std::to_string(i) + "}", {}}, {}}};
                        c.insert_many(batch);
                    }
                } catch (const std::exception&) {
                    ++failures;
                }
            }
        });
    }
    for (auto& worker : workers) worker.join();
    EXPECT_EQ(failures.load(), 0);
    EXPECT_EQ(job_count(), threads * per_thread / 2 * 3);
    // The pool opened no more than pool_size connections, and keeps them open.
    const int open = std::stoi(
        scalar("SELECT count(*) FROM pg_stat_activity WHERE application_name = '" + schema_.name() + "'"));
    EXPECT_GE(open, 1);
    EXPECT_LE(open, 3);
}

// A pooled connection whose backend the server ended while it was idle (an
// administrator, idle_session_timeout, a failover) is noticed before the
// next insert, which goes out on a new connection instead of failing.
TEST_F(client_test, AConnectionTheServerClosedWhileIdleIsReplacedBeforeTheNextInsert) {
    client_options options;
    options.conninfo = tagged_conninfo(schema_.name());
    options.schema = schema_.name();
    options.pool_size = 1;
    options.notify = false;
    client c(options);
    c.insert(email_args{"before"});
    const std::string backends =
        "SELECT coalesce(string_agg(pid::text, ','), '') FROM pg_stat_activity WHERE application_name = '" +
        schema_.name() + "'";
    const std::string first = scalar(backends);
    // Terminate the pooled connection's backend behind the client's back, and
    // wait until it is gone.
    EXPECT_EQ(scalar("SELECT count(pg_terminate_backend(pid, 10000)) FROM pg_stat_activity WHERE application_name = '" +
                     schema_.name() + "'"),
              "1");
    const insert_result after = c.insert(email_args{"after"});
    EXPECT_GT(after.job.id, 0);
    EXPECT_NE(scalar(backends), first) << "a new connection";
    EXPECT_EQ(job_count(), 2);
}

// libpq prints a connection's notices to stderr unless told otherwise; the
// client's own connections drop them, as River Go's (pgx) do: a NOTICE that a
// trigger on river_job raises prints nothing.
TEST_F(client_test, NoticesOnTheClientsConnectionsPrintNothingOnStderr) {
    scalar("CREATE FUNCTION \"" + schema_.name() +
           "\".noisy() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE NOTICE 'noisy trigger'; RETURN NEW; END $$");
    scalar("CREATE TRIGGER noisy BEFORE INSERT ON " + table("river_job") + " FOR EACH ROW EXECUTE FUNCTION \"" +
           schema_.name() + "\".noisy()");
    auto c = make_client();
    const std::string printed = stderr_of([&] {
        c.insert(email_args{"one"});
        c.insert_many(std::vector<insert_many_params>{make_insert_many_params(email_args{"two"}),
                                                     make_insert_many_params(email_args{"three"})});
    });
    EXPECT_EQ(printed, "");
    EXPECT_EQ(job_count(), 3);
}

// libpq never shrinks a connection's buffers: after a statement above the
// pool's limit (a job with 20 MiB of args) the connection is closed, not kept,
// and the next insert opens a new one. Small inserts keep their connection.
TEST_F(client_test, AConnectionThatCarriedAVeryLargeJobIsClosedNotKept) {
    client_options options;
    options.conninfo = tagged_conninfo(schema_.name());
    options.schema = schema_.name();
    options.pool_size = 1;
    client c(options);
    const std::string backends =
        "SELECT coalesce(string_agg(pid::text, ',' ORDER BY pid), '') FROM pg_stat_activity WHERE application_name = '" +
        schema_.name() + "'";
    c.insert(email_args{"small"});
    const std::string first = scalar(backends);
    ASSERT_FALSE(first.empty());
    c.insert(email_args{"small again"});
    EXPECT_EQ(scalar(backends), first) << "a small insert keeps its connection";

    const std::string blob(20u << 20, 'x');
    const insert_result large = c.insert(dynamic_args{"large_args", R"({"blob":")" + blob + R"("})", {}});
    EXPECT_EQ(large.job.args.size(), blob.size() + std::string(R"({"blob": ""})").size());
    // The backend goes once the client closed its connection.
    std::string after_large = first;
    for (int i = 0; i < 200 && after_large == first; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
        after_large = scalar(backends);
    }
    EXPECT_EQ(after_large, "") << "the connection that carried the large job was closed";

    c.insert(email_args{"after"});
    const std::string replacement = scalar(backends);
    EXPECT_FALSE(replacement.empty());
    EXPECT_NE(replacement, first);
    EXPECT_EQ(job_count(), 4);
}

}  // namespace
}  // namespace riverqueue::testing
