// A core operation (core/ops) running on a pipeline connection, one request
// at a time: each query it asks for is sent as a segment of its own, and its
// answer resumes it on the connection's strand.
#pragma once

#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <utility>

#include <riverqueue/async_client.hpp>

#include "core/ops/operation.hpp"
#include "drivers/libpq_async/completion.hpp"

namespace riverqueue::libpq_async {

class conversation {
public:
    virtual ~conversation() = default;
    // Makes the operation with the connection's facts and runs it to its
    // first request; nullptr when it needs none.
    virtual const core::ops::request* start(const core::ops::session_facts& facts) = 0;
    // Answers the last request; returns the next one, or nullptr when done.
    virtual const core::ops::request* resume(core::ops::reply answer) = 0;
    // Completes the caller's handler once: with the operation's outcome when
    // `error` is null (it must have finished), else with `error`.
    virtual void complete(std::exception_ptr error) = 0;
    virtual void on_cancel(std::function<void(boost::asio::cancellation_type_t)> on_cancel) = 0;
};

template <typename T>
class conversation_for final : public conversation {
public:
    using factory = std::function<core::ops::op<T>(const core::ops::session_facts&)>;

    conversation_for(factory make, completion<T> done)
        : make_(std::move(make)), done_(std::move(done)) {}

    const core::ops::request* start(const core::ops::session_facts& facts) override {
        operation_.emplace(make_(facts));
        return operation_->step();
    }
    const core::ops::request* resume(core::ops::reply answer) override {
        operation_->answer(std::move(answer));
        return operation_->step();
    }
    void complete(std::exception_ptr error) override {
        if (!done_) return;
        T value{};
        if (!error) {
            try {
                value = operation_->result();
            } catch (...) {
                error = std::current_exception();
            }
        }
        std::exchange(done_, {}).complete(error, std::move(value));
    }
    void on_cancel(std::function<void(boost::asio::cancellation_type_t)> on_cancel) override {
        done_.on_cancel(std::move(on_cancel));
    }

private:
    factory make_;  // declared before the operation, whose frame may refer to what it holds
    std::optional<core::ops::op<T>> operation_;
    completion<T> done_;
};

}  // namespace riverqueue::libpq_async
