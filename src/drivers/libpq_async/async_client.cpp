// riverqueue::async_client: resolves jobs in the core (as the synchronous
// client does) and hands them to pipelined connections: inserts into River's
// current schema are gathered with others into one statement; the rest (old
// schemas, streamed batches) run as the core's operations, step by step; the
// COPY fast path runs the synchronous client on a thread of its own.
#include <riverqueue/async_client.hpp>

#include <algorithm>

#include <boost/asio/post.hpp>

#include "core/client_options.hpp"
#include "core/ops/legacy_inserts.hpp"
#include "drivers/libpq_async/async_client_impl.hpp"

namespace riverqueue {

operation_cancelled::operation_cancelled(bool timed_out, bool may_have_committed)
    : error(timed_out ? (may_have_committed ? "operation timed out after it was sent; it may have taken effect"
                                            : "operation timed out before it was sent")
                      : (may_have_committed ? "operation cancelled after it was sent; it may have taken effect"
                                            : "operation cancelled before it was sent")),
      timed_out_(timed_out),
      may_have_committed_(may_have_committed) {}

namespace detail {

async_client_impl::async_client_impl(boost::asio::any_io_executor ex, client_options options)
    : executor(std::move(ex)),
      config(std::make_shared<client_config>(core::validated(std::move(options)))),
      blocking(config->options.pool_size) {
    pool.reserve(config->options.pool_size);
    for (std::size_t i = 0; i < config->options.pool_size; ++i) {
        pool.push_back(std::make_shared<pipeline_connection>(executor, config, false));
    }
}

pipeline_connection& async_client_impl::pick() {
    return **std::min_element(pool.begin(), pool.end(),
                              [](const auto& a, const auto& b) { return a->load() < b->load(); });
}

client& async_client_impl::sync_client() {
    std::call_once(sync_once, [this] { sync = std::make_unique<client>(config->options); });
    return *sync;
}

std::shared_ptr<pipeline_connection> async_client_impl::take_idle_transaction_connection() {
    std::lock_guard lock(idle_mutex);
    while (!idle.empty()) {
        auto conn = std::move(idle.back());
        idle.pop_back();
        if (conn->usable()) return conn;
    }
    return std::make_shared<pipeline_connection>(executor, config, true);
}

void async_client_impl::give_back(std::shared_ptr<pipeline_connection> conn) {
    std::lock_guard lock(idle_mutex);
    if (!closed && conn->usable() && idle.size() < config->options.pool_size) {
        idle.push_back(std::move(conn));
        return;
    }
    conn->shutdown("the transaction is over");
}

void async_client_impl::shutdown() {
    for (auto& conn : pool) conn->shutdown("the async_client was destroyed");
    std::vector<std::shared_ptr<pipeline_connection>> idle_now;
    {
        std::lock_guard lock(idle_mutex);
        closed = true;
        idle_now.swap(idle);
    }
    for (auto& conn : idle_now) conn->shutdown("the async_client was destroyed");
    blocking.join();
}

core::ops::insert_context async_client_impl::context(int version) const {
    return core::ops::insert_context{
        config->options.schema, version,
        static_cast<std::int32_t>(static_cast<std::uint32_t>(config->options.advisory_lock_prefix)),
        [config = config](const std::vector<std::string>& queues) -> std::vector<std::string> {
            if (!config->options.notify) return {};
            return config->limiter.take(queues, core::notify_limiter::clock::now());
        }};
}

void async_client_impl::probe_then(pipeline_connection& conn, std::function<void(std::exception_ptr)> then) {
    converse<int>(
        conn,
        [config = config](const core::ops::session_facts& facts) {
            return core::ops::probe_schema_version(facts, config->options.schema);
        },
        libpq_async::completion<int>::internal(
            [self = shared_from_this(), then = std::move(then)](std::exception_ptr error, int version) {
                // Two first calls may both probe; they read the same answer.
                if (!error) self->schema_version.store(version, std::memory_order_release);
                then(error);
            }));
}

core::ops::op<int> async_client_impl::version_within(core::ops::session_facts facts) {
    int version = known_version();
    if (version == version_unknown) {
        version = co_await core::ops::probe_schema_version(facts, config->options.schema);
        schema_version.store(version, std::memory_order_release);
    }
    co_return version;
}

bool async_client_impl::ended_cleanly(std::exception_ptr error) {
    try {
        std::rethrow_exception(error);
    } catch (const connection_error&) {
        return false;
    } catch (const operation_cancelled&) {
        return false;  // its transaction may still be open
    } catch (...) {
        return true;
    }
}

}  // namespace detail

// ---- async_client ----

async_client::async_client(boost::asio::any_io_executor executor, client_options options)
    : executor_(executor), impl_(std::make_shared<detail::async_client_impl>(std::move(executor), std::move(options))) {}

async_client::~async_client() {
    if (impl_) impl_->shutdown();
}

const client_options& async_client::options() const noexcept { return impl_->config->options; }

boost::asio::any_io_executor async_client::get_executor() const noexcept { return executor_; }

namespace {

// Calls `start` with the completion once the schema version is known: at
// once, or after a probe on one of the client's connections (whose failure
// fails the operation).
template <typename T>
void when_version_known(detail::async_client_impl& impl, libpq_async::completion<T> done,
                        std::function<void(libpq_async::completion<T>)> start) {
    if (impl.known_version() != detail::async_client_impl::version_unknown) {
        start(std::move(done));
        return;
    }
    impl.probe_then(impl.pick(), [done = std::move(done), start = std::move(start)](std::exception_ptr error) {
        if (error) {
            done.complete(error, T{});
            return;
        }
        start(done);
    });
}

}  // namespace

void async_client::start_insert(detail::any_handler<insert_result> handler, const dynamic_args& args,
                                const insert_opts& opts, const call_options& call) {
    libpq_async::completion<insert_result> done(std::move(handler), executor_);
    core::resolved_job job;
    try {
        const auto run = detail::begin_middleware(impl_->config->options, insert_call{1, false}, done);
        job = core::resolve_insert(*run, args, opts, detail::defaults_of(impl_->config->options),
                                   riverqueue::now(), core::args_text::copy);
    } catch (...) {
        done.complete(std::current_exception(), insert_result{});
        return;
    }
    when_version_known<insert_result>(*impl_, std::move(done),
                                      [impl = impl_, job = std::move(job), call](auto d) mutable {
                                          impl->insert_one(std::move(job), std::move(d), call);
                                      });
}

void async_client::start_insert_many(detail::any_handler<std::vector<insert_result>> handler,
                                     std::span<const insert_many_params> jobs, const call_options& call) {
    libpq_async::completion<std::vector<insert_result>> done(std::move(handler), executor_);
    std::vector<core::resolved_job> resolved;
    try {
        if (jobs.empty()) throw validation_error("jobs", "at least one job is required");
        const auto run = detail::begin_middleware(impl_->config->options, insert_call{jobs.size(), false}, done);
        resolved = core::resolve_insert_many(*run, jobs, detail::defaults_of(impl_->config->options),
                                             riverqueue::now(), core::args_text::copy);
    } catch (...) {
        done.complete(std::current_exception(), {});
        return;
    }
    when_version_known<std::vector<insert_result>>(*impl_, std::move(done),
                                                   [impl = impl_, resolved = std::move(resolved), call](auto d) mutable {
                                                       impl->insert_batch(std::move(resolved), std::move(d), call);
                                                   });
}

void async_client::start_insert_streamed(detail::any_handler<insert_many_summary> handler, job_generator next,
                                         insert_result_handler on_result, const call_options& call) {
    libpq_async::completion<insert_many_summary> done(std::move(handler), executor_);
    try {
        auto run = detail::begin_middleware(impl_->config->options, insert_call{std::nullopt, false}, done);
        if (!run->empty()) next = core::applied_by(std::move(run), std::move(next));
    } catch (...) {
        done.complete(std::current_exception(), {});
        return;
    }
    impl_->insert_streamed(std::move(next), std::move(on_result), std::move(done), call);
}

void async_client::start_insert_many_fast(detail::any_handler<std::size_t> handler,
                                          std::vector<insert_many_params> jobs) {
    libpq_async::completion<std::size_t> done(std::move(handler), executor_);
    // The synchronous client runs the insert middleware (it has the same options).
    boost::asio::post(impl_->blocking, [impl = impl_.get(), done = std::move(done), jobs = std::move(jobs)]() mutable {
        std::size_t inserted = 0;
        std::exception_ptr error;
        try {
            inserted = impl->sync_client().insert_many_fast(jobs);
        } catch (...) {
            error = std::current_exception();
        }
        done.complete(error, inserted);
    });
}

void async_client::start_begin(detail::any_handler<async_transaction> handler) {
    libpq_async::completion<async_transaction> done(std::move(handler), executor_);
    auto state = std::make_shared<detail::async_transaction_state>();
    state->client = impl_;
    state->conn = impl_->take_idle_transaction_connection();
    auto op = std::make_shared<detail::operation>();
    op->what = detail::operation::type::statement;
    op->sql = "BEGIN";
    op->may_commit = false;
    // The state is held by the completion until BEGIN answers; the handler
    // then owns the transaction.
    op->plain = libpq_async::completion<>::internal(
        [done = std::move(done), state](std::exception_ptr error) mutable {
            if (error) {
                state->finished = true;
                state->conn->shutdown("BEGIN failed");
                done.complete(error, async_transaction{});
                return;
            }
            done.complete(nullptr, async_transaction(std::move(state)));
        });
    auto conn = state->conn;
    conn->submit(std::move(op));
}

}  // namespace riverqueue
