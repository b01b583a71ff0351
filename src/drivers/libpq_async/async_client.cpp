// riverqueue::async_client: resolves jobs in the core (as the synchronous
// client does) and hands them to pipelined connections; the COPY fast path
// runs the synchronous client on a thread of its own.
#include <riverqueue/async_client.hpp>

#include <algorithm>
#include <mutex>

#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>

#include "core/client_options.hpp"
#include "core/insert_params.hpp"
#include "drivers/libpq_async/pipeline_connection.hpp"

namespace riverqueue {

operation_cancelled::operation_cancelled(bool timed_out, bool may_have_committed)
    : error(timed_out ? (may_have_committed ? "operation timed out after it was sent; it may have taken effect"
                                            : "operation timed out before it was sent")
                      : (may_have_committed ? "operation cancelled after it was sent; it may have taken effect"
                                            : "operation cancelled before it was sent")),
      timed_out_(timed_out),
      may_have_committed_(may_have_committed) {}

namespace detail {

using libpq_async::client_config;
using libpq_async::operation;
using libpq_async::operation_ptr;
using libpq_async::pipeline_connection;

namespace {

// A completion the library completes itself, on the strand that finishes it.
class internal_completion final : public async_completion<> {
public:
    explicit internal_completion(std::function<void(std::exception_ptr)> fn) : fn_(std::move(fn)) {}
    void complete(std::exception_ptr error) override { fn_(std::move(error)); }
    void on_cancel(std::function<void(boost::asio::cancellation_type_t)>) override {}

private:
    std::function<void(std::exception_ptr)> fn_;
};

core::insert_defaults defaults_of(const client_options& options) {
    return core::insert_defaults{options.default_max_attempts};
}

}  // namespace

struct async_client_impl : std::enable_shared_from_this<async_client_impl> {
    async_client_impl(boost::asio::any_io_executor ex, client_options options)
        : executor(std::move(ex)),
          config(std::make_shared<client_config>(core::validated(std::move(options)))),
          blocking(config->options.pool_size) {
        pool.reserve(config->options.pool_size);
        for (std::size_t i = 0; i < config->options.pool_size; ++i) {
            pool.push_back(std::make_shared<pipeline_connection>(executor, config, false));
        }
    }

    // The connection with the fewest operations waiting.
    pipeline_connection& pick() {
        return **std::min_element(pool.begin(), pool.end(),
                                  [](const auto& a, const auto& b) { return a->load() < b->load(); });
    }

    client& sync_client() {
        std::call_once(sync_once, [this] { sync = std::make_unique<client>(config->options); });
        return *sync;
    }

    std::shared_ptr<pipeline_connection> take_idle_transaction_connection() {
        std::lock_guard lock(idle_mutex);
        while (!idle.empty()) {
            auto conn = std::move(idle.back());
            idle.pop_back();
            if (conn->usable()) return conn;
        }
        return std::make_shared<pipeline_connection>(executor, config, true);
    }

    void give_back(std::shared_ptr<pipeline_connection> conn) {
        std::lock_guard lock(idle_mutex);
        if (!closed && conn->usable() && idle.size() < config->options.pool_size) {
            idle.push_back(std::move(conn));
            return;
        }
        conn->shutdown("the transaction is over");
    }

    void shutdown() {
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

    boost::asio::any_io_executor executor;
    std::shared_ptr<client_config> config;
    std::vector<std::shared_ptr<pipeline_connection>> pool;
    boost::asio::thread_pool blocking;  // the COPY fast path
    std::once_flag sync_once;
    std::unique_ptr<client> sync;
    std::mutex idle_mutex;
    std::vector<std::shared_ptr<pipeline_connection>> idle;  // transaction connections, between transactions
    bool closed = false;
};

struct async_transaction_state {
    ~async_transaction_state() {
        if (!finished.load()) conn->shutdown("the transaction was abandoned");
    }

