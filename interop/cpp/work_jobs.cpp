// Works River jobs with riverqueue::worker_client, for the interop tests that
// compare the rows it leaves with the rows River Go's own workers leave.
//
// Usage: interop_work_jobs --schema SCHEMA --queue QUEUE [--database-url URL]
//            [--client-id ID] [--max-workers N] [--poll-ms N] [--cooldown-ms N]
//            [--leader-election on|off] [--job-timeout-ms N] [--rescue-after-ms N]
//            [--stream on|off]
//
// The conninfo is --database-url, else DATABASE_URL. --leader-election,
// --job-timeout-ms and --rescue-after-ms set worker_options' leader_election,
// job_timeout and rescue_stuck_jobs_after (off, 60 s and 1 h by default).
// Each kind's behaviour is fixed, so that a River Go worker can copy it
// exactly (interop/fleet_test.go and end_states_test.go hold the copies of
// the fleet_ and ends_ kinds):
//   interop_ok      returns
//   interop_fail    throws std::runtime_error("interop failure")
//   interop_snooze  throws job_snooze(1 h)
//   interop_cancel  throws job_cancel("interop cancel")
//   interop_slow    sleeps 50 ms, then returns
//   fleet_ok        returns
//   fleet_fail_once attempt 1 throws std::runtime_error("fleet first attempt
//                   fails"), retried 8 s later (so written retryable: only a
//                   leader's scheduler makes it available again); then returns
//   ends_ok                returns
//   ends_fail_once         attempt 1 throws std::runtime_error("ends first
//                          attempt fails"), River's default backoff; then returns
//   ends_fail_once_late    the same, retried 6 s later (the scheduler's work)
//   ends_snooze_once       throws job_snooze(1 s) unless metadata has snoozes
//   ends_snooze_once_late  the same with 6 s (the scheduler's work)
//   ends_snooze_long       throws job_snooze(1 h)
//   ends_cancel            throws job_cancel("ends cancel")
//   ends_discard           throws std::runtime_error("ends always fails"),
//                          retried 100 ms later
//   ends_retry_long        the same, retried 1 h later
//   ends_timeout           a 100 ms timeout: waits for its stop token, then
//                          throw_if_stop_requested (returns after 10 s if none)
//
// Once started it prints "ready <client id>". It works jobs until its stdin is
// closed, then stops (waiting for running jobs and writing their outcomes),
// prints "worked <id> <kind>" for every job a worker ran (one line per run,
// in no particular order) and "errors <n>", the number of errors the runtime
// reported through on_error (each is also written to stderr), and exits 0.
//
// With --stream on, each run is printed as its worker starts, as
// "run <id> <kind> <attempt>", and every change of leadership as "leading 1"
// or "leading 0" (worker_client::leading, looked at every 5 ms), so that a
// test that kills the process still knows what it ran; the runs are then not
// printed again at the end ("errors <n>" is).
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include <riverqueue/riverqueue.hpp>
#include <riverqueue/worker_client.hpp>

