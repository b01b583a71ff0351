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
#include "drivers/libpq/connection_pool.hpp"
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

    std::vector<insert_result> insert(PGconn* conn, std::span<const core::resolved_job> jobs, bool in_caller_tx) {
        std::vector<std::string> queues;
        if (options.notify) {
            queues = limiter.take(core::queues_to_notify(jobs), core::notify_limiter::clock::now());
        }
        return libpq::insert_jobs(conn, options.schema, jobs, queues, in_caller_tx);
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
    return std::move(impl_->insert(lease.native_handle(), std::span(&job, 1), false).front());
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
    return impl_->insert(lease.native_handle(), resolved, false);
}

std::vector<insert_result> client::insert_many_tx(pg_conn* tx, std::span<const insert_many_params> jobs) {
    impl::require_transaction(tx);
    const auto resolved = core::resolve_insert_many(jobs, impl_->defaults(), std::chrono::system_clock::now());
    return impl_->insert(tx, resolved, true);
}

}  // namespace riverqueue
