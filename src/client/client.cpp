// riverqueue::client: resolves jobs in the core and runs the core's inserts on
// a driver's sessions (its own through a session_source, or the caller's).
#include <riverqueue/client.hpp>

#include <atomic>
#include <cstdlib>

#include <riverqueue/errors.hpp>

#include "core/client_options.hpp"
#include "core/copy_format.hpp"
#include "core/insert_params.hpp"
#include "core/insert_sql.hpp"
#include "core/legacy_inserts.hpp"
#include "core/legacy_unique.hpp"
#include "core/notify_limiter.hpp"
#include "core/session_inserts.hpp"
#include "drivers/libpq/session.hpp"

namespace riverqueue {

std::string database_url_from_env() {
    const char* url = std::getenv("DATABASE_URL");
    return url != nullptr ? std::string(url) : std::string();
}

struct client::impl {
    // Without `given`, the client opens its own libpq pool.
    impl(client_options opts, std::shared_ptr<driver::session_source> given)
        : options(core::validated(std::move(opts))), sessions(std::move(given)), limiter(options.notify_cooldown) {
        if (!sessions) {
            sessions = std::make_shared<libpq::pool_source>(options.conninfo, options.pool_size,
                                                            options.prepared_statements, options.statement_timeout);
        }
    }

    // The caller's libpq connection: a session without prepared statements,
    // so that the connection is left as the caller had it.
    libpq::session caller_session(pg_conn* tx) const { return libpq::session(tx, nullptr, options.statement_timeout); }

    // The queues to notify for now: none when notifications are off, else
    // those the cooldown lets through.
    std::vector<std::string> queues_due(const std::vector<std::string>& queues) {
        if (!options.notify) return {};
        return limiter.take(queues, core::notify_limiter::clock::now());
    }

    std::vector<insert_result> insert(driver::session& session, std::span<const core::resolved_job> jobs,
                                      bool commits_itself) {
        return core::insert_jobs(session, options.schema, jobs, queues_due(core::queues_to_notify(jobs)),
                                 commits_itself);
    }

    static void require_transaction(driver::session& session) {
        if (!session.in_transaction()) {
            throw validation_error("transaction",
                                   "the _tx functions need an open transaction on the connection (run BEGIN first)");
        }
    }

    core::insert_defaults defaults() const { return core::insert_defaults{options.default_max_attempts}; }

    // Runs `work` on one of the client's own sessions and returns its result.
    template <typename Work>
    auto on_own_session(bool in_transaction, Work&& work) {
        std::optional<decltype(work(std::declval<driver::session&>()))> result;
        sessions->run(in_transaction, [&](driver::session& session) { result.emplace(work(session)); });
        return std::move(*result);
    }

    // Feeds every job from `next`, resolved one at a time, to `sink`, so that
    // memory stays bounded whatever the batch's size.
    template <typename Sink>
    std::size_t feed(const job_generator& next, Sink& sink) {
        const auto now = std::chrono::system_clock::now();
        std::size_t index = 0;
        while (auto params = next()) sink.add(core::resolve_insert_at(*params, index++, defaults(), now));
        if (index == 0) throw validation_error("jobs", "at least one job is required");
        return index;
    }

    // The same for a batch the caller holds: no copy of the whole batch is made.
    template <typename Sink>
    std::size_t feed(std::span<const insert_many_params> jobs, Sink& sink) {
        if (jobs.empty()) throw validation_error("jobs", "at least one job is required");
        const auto now = std::chrono::system_clock::now();
        for (std::size_t i = 0; i < jobs.size(); ++i) sink.add(core::resolve_insert_at(jobs[i], i, defaults(), now));
        return jobs.size();
    }

    void notify_after(driver::session& session, const std::vector<std::string>& queues) {
        core::send_notifications(session, options.schema, queues_due(queues));
    }

    template <typename Source>
    std::size_t insert_fast(driver::session& session, const Source& jobs) {
        if (const int version = schema_version_on(session); core::legacy_schema(version)) {
            return legacy_insert_fast(session, version, jobs);
        }
        core::fast_inserter inserter(session, options.schema);
        feed(jobs, inserter);
        const std::size_t inserted = inserter.finish();
        notify_after(session, inserter.notify_queues().queues());
        return inserted;
    }

    insert_many_summary insert_chunked(driver::session& session, const job_generator& next,
                                       const insert_result_handler& on_result) {
        if (const int version = schema_version_on(session); core::legacy_schema(version)) {
            return legacy_insert_chunked(session, version, next, on_result);
        }
        return chunked(
            [&](const core::chunked_inserter::result_handler& count) {
                return core::chunked_inserter(session, options.schema, count);
            },
            session, next, on_result, std::nullopt);
    }

