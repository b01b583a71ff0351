#include "commands.hpp"

#include <boost/json.hpp>

#include <charconv>
#include <chrono>
#include <iterator>
#include <iostream>
#include <utility>

#include <riverqueue/riverqueue.hpp>

#include "job_json.hpp"
#include "jsonl_read_ahead.hpp"
#include "option_values.hpp"
#include "progress.hpp"
#include "usage_error.hpp"

namespace riverqueue::cli {

std::string connection_flags::conninfo() const {
    return database_url.empty() ? database_url_from_env() : database_url;
}

namespace {

client make_client(const connection_flags& connection, bool no_notify) {
    client_options options;
    options.conninfo = connection.conninfo();
    options.schema = connection.schema;
    options.notify = !no_notify;
    options.advisory_lock_prefix = connection.advisory_lock_prefix;
    options.statement_timeout = std::chrono::milliseconds(connection.statement_timeout_ms);
    // A command sends each statement shape once or a few times, where
    // preparing would only add a round trip; unnamed statements also pass
    // through any pooler, PgBouncer in transaction mode included.
    options.prepared_statements = false;
    // One command, one connection at a time.
    options.pool_size = 1;
    return client(options);
}

std::string versions_text(const std::vector<int>& versions) {
    std::string out;
    for (int version : versions) out += (out.empty() ? "" : ", ") + std::to_string(version);
    return out;
}

void print_json(const boost::json::value& value) { std::cout << boost::json::serialize(value) << "\n"; }

// Boost.JSON 1.81 writes every double with an exponent (3.2E-3); people read 0.0032.
std::string fixed_decimal(double value, int decimals) {
    char text[64];
    const auto [end, error] = std::to_chars(std::begin(text), std::end(text), value, std::chars_format::fixed, decimals);
    return error == std::errc() ? std::string(text, end) : std::string("0");
}

// The library names a job of a batch by its index: `jobs[12].queue` -> (12, "queue").
std::optional<std::pair<std::size_t, std::string>> split_job_field(const std::string& field) {
    constexpr std::string_view prefix = "jobs[";
    if (field.rfind(prefix, 0) != 0) return std::nullopt;
    std::size_t index = 0;
    const char* digits = field.data() + prefix.size();
    const auto [end, error] = std::from_chars(digits, field.data() + field.size(), index);
    if (error != std::errc() || end == field.data() + field.size() || *end != ']') return std::nullopt;
    const auto rest = static_cast<std::size_t>(end - field.data()) + 1;  // past ']'
    return std::make_pair(index, rest < field.size() && field[rest] == '.' ? field.substr(rest + 1) : std::string());
}

}  // namespace

int run_migrate(const connection_flags& connection, const std::string& direction, std::optional<int> to) {
    migrator migrate(connection.schema);
    auto conn = connection::open(connection.conninfo());
    if (direction == "list") {
        for (const auto& status : migrate.status(conn)) {
            std::cout << status.version << "\t" << (status.applied ? "applied" : "not applied") << "\t"
                      << status.name << "\n";
        }
        return 0;
    }
    const auto versions = direction == "up" ? migrate.migrate_up(conn, to) : migrate.migrate_down(conn, to);
    if (versions.empty()) std::cout << "nothing to do\n";
    else std::cout << (direction == "up" ? "applied" : "reverted") << " versions " << versions_text(versions) << "\n";
    return 0;
}

int run_insert(const connection_flags& connection, const job_flags& job, bool no_notify) {
    const insert_many_params params = job.to_params();
    auto c = make_client(connection, no_notify);
    std::cout << tools::insert_result_json(c.insert(params.args, params.opts)) << "\n";
    return 0;
}

int run_insert_many(const connection_flags& connection, const std::string& input, bool fast, bool no_notify) {
    jsonl_read_ahead reader = jsonl_read_ahead::open(input);
    auto c = make_client(connection, no_notify);
    // Connect before reading, so that a wrong URL fails at once rather than after a long input.
    auto conn = connection::open(connection.conninfo());
    const auto started = std::chrono::steady_clock::now();

    insert_many_summary summary;
    // Read ahead one job: an empty input inserts nothing, and is not an error.
    std::optional<insert_many_params> first = reader.next();
    if (first) {
        progress_meter progress(regular_file_size(input));
        const job_generator next = [&] {
            std::optional<insert_many_params> job = std::exchange(first, std::nullopt);
            if (!job) job = reader.next();
            if (job) progress.update(reader.jobs_read(), reader.bytes_read());
            return job;
        };
        // One transaction for every line: any bad line, wherever it is, rolls all of it back.
        transaction tx(conn);
        try {
            if (fast) {
                summary.inserted = c.insert_many_fast_tx(tx.native_handle(), next);
                summary.jobs = reader.jobs_read();
                summary.duplicates = summary.jobs - summary.inserted;
            } else {
                summary = c.insert_many_tx(tx.native_handle(), next, {});
            }
        } catch (const validation_error& e) {
            const auto job_field = split_job_field(e.field());
            if (!job_field) throw;
            throw usage_error("line " + std::to_string(reader.line_of(job_field->first)) + ": " + job_field->second +
                              ": " + e.rule());
        }
        tx.commit();
        progress.finish(reader.jobs_read(), reader.bytes_read());
    }

    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    const double rate = seconds > 0 ? static_cast<double>(summary.jobs) / seconds : 0.0;
    std::cout << "{\"inserted\":" << summary.inserted << ",\"duplicates\":" << summary.duplicates
              << ",\"seconds\":" << fixed_decimal(seconds, 6) << ",\"jobs_per_second\":" << fixed_decimal(rate, 0)
              << "}\n";
    return 0;
}

int run_unique_key(const job_flags& job, const std::optional<std::string>& now) {
    const insert_many_params params = job.to_params();
    const time_point at = now ? time_from_rfc3339(*now, "now") : riverqueue::now();
    if (!params.opts.unique) throw usage_error("unique_opts: give at least one --unique-* flag");
    const unique_key key = compute_unique_key(
        unique_key_input{params.args.kind_name, params.args.json, params.opts.queue.value_or("default"),
                         params.opts.scheduled_at, at},
        *params.opts.unique);
    boost::json::array states;
    for (job_state state : unique_states_from_bitmask(unique_states_bitmask(*params.opts.unique))) {
        states.emplace_back(to_string(state));
    }
    print_json(boost::json::object{{"key", key.key_string}, {"sha256", key.hex()}, {"unique_states", states}});
    return 0;
}

}  // namespace riverqueue::cli