    std::shared_ptr<async_client_impl> client;
    std::shared_ptr<pipeline_connection> conn;
    std::atomic<bool> finished{false};
};

}  // namespace detail

// ---- async_client ----

async_client::async_client(boost::asio::any_io_executor executor, client_options options)
    : executor_(executor), impl_(std::make_shared<detail::async_client_impl>(std::move(executor), std::move(options))) {}

async_client::~async_client() {
    if (impl_) impl_->shutdown();
}

const client_options& async_client::options() const noexcept { return impl_->config->options; }

boost::asio::any_io_executor async_client::get_executor() const noexcept { return executor_; }

void async_client::start_insert(detail::completion_ptr<insert_result> done, const dynamic_args& args,
                                const insert_opts& opts, const call_options& call) {
    auto op = std::make_shared<detail::operation>();
    try {
        op->jobs.push_back(core::resolve_insert(args, opts, detail::defaults_of(impl_->config->options),
                                                std::chrono::system_clock::now()));
    } catch (...) {
        done->complete(std::current_exception(), insert_result{});
        return;
    }
    op->what = detail::operation::type::insert;
    op->timeout = call.timeout;
    op->one = std::move(done);
    impl_->pick().submit(std::move(op));
}

void async_client::start_insert_many(detail::completion_ptr<std::vector<insert_result>> done,
                                     std::span<const insert_many_params> jobs, const call_options& call) {
    auto op = std::make_shared<detail::operation>();
    try {
        if (jobs.empty()) throw validation_error("jobs", "at least one job is required");
        op->jobs = core::resolve_insert_many(jobs, detail::defaults_of(impl_->config->options),
                                             std::chrono::system_clock::now());
    } catch (...) {
        done->complete(std::current_exception(), {});
        return;
    }
    op->what = detail::operation::type::insert_many;
    op->timeout = call.timeout;
    op->many = std::move(done);
    impl_->pick().submit(std::move(op));
}

void async_client::start_insert_many_fast(detail::completion_ptr<std::size_t> done,
                                          std::vector<insert_many_params> jobs) {
    boost::asio::post(impl_->blocking, [impl = impl_.get(), done = std::move(done), jobs = std::move(jobs)]() mutable {
        std::size_t inserted = 0;
        std::exception_ptr error;
        try {
            inserted = impl->sync_client().insert_many_fast(jobs);
        } catch (...) {
            error = std::current_exception();
        }
        done->complete(error, inserted);
    });
}

void async_client::start_begin(detail::completion_ptr<async_transaction> done) {
    auto state = std::make_shared<detail::async_transaction_state>();
    state->client = impl_;
    state->conn = impl_->take_idle_transaction_connection();
    auto op = std::make_shared<detail::operation>();
    op->what = detail::operation::type::statement;
    op->sql = "BEGIN";
    op->may_commit = false;
    // The state is held by the completion until BEGIN answers; the handler
    // then owns the transaction.
    op->plain = std::make_unique<detail::internal_completion>(
        [done = std::shared_ptr<detail::async_completion<async_transaction>>(std::move(done)),
         state](std::exception_ptr error) mutable {
            if (error) {
                state->finished = true;
                state->conn->shutdown("BEGIN failed");
                done->complete(error, async_transaction{});
                return;
            }
            done->complete(nullptr, async_transaction(std::move(state)));
        });
    auto conn = state->conn;
    conn->submit(std::move(op));
}

// ---- async_transaction ----

async_transaction::async_transaction(std::shared_ptr<detail::async_transaction_state> state) noexcept
    : state_(std::move(state)) {}
async_transaction::async_transaction(async_transaction&&) noexcept = default;
async_transaction& async_transaction::operator=(async_transaction&&) noexcept = default;
async_transaction::~async_transaction() = default;

boost::asio::any_io_executor async_transaction::executor() const {
    return state_ ? state_->client->executor : boost::asio::any_io_executor{};
}

namespace {

std::exception_ptr no_transaction() {
    return std::make_exception_ptr(validation_error("transaction", "the async_transaction is not open"));
}

}  // namespace

void async_transaction::start_insert(detail::completion_ptr<insert_result> done, const dynamic_args& args,
                                     const insert_opts& opts, const call_options& call) {
    if (!state_) {
        done->complete(no_transaction(), insert_result{});
        return;
    }
    auto op = std::make_shared<detail::operation>();
    try {
        op->jobs.push_back(core::resolve_insert(args, opts, detail::defaults_of(state_->client->config->options),
                                                std::chrono::system_clock::now()));
    } catch (...) {
        done->complete(std::current_exception(), insert_result{});
        return;
    }
    op->may_commit = false;
    op->timeout = call.timeout;
    op->one = std::move(done);
    state_->conn->submit(std::move(op));
}

void async_transaction::start_insert_many(detail::completion_ptr<std::vector<insert_result>> done,
                                          std::span<const insert_many_params> jobs) {
    if (!state_) {
        done->complete(no_transaction(), {});
        return;
    }
    auto op = std::make_shared<detail::operation>();
    try {
        if (jobs.empty()) throw validation_error("jobs", "at least one job is required");
        op->jobs = core::resolve_insert_many(jobs, detail::defaults_of(state_->client->config->options),
                                             std::chrono::system_clock::now());
    } catch (...) {
        done->complete(std::current_exception(), {});
        return;
    }
    op->what = detail::operation::type::insert_many;
    op->may_commit = false;
    op->many = std::move(done);
    state_->conn->submit(std::move(op));
}

void async_transaction::start_statement(detail::completion_ptr<> done, std::string sql, int what) {
    if (!state_) {
        done->complete(no_transaction());
        return;
    }
    auto op = std::make_shared<detail::operation>();
    op->what = detail::operation::type::statement;
    if (what == 0) {
        op->sql = std::move(sql);
        op->may_commit = false;
        op->plain = std::move(done);
        state_->conn->submit(std::move(op));
        return;
    }
    // COMMIT or ROLLBACK ends the transaction whatever its outcome; the
    // connection is reused only after a clean end.
    op->sql = what == 1 ? "COMMIT" : "ROLLBACK";
    op->may_commit = what == 1;
    std::shared_ptr<detail::async_transaction_state> state = std::move(state_);
    state->finished = true;
    op->plain = std::make_unique<detail::internal_completion>(
        [done = std::shared_ptr<detail::async_completion<>>(std::move(done)), state](std::exception_ptr error) {
            if (error) state->conn->shutdown("the transaction ended in error");
            else state->client->give_back(state->conn);
            done->complete(error);
        });
    auto conn = state->conn;
    conn->submit(std::move(op));
}

}  // namespace riverqueue
