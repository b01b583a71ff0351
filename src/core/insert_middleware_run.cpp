#include "core/insert_middleware_run.hpp"

#include <optional>
#include <utility>

#include <riverqueue/errors.hpp>

namespace riverqueue::core {

middleware_run::middleware_run(middleware_chain chain, const insert_call& call) {
    scopes_.reserve(chain.size());
    try {
        for (const auto& middleware : chain) {
            if (auto scope = middleware->begin_insert(call)) scopes_.push_back(std::move(scope));
        }
    } catch (...) {
        finish(std::current_exception());
        throw;
    }
}

middleware_run::~middleware_run() {
    if (!finished_) finish(std::make_exception_ptr(error("the insert was abandoned before it completed")));
}

void middleware_run::apply(insert_many_params& job, std::size_t index) {
    ++jobs_;
    for (const auto& scope : scopes_) scope->job(job, index);
}

std::vector<insert_many_params> middleware_run::applied(std::span<const insert_many_params> jobs) {
    std::vector<insert_many_params> out(jobs.begin(), jobs.end());
    for (std::size_t i = 0; i < out.size(); ++i) apply(out[i], i);
    return out;
}

job_generator middleware_run::applied(const job_generator& next) {
    return [this, &next, index = std::size_t{0}]() mutable -> std::optional<insert_many_params> {
        auto job = next();
        if (job) apply(*job, index++);
        return job;
    };
}

job_generator applied_by(std::shared_ptr<middleware_run> run, job_generator next) {
    return [run = std::move(run), next = std::move(next),
            index = std::size_t{0}]() mutable -> std::optional<insert_many_params> {
        auto job = next();
        if (job) run->apply(*job, index++);
        return job;
    };
}

resolved_job resolve_insert(middleware_run& run, const dynamic_args& args, const insert_opts& call_opts,
                            const insert_defaults& defaults, time_point now, args_text text) {
    if (run.empty()) return resolve_insert(args, call_opts, defaults, now, text);
    insert_many_params job{args, call_opts};
    run.apply(job, 0);
    return resolve_insert(std::move(job.args), job.opts, defaults, now);
}

std::vector<resolved_job> resolve_insert_many(middleware_run& run, std::span<const insert_many_params> jobs,
                                              const insert_defaults& defaults, time_point now, args_text text) {
    if (run.empty()) return resolve_insert_many(jobs, defaults, now, text);
    if (jobs.empty()) throw validation_error("jobs", "at least one job is required");
    std::vector<insert_many_params> changed = run.applied(jobs);
    std::vector<resolved_job> resolved;
    resolved.reserve(changed.size());
    for (std::size_t i = 0; i < changed.size(); ++i) {
        resolved.push_back(resolve_insert_at(std::move(changed[i]), i, defaults, now));
    }
    return resolved;
}

void middleware_run::finish(std::exception_ptr error) noexcept {
    if (finished_) return;
    finished_ = true;
    const insert_outcome outcome{jobs_, std::move(error)};
    // Reverse iterators rather than std::views::reverse, which clang 14 (the
    // fuzz build's compiler) cannot compile against GCC 12's <ranges>.
    for (auto scope = scopes_.rbegin(); scope != scopes_.rend(); ++scope) (*scope)->done(outcome);
}

}  // namespace riverqueue::core
