// What every C++ contender shares: the job they insert and how a run's own
// CPU time and memory are read.
#pragma once

#include <sys/resource.h>

#include <cstddef>
#include <string>

namespace bench {

// The job every contender inserts (River Go's and Python's too): kind and
// about 100 bytes of args.
inline std::string job_args(std::size_t n) {
    const std::string id = std::to_string(n);
    return R"({"customer_id":)" + id + R"(,"email":"customer-)" + id +
           R"(@example.com","template":"welcome_email_v2","locale":"en-GB","campaign":"autumn-2026"})";
}
inline constexpr const char* job_kind = "bench_job";

struct process_usage {
    double cpu_seconds;  // user + system, all threads
    double max_rss_mb;
};

inline process_usage usage_now() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    const auto seconds = [](const timeval& t) {
        return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
    };
    return {seconds(usage.ru_utime) + seconds(usage.ru_stime), static_cast<double>(usage.ru_maxrss) / 1024.0};
}

}  // namespace bench