    // A streamed insert_many through the inserter `make_inserter` builds,
    // counting rows and handing each to `on_result`; on a legacy schema
    // (`legacy_version`), each job is first checked against what it can store.
    template <typename MakeInserter>
    insert_many_summary chunked(MakeInserter&& make_inserter, driver::session& session, const job_generator& next,
                                const insert_result_handler& on_result, std::optional<int> legacy_version) {
        insert_many_summary summary;
        core::chunked_inserter inserter = make_inserter([&](std::size_t index, const insert_result& result) {
            ++(result.unique_skipped_as_duplicated ? summary.duplicates : summary.inserted);
            if (on_result) on_result(index, result);
        });
        if (legacy_version) {
            legacy_validating_sink<core::chunked_inserter> sink{inserter, *legacy_version};
            summary.jobs = feed(next, sink);
        } else {
            summary.jobs = feed(next, inserter);
        }
        inserter.finish();
        notify_after(session, inserter.notify_queues().queues());
        return summary;
    }

    // ---------------------------------------------------------------------
    // River's schema version, read once per client by the first call that
    // needs it, on the session that call has (the probe only reads). Schemas
    // at versions 2 to 5 are inserted into as River 0.11 did
    // (core/legacy_inserts.hpp); others through today's statements.

    static constexpr int version_unknown = -1;

    int schema_version_on(driver::session& session) {
        int version = schema_version.load(std::memory_order_acquire);
        if (version != version_unknown) return version;
        // Two threads may both probe at first; they read the same answer.
        version = core::probe_schema_version(session, options.schema);
        schema_version.store(version, std::memory_order_release);
        return version;
    }

    // For the client's own single-job insert, which must know the version
    // before it chooses whether it needs a transaction.
    int schema_version_own() {
        const int version = schema_version.load(std::memory_order_acquire);
        if (version != version_unknown) return version;
        return on_own_session(false, [&](driver::session& session) { return schema_version_on(session); });
    }

    core::legacy_target legacy_target(int version) const {
        return core::legacy_target{options.schema, version,
                                   static_cast<std::int32_t>(static_cast<std::uint32_t>(options.advisory_lock_prefix))};
    }

    // The jobs must have been checked with core::validate_legacy_jobs.
    insert_result legacy_insert_one(driver::session& session, int version, const core::resolved_job& job,
                                    bool caller_transaction, bool commits_itself) {
        insert_result result =
            core::legacy_insert_one(session, legacy_target(version), job, caller_transaction, commits_itself);
        // River 0.11 notifies after the insert, in the same transaction.
        notify_after(session, core::queues_to_notify(std::span(&job, 1)));
        return result;
    }

    std::vector<insert_result> legacy_insert_many(driver::session& session, int version,
                                                  std::span<const core::resolved_job> jobs) {
        auto results = core::legacy_insert_batch(session, legacy_target(version), jobs);
        notify_after(session, core::queues_to_notify(jobs));
        return results;
    }

    // Validates each job against the old schema as it is fed to `inner`.
    template <typename Sink>
    struct legacy_validating_sink {
        Sink& inner;
        int version;
        std::size_t index = 0;
        void add(core::resolved_job job) {
            try {
                core::validate_legacy_insert(job, job.unique, version);
            } catch (const validation_error& e) {
                throw validation_error("jobs[" + std::to_string(index) + "]." + e.field(), e.rule());
            }
            ++index;
            inner.add(std::move(job));
        }
    };

    template <typename Source>
    std::size_t legacy_insert_fast(driver::session& session, int version, const Source& jobs) {
        const core::legacy_target target = legacy_target(version);
        // Up to version 5 max_attempts has no default, and before version 4
        // tags default to NULL where River wrote an empty array.
        const unsigned always = core::copy_max_attempts | core::copy_tags;
        core::fast_inserter inserter(
            session, options.schema,
            [&](std::span<const core::resolved_job> batch) { return core::legacy_insert_batch(session, target, batch); },
            always);
        legacy_validating_sink<core::fast_inserter> sink{inserter, version};
        feed(jobs, sink);
        const std::size_t inserted = inserter.finish();
        notify_after(session, inserter.notify_queues().queues());
        return inserted;
    }

