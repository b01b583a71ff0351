// riverqueue::client: resolves jobs in the core and runs the core's insert
// operations (core/ops/client_inserts.hpp) on a driver's sessions: its own,
// through a session_source, or the caller's transaction.
#include <riverqueue/client.hpp>

#include <atomic>
#include <cstdlib>

#include <riverqueue/errors.hpp>

#include "core/client_options.hpp"
#include "core/insert_middleware_run.hpp"
#include "core/insert_params.hpp"
#include "core/missing_schema.hpp"
#include "core/notify_limiter.hpp"
#include "core/ops/client_inserts.hpp"
#include "core/ops/legacy_inserts.hpp"
#include "core/ops/run_on_session.hpp"
#include "core/ops/savepoint.hpp"
#include "drivers/libpq/session.hpp"

namespace riverqueue {

std::string database_url_from_env() {
    const char* url = std::getenv("DATABASE_URL");
    return url != nullptr ? std::string(url) : std::string();
}

namespace {

// The caller's transaction as a session: theirs, or one over their libpq
// connection without prepared statements, so that the connection is left as
// the caller had it.
class caller_session {
public:
    caller_session(const transaction_ref& tx, std::chrono::milliseconds statement_timeout)
        : libpq_(tx.libpq_connection(), nullptr, statement_timeout), session_(tx.session()) {
        if (session_ == nullptr) {
            if (tx.libpq_connection() == nullptr) throw validation_error("transaction", "must not be null");
            session_ = &libpq_;
        }
        if (!session_->in_transaction()) {
            throw validation_error("transaction",
                                   "the _tx functions need an open transaction on the connection (run BEGIN first)");
        }
    }
    driver::session& get() noexcept { return *session_; }

private:
    libpq::session libpq_;
    driver::session* session_;
};

}  // namespace

struct client::impl {
    // Without `given`, the client opens its own libpq pool.
    impl(client_options opts, std::shared_ptr<driver::session_source> given)
        : options(core::validated(std::move(opts))), sessions(std::move(given)), limiter(options.notify_cooldown) {
        if (!sessions) {
            sessions = std::make_shared<libpq::pool_source>(options.conninfo, options.pool_size,
                                                            options.prepared_statements, options.statement_timeout);
        }
    }

    core::insert_defaults defaults() const { return core::insert_defaults{options.default_max_attempts}; }

    // Runs an operation; PostgreSQL's "relation river_job does not exist"
    // and the like come out as schema_error naming the schema.
    template <typename T>
    T run(driver::session& session, core::ops::op<T> operation) {
        return core::naming_missing_schema(options.schema,
                                           [&] { return core::ops::run(session, std::move(operation)); });
    }

    // Runs `work` on one of the client's own sessions and returns its result.
    template <typename Work>
    auto on_own_session(bool in_transaction, Work&& work) {
        std::optional<decltype(work(std::declval<driver::session&>()))> result;
        sessions->run(in_transaction, [&](driver::session& session) { result.emplace(work(session)); });
        return std::move(*result);
    }

    // ---------------------------------------------------------------------
    // River's schema version, read once per client by the first call that
    // needs it, on the session that call has (the probe only reads), and the
    // context every insert operation runs with.

    static constexpr int version_unknown = -1;

    core::ops::insert_context context(int version) {
        return core::ops::insert_context{
            options.schema, version, static_cast<std::int32_t>(static_cast<std::uint32_t>(options.advisory_lock_prefix)),
            [this](const std::vector<std::string>& queues) -> std::vector<std::string> {
                if (!options.notify) return {};
                return limiter.take(queues, core::notify_limiter::clock::now());
            }};
    }

    core::ops::insert_context context_on(driver::session& session) {
        int version = schema_version.load(std::memory_order_acquire);
        if (version == version_unknown) {
            // Two threads may both probe at first; they read the same answer.
            version = run(session,
                                     core::ops::probe_schema_version(core::ops::facts_of(session), options.schema));
            schema_version.store(version, std::memory_order_release);
        }
        return context(version);
    }

    // For the client's own inserts, which must know the version before they
    // choose whether they need a transaction.
    core::ops::insert_context context_own() {
        if (const int version = schema_version.load(std::memory_order_acquire); version != version_unknown) {
            return context(version);
        }
        return on_own_session(false, [&](driver::session& session) { return context_on(session); });
    }

