// Times one contender inserting N jobs, after migrating and truncating:
//   riverqueue_bench URL SCHEMA CONTENDER JOBS
// Prints one JSON line: {"contender", "jobs", "seconds", "client_cpu_seconds",
// "server_cpu_seconds", "rss_growth_mb"}. server_cpu_seconds is sampled only
// when BENCH_SERVER_CPU is set (bench/run.sh sets it after creating the
// function in bench/server_cpu.sql) and is null otherwise.
// Contenders: ours_insert, ours_insert_unique, ours_insert_many, ours_insert_many_unique,
// ours_insert_many_fast, ours_insert_many_fast_stream, ours_insert_many_stream, libpq_insert_floor,
// libpq_insert_many_floor;
// migrate (only migrates); copy_rows (prints the same jobs as COPY text rows
// of (args, kind) for psql's \copy floor, instead of timing anything);
// jsonl_rows (prints them as the JSON Lines `riverqueue insert-many` reads).
#include <libpq-fe.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <riverqueue/riverqueue.hpp>

#include "bench_job.hpp"

namespace {

namespace rq = riverqueue;

using bench::job_args;
using bench::job_kind;
using bench::process_usage;
using bench::usage_now;

using result_ptr = std::unique_ptr<PGresult, decltype(&PQclear)>;

result_ptr checked(PGconn* conn, PGresult* raw, ExecStatusType wanted) {
    result_ptr result(raw, &PQclear);
    if (PQresultStatus(result.get()) != wanted) throw std::runtime_error(PQerrorMessage(conn));
    return result;
}

// CPU seconds the whole server has used so far (see bench/server_cpu.sql).
std::optional<double> server_cpu_seconds(PGconn* conn) {
    const char* wanted = std::getenv("BENCH_SERVER_CPU");
    if (wanted == nullptr || *wanted == 0) return std::nullopt;
    auto result = checked(conn, PQexec(conn, "SELECT public.bench_server_cpu_seconds()"), PGRES_TUPLES_OK);
    return std::stod(PQgetvalue(result.get(), 0, 0));
}

// The floor for one job per round trip: a prepared INSERT ... RETURNING of
// the two columns without defaults, with nothing else around it.
void libpq_insert_floor(PGconn* conn, const std::string& table, std::size_t jobs) {
    const std::string sql = "INSERT INTO " + table + " (args, kind) VALUES ($1, $2) RETURNING *";
    checked(conn, PQprepare(conn, "floor_insert", sql.c_str(), 2, nullptr), PGRES_COMMAND_OK);
    for (std::size_t i = 0; i < jobs; ++i) {
        const std::string args = job_args(i);
        const char* values[] = {args.c_str(), job_kind};
        checked(conn, PQexecPrepared(conn, "floor_insert", 2, values, nullptr, nullptr, 0), PGRES_TUPLES_OK);
    }
}

// PostgreSQL's binary form of a one-dimensional array without NULLs, built
// element by element: the header, then each element's length and bytes.
class binary_array {
public:
    binary_array(std::uint32_t element_oid, std::size_t count) {
        put(1);  // dimensions
        put(0);  // no NULL elements
        put(element_oid);
        put(static_cast<std::uint32_t>(count));
        put(1);  // lower bound
    }
    // A jsonb element is its version byte, 1, then the JSON text.
    void add(std::string_view bytes, bool jsonb = false) {
        put(static_cast<std::uint32_t>(bytes.size() + (jsonb ? 1 : 0)));
        if (jsonb) out_.push_back('\x01');
        out_.append(bytes);
    }
    const std::string& bytes() const noexcept { return out_; }

private:
    void put(std::uint32_t v) {
        for (int shift = 24; shift >= 0; shift -= 8) out_.push_back(static_cast<char>((v >> shift) & 0xFF));
    }
    std::string out_;
};

// The floor for a batch that returns its rows: one prepared INSERT ... SELECT
// FROM unnest of binary arrays of the two columns without defaults,
// RETURNING *, the arrays built in the timed section as a client builds its
// parameters.
void libpq_insert_many_floor(PGconn* conn, const std::string& table, std::size_t jobs) {
    constexpr std::uint32_t jsonb_oid = 3802, text_oid = 25;
    const std::string sql =
        "INSERT INTO " + table + " (args, kind) SELECT unnest($1::jsonb[]), unnest($2::text[]) RETURNING *";
    checked(conn, PQprepare(conn, "floor_insert_many", sql.c_str(), 2, nullptr), PGRES_COMMAND_OK);
    binary_array args(jsonb_oid, jobs), kinds(text_oid, jobs);
    for (std::size_t i = 0; i < jobs; ++i) {
        args.add(job_args(i), true);
        kinds.add(job_kind);
    }
    const char* values[] = {args.bytes().data(), kinds.bytes().data()};
    const int lengths[] = {static_cast<int>(args.bytes().size()), static_cast<int>(kinds.bytes().size())};
    const int formats[] = {1, 1};
    auto result = checked(conn, PQexecPrepared(conn, "floor_insert_many", 2, values, lengths, formats, 0),
                          PGRES_TUPLES_OK);
    if (static_cast<std::size_t>(PQntuples(result.get())) != jobs) throw std::runtime_error("floor: rows missing");
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 5) {
        std::cerr << "usage: riverqueue_bench URL SCHEMA CONTENDER JOBS\n";
        return 2;
    }
    const std::string url = argv[1], schema = argv[2], contender = argv[3];
    const std::size_t jobs = std::stoull(argv[4]);
    const std::string table = schema.empty() ? "river_job" : "\"" + schema + "\".river_job";
    try {
        auto conn = rq::connection::open(url);
        if (!schema.empty()) conn.execute("CREATE SCHEMA IF NOT EXISTS \"" + schema + "\"");
        rq::migrator(schema).migrate_up(conn);
        if (contender == "migrate") return 0;
        conn.execute("TRUNCATE " + table);

        if (contender == "copy_rows") {
            for (std::size_t i = 0; i < jobs; ++i) std::cout << job_args(i) << '\t' << job_kind << '\n';
            return 0;
        }
        if (contender == "jsonl_rows") {
            for (std::size_t i = 0; i < jobs; ++i) {
                std::cout << R"({"kind":")" << job_kind << R"(","args":)" << job_args(i) << "}\n";
            }
            return 0;
        }

        rq::client_options options;
        options.conninfo = url;
        options.schema = schema;
        options.pool_size = 1;
        // The _unnamed variants: what client_options::prepared_statements = false
        // (PgBouncer in transaction pooling) costs.
        options.prepared_statements = !contender.ends_with("_unnamed");
        rq::client client(options);
        rq::insert_opts opts;
        if (contender.ends_with("_unique")) opts.unique = rq::unique_opts{.by_args = rq::unique_by_args_all{}};
        std::vector<rq::insert_many_params> batch;
        if (contender.starts_with("ours_insert_many") && contender != "ours_insert_many_fast_stream") {
            batch.reserve(jobs);
            for (std::size_t i = 0; i < jobs; ++i) batch.push_back({rq::dynamic_args{job_kind, job_args(i), {}}, opts});
        }
        // Warm the pooled connection so that connecting is not timed.
        client.insert(rq::dynamic_args{"bench_warmup", "{}", {}}, {});
        conn.execute("TRUNCATE " + table);

        const auto server_before = server_cpu_seconds(conn.native_handle());
        const process_usage before = usage_now();
        const auto started = std::chrono::steady_clock::now();
        if (contender == "ours_insert" || contender == "ours_insert_unique" || contender == "ours_insert_unnamed") {
            for (std::size_t i = 0; i < jobs; ++i) client.insert(rq::dynamic_args{job_kind, job_args(i), {}}, opts);
        } else if (contender == "ours_insert_many" || contender == "ours_insert_many_unique" ||
                   contender == "ours_insert_many_unnamed") {
            client.insert_many(batch);
        } else if (contender == "ours_insert_many_fast") {
            client.insert_many_fast(batch);
        } else if (contender == "ours_insert_many_stream") {
            // Streamed with returned rows: each row is handed to the callback
            // and dropped, so memory stays that of one chunk.
            std::size_t i = 0, returned = 0;
            client.insert_many(
                [&]() -> std::optional<rq::insert_many_params> {
                    if (i >= jobs) return std::nullopt;
                    return rq::insert_many_params{rq::dynamic_args{job_kind, job_args(i++), {}}, {}};
                },
                [&](std::size_t, const rq::insert_result&) { ++returned; });
            if (returned != jobs) throw std::runtime_error("streamed insert_many: rows missing");
        } else if (contender == "ours_insert_many_fast_stream") {
            std::size_t i = 0;
            client.insert_many_fast([&]() -> std::optional<rq::insert_many_params> {
                if (i >= jobs) return std::nullopt;
                return rq::insert_many_params{rq::dynamic_args{job_kind, job_args(i++), {}}, {}};
            });
        } else if (contender == "libpq_insert_floor") {
            libpq_insert_floor(conn.native_handle(), table, jobs);
        } else if (contender == "libpq_insert_many_floor") {
            libpq_insert_many_floor(conn.native_handle(), table, jobs);
        } else {
            std::cerr << "unknown contender " << contender << "\n";
            return 2;
        }
        const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
        const process_usage after = usage_now();
        const auto server_after = server_cpu_seconds(conn.native_handle());

        std::cout << R"({"contender":")" << contender << R"(","jobs":)" << jobs << R"(,"seconds":)" << seconds
                  << R"(,"client_cpu_seconds":)" << (after.cpu_seconds - before.cpu_seconds) << R"(,"server_cpu_seconds":)";
        if (server_before && server_after) {
            std::cout << (*server_after - *server_before);
        } else {
            std::cout << "null";
        }
        std::cout << R"(,"rss_growth_mb":)" << (after.max_rss_mb - before.max_rss_mb) << "}\n";
        return 0;
    } catch (const std::exception& e) {
        std::cerr << "riverqueue_bench: " << e.what() << "\n";
        return 1;
    }
}
