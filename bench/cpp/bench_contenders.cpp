// Times one contender inserting N jobs, after migrating and truncating:
//   riverqueue_bench URL SCHEMA CONTENDER JOBS
// Prints one JSON line: {"contender", "jobs", "seconds", "rss_growth_mb"}.
// Contenders: ours_insert, ours_insert_unique, ours_insert_many, ours_insert_many_unique,
// ours_insert_many_fast, ours_insert_many_fast_stream, libpq_insert_floor, and
// copy_rows (prints the same jobs as COPY text rows of (args, kind) for psql's
// \copy floor, instead of timing anything).
#include <libpq-fe.h>
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include <riverqueue/riverqueue.hpp>

namespace {

namespace rq = riverqueue;

// The job every contender inserts: kind and about 100 bytes of args.
std::string job_args(std::size_t n) {
    const std::string id = std::to_string(n);
    return R"({"customer_id":)" + id + R"(,"email":"customer-)" + id +
           R"(@example.com","template":"welcome_email_v2","locale":"en-GB","campaign":"autumn-2026"})";
}
constexpr const char* job_kind = "bench_job";

double max_rss_mb() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return static_cast<double>(usage.ru_maxrss) / 1024.0;
}

std::string qualified(const std::string& schema) { return schema.empty() ? "river_job" : "\"" + schema + "\".river_job"; }

}  // namespace

int main(int argc, char** argv) {
    if (argc != 5) {
        std::cerr << "usage: riverqueue_bench URL SCHEMA CONTENDER JOBS\n";
        return 2;
    }
    const std::string url = argv[1], schema = argv[2], contender = argv[3];
    const std::size_t jobs = std::stoull(argv[4]);
    try {
        auto conn = rq::connection::open(url);
        if (!schema.empty()) conn.execute("CREATE SCHEMA IF NOT EXISTS \"" + schema + "\"");
        rq::migrator(schema).migrate_up(conn);
        conn.execute("TRUNCATE " + qualified(schema));

        if (contender == "copy_rows") {
            for (std::size_t i = 0; i < jobs; ++i) std::cout << job_args(i) << '\t' << job_kind << '\n';
            return 0;
        }

        rq::client_options options;
        options.conninfo = url;
        options.schema = schema;
        options.pool_size = 1;
        rq::client client(options);
        const bool unique = contender.ends_with("_unique");
        rq::insert_opts opts;
        if (unique) opts.unique = rq::unique_opts{.by_args = rq::unique_by_args_all{}};
        std::vector<rq::insert_many_params> batch;
        if (contender.starts_with("ours_insert_many") && contender != "ours_insert_many_fast_stream") {
            batch.reserve(jobs);
            for (std::size_t i = 0; i < jobs; ++i) batch.push_back({rq::dynamic_args{job_kind, job_args(i), {}}, opts});
        }
        // Warm the pooled connection so that connecting is not timed.
        client.insert(rq::dynamic_args{"bench_warmup", "{}", {}}, {});
        conn.execute("TRUNCATE " + qualified(schema));

        const double rss_before = max_rss_mb();
        const auto started = std::chrono::steady_clock::now();
        if (contender == "ours_insert" || contender == "ours_insert_unique") {
            for (std::size_t i = 0; i < jobs; ++i) client.insert(rq::dynamic_args{job_kind, job_args(i), {}}, opts);
        } else if (contender == "ours_insert_many" || contender == "ours_insert_many_unique") {
            client.insert_many(batch);
        } else if (contender == "ours_insert_many_fast") {
            client.insert_many_fast(batch);
        } else if (contender == "ours_insert_many_fast_stream") {
            std::size_t i = 0;
            client.insert_many_fast([&]() -> std::optional<rq::insert_many_params> {
                if (i >= jobs) return std::nullopt;
                return rq::insert_many_params{rq::dynamic_args{job_kind, job_args(i++), {}}, {}};
            });
        } else if (contender == "libpq_insert_floor") {
            // The floor for one job per round trip: a plain INSERT ... RETURNING.
            const std::string sql = "INSERT INTO " + qualified(schema) + " (args, kind) VALUES ($1, $2) RETURNING *";
            for (std::size_t i = 0; i < jobs; ++i) {
                const std::string args = job_args(i);
                const char* values[] = {args.c_str(), job_kind};
                PGresult* result = PQexecParams(conn.native_handle(), sql.c_str(), 2, nullptr, values, nullptr, nullptr, 0);
                if (PQresultStatus(result) != PGRES_TUPLES_OK) {
                    std::cerr << PQerrorMessage(conn.native_handle());
                    return 1;
                }
                PQclear(result);
            }
        } else {
            std::cerr << "unknown contender " << contender << "\n";
            return 2;
        }
        const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
        std::cout << R"({"contender":")" << contender << R"(","jobs":)" << jobs << R"(,"seconds":)" << seconds
                  << R"(,"rss_growth_mb":)" << (max_rss_mb() - rss_before) << "}\n";
        return 0;
    } catch (const rq::error& e) {
        std::cerr << "riverqueue_bench: " << e.what() << "\n";
        return 1;
    }
}
