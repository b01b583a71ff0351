// riverqueue::client over libpq: resolves jobs in the core, sends them through
// the job inserter, on pooled connections or the caller's.
#include <riverqueue/client.hpp>

#include <libpq-fe.h>

#include <cstdlib>
#include <limits>

#include <riverqueue/errors.hpp>

#include "core/identifiers.hpp"
#include "core/insert_params.hpp"
#include "core/insert_sql.hpp"
#include "core/notify_limiter.hpp"
#include "drivers/libpq/bulk_insert.hpp"
#include "drivers/libpq/connection_pool.hpp"
#include "drivers/libpq/pg_result.hpp"
#include "drivers/libpq/job_inserter.hpp"

namespace riverqueue {

std::string database_url_from_env() {
    const char* url = std::getenv("DATABASE_URL");
    return url != nullptr ? std::string(url) : std::string();
}

namespace {

client_options validated(client_options options) {
    core::validate_schema_name(options.schema);
    if (options.default_max_attempts < 1 || options.default_max_attempts > std::numeric_limits<std::int16_t>::max()) {
        throw validation_error("default_max_attempts", "must be between 1 and 32767");
    }
    if (options.advisory_lock_prefix < std::numeric_limits<std::int32_t>::min() ||
        options.advisory_lock_prefix > static_cast<std::int64_t>(std::numeric_limits<std::uint32_t>::max())) {
        throw validation_error("advisory_lock_prefix", "must fit in 32 bits");
    }
    if (options.pool_size < 1) throw validation_error("pool_size", "must be at least 1");
    if (options.notify_cooldown.count() < 0) throw validation_error("notify_cooldown", "cannot be negative");
    return options;
}

}  // namespace

struct client::impl {
    explicit impl(client_options opts)
        : options(validated(std::move(opts))),
          pool(options.conninfo, options.pool_size),
          limiter(options.notify_cooldown) {}

    std::vector<insert_result> insert(PGconn* conn, std::span<const core::resolved_job> jobs, bool in_caller_tx,
                                      libpq::prepared_statements* statements = nullptr) {
        std::vector<std::string> queues;
        if (options.notify) {
            queues = limiter.take(core::queues_to_notify(jobs), core::notify_limiter::clock::now());
        }
        return libpq::insert_jobs(conn, options.schema, jobs, queues, in_caller_tx, statements);
    }

    static void require_transaction(PGconn* conn) {
        if (conn == nullptr) throw validation_error("transaction", "connection is null");
        const auto status = PQtransactionStatus(conn);
        if (status != PQTRANS_INTRANS && status != PQTRANS_INERROR) {
            throw validation_error("transaction",
                                   "the _tx functions need an open transaction on the connection (run BEGIN first)");
        }
    }

    core::insert_defaults defaults() const { return core::insert_defaults{options.default_max_attempts}; }

    // Runs `work` in a transaction of its own on a pooled connection.
    template <typename Work>
    auto in_own_transaction(Work&& work) {
        auto lease = pool.acquire();
        PGconn* conn = lease.native_handle();
        libpq::exec_simple(conn, "BEGIN");
        try {
            auto result = work(conn);
            // Losing the connection during COMMIT leaves the outcome unknown.
            libpq::check(conn, libpq::result_ptr(PQexec(conn, "COMMIT")), true);
            return result;
        } catch (...) {
            // Best effort; a connection that cannot roll back is not reused.
            libpq::result_ptr ignored(PQexec(conn, "ROLLBACK"));
            throw;
        }
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

    void notify_after(PGconn* conn, const core::notify_queue_set& queues) {
        if (!options.notify) return;
        libpq::send_notifications(conn, options.schema,
                                  limiter.take(queues.queues(), core::notify_limiter::clock::now()));
    }

    template <typename Source>
    std::size_t insert_fast(PGconn* conn, const Source& jobs) {
        libpq::fast_inserter inserter(conn, options.schema);
        feed(jobs, inserter);
        const std::size_t inserted = inserter.finish();
        notify_after(conn, inserter.notify_queues());
        return inserted;
    }

    insert_many_summary insert_chunked(PGconn* conn, const job_generator& next,
                                       const insert_result_handler& on_result) {
        insert_many_summary summary;
        libpq::chunked_inserter inserter(conn, options.schema, [&](std::size_t index, const insert_result& result) {
            ++(result.unique_skipped_as_duplicated ? summary.duplicates : summary.inserted);
            if (on_result) on_result(index, result);
        });
        summary.jobs = feed(next, inserter);
        inserter.finish();
        notify_after(conn, inserter.notify_queues());
        return summary;
    }

    client_options options;
    libpq::connection_pool pool;
    core::notify_limiter limiter;
};

client::client(client_options options) : impl_(std::make_unique<impl>(std::move(options))) {}
client::~client() = default;
client::client(client&&) noexcept = default;
client& client::operator=(client&&) noexcept = default;

const client_options& client::options() const noexcept { return impl_->options; }

insert_result client::insert_dynamic(const dynamic_args& args, const insert_opts& opts) {
    const core::resolved_job job =
        core::resolve_insert(args, opts, impl_->defaults(), std::chrono::system_clock::now());
    auto lease = impl_->pool.acquire();
    return std::move(impl_->insert(lease.native_handle(), std::span(&job, 1), false, &lease.statements()).front());
}

insert_result client::insert_tx_dynamic(pg_conn* tx, const dynamic_args& args, const insert_opts& opts) {
    impl::require_transaction(tx);
    const core::resolved_job job =
        core::resolve_insert(args, opts, impl_->defaults(), std::chrono::system_clock::now());
    return std::move(impl_->insert(tx, std::span(&job, 1), true).front());
}

std::vector<insert_result> client::insert_many(std::span<const insert_many_params> jobs) {
    const auto resolved = core::resolve_insert_many(jobs, impl_->defaults(), std::chrono::system_clock::now());
    auto lease = impl_->pool.acquire();
    return impl_->insert(lease.native_handle(), resolved, false, &lease.statements());
}

std::vector<insert_result> client::insert_many_tx(pg_conn* tx, std::span<const insert_many_params> jobs) {
    impl::require_transaction(tx);
    const auto resolved = core::resolve_insert_many(jobs, impl_->defaults(), std::chrono::system_clock::now());
    return impl_->insert(tx, resolved, true);
}

insert_many_summary client::insert_many(const job_generator& next, const insert_result_handler& on_result) {
    return impl_->in_own_transaction([&](PGconn* conn) { return impl_->insert_chunked(conn, next, on_result); });
}

insert_many_summary client::insert_many_tx(pg_conn* tx, const job_generator& next,
                                           const insert_result_handler& on_result) {
    impl::require_transaction(tx);
    return impl_->insert_chunked(tx, next, on_result);
}

std::size_t client::insert_many_fast(std::span<const insert_many_params> jobs) {
    return impl_->in_own_transaction([&](PGconn* conn) { return impl_->insert_fast(conn, jobs); });
}

std::size_t client::insert_many_fast_tx(pg_conn* tx, std::span<const insert_many_params> jobs) {
    impl::require_transaction(tx);
    return impl_->insert_fast(tx, jobs);
}

std::size_t client::insert_many_fast(const job_generator& next) {
    return impl_->in_own_transaction([&](PGconn* conn) { return impl_->insert_fast(conn, next); });
}

std::size_t client::insert_many_fast_tx(pg_conn* tx, const job_generator& next) {
    impl::require_transaction(tx);
    return impl_->insert_fast(tx, next);
}

}  // namespace riverqueue
