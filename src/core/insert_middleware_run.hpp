// One insert call's passage through a client's insert middleware
// (riverqueue/insert_middleware.hpp), free of I/O so that every insert path
// of both clients runs the chain the same way: scopes begun in order, each
// job handed to every scope in order before it is resolved, scopes ended in
// reverse order with the call's outcome.
#pragma once

#include <cstddef>
#include <exception>
#include <memory>
#include <span>
#include <vector>

#include <riverqueue/insert_many.hpp>
#include <riverqueue/insert_middleware.hpp>
#include <riverqueue/job_args.hpp>

#include "core/insert_params.hpp"

namespace riverqueue::core {

using middleware_chain = std::span<const std::shared_ptr<job_insert_middleware>>;

// Not thread-safe: one call's, used by one thread at a time.
class middleware_run {
public:
    // Begins the scope of every middleware of `chain`, in order. When one
    // throws, the scopes already begun are ended with that error, and it is
    // rethrown.
    middleware_run(middleware_chain chain, const insert_call& call);
    // Ends the scopes with an error if finish() was never called (an
    // asynchronous insert dropped without completing).
    ~middleware_run();
    middleware_run(const middleware_run&) = delete;
    middleware_run& operator=(const middleware_run&) = delete;

    // No scope to run: no middleware, or all sat the call out. The paths
    // then take the caller's jobs as they are, with no copy.
    bool empty() const noexcept { return scopes_.empty(); }

    // Hands job `index` to every scope, in order.
    void apply(insert_many_params& job, std::size_t index);
    // A copy of `jobs` with every job applied, all before any is sent.
    std::vector<insert_many_params> applied(std::span<const insert_many_params> jobs);
    // `next` with each job applied as it is taken. `next` and this run must
    // outlive the generator.
    job_generator applied(const job_generator& next);

    // Ends every scope, in reverse order, once; later calls do nothing.
    void finish(std::exception_ptr error) noexcept;

private:
    std::vector<std::unique_ptr<insert_scope>> scopes_;
    std::size_t jobs_ = 0;
    bool finished_ = false;
};

// `next` with each job applied as it is taken, the generator owning both.
job_generator applied_by(std::shared_ptr<middleware_run> run, job_generator next);

// core::resolve_insert and resolve_insert_many with the jobs applied first
// (all of a batch's before any is resolved). Without scopes, exactly the
// plain forms, borrowing or copying the args text as `text` says; with
// scopes, the changed jobs' args are moved into the resolved jobs.
resolved_job resolve_insert(middleware_run& run, const dynamic_args& args, const insert_opts& call_opts,
                            const insert_defaults& defaults, time_point now, args_text text);
std::vector<resolved_job> resolve_insert_many(middleware_run& run, std::span<const insert_many_params> jobs,
                                              const insert_defaults& defaults, time_point now, args_text text);

// Runs `body(run)` inside a run over `chain`, ending the scopes with the
// body's outcome; the body's exception is rethrown after they are told.
template <typename Body>
auto with_insert_middleware(middleware_chain chain, const insert_call& call, Body&& body) {
    middleware_run run(chain, call);
    try {
        auto result = body(run);
        run.finish(nullptr);
        return result;
    } catch (...) {
        run.finish(std::current_exception());
        throw;
    }
}

}  // namespace riverqueue::core
