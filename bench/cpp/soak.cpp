// Soak: inserts for a while from 4 threads (the client) and 64 coroutines
// (the asynchronous client) while another thread terminates the clients'
// backends every few seconds, then checks the table against what each call
// said. scripts/soak.sh runs it (not in CI: it takes minutes).
//
//   riverqueue_soak DATABASE_URL SCHEMA SECONDS [KILL_EVERY_MS]
//
// Each call inserts a plain job with a number of its own, or a job unique by
// args whose key repeats (River's default unique states), so that:
//   - lost: a plain job the call reported inserted that is not in the table;
//   - stray: a plain job in the table whose call failed saying nothing was
//     committed (connection_error without may_have_committed);
//   - duplicated: a unique key held by more than one row;
//   - RSS: the process's resident memory, sampled every second, first and
//     last quarter compared.
// Prints one JSON line; exits 1 when lost, stray or duplicated is not zero.
#include <libpq-fe.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <chrono>
#include <fstream>
#include <iostream>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <riverqueue/async_client.hpp>
#include <riverqueue/client.hpp>
#include <riverqueue/connection.hpp>
#include <riverqueue/errors.hpp>
#include <riverqueue/migrator.hpp>

namespace rq = riverqueue;
namespace asio = boost::asio;
using clock_type = std::chrono::steady_clock;

namespace {

constexpr const char* application_name = "rq_soak";
constexpr int unique_keys = 500;

// What the calls said, by call number: one byte per call, allocated and
// touched before the run, so that the ledger does not grow the RSS the soak
// watches.
enum outcome : std::uint8_t { none, inserted, not_committed, unknown, failed_unique };

class ledger {
public:
    explicit ledger(std::size_t capacity) : outcomes_(capacity) {
        for (auto& o : outcomes_) o.store(none, std::memory_order_relaxed);
    }
    std::size_t capacity() const noexcept { return outcomes_.size(); }

    void record(long n, bool plain, const std::exception_ptr& error) {
        outcomes_[static_cast<std::size_t>(n)].store(classify(plain, error), std::memory_order_relaxed);
    }
    outcome at(std::size_t n) const noexcept { return static_cast<outcome>(outcomes_[n].load(std::memory_order_relaxed)); }

private:
    static outcome classify(bool plain, const std::exception_ptr& error) {
        if (!error) return plain ? inserted : none;
        try {
            std::rethrow_exception(error);
        } catch (const rq::connection_error& e) {
            if (e.may_have_committed()) return unknown;
        } catch (const std::exception&) {
            // A database_error: the statement failed, nothing committed.
        }
        return plain ? not_committed : failed_unique;
    }

