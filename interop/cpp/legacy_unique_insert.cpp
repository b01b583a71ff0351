// Inserts unique jobs into a River schema of version 5 or earlier, for
// interop/river011's tests against River 0.11.4.
//
// Usage: interop_legacy_unique_insert DATABASE_URL SCHEMA ADVISORY_LOCK_PREFIX THREADS [START_UNIX_MS]
// (SCHEMA may be empty for the connection's search_path). Reads one job per
// line from stdin, tab-separated:
//
//   kind  args_json  queue  by_args(0|1)  by_period_seconds  by_queue(0|1)  by_state
//
// by_state is `-` for unset, else state names joined by commas. With THREADS
// 1, inserts the jobs in order and prints `<id>\t<duplicate 0|1>` for each.
// With more, every thread inserts every job (each starting at another one, all
// at once) and the program prints `fresh <n>`: how many inserts were not
// duplicates. With START_UNIX_MS the threads start at that instant, so that
// another process can start at the same time.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <exception>
#include <iostream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <riverqueue/riverqueue.hpp>

namespace {

std::vector<std::string> split(const std::string& text, char separator) {
    std::vector<std::string> parts;
    std::string part;
    std::istringstream in(text);
    while (std::getline(in, part, separator)) parts.push_back(part);
    if (!text.empty() && text.back() == separator) parts.emplace_back();
    return parts;
}

struct job {
    riverqueue::dynamic_args args;
    riverqueue::insert_opts opts;
};

job parse(const std::string& line) {
    const auto fields = split(line, '\t');
    if (fields.size() != 7) throw std::runtime_error("expected 7 tab-separated fields: " + line);
    job out{riverqueue::dynamic_args{fields[0], fields[1], {}}, {}};
    out.opts.queue = fields[2];
    riverqueue::unique_opts unique;
    if (fields[3] == "1") unique.by_args = riverqueue::unique_by_args_all{};
    unique.by_period = std::chrono::seconds(std::stoll(fields[4]));
    unique.by_queue = fields[5] == "1";
    if (fields[6] != "-") {
        std::vector<riverqueue::job_state> states;
        for (const auto& name : split(fields[6], ',')) {
            const auto state = riverqueue::job_state_from_string(name);
            if (!state) throw std::runtime_error("unknown state " + name);
            states.push_back(*state);
        }
        unique.by_state = std::move(states);
    }
    out.opts.unique = std::move(unique);
    return out;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 5 && argc != 6) {
        std::cerr << "usage: interop_legacy_unique_insert DATABASE_URL SCHEMA ADVISORY_LOCK_PREFIX THREADS"
                     " [START_UNIX_MS]\n";
        return 2;
    }
    try {
        const int threads = std::stoi(argv[4]);
        riverqueue::client_options options;
        options.conninfo = argv[1];
        options.schema = argv[2];
        options.advisory_lock_prefix = std::stoll(argv[3]);
        options.pool_size = static_cast<std::size_t>(threads < 1 ? 1 : threads);
        riverqueue::client client(options);

        std::vector<job> jobs;
        for (std::string line; std::getline(std::cin, line);) {
            if (!line.empty()) jobs.push_back(parse(line));
        }

        if (threads <= 1) {
            for (const auto& j : jobs) {
                const auto result = client.insert(j.args, j.opts);
                std::cout << result.job.id << '\t' << (result.unique_skipped_as_duplicated ? 1 : 0) << '\n';
            }
            return 0;
        }

        std::atomic<long> fresh{0};
        std::atomic<int> failures{0};
        std::atomic<bool> go{false};
        std::vector<std::thread> workers;
        for (int t = 0; t < threads; ++t) {
            workers.emplace_back([&, t] {
                while (!go.load()) std::this_thread::yield();
                const std::size_t n = jobs.size();
                for (std::size_t i = 0; i < n; ++i) {
                    const job& j = jobs[(i + static_cast<std::size_t>(t) * n / static_cast<std::size_t>(threads)) % n];
                    try {
                        if (!client.insert(j.args, j.opts).unique_skipped_as_duplicated) ++fresh;
                    } catch (const std::exception& e) {
                        std::cerr << e.what() << "\n";
                        ++failures;
                    }
                }
            });
        }
        if (argc == 6) {
            const std::chrono::milliseconds start(std::stoll(argv[5]));
            std::this_thread::sleep_until(std::chrono::system_clock::time_point(start));
        }
        go = true;
        for (auto& worker : workers) worker.join();
        std::cout << "fresh " << fresh.load() << "\n";
        return failures.load() == 0 ? 0 : 1;
    } catch (const std::exception& e) {
        std::cerr << e.what() << "\n";
        return 1;
    }
}
