// A server restart in the middle of a stream of inserts, on a private
// PostgreSQL (scripts/local-postgres.sh) so that the shared one is left alone.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <map>
#include <thread>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <riverqueue/errors.hpp>
#include <riverqueue/migrator.hpp>

#include "async_test_support.hpp"
#include "support/private_server.hpp"

namespace riverqueue::testing {
namespace {

using asio::awaitable;
using asio::use_awaitable;

enum class fate { inserted, not_committed, unknown };

TEST(async_restart, NoInsertReportedAsInsertedIsLostAcrossAServerRestart) {
    private_server server;
    const std::string url = server.start_migrated();
    ASSERT_FALSE(url.empty());

    asio::io_context io;
    client_options opts;
    opts.conninfo = url;
    opts.pool_size = 2;
    async_client client(io.get_executor(), opts);

    constexpr int workers = 16;
    constexpr int wanted_before = 300;  // successes before the restart
    constexpr int wanted_after = 300;   // successes after it: the client recovered
    std::atomic<int> successes{0};
    std::atomic<bool> restarted{false};
    int successes_after = 0;
    int next = 0;
    std::map<int, std::pair<fate, std::int64_t>> outcomes;  // n -> what the client said
    int running = workers;

    for (int w = 0; w < workers; ++w) {
        asio::co_spawn(
            io,
            [&]() -> awaitable<void> {
                asio::steady_timer pause(co_await asio::this_coro::executor);
                while (!(restarted.load() && successes_after >= wanted_after)) {
                    const int n = next++;
                    bool failed = false;
                    try {
                        const insert_result r = co_await client.insert(note_args{n}, {}, use_awaitable);
                        outcomes[n] = {fate::inserted, r.job.id};
                        ++successes;
                        if (restarted.load()) ++successes_after;
                    } catch (const connection_error& e) {
                        outcomes[n] = {e.may_have_committed() ? fate::unknown : fate::not_committed, 0};
                        failed = true;
                    }
                    if (failed) {
                        // Do not spin while the server is down.
                        pause.expires_after(std::chrono::milliseconds(5));
                        co_await pause.async_wait(use_awaitable);
                    }
                }
            },
            [&](std::exception_ptr error) {
                EXPECT_FALSE(error) << describe(error);
                --running;
            });
    }

    std::thread restarter([&] {
        while (successes.load() < wanted_before) std::this_thread::sleep_for(std::chrono::milliseconds(5));
        server.stop();
        server.start();
        restarted = true;
    });
    const bool finished = run_until(io, [&] { return running == 0; });
    restarter.join();
    ASSERT_TRUE(finished);

    // What the server has, by the `n` each job was inserted with.
    auto conn = connection::open(url);
    std::map<int, std::int64_t> stored;
    {
        PGresult* result = PQexec(conn.native_handle(), "SELECT (args->>'n')::int, id FROM river_job");
        ASSERT_EQ(PQresultStatus(result), PGRES_TUPLES_OK);
        for (int row = 0; row < PQntuples(result); ++row) {
            stored[std::atoi(PQgetvalue(result, row, 0))] = std::atoll(PQgetvalue(result, row, 1));
        }
        PQclear(result);
    }
    int inserted = 0, not_committed = 0, unknown = 0;
    for (const auto& [n, what] : outcomes) {
        const auto found = stored.find(n);
        switch (what.first) {
            case fate::inserted:
                ++inserted;
                ASSERT_NE(found, stored.end()) << "job " << n << " was reported inserted but is missing";
                EXPECT_EQ(found->second, what.second);
                break;
            case fate::not_committed:
                ++not_committed;
                EXPECT_EQ(found, stored.end()) << "job " << n << " was reported not committed but exists";
                break;
            case fate::unknown:
                ++unknown;
                break;
        }
    }
    EXPECT_GE(successes_after, wanted_after);
    EXPECT_EQ(stored.size(), static_cast<std::size_t>(inserted) + static_cast<std::size_t>(
                                 std::count_if(outcomes.begin(), outcomes.end(), [&](const auto& o) {
                                     return o.second.first == fate::unknown && stored.count(o.first) != 0;
                                 })));
    std::printf("restart: %d inserted, %d failed before sending, %d failed with an unknown outcome\n", inserted,
                not_committed, unknown);
}

}  // namespace
}  // namespace riverqueue::testing
