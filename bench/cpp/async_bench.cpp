// The asynchronous client against the synchronous one, in the same run:
//   riverqueue_async_bench URL SCHEMA CONTENDER JOBS [COROUTINES]
// Contenders: ours_insert (the synchronous client, one insert after another),
// ours_async_insert (COROUTINES coroutines, 64 by default, inserting on one
// pipelined connection), compare (both, then their ratio on stderr).
// Prints one JSON line per contender, in bench_contenders' format:
// {"contender", "jobs", "seconds", "client_cpu_seconds", "server_cpu_seconds", "rss_growth_mb"}
// (server_cpu_seconds is null here).

#include <chrono>
#include <functional>
#include <iostream>
#include <string>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <riverqueue/async_client.hpp>
#include <riverqueue/riverqueue.hpp>

#include "bench_job.hpp"

namespace {

namespace asio = boost::asio;
namespace rq = riverqueue;

using bench::job_args;
using bench::job_kind;
using bench::process_usage;
using bench::usage_now;

template <typename Work>
double timed(const std::string& contender, std::size_t jobs, std::size_t coroutines, Work&& work) {
    const process_usage before = usage_now();
    const auto started = std::chrono::steady_clock::now();
    work();
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    const process_usage after = usage_now();
    std::cout << R"({"contender":")" << contender << R"(","jobs":)" << jobs << R"(,"seconds":)" << seconds
              << R"(,"client_cpu_seconds":)" << (after.cpu_seconds - before.cpu_seconds)
              << R"(,"server_cpu_seconds":null,"rss_growth_mb":)" << (after.max_rss_mb - before.max_rss_mb)
              << R"(,"coroutines":)" << coroutines << "}\n";
    return seconds;
}

double sync_inserts(const rq::client_options& options, std::size_t jobs, const std::function<void()>& reset) {
    rq::client client(options);
    client.insert(rq::dynamic_args{"bench_warmup", "{}", {}}, {});  // connecting is not timed
    reset();
    return timed("ours_insert", jobs, 1, [&] {
        for (std::size_t i = 0; i < jobs; ++i) client.insert(rq::dynamic_args{job_kind, job_args(i), {}}, {});
    });
}

double async_inserts(const rq::client_options& options, std::size_t jobs, std::size_t coroutines,
                     const std::function<void()>& reset) {
    asio::io_context io;
    rq::async_client client(io.get_executor(), options);
    client.insert(rq::dynamic_args{"bench_warmup", "{}", {}}, {}, [](std::exception_ptr error, rq::insert_result) {
        if (error) std::rethrow_exception(error);
    });
    io.run();  // connecting is not timed
    io.restart();
    reset();
    return timed("ours_async_insert", jobs, coroutines, [&] {
        std::size_t next = 0;
        for (std::size_t c = 0; c < coroutines; ++c) {
            asio::co_spawn(
                io,
                [&]() -> asio::awaitable<void> {
                    while (next < jobs) {
                        // A named args, not a braced temporary inside co_await (GCC 12
                        // destroys such temporaries twice).
                        const rq::dynamic_args args{job_kind, job_args(next++), {}};
                        co_await client.insert(args, {}, asio::use_awaitable);
                    }
                },
                [](std::exception_ptr error) {
                    if (error) std::rethrow_exception(error);
                });
        }
        io.run();
    });
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 5 && argc != 6) {
        std::cerr << "usage: riverqueue_async_bench URL SCHEMA CONTENDER JOBS [COROUTINES]\n";
        return 2;
    }
    const std::string url = argv[1], schema = argv[2], contender = argv[3];
    const std::size_t jobs = std::stoull(argv[4]);
    const std::size_t coroutines = argc == 6 ? std::stoull(argv[5]) : 64;
    const std::string table = schema.empty() ? "river_job" : "\"" + schema + "\".river_job";
    try {
        auto conn = rq::connection::open(url);
        if (!schema.empty()) conn.execute("CREATE SCHEMA IF NOT EXISTS \"" + schema + "\"");
        rq::migrator(schema).migrate_up(conn);
        rq::client_options options;
        options.conninfo = url;
        options.schema = schema;
        options.pool_size = 1;
        double sync_seconds = 0, async_seconds = 0;
        const auto reset = [&] { conn.execute("TRUNCATE " + table); };
        if (contender == "ours_insert" || contender == "compare") sync_seconds = sync_inserts(options, jobs, reset);
        if (contender == "ours_async_insert" || contender == "compare") {
            async_seconds = async_inserts(options, jobs, coroutines, reset);
        }
        if (sync_seconds == 0 && async_seconds == 0) {
            std::cerr << "unknown contender " << contender << "\n";
            return 2;
        }
        if (contender == "compare") {
            std::cerr << "async (" << coroutines << " coroutines, one connection) / sync single inserts: "
                      << sync_seconds / async_seconds << "x\n";
        }
        return 0;
    } catch (const std::exception& e) {
        std::cerr << "riverqueue_async_bench: " << e.what() << "\n";
        return 1;
    }
}
