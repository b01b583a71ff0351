// Client-side work per job, for callgrind: resolving and validating one insert
// and building its statement, and computing one unique key.
//   cpu_per_job {insert|unique_key} ITERATIONS
// Instructions per job = (count at N - count at 0) / N.
#include <chrono>
#include <iostream>
#include <string>

#include <riverqueue/unique_key.hpp>

#include "bench_job.hpp"
#include "core/insert_params.hpp"
#include "core/insert_sql.hpp"

int main(int argc, char** argv) {
    if (argc != 3) return 2;
    const std::string what = argv[1];
    if (what != "insert" && what != "unique_key") return 2;
    const bool build_insert = what == "insert";
    const long iterations = std::stol(argv[2]);
    const std::string args = bench::job_args(12345);
    const auto now = riverqueue::now();
    std::size_t sink = 0;
    for (long i = 0; i < iterations; ++i) {
        if (build_insert) {
            const auto job = riverqueue::core::resolve_insert(riverqueue::dynamic_args{bench::job_kind, args, {}}, {},
                                                              {}, now);
            const riverqueue::core::resolved_job* one = &job;
            sink += riverqueue::core::build_insert("", std::span(&one, 1), {},
                                                   riverqueue::core::duplicate_detection::xmax)
                        .params.size();
        } else {
            sink += riverqueue::compute_unique_key(riverqueue::unique_key_input{bench::job_kind, args, "default",
                                                                                std::nullopt, now},
                                                   riverqueue::unique_opts{.by_args = riverqueue::unique_by_args_all{}})
                        .digest[0];
        }
    }
    std::cout << sink << "\n";
    return 0;
}
