// The client's connection pool: shared between threads, bounded, and never
// reusing a broken connection.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include <riverqueue/errors.hpp>

#include "client_test_support.hpp"

namespace riverqueue::testing {
namespace {

TEST_F(client_test, ConcurrentInsertsShareABoundedPool) {
    client_options options;
    options.conninfo = database_url();
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
    // Never more than pool_size connections from this client at once.
    EXPECT_LE(std::stoi(scalar("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND "
                               "backend_type = 'client backend' AND pid <> pg_backend_pid() AND "
                               "query LIKE '%raw_job_data%'")),
              3);
}

TEST_F(client_test, ABrokenConnectionIsDiscardedNotReused) {
    client_options options;
    options.conninfo = database_url() + (database_url().find('?') == std::string::npos ? "?" : "&") +
                       "application_name=rq_broken_pool_test";
    options.schema = schema_.name();
    options.pool_size = 1;
    client c(options);
    c.insert(email_args{"before"});
    // Kill the pooled connection's backend behind the client's back.
    scalar("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = "
           "'rq_broken_pool_test'");
    try {
        c.insert(email_args{"during"});
        ADD_FAILURE() << "expected the insert on the killed connection to fail";
    } catch (const connection_error& e) {
        EXPECT_TRUE(e.may_have_committed()) << "a lost non-transactional insert has an unknown outcome";
    }
    // The broken connection is gone; the next insert gets a new one.
    c.insert(email_args{"after"});
    EXPECT_EQ(job_count(), 2);
}

}  // namespace
}  // namespace riverqueue::testing
