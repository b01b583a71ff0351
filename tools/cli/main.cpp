// riverqueue: migrate River's schema, enqueue jobs, and inspect unique keys
// from shell scripts, cron and data files.
//
// Exit status: 0 success; 1 database or connection error (or another failure
// that is not the input's fault); 2 bad input.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <iostream>
#include <string>
#include <string_view>

#include <riverqueue/errors.hpp>
#include <riverqueue/version.hpp>

#include "commands.hpp"
#include "job_flags.hpp"
#include "usage_error.hpp"

namespace {

using namespace riverqueue;
using namespace riverqueue::cli;

constexpr int exit_database = 1;
constexpr int exit_usage = 2;

void add_connection_flags(CLI::App& command, connection_flags& connection) {
    command.add_option("--database-url", connection.database_url,
                       "PostgreSQL URL or conninfo (default: DATABASE_URL, else libpq's PG* variables)");
    command.add_option("--schema", connection.schema, "Schema holding River's tables (default: search_path)");
}

void add_advisory_lock_prefix_flag(CLI::App& command, connection_flags& connection) {
    command.add_option("--advisory-lock-prefix", connection.advisory_lock_prefix,
                       "River's AdvisoryLockPrefix, a 32-bit value, for unique jobs on schemas up to version 5"
                       " (default 0)");
}

// Only for the commands that insert: a migration may take as long as it needs.
void add_statement_timeout_flag(CLI::App& command, connection_flags& connection) {
    command
        .add_option("--statement-timeout", connection.statement_timeout_ms,
                    "Milliseconds a statement may run before it is cancelled, failing with SQLSTATE 57014"
                    " (default 0: no limit)")
        ->check(CLI::Validator(
            [](const std::string& value) {
                return value.find_first_not_of("0123456789") == std::string::npos ? "" : "must be 0 or more";
            },
            "MS", "NON_NEGATIVE"));
}

// An empty value, as `--priority "$P"` passes when P is unset, is refused
// naming the flag: CLI11 reads it as no value (for --unique-by-args, as the
// bare flag), and the library's "empty means the default" would turn the
// mistake into a job with defaults. Read from argv before CLI11 parses, so
// that no other check of the flag answers first.
void refuse_empty_values(CLI::App& app, int argc, char** argv) {
    std::vector<std::string> names;  // every --name that takes a value
    for (CLI::App* command : app.get_subcommands({})) {
        for (const CLI::Option* option : command->get_options()) {
            if (option->get_expected_max() == 0) continue;  // a flag without value
            for (const std::string& name : option->get_lnames()) names.push_back("--" + name);
        }
    }
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        if (arg == "--") return;  // positional arguments only from here
        for (const std::string& name : names) {
            if (arg == name + "=" || (arg == name && i + 1 < argc && *argv[i + 1] == '\0')) {
                throw usage_error(name + ": empty value: give one or leave the flag out");
            }
        }
    }
}