    // The streamed forms on the caller's or the client's own transaction. In
    // the caller's (`savepoint`), they run in a savepoint: a bad job or a
    // refused chunk midway leaves the caller's transaction as it was, usable.
    template <typename T>
    T maybe_in_savepoint(driver::session& session, bool savepoint, core::ops::op<T> operation) {
        if (!savepoint) return run(session, std::move(operation));
        return run(session, core::ops::in_savepoint("riverqueue_batch", std::move(operation)));
    }

    template <typename Source>
    insert_many_summary streamed(driver::session& session, core::middleware_run& run, const Source& jobs,
                                 const insert_result_handler& on_result, bool savepoint) {
        const auto ctx = context_on(session);
        return through(run, jobs, [&](core::ops::job_source source) {
            return maybe_in_savepoint(session, savepoint,
                                      core::ops::insert_streamed(core::ops::facts_of(session), ctx, std::move(source),
                                                                 on_result));
        });
    }

    template <typename Source>
    std::size_t bulk(driver::session& session, core::middleware_run& run, const Source& jobs, bool savepoint) {
        const auto ctx = context_on(session);
        return through(run, jobs, [&](core::ops::job_source source) {
            return maybe_in_savepoint(session, savepoint,
                                      core::ops::insert_bulk(core::ops::facts_of(session), ctx, std::move(source)));
        });
    }

    // Hands `send` the jobs resolved one at a time as the operation takes
    // them; with middleware, each passes through it first, as it is taken,
    // so that no copy of the batch is held.
    template <typename Send>
    auto through(core::middleware_run& run, std::span<const insert_many_params> jobs, Send&& send) {
        if (run.empty()) return send(core::ops::resolving(jobs, defaults(), riverqueue::now()));
        if (jobs.empty()) throw validation_error("jobs", "at least one job is required");
        const job_generator each = generate_from(jobs);
        return through(run, each, std::forward<Send>(send));
    }
    template <typename Send>
    auto through(core::middleware_run& run, const job_generator& next, Send&& send) {
        if (run.empty()) return send(core::ops::resolving(next, defaults(), riverqueue::now()));
        const job_generator applied = run.applied(next);
        return send(core::ops::resolving(applied, defaults(), riverqueue::now()));
    }

    // Runs `body(run)` inside the client's insert middleware.
    template <typename Body>
    auto with_middleware(std::optional<std::size_t> jobs, bool in_caller_transaction, Body&& body) {
        return core::with_insert_middleware(options.insert_middleware, insert_call{jobs, in_caller_transaction},
                                            std::forward<Body>(body));
    }

