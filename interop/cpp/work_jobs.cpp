// Works River jobs with riverqueue::worker_client, for the interop tests that
// compare the rows it leaves with the rows River Go's own workers leave.
//
// Usage: interop_work_jobs --schema SCHEMA --queue QUEUE [--database-url URL]
//            [--client-id ID] [--max-workers N] [--poll-ms N] [--cooldown-ms N]
//
// The conninfo is --database-url, else DATABASE_URL. Each kind's behaviour is
// fixed, so that a River Go worker can copy it exactly:
//   interop_ok      returns
//   interop_fail    throws std::runtime_error("interop failure")
//   interop_snooze  throws job_snooze(1 h)
//   interop_cancel  throws job_cancel("interop cancel")
//   interop_slow    sleeps 50 ms, then returns
//
// Once started it prints "ready <client id>". It works jobs until its stdin is
// closed, then stops (waiting for running jobs and writing their outcomes),
// prints "worked <id> <kind>" for every job a worker ran (one line per run,
// in no particular order) and "errors <n>", the number of errors the runtime
// reported through on_error (each is also written to stderr), and exits 0.
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <mutex>
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
};

[[noreturn]] void usage(const std::string& problem) {
    std::cerr << problem << "\nusage: interop_work_jobs --schema SCHEMA --queue QUEUE [--database-url URL]"
                            " [--client-id ID] [--max-workers N] [--poll-ms N] [--cooldown-ms N]\n";
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

// What the workers ran, for the report at the end.
class journal {
public:
    void add(std::int64_t id, std::string_view kind) {
        std::lock_guard lock(mutex_);
        runs_.emplace_back(id, std::string(kind));
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
    std::mutex mutex_;
    std::vector<std::pair<std::int64_t, std::string>> runs_;
    int errors_ = 0;
};

riverqueue::workers interop_workers(journal& record) {
    using namespace std::chrono_literals;
    riverqueue::workers registry;
    const auto recorded = [&record](void (*behaviour)()) {
        return [&record, behaviour](const riverqueue::job_context& context) {
            record.add(context.job().id, context.job().kind);
            behaviour();
        };
    };
    registry.add("interop_ok", recorded([] {}));
    registry.add("interop_fail", recorded([] { throw std::runtime_error("interop failure"); }));
    registry.add("interop_snooze", recorded([] { throw riverqueue::job_snooze(1h); }));
    registry.add("interop_cancel", recorded([] { throw riverqueue::job_cancel("interop cancel"); }));
    registry.add("interop_slow", recorded([] { std::this_thread::sleep_for(50ms); }));
    return registry;
}

}  // namespace

int main(int argc, char** argv) {
    const settings s = parse(argc, argv);
    journal record;
    try {
        riverqueue::worker_options options;
        options.conninfo = s.conninfo;
        options.schema = s.schema;
        options.queues[s.queue] = riverqueue::queue_options{.max_workers = s.max_workers};
        options.client_id = s.client_id;
        options.poll_interval = std::chrono::milliseconds(s.poll_ms);
        options.fetch_cooldown = std::chrono::milliseconds(s.cooldown_ms);
        options.on_error = [&record](const std::exception& e) { record.error(e); };
        riverqueue::worker_client client(options, interop_workers(record));
        client.start();
        std::cout << "ready " << client.client_id() << std::endl;

        // Until the test closes stdin (or dies, which closes it too).
        std::string line;
        while (std::getline(std::cin, line)) {
        }
        client.stop();
    } catch (const std::exception& e) {
        std::cerr << "interop_work_jobs: " << e.what() << "\n";
        return 1;
    }
    record.print(std::cout);
    return 0;
}
