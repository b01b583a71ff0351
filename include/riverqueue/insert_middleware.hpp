// Insert middleware: code of the application's that runs around every insert
// of a client, as River Go's rivertype.JobInsertMiddleware (docs/middleware.md).
//
// A middleware is asked, once per insert call, to begin a scope. The scope
// then sees every job of the call before the library validates it and
// computes its unique key, and may change it (its args, metadata, tags,
// queue, ...): what the scope leaves is what is validated, keyed and written.
// Once the database has answered (or the call has failed), the scope is told
// the outcome: begin and done bracket the database call, so a scope can time
// it or hold a tracing span open across it. This shape, rather than a
// function that calls the next one, is what lets the asynchronous client run
// the same middleware around an insert that completes later on another thread.
//
// Order: with middleware {A, B}, A begins before B and sees each job before
// B does (A is the outer one, as the first of River Go's list); the scopes
// end in the reverse order, B's before A's.
//
// Errors: an exception thrown by begin_insert or by a scope's job() aborts
// the whole call as a job that fails validation does, and reaches the caller
// as it was thrown: nothing of the batch is kept (the forms that take a span
// or one job call every scope on every job before sending anything; the
// streamed and fast forms, which take jobs as they send them, roll back their
// transaction or, in the _tx forms, their savepoint). Every scope already
// begun is then told the error through done().
//
// Thread safety: one middleware object serves every call of the client, from
// any thread, concurrently: begin_insert must be safe to call so. A scope
// belongs to one call and is used by one thread at a time.
//
// Workers: this is the insert side only. Work middleware (River Go's
// rivertype.WorkerMiddleware, around a job being worked) is meant to sit
// beside it as its own interface on worker_options, so that one class may
// implement both, as in River Go.
#pragma once

#include <cstddef>
#include <exception>
#include <memory>
#include <optional>

#include <riverqueue/job_args.hpp>

namespace riverqueue {

// What a middleware learns about the insert call it is asked to wrap.
struct insert_call {
    // The jobs of the call, when known in advance (every form but the
    // streamed ones, whose jobs come from a generator).
    std::optional<std::size_t> jobs;
    // Whether the call runs inside the caller's transaction (the _tx forms,
    // async_transaction): its rows are then committed only with it.
    bool in_caller_transaction = false;
};

// How the call ended, told to each scope once.
struct insert_outcome {
    // The jobs the call handed the middleware before it ended.
    std::size_t jobs = 0;
    // Null when the insert succeeded; otherwise what the call throws (or
    // hands the asynchronous completion handler).
    std::exception_ptr error;
};

// One call's passage through one middleware.
class insert_scope {
public:
    virtual ~insert_scope() = default;

    // Each job of the call, in input order, before validation and the unique
    // key. `index` is the job's position in the call. May change `job`; a
    // throw aborts the call with nothing kept.
    virtual void job(insert_many_params& job, std::size_t index) {
        static_cast<void>(job);
        static_cast<void>(index);
    }

    // Once, after the database has answered or the call has failed. It must
    // not throw: the rows may already be committed, so it cannot undo them
    // (the library calls it from a noexcept context).
    virtual void done(const insert_outcome& outcome) noexcept { static_cast<void>(outcome); }
};

class job_insert_middleware {
public:
    virtual ~job_insert_middleware() = default;

    // Called once per insert call, before any of its jobs is taken. Returns
    // the scope for this call; a null scope means the middleware sits this
    // call out.
    virtual std::unique_ptr<insert_scope> begin_insert(const insert_call& call) = 0;
};

}  // namespace riverqueue