    client_options options;
    std::shared_ptr<driver::session_source> sessions;
    core::notify_limiter limiter;
    std::atomic<int> schema_version{version_unknown};
};

client::client(client_options options) : impl_(std::make_unique<impl>(std::move(options), nullptr)) {}
client::client(client_options options, std::shared_ptr<driver::session_source> sessions) {
    if (!sessions) throw validation_error("sessions", "must not be null");
    impl_ = std::make_unique<impl>(std::move(options), std::move(sessions));
}
client::~client() = default;
client::client(client&&) noexcept = default;
client& client::operator=(client&&) noexcept = default;

const client_options& client::options() const noexcept { return impl_->options; }

insert_result client::insert_args(const dynamic_args& args, const insert_opts& opts) {
    return impl_->with_middleware(1, false, [&](core::middleware_run& run) {
        const core::resolved_job job =
            core::resolve_insert(run, args, opts, impl_->defaults(), riverqueue::now(), core::args_text::borrow);
        const auto ctx = impl_->context_own();
        core::ops::check_storable(ctx, std::span(&job, 1), false);
        // The legacy advisory path needs a transaction; otherwise one statement
        // that commits on its own.
        const bool transaction = core::ops::single_insert_needs_transaction(ctx, job);
        return impl_->on_own_session(transaction, [&](driver::session& session) {
            return impl_->run(session,
                              core::ops::insert_one(core::ops::facts_of(session), ctx, job, false, !transaction));
        });
    });
}

insert_result client::insert_tx_args(transaction_ref tx, const dynamic_args& args, const insert_opts& opts) {
    caller_session session(tx, impl_->options.statement_timeout);
    return impl_->with_middleware(1, true, [&](core::middleware_run& run) {
        const core::resolved_job job =
            core::resolve_insert(run, args, opts, impl_->defaults(), riverqueue::now(), core::args_text::borrow);
        const auto ctx = impl_->context_on(session.get());
        core::ops::check_storable(ctx, std::span(&job, 1), false);
        return impl_->run(session.get(),
                          core::ops::insert_one(core::ops::facts_of(session.get()), ctx, job, true, false));
    });
}

std::vector<insert_result> client::insert_many(std::span<const insert_many_params> jobs) {
    return impl_->with_middleware(jobs.size(), false, [&](core::middleware_run& run) {
        const auto resolved =
            core::resolve_insert_many(run, jobs, impl_->defaults(), riverqueue::now(), core::args_text::borrow);
        const auto ctx = impl_->context_own();
        core::ops::check_storable(ctx, resolved, true);
        // The current scheme's one statement is all or nothing without a
        // transaction block; the legacy scheme's several need one.
        const bool transaction = core::ops::batch_insert_needs_transaction(ctx);
        return impl_->on_own_session(transaction, [&](driver::session& session) {
            return impl_->run(session,
                              core::ops::insert_batch(core::ops::facts_of(session), ctx, resolved, !transaction));
        });
    });
}

std::vector<insert_result> client::insert_many_tx(transaction_ref tx, std::span<const insert_many_params> jobs) {
    caller_session session(tx, impl_->options.statement_timeout);
    return impl_->with_middleware(jobs.size(), true, [&](core::middleware_run& run) {
        const auto resolved =
            core::resolve_insert_many(run, jobs, impl_->defaults(), riverqueue::now(), core::args_text::borrow);
        const auto ctx = impl_->context_on(session.get());
        core::ops::check_storable(ctx, resolved, true);
        return impl_->run(session.get(),
                          core::ops::insert_batch(core::ops::facts_of(session.get()), ctx, resolved, false));
    });
}

insert_many_summary client::insert_many(const job_generator& next, const insert_result_handler& on_result) {
    return impl_->with_middleware(std::nullopt, false, [&](core::middleware_run& run) {
        return impl_->on_own_session(
            true, [&](driver::session& session) { return impl_->streamed(session, run, next, on_result, false); });
    });
}

insert_many_summary client::insert_many_tx(transaction_ref tx, const job_generator& next,
                                           const insert_result_handler& on_result) {
    caller_session session(tx, impl_->options.statement_timeout);
    return impl_->with_middleware(std::nullopt, true, [&](core::middleware_run& run) {
        return impl_->streamed(session.get(), run, next, on_result, true);
    });
}

std::size_t client::insert_many_fast(std::span<const insert_many_params> jobs) {
    if (jobs.empty()) throw validation_error("jobs", "at least one job is required");
    return impl_->with_middleware(jobs.size(), false, [&](core::middleware_run& run) {
        return impl_->on_own_session(true,
                                     [&](driver::session& session) { return impl_->bulk(session, run, jobs, false); });
    });
}

std::size_t client::insert_many_fast(const job_generator& next) {
    return impl_->with_middleware(std::nullopt, false, [&](core::middleware_run& run) {
        return impl_->on_own_session(true,
                                     [&](driver::session& session) { return impl_->bulk(session, run, next, false); });
    });
}

std::size_t client::insert_many_fast_tx(transaction_ref tx, std::span<const insert_many_params> jobs) {
    caller_session session(tx, impl_->options.statement_timeout);
    return impl_->with_middleware(jobs.size(), true,
                                  [&](core::middleware_run& run) { return impl_->bulk(session.get(), run, jobs, true); });
}

std::size_t client::insert_many_fast_tx(transaction_ref tx, const job_generator& next) {
    caller_session session(tx, impl_->options.statement_timeout);
    return impl_->with_middleware(std::nullopt, true,
                                  [&](core::middleware_run& run) { return impl_->bulk(session.get(), run, next, true); });
}

}  // namespace riverqueue