    std::vector<std::atomic<std::uint8_t>> outcomes_;
};

rq::dynamic_args job_for(long n, bool& plain) {
    plain = n % 4 != 0;
    if (plain) return {"soak_plain", R"({"n":)" + std::to_string(n) + "}", {}};
    return {"soak_unique", R"({"k":)" + std::to_string(n % unique_keys) + "}", {}};
}

rq::insert_opts opts_for(bool plain) {
    rq::insert_opts opts;
    if (!plain) opts.unique = rq::unique_opts{.by_args = rq::unique_by_args_all{}};
    return opts;
}

double rss_mib() {
    std::ifstream status("/proc/self/status");
    std::string line;
    while (std::getline(status, line)) {
        if (line.rfind("VmRSS:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;
    }
    return 0;
}

// The first column of every row `sql` returns.
std::vector<std::string> column(rq::connection& conn, const std::string& sql) {
    PGresult* result = PQexec(conn.native_handle(), sql.c_str());
    std::vector<std::string> out;
    if (PQresultStatus(result) != PGRES_TUPLES_OK) {
        const std::string message = PQresultErrorMessage(result);
        PQclear(result);
        throw std::runtime_error(sql + ": " + message);
    }
    for (int row = 0; row < PQntuples(result); ++row) out.emplace_back(PQgetvalue(result, row, 0));
    PQclear(result);
    return out;
}

std::string scalar(rq::connection& conn, const std::string& sql) {
    const auto rows = column(conn, sql);
    return rows.empty() ? std::string() : rows.front();
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 4) {
        std::cerr << "usage: riverqueue_soak DATABASE_URL SCHEMA SECONDS [KILL_EVERY_MS]\n";
        return 2;
    }
    const std::string url = argv[1], schema = argv[2];
    const auto duration = std::chrono::seconds(std::stol(argv[3]));
    const auto kill_every = std::chrono::milliseconds(argc > 4 ? std::stol(argv[4]) : 3000);
    const std::string tagged = url + (url.find('?') == std::string::npos ? "?" : "&") +
                               "application_name=" + application_name;
    try {
        auto admin = rq::connection::open(url);
        admin.execute("SET client_min_messages = warning");
        admin.execute("DROP SCHEMA IF EXISTS \"" + schema + "\" CASCADE");
        admin.execute("CREATE SCHEMA \"" + schema + "\"");
        rq::migrator(schema).migrate_up(admin);

        rq::client_options options;
        options.conninfo = tagged;
        options.schema = schema;
        options.pool_size = 4;
        options.notify = false;
        rq::client sync_client(options);

        // More calls than the machine can make in the time (~40k a second on 2 cores).
        ledger book(static_cast<std::size_t>(duration.count()) * 200000 + 1000000);
        std::atomic<long> next{0};
        std::atomic<bool> stop{false};
        const auto deadline = clock_type::now() + duration;
        std::atomic<long> kills{0};

        std::vector<double> rss;
        std::thread sampler([&] {
            while (!stop) {
                rss.push_back(rss_mib());
                std::this_thread::sleep_for(std::chrono::seconds(1));
            }
        });
        std::thread killer([&] {
            auto conn = rq::connection::open(url);
            while (!stop) {
                std::this_thread::sleep_for(kill_every);
                if (stop) break;
                kills += std::stol(scalar(conn, std::string("SELECT count(pg_terminate_backend(pid)) FROM "
                                                            "pg_stat_activity WHERE application_name = '") +
                                                    application_name + "'"));
            }
        });

        // The next call to make, until the time is up.
        struct planned_call {
            long n;
            bool plain;
            rq::dynamic_args args;
            rq::insert_opts opts;
        };
        const auto next_call = [&]() -> std::optional<planned_call> {
            if (clock_type::now() >= deadline) return std::nullopt;
            const long n = next++;
            if (static_cast<std::size_t>(n) >= book.capacity()) return std::nullopt;
            bool plain = false;
            rq::dynamic_args args = job_for(n, plain);
            return planned_call{n, plain, std::move(args), opts_for(plain)};
        };

        std::vector<std::thread> threads;
        for (int t = 0; t < 4; ++t) {
            threads.emplace_back([&] {
                while (const auto call = next_call()) {
                    std::exception_ptr error;
                    try {
                        sync_client.insert(call->args, call->opts);
                    } catch (...) {
                        error = std::current_exception();
                        std::this_thread::sleep_for(std::chrono::milliseconds(5));
                    }
                    book.record(call->n, call->plain, error);
                }
            });
        }

        asio::io_context io;
        rq::async_client async(io.get_executor(), options);
        for (int c = 0; c < 64; ++c) {
            asio::co_spawn(
                io,
                [&]() -> asio::awaitable<void> {
                    asio::steady_timer pause(co_await asio::this_coro::executor);
                    while (const auto call = next_call()) {
                        std::exception_ptr error;
                        try {
                            co_await async.insert(call->args, call->opts, asio::use_awaitable);
                        } catch (...) {
                            error = std::current_exception();
                        }
                        book.record(call->n, call->plain, error);
                        if (error) {
                            pause.expires_after(std::chrono::milliseconds(5));
                            co_await pause.async_wait(asio::use_awaitable);
                        }
                    }
                },
                asio::detached);
        }
        io.run();
        for (auto& thread : threads) thread.join();
        stop = true;
        killer.join();
        sampler.join();

        // The table against the ledger.
        std::set<long> stored;
        for (const auto& n : column(admin, "SELECT args->>'n' FROM \"" + schema + "\".river_job WHERE kind = 'soak_plain'")) {
            stored.insert(std::stol(n));
        }
        long lost = 0, stray = 0, reported = 0, failures = 0, unknown_outcomes = 0;
        const std::size_t calls = std::min(static_cast<std::size_t>(next.load()), book.capacity());
        for (std::size_t n = 0; n < calls; ++n) {
            const outcome o = book.at(n);
            const bool in_table = stored.count(static_cast<long>(n)) != 0;
            if (o == inserted) {
                ++reported;
                if (!in_table) ++lost;
            }
            if (o == not_committed) stray += in_table ? 1 : 0;
            if (o == not_committed || o == unknown || o == failed_unique) ++failures;
            if (o == unknown) ++unknown_outcomes;
        }
        const long duplicated = std::stol(scalar(
            admin, "SELECT count(*) FROM (SELECT args FROM \"" + schema +
                       "\".river_job WHERE kind = 'soak_unique' GROUP BY args HAVING count(*) > 1) d"));
        const long unique_rows =
            std::stol(scalar(admin, "SELECT count(*) FROM \"" + schema + "\".river_job WHERE kind = 'soak_unique'"));

        const std::size_t quarter = std::max<std::size_t>(1, rss.size() / 4);
        double first = 0, last = 0;
        for (std::size_t i = 0; i < quarter && i < rss.size(); ++i) first += rss[i];
        for (std::size_t i = rss.size() - std::min(quarter, rss.size()); i < rss.size(); ++i) last += rss[i];
        first /= static_cast<double>(quarter);
        last /= static_cast<double>(quarter);

        std::cout << "{\"seconds\":" << duration.count() << ",\"calls\":" << calls
                  << ",\"plain_reported_inserted\":" << reported << ",\"plain_stored\":" << stored.size()
                  << ",\"failures\":" << failures << ",\"outcome_unknown\":" << unknown_outcomes
                  << ",\"backends_terminated\":" << kills.load() << ",\"lost\":" << lost << ",\"stray\":" << stray
                  << ",\"unique_rows\":" << unique_rows << ",\"duplicated_unique\":" << duplicated
                  << ",\"rss_first_quarter_mib\":" << first << ",\"rss_last_quarter_mib\":" << last << "}\n";
        return lost == 0 && stray == 0 && duplicated == 0 && unique_rows <= unique_keys ? 0 : 1;
    } catch (const std::exception& e) {
        std::cerr << "soak: " << e.what() << "\n";
        return 1;
    }
}