    insert_many_summary legacy_insert_chunked(driver::session& session, int version, const job_generator& next,
                                              const insert_result_handler& on_result) {
        const core::legacy_target target = legacy_target(version);
        return chunked(
            [&](const core::chunked_inserter::result_handler& count) {
                return core::chunked_inserter(
                    [&](std::span<const core::resolved_job> jobs) {
                        return core::legacy_insert_batch(session, target, jobs);
                    },
                    core::legacy_chunk_jobs, count);
            },
            session, next, on_result, version);
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

insert_result client::insert_dynamic(const dynamic_args& args, const insert_opts& opts) {
    const core::resolved_job job =
        core::resolve_insert(args, opts, impl_->defaults(), std::chrono::system_clock::now());
    if (const int version = impl_->schema_version_own(); core::legacy_schema(version)) {
        core::validate_legacy_jobs(std::span(&job, 1), version, false);
        // The advisory path needs a transaction; the others commit on their own.
        const bool transaction = core::legacy_needs_transaction(job, version);
        return impl_->on_own_session(transaction, [&](driver::session& session) {
            return impl_->legacy_insert_one(session, version, job, false, !transaction);
        });
    }
    return impl_->on_own_session(false, [&](driver::session& session) {
        return std::move(impl_->insert(session, std::span(&job, 1), true).front());
    });
}

insert_result client::insert_tx_dynamic(driver::session& tx, const dynamic_args& args, const insert_opts& opts) {
    impl::require_transaction(tx);
    const core::resolved_job job =
        core::resolve_insert(args, opts, impl_->defaults(), std::chrono::system_clock::now());
    if (const int version = impl_->schema_version_on(tx); core::legacy_schema(version)) {
        core::validate_legacy_jobs(std::span(&job, 1), version, false);
        return impl_->legacy_insert_one(tx, version, job, true, false);
    }
    return std::move(impl_->insert(tx, std::span(&job, 1), false).front());
}

std::vector<insert_result> client::insert_many(std::span<const insert_many_params> jobs) {
    const auto resolved = core::resolve_insert_many(jobs, impl_->defaults(), std::chrono::system_clock::now());
    if (const int version = impl_->schema_version_own(); core::legacy_schema(version)) {
        core::validate_legacy_jobs(resolved, version, true);
        // Several statements: all or nothing in one transaction.
        return impl_->on_own_session(
            true, [&](driver::session& session) { return impl_->legacy_insert_many(session, version, resolved); });
    }
    // One statement: all or nothing without a transaction block.
    return impl_->on_own_session(false,
                                 [&](driver::session& session) { return impl_->insert(session, resolved, true); });
}

std::vector<insert_result> client::insert_many_tx(driver::session& tx, std::span<const insert_many_params> jobs) {
    impl::require_transaction(tx);
    const auto resolved = core::resolve_insert_many(jobs, impl_->defaults(), std::chrono::system_clock::now());
    if (const int version = impl_->schema_version_on(tx); core::legacy_schema(version)) {
        core::validate_legacy_jobs(resolved, version, true);
        return impl_->legacy_insert_many(tx, version, resolved);
    }
    return impl_->insert(tx, resolved, false);
}

insert_many_summary client::insert_many(const job_generator& next, const insert_result_handler& on_result) {
    return impl_->on_own_session(
        true, [&](driver::session& session) { return impl_->insert_chunked(session, next, on_result); });
}

insert_many_summary client::insert_many_tx(driver::session& tx, const job_generator& next,
                                           const insert_result_handler& on_result) {
    impl::require_transaction(tx);
    return impl_->insert_chunked(tx, next, on_result);
}

std::size_t client::insert_many_fast(std::span<const insert_many_params> jobs) {
    return impl_->on_own_session(true, [&](driver::session& session) { return impl_->insert_fast(session, jobs); });
}

std::size_t client::insert_many_fast_tx(driver::session& tx, std::span<const insert_many_params> jobs) {
    impl::require_transaction(tx);
    return impl_->insert_fast(tx, jobs);
}

std::size_t client::insert_many_fast(const job_generator& next) {
    return impl_->on_own_session(true, [&](driver::session& session) { return impl_->insert_fast(session, next); });
}

std::size_t client::insert_many_fast_tx(driver::session& tx, const job_generator& next) {
    impl::require_transaction(tx);
    return impl_->insert_fast(tx, next);
}

insert_result client::insert_tx_dynamic(pg_conn* tx, const dynamic_args& args, const insert_opts& opts) {
    libpq::session session = impl_->caller_session(tx);
    return insert_tx_dynamic(session, args, opts);
}

std::vector<insert_result> client::insert_many_tx(pg_conn* tx, std::span<const insert_many_params> jobs) {
    libpq::session session = impl_->caller_session(tx);
    return insert_many_tx(session, jobs);
}

insert_many_summary client::insert_many_tx(pg_conn* tx, const job_generator& next,
                                           const insert_result_handler& on_result) {
    libpq::session session = impl_->caller_session(tx);
    return insert_many_tx(session, next, on_result);
}

std::size_t client::insert_many_fast_tx(pg_conn* tx, std::span<const insert_many_params> jobs) {
    libpq::session session = impl_->caller_session(tx);
    return insert_many_fast_tx(session, jobs);
}

std::size_t client::insert_many_fast_tx(pg_conn* tx, const job_generator& next) {
    libpq::session session = impl_->caller_session(tx);
    return insert_many_fast_tx(session, next);
}

}  // namespace riverqueue
