#include "commands.hpp"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>

#include <riverqueue/riverqueue.hpp>

#include "job_json.hpp"
#include "jsonl_jobs.hpp"
#include "usage_error.hpp"

namespace riverqueue::cli {

using tools::insert_result_json;
using tools::json_string;
using tools::states_json;

std::string connection_flags::conninfo() const {
    return database_url.empty() ? database_url_from_env() : database_url;
}

namespace {

client make_client(const connection_flags& connection, bool no_notify) {
    client_options options;
    options.conninfo = connection.conninfo();
    options.schema = connection.schema;
    options.notify = !no_notify;
    options.pool_size = 1;
    return client(options);
}

std::string versions_text(const std::vector<int>& versions) {
    std::string out;
    for (int version : versions) out += (out.empty() ? "" : ", ") + std::to_string(version);
    return out;
}

// Reads JSON Lines, one job per line, counting lines for error messages.
class job_lines {
public:
    explicit job_lines(std::istream& in) : in_(in) {}

    std::optional<insert_many_params> next() {
        std::string line;
        while (std::getline(in_, line)) {
            ++line_number_;
            if (!line.empty() && line.back() == '\r') line.pop_back();
            if (line.find_first_not_of(" \t") == std::string::npos) continue;  // blank line
            try {
                auto params = parse_job_line(line);
                job_lines_.push_back(line_number_);
                return params;
            } catch (const usage_error& e) {
                throw usage_error("line " + std::to_string(line_number_) + ": " + e.what());
            }
        }
        return std::nullopt;
    }

    // The input line of the job at `index`.
    std::size_t line_of(std::size_t index) const { return index < job_lines_.size() ? job_lines_[index] : 0; }
    std::size_t jobs() const noexcept { return job_lines_.size(); }

private:
    std::istream& in_;
    std::size_t line_number_ = 0;
    std::vector<std::size_t> job_lines_;  // 8 bytes a job: bounded and small next to the jobs themselves
};

// `jobs[12].queue` -> (12, "queue").
std::optional<std::pair<std::size_t, std::string>> split_job_field(const std::string& field) {
    if (field.rfind("jobs[", 0) != 0) return std::nullopt;
    const std::size_t close = field.find(']');
    if (close == std::string::npos) return std::nullopt;
    const std::size_t index = std::stoull(field.substr(5, close - 5));
    const std::string rest = close + 2 <= field.size() ? field.substr(close + 2) : std::string();
    return std::make_pair(index, rest);
}

void show_progress(std::size_t jobs) {
    static const bool terminal = ::isatty(STDERR_FILENO) != 0;
    if (terminal && jobs % 10'000 == 0) std::cerr << "\rread " << jobs << " jobs" << std::flush;
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
    std::cout << insert_result_json(c.insert_dynamic(params.args, params.opts)) << "\n";
    return 0;
}

int run_insert_many(const connection_flags& connection, const std::string& input, bool fast, bool no_notify) {
    std::ifstream file;
    if (input != "-") {
        file.open(input);
        if (!file) throw usage_error("cannot read " + input);
    }
    job_lines lines(input == "-" ? std::cin : file);
    auto c = make_client(connection, no_notify);
    auto conn = connection::open(connection.conninfo());
    const auto started = std::chrono::steady_clock::now();
    insert_many_summary summary;
    try {
        transaction tx(conn);
        const job_generator next = [&] {
            auto params = lines.next();
            if (params) show_progress(lines.jobs());
            return params;
        };
        if (fast) {
            summary.inserted = c.insert_many_fast_tx(tx.native_handle(), next);
            summary.jobs = lines.jobs();
            summary.duplicates = summary.jobs - summary.inserted;
        } else {
            summary = c.insert_many_tx(tx.native_handle(), next, {});
        }
        tx.commit();
    } catch (const validation_error& e) {
        if (const auto job_field = split_job_field(e.field())) {
            throw validation_error("line " + std::to_string(lines.line_of(job_field->first)) + ": " + job_field->second,
                                   e.rule());
        }
        throw;
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    if (::isatty(STDERR_FILENO) != 0) std::cerr << "\r";
    std::cout << "{\"inserted\":" << summary.inserted << ",\"duplicates\":" << summary.duplicates
              << ",\"seconds\":" << seconds
              << ",\"jobs_per_second\":" << (seconds > 0 ? static_cast<double>(summary.jobs) / seconds : 0.0)
              << "}\n";
    return 0;
}

int run_unique_key(const job_flags& job, const std::optional<std::string>& now) {
    const insert_many_params params = job.to_params();
    time_point at = std::chrono::system_clock::now();
    if (now) {
        const auto parsed = parse_rfc3339(*now);
        if (!parsed) throw usage_error("now: not an RFC 3339 time: " + *now);
        at = *parsed;
    }
    if (!params.opts.unique) throw usage_error("unique_opts: give at least one --unique-* flag");
    const unique_key key = compute_unique_key(
        unique_key_input{params.args.kind_name, params.args.json, params.opts.queue.value_or("default"),
                         params.opts.scheduled_at, at},
        *params.opts.unique);
    std::vector<job_state> states;
    const std::uint8_t mask = unique_states_bitmask(*params.opts.unique);
    for (job_state state : all_job_states) {
        if ((mask & (1u << static_cast<unsigned>(state))) != 0) states.push_back(state);
    }
    std::cout << "{\"key\":" << json_string(key.key_string) << ",\"sha256\":" << json_string(key.hex())
              << ",\"unique_states\":" << states_json(states) << "}\n";
    return 0;
}

}  // namespace riverqueue::cli