// Every failure goes to stderr through here, without passwords: a URL given
// where another argument belongs comes back in CLI11's message or ours
// ("The following argument was not expected: postgresql://app:secret@...").
void report(const std::string& message) { std::cerr << "riverqueue: " << riverqueue::redact_passwords(message) << "\n"; }

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"riverqueue: River's job queue from the command line"};
    app.require_subcommand(1);
    // The library's version (project(VERSION) in CMakeLists.txt), as linked.
    app.set_version_flag("--version", "riverqueue " + std::string(riverqueue::version()),
                         "Print the version (riverqueue MAJOR.MINOR.PATCH) and exit");
    app.footer("Examples:\n"
               "  riverqueue migrate up --database-url postgres:///app --schema jobs\n"
               "  riverqueue insert --kind send_email --args '{\"to\":\"ada@example.com\"}'\n"
               "  riverqueue insert-many jobs.jsonl\n"
               "  riverqueue unique-key --kind digest --args '{\"user\":7}' --unique-by-args\n"
               "Run `riverqueue COMMAND --help` for each command's flags.\n"
               "Exit status: 0 on success, 1 on database or connection errors, 2 on bad input.");

    connection_flags connection;

    auto* migrate = app.add_subcommand("migrate", "Apply, revert or list River's schema migrations");
    std::string direction;
    std::optional<int> to;
    migrate->add_option("direction", direction, "up, down or list")
        ->required()
        ->check(CLI::IsMember({"up", "down", "list"}));
    migrate->add_option("--to", to, "Target version (up: up to and including it; down: down to it, 0 = all)");
    add_connection_flags(*migrate, connection);
    migrate->footer("Examples:\n  riverqueue migrate up\n  riverqueue migrate down --to 5 --schema jobs\n"
                    "  riverqueue migrate list\n");

    auto* insert = app.add_subcommand("insert", "Insert one job; prints the stored row as JSON");
    job_flags job;
    job.add_to(*insert);
    bool no_notify = false;
    insert->add_flag("--no-notify", no_notify, "Do not wake River's workers with a notification");
    add_connection_flags(*insert, connection);
    add_advisory_lock_prefix_flag(*insert, connection);
    add_statement_timeout_flag(*insert, connection);
    insert->footer("Examples:\n"
                   "  riverqueue insert --kind send_email --args '{\"to\":\"ada@example.com\"}'\n"
                   "  riverqueue insert --kind report --args '{\"id\":7}' --queue reports --priority 2 \\\n"
                   "      --unique-by-args --unique-by-period 3600\n");

    auto* insert_many = app.add_subcommand("insert-many", "Insert JSON Lines jobs in one transaction");
    std::string input = "-";
    bool fast = false;
    insert_many->add_option("file", input, "File with one job per line, or - for standard input (default)");
    insert_many->add_flag("--fast", fast, "Send non-unique jobs through COPY (unique jobs are still deduplicated)");
    insert_many->add_flag("--no-notify", no_notify, "Do not wake River's workers with a notification");
    add_connection_flags(*insert_many, connection);
    add_advisory_lock_prefix_flag(*insert_many, connection);
    add_statement_timeout_flag(*insert_many, connection);
    insert_many->footer(
        "Each line: {\"kind\": ..., \"args\": {...}, \"queue\": ..., \"priority\": ..., \"max_attempts\": ...,\n"
        "  \"scheduled_at\": ..., \"tags\": [...], \"metadata\": {...}, \"pending\": ...,\n"
        "  \"unique_opts\": {\"by_args\": true | [\"k1\", ...], \"by_period\": SECONDS, \"by_queue\": true,\n"
        "  \"by_state\": [...], \"exclude_kind\": true}}; all but kind and args optional.\n"
        "Blank lines are skipped. All lines go in one transaction: one bad line inserts nothing,\n"
        "and the error names its line. A progress line goes to stderr when it is a terminal.\n"
        "Prints {\"inserted\": N, \"duplicates\": N, \"seconds\": S, \"jobs_per_second\": R}.\n"
        "Examples:\n  riverqueue insert-many jobs.jsonl\n  generate-jobs | riverqueue insert-many --fast -\n");

    auto* unique_key = app.add_subcommand("unique-key", "Print a job's unique key string and SHA-256, offline");
    job_flags key_job;
    key_job.add_to(*unique_key);
    std::optional<std::string> now;
    unique_key->add_option("--now", now, "Time for the unique period (default: the current time), RFC 3339");
    unique_key->footer("Example:\n  riverqueue unique-key --kind digest --args '{\"user\":7}' --unique-by-args \\\n"
                       "      --unique-by-period 86400 --now 2026-01-02T03:04:05Z\n");

    try {
        refuse_empty_values(app, argc, argv);
        app.parse(argc, argv);
        if (*migrate) return run_migrate(connection, direction, to);
        if (*insert) return run_insert(connection, job, no_notify);
        if (*insert_many) return run_insert_many(connection, input, fast, no_notify);
        if (*unique_key) return run_unique_key(key_job, now);
    } catch (const CLI::ParseError& e) {
        if (e.get_exit_code() == 0) return app.exit(e);  // --help
        // CLI11's own report takes two lines; bad input gets one.
        std::string message = e.what();
        std::replace(message.begin(), message.end(), '\n', ' ');
        report(message + " (see --help)");
        return exit_usage;
    } catch (const usage_error& e) {
        report(e.what());
        return exit_usage;
    } catch (const validation_error& e) {
        report(e.field() + ": " + e.rule());
        return exit_usage;
    } catch (const database_error& e) {
        report("database error: " + e.message() + " (SQLSTATE " + e.sqlstate() + ")" +
               (e.detail().empty() ? "" : ": " + e.detail()));
        return exit_database;
    } catch (const riverqueue::error& e) {  // connection_error: no SQLSTATE to show
        report(e.what());
        return exit_database;
    } catch (const std::exception& e) {  // out of memory and the like: not the input's fault
        report(e.what());
        return exit_database;
    }
    return exit_usage;
}
