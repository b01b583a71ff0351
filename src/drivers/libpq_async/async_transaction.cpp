// riverqueue::async_transaction: a transaction on a connection of its own;
// its operations run in the order they were started.
#include <riverqueue/async_client.hpp>

#include "drivers/libpq_async/async_client_impl.hpp"

namespace riverqueue {

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

void async_transaction::start_insert(detail::any_handler<insert_result> handler, const dynamic_args& args,
                                     const insert_opts& opts, const call_options& call) {
    libpq_async::completion<insert_result> done(std::move(handler), executor());
    if (!state_) {
        done.complete(no_transaction(), insert_result{});
        return;
    }
    core::resolved_job job;
    try {
        const auto run = detail::begin_middleware(state_->client->config->options, insert_call{1, true}, done);
        job = core::resolve_insert(*run, args, opts, detail::defaults_of(state_->client->config->options),
                                   riverqueue::now(), core::args_text::copy);
    } catch (...) {
        done.complete(std::current_exception(), insert_result{});
        return;
    }
    state_->client->insert_one_in(*state_->conn, std::move(job), std::move(done), call);
}

void async_transaction::start_insert_many(detail::any_handler<std::vector<insert_result>> handler,
                                          std::span<const insert_many_params> jobs) {
    libpq_async::completion<std::vector<insert_result>> done(std::move(handler), executor());
    if (!state_) {
        done.complete(no_transaction(), {});
        return;
    }
    std::vector<core::resolved_job> resolved;
    try {
        if (jobs.empty()) throw validation_error("jobs", "at least one job is required");
        const auto run =
            detail::begin_middleware(state_->client->config->options, insert_call{jobs.size(), true}, done);
        resolved = core::resolve_insert_many(*run, jobs, detail::defaults_of(state_->client->config->options),
                                             riverqueue::now(), core::args_text::copy);
    } catch (...) {
        done.complete(std::current_exception(), {});
        return;
    }
    state_->client->insert_batch_in(*state_->conn, std::move(resolved), std::move(done));
}

void async_transaction::start_insert_streamed(detail::any_handler<insert_many_summary> handler, job_generator next,
                                              insert_result_handler on_result) {
    libpq_async::completion<insert_many_summary> done(std::move(handler), executor());
    if (!state_) {
        done.complete(no_transaction(), {});
        return;
    }
    try {
        auto run = detail::begin_middleware(state_->client->config->options, insert_call{std::nullopt, true}, done);
        if (!run->empty()) next = core::applied_by(std::move(run), std::move(next));
    } catch (...) {
        done.complete(std::current_exception(), {});
        return;
    }
    state_->client->insert_streamed_in(*state_->conn, std::move(next), std::move(on_result), std::move(done));
}

void async_transaction::start_statement(detail::any_handler<> handler, std::string sql, int what) {
    libpq_async::completion<> done(std::move(handler), executor());
    if (!state_) {
        done.complete(no_transaction());
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
    op->plain = libpq_async::completion<>::internal([done = std::move(done), state](std::exception_ptr error) mutable {
            if (error) state->conn->shutdown("the transaction ended in error");
            else state->client->give_back(state->conn);
            done.complete(error);
        });
    auto conn = state->conn;
    conn->submit(std::move(op));
}

}  // namespace riverqueue
