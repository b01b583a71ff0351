// The C++ side of the worker benchmark (bench/go/work is River Go's side):
// inserts N jobs with insert_many_fast (not timed), then times a
// riverqueue::worker_client working them with a no-op worker on one queue,
// from start() until every job is completed.
//
//   riverqueue_worker_bench URL SCHEMA ours_work JOBS FETCH_COOLDOWN_MS
//
// The client runs with River Go's defaults where the two have the same
// setting (max_workers 100, poll_interval 1 s, job_timeout 1 min, listening
// for insert notifications, pool_size 4 beside the listening connection),
// FETCH_COOLDOWN_MS as fetch_cooldown (River's default is 100), and leader
// election on, as River Go always has it. The clock starts just before
// start(); every 20 ms a connection of its own asks whether any job is still
// available or running (an index-only EXISTS, sequential scans off on that
// session: a count over the table would cost the server milliseconds each
// time), and once none is, checks that all are completed. Prints one JSON line:
//
//   seconds            until the poll saw every job completed in the table
//   finalized_seconds  the latest finalized_at in the table minus the start
//                      (both the machine's wall clock): when the last job's
//                      worker returned, which may be well before its row is
//                      written (the completer batches outcomes)
//   client_cpu_seconds, server_cpu_seconds  from the start until that poll
//                      (server_cpu_seconds only with BENCH_SERVER_CPU set)
//
// With the contender `migrate` it only migrates (as riverqueue_bench).
#include <libpq-fe.h>

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <riverqueue/riverqueue.hpp>
#include <riverqueue/worker_client.hpp>

#include "bench_job.hpp"

namespace {

namespace rq = riverqueue;
using namespace std::chrono_literals;

constexpr int max_workers = 100;  // River's default
constexpr auto poll_interval = 1000ms;
constexpr auto poll_every = 20ms;

using result_ptr = std::unique_ptr<PGresult, decltype(&PQclear)>;

// The first value of a one-row query.
std::string query_value(PGconn* conn, const std::string& sql) {
    result_ptr result(PQexec(conn, sql.c_str()), &PQclear);
    if (PQresultStatus(result.get()) != PGRES_TUPLES_OK) throw std::runtime_error(PQerrorMessage(conn));
    if (PQntuples(result.get()) != 1 || PQgetisnull(result.get(), 0, 0)) throw std::runtime_error("no value for " + sql);
    return PQgetvalue(result.get(), 0, 0);
}

std::optional<double> server_cpu_seconds(PGconn* conn) {
    const char* wanted = std::getenv("BENCH_SERVER_CPU");
    if (wanted == nullptr || *wanted == 0) return std::nullopt;
    return std::stod(query_value(conn, "SELECT public.bench_server_cpu_seconds()"));
}

double unix_seconds(std::chrono::system_clock::time_point t) {
    return std::chrono::duration<double>(t.time_since_epoch()).count();
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 4 || (std::string(argv[3]) != "migrate" && (argc != 6 || std::string(argv[3]) != "ours_work"))) {
        std::cerr << "usage: riverqueue_worker_bench URL SCHEMA ours_work JOBS FETCH_COOLDOWN_MS\n";
        return 2;
    }
    const std::string url = argv[1], schema = argv[2], contender = argv[3];
    const std::string prefix = schema.empty() ? "" : "\"" + schema + "\".";
    try {
        auto conn = rq::connection::open(url);
        if (!schema.empty()) conn.execute("CREATE SCHEMA IF NOT EXISTS \"" + schema + "\"");
        rq::migrator(schema).migrate_up(conn);
        if (contender == "migrate") return 0;
        const std::size_t jobs = std::stoull(argv[4]);
        const auto cooldown = std::chrono::milliseconds(std::stoll(argv[5]));
        conn.execute("TRUNCATE " + prefix + "river_job");

        // The jobs, before the worker client starts (not timed).
        {
            rq::client_options options;
            options.conninfo = url;
            options.schema = schema;
            options.pool_size = 1;
            rq::client client(options);
            std::vector<rq::insert_many_params> batch;
            batch.reserve(jobs);
            for (std::size_t i = 0; i < jobs; ++i) {
                batch.push_back({rq::dynamic_args{bench::job_kind, bench::job_args(i), {}}, {}});
            }
            client.insert_many_fast(batch);
        }

        rq::workers registry;
        registry.add(bench::job_kind, [](const rq::job_context&) {});
        rq::worker_options options;
        options.conninfo = url;
        options.schema = schema;
        options.queues["default"] = rq::queue_options{.max_workers = max_workers};
        options.poll_interval = poll_interval;
        options.fetch_cooldown = cooldown;
        options.leader_election = true;
        options.on_error = [](const std::exception& e) { std::cerr << "riverqueue_worker_bench: " << e.what() << "\n"; };
        rq::worker_client workers(options, std::move(registry));

        PGconn* poller = conn.native_handle();
        conn.execute("SET enable_seqscan = off");
        const std::string pending_sql =
            "SELECT EXISTS (SELECT 1 FROM " + prefix + "river_job WHERE state IN ('available', 'running'))";
        const std::string count_sql = "SELECT count(*) FROM " + prefix + "river_job WHERE state = 'completed'";
        const auto deadline = std::chrono::steady_clock::now() + 60s + std::chrono::milliseconds(10 * static_cast<long long>(jobs));
        const auto server_before = server_cpu_seconds(poller);
        const bench::process_usage before = bench::usage_now();
        const auto started_wall = riverqueue::now();
        const auto started = std::chrono::steady_clock::now();
        workers.start();
        while (query_value(poller, pending_sql) == "t") {
            if (std::chrono::steady_clock::now() > deadline) throw std::runtime_error("the jobs were not all worked in time");
            std::this_thread::sleep_for(poll_every);
        }
        const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
        const bench::process_usage after = bench::usage_now();
        const auto server_after = server_cpu_seconds(poller);
        const std::size_t completed = std::stoull(query_value(poller, count_sql));
        if (completed != jobs) {
            throw std::runtime_error(std::to_string(completed) + " of " + std::to_string(jobs) + " jobs completed");
        }
        const double last_finalized =
            std::stod(query_value(poller, "SELECT extract(epoch FROM max(finalized_at))::float8 FROM " + prefix + "river_job"));
        const double finalized_seconds = last_finalized - unix_seconds(started_wall);
        workers.stop();

        std::cout << R"({"contender":")" << contender << R"(","jobs":)" << jobs << R"(,"seconds":)" << seconds
                  << R"(,"finalized_seconds":)" << finalized_seconds << R"(,"client_cpu_seconds":)"
                  << (after.cpu_seconds - before.cpu_seconds) << R"(,"server_cpu_seconds":)";
        if (server_before && server_after) {
            std::cout << (*server_after - *server_before);
        } else {
            std::cout << "null";
        }
        std::cout << R"(,"max_workers":)" << max_workers << R"(,"fetch_cooldown_ms":)" << cooldown.count()
                  << R"(,"poll_interval_ms":)" << poll_interval.count() << "}\n";
        return 0;
    } catch (const std::exception& e) {
        std::cerr << "riverqueue_worker_bench: " << e.what() << "\n";
        return 1;
    }
}