namespace {

struct settings {
    std::string conninfo;
    std::string schema;
    std::string queue;
    std::string client_id;
    int max_workers = 4;
    int poll_ms = 20;
    int cooldown_ms = 10;
    bool leader_election = false;
    std::optional<int> job_timeout_ms;
    std::optional<int> rescue_after_ms;
    bool stream = false;
};

[[noreturn]] void usage(const std::string& problem) {
    std::cerr << problem << "\nusage: interop_work_jobs --schema SCHEMA --queue QUEUE [--database-url URL]"
                            " [--client-id ID] [--max-workers N] [--poll-ms N] [--cooldown-ms N]"
                            " [--leader-election on|off] [--job-timeout-ms N] [--rescue-after-ms N] [--stream on|off]\n";
    std::exit(2);
}

int positive(const std::string& name, const std::string& text) {
    std::size_t used = 0;
    int value = 0;
    try {
        value = std::stoi(text, &used);
    } catch (const std::exception&) {
        used = 0;
    }
    if (used != text.size() || value < 1) usage(name + " must be a positive integer, not \"" + text + "\"");
    return value;
}

bool on_off(const std::string& name, const std::string& text) {
    if (text == "on") return true;
    if (text == "off") return false;
    usage(name + " must be on or off, not \"" + text + "\"");
}

settings parse(int argc, char** argv) {
    settings s;
    for (int i = 1; i < argc; ++i) {
        const std::string flag = argv[i];
        if (i + 1 >= argc) usage(flag + " needs a value");
        const std::string value = argv[++i];
        if (flag == "--database-url") s.conninfo = value;
        else if (flag == "--schema") s.schema = value;
        else if (flag == "--queue") s.queue = value;
        else if (flag == "--client-id") s.client_id = value;
        else if (flag == "--max-workers") s.max_workers = positive(flag, value);
        else if (flag == "--poll-ms") s.poll_ms = positive(flag, value);
        else if (flag == "--cooldown-ms") s.cooldown_ms = positive(flag, value);
        else if (flag == "--leader-election") s.leader_election = on_off(flag, value);
        else if (flag == "--job-timeout-ms") s.job_timeout_ms = positive(flag, value);
        else if (flag == "--rescue-after-ms") s.rescue_after_ms = positive(flag, value);
        else if (flag == "--stream") s.stream = on_off(flag, value);
        else usage("unknown option " + flag);
    }
    if (s.conninfo.empty()) {
        const char* url = std::getenv("DATABASE_URL");
        if (url == nullptr || *url == '\0') usage("give --database-url or set DATABASE_URL");
        s.conninfo = url;
    }
    if (s.schema.empty()) usage("--schema is required");
    if (s.queue.empty()) usage("--queue is required");
    return s;
}

// What the workers ran, for the report at the end (or, streaming, at once).
class journal {
public:
    explicit journal(bool stream) : stream_(stream) {}

    void add(std::int64_t id, std::string_view kind, int attempt) {
        std::lock_guard lock(mutex_);
        if (stream_) {
            std::cout << "run " << id << " " << kind << " " << attempt << std::endl;
            return;
        }
        runs_.emplace_back(id, std::string(kind));
    }
    // A line printed now, between the runs.
    void line(const std::string& text) {
        std::lock_guard lock(mutex_);
        std::cout << text << std::endl;
    }
    void error(const std::exception& e) {
        std::lock_guard lock(mutex_);
        ++errors_;
        std::cerr << "on_error: " << e.what() << "\n";
    }
    void print(std::ostream& out) {
        std::lock_guard lock(mutex_);
        for (const auto& [id, kind] : runs_) out << "worked " << id << " " << kind << "\n";
        out << "errors " << errors_ << "\n";
    }

private:
    const bool stream_;
    std::mutex mutex_;
    std::vector<std::pair<std::int64_t, std::string>> runs_;
    int errors_ = 0;
};

using namespace std::chrono_literals;

// A worker whose behaviour may look at the job, with River's per-kind
// NextRetry and Timeout (zero: the defaults).
class kind_worker : public riverqueue::worker {
public:
    using behaviour = void (*)(const riverqueue::job_context&);
    kind_worker(journal& record, behaviour how, std::chrono::milliseconds retry_after,
                std::chrono::milliseconds limit = 0ms)
        : record_(record), work_(how), retry_after_(retry_after), timeout_(limit) {}

    void work(const riverqueue::job_context& context) override {
        record_.add(context.job().id, context.job().kind, context.job().attempt);
        work_(context);
    }
    std::optional<riverqueue::time_point> next_retry(const riverqueue::job_row&) const override {
        if (retry_after_.count() == 0) return std::nullopt;
        return riverqueue::now() + retry_after_;
    }
    std::chrono::milliseconds timeout(const riverqueue::job_row&) const override { return timeout_; }

private:
    journal& record_;
    behaviour work_;
    std::chrono::milliseconds retry_after_;
    std::chrono::milliseconds timeout_;
};

bool snoozed_before(const riverqueue::job_context& context) {
    return context.job().metadata.find("\"snoozes\"") != std::string::npos;
}

riverqueue::workers interop_workers(journal& record) {
    riverqueue::workers registry;
    const auto add = [&](const char* kind, kind_worker::behaviour how, std::chrono::milliseconds retry_after = 0ms,
                         std::chrono::milliseconds limit = 0ms) {
        registry.add(kind, std::make_shared<kind_worker>(record, how, retry_after, limit));
    };
    // The worker-row and mixed-queue tests (worker_rows_test.go, workers_test.go).
    add("interop_ok", [](const riverqueue::job_context&) {});
    add("interop_fail", [](const riverqueue::job_context&) { throw std::runtime_error("interop failure"); });
    add("interop_snooze", [](const riverqueue::job_context&) { throw riverqueue::job_snooze(1h); });
    add("interop_cancel", [](const riverqueue::job_context&) { throw riverqueue::job_cancel("interop cancel"); });
    add("interop_slow", [](const riverqueue::job_context&) { std::this_thread::sleep_for(50ms); });

    // The mixed fleet (interop/fleet_test.go).
    add("fleet_ok", [](const riverqueue::job_context&) {});
    add(
        "fleet_fail_once",
        [](const riverqueue::job_context& context) {
            if (context.job().attempt == 1) throw std::runtime_error("fleet first attempt fails");
        },
        8s);

    // The end states of a job set (interop/end_states_test.go).
    const auto fail_once = [](const riverqueue::job_context& context) {
        if (context.job().attempt == 1) throw std::runtime_error("ends first attempt fails");
    };
    const auto always_fails = [](const riverqueue::job_context&) { throw std::runtime_error("ends always fails"); };
    add("ends_ok", [](const riverqueue::job_context&) {});
    add("ends_fail_once", fail_once);
    add("ends_fail_once_late", fail_once, 6s);
    add("ends_snooze_once", [](const riverqueue::job_context& context) {
        if (!snoozed_before(context)) throw riverqueue::job_snooze(1s);
    });
    add("ends_snooze_once_late", [](const riverqueue::job_context& context) {
        if (!snoozed_before(context)) throw riverqueue::job_snooze(6s);
    });
    add("ends_snooze_long", [](const riverqueue::job_context&) { throw riverqueue::job_snooze(1h); });
    add("ends_cancel", [](const riverqueue::job_context&) { throw riverqueue::job_cancel("ends cancel"); });
    add("ends_discard", always_fails, 100ms);
    add("ends_retry_long", always_fails, 1h);
    add(
        "ends_timeout",
        [](const riverqueue::job_context& context) {
            const auto until = std::chrono::steady_clock::now() + 10s;
            while (!context.stop_requested() && std::chrono::steady_clock::now() < until) {
                std::this_thread::sleep_for(5ms);
            }
            context.throw_if_stop_requested();
        },
        0ms, 100ms);
    return registry;
}

}  // namespace

int main(int argc, char** argv) {
    const settings s = parse(argc, argv);
    journal record(s.stream);
    try {
        riverqueue::worker_options options;
        options.conninfo = s.conninfo;
        options.schema = s.schema;
        options.queues[s.queue] = riverqueue::queue_options{.max_workers = s.max_workers};
        options.client_id = s.client_id;
        options.poll_interval = std::chrono::milliseconds(s.poll_ms);
        options.fetch_cooldown = std::chrono::milliseconds(s.cooldown_ms);
        options.leader_election = s.leader_election;
        if (s.job_timeout_ms) options.job_timeout = std::chrono::milliseconds(*s.job_timeout_ms);
        if (s.rescue_after_ms) options.rescue_stuck_jobs_after = std::chrono::milliseconds(*s.rescue_after_ms);
        options.on_error = [&record](const std::exception& e) { record.error(e); };
        riverqueue::worker_client client(options, interop_workers(record));
        client.start();
        record.line("ready " + client.client_id());

        // Leadership as the client sees it, while it works.
        std::atomic<bool> stopping{false};
        std::thread watcher;
        if (s.stream) {
            watcher = std::thread([&] {
                bool leading = false;
                while (!stopping.load()) {
                    if (client.leading() != leading) {
                        leading = !leading;
                        record.line(leading ? "leading 1" : "leading 0");
                    }
                    std::this_thread::sleep_for(5ms);
                }
            });
        }

        // Until the test closes stdin (or dies, which closes it too).
        std::string line;
        while (std::getline(std::cin, line)) {
        }
        stopping.store(true);
        if (watcher.joinable()) watcher.join();
        client.stop();
    } catch (const std::exception& e) {
        std::cerr << "interop_work_jobs: " << e.what() << "\n";
        return 1;
    }
    record.print(std::cout);
    return 0;
}
