// How an asynchronous operation ends: the caller's handler (type-erased by
// Asio's any_completion_handler at the public boundary) or a continuation of
// the library's own, completed once with the outcome.
#pragma once

#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <utility>

#include <boost/asio/any_completion_executor.hpp>
#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/associated_cancellation_slot.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/cancellation_type.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/execution/outstanding_work.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/prefer.hpp>

namespace riverqueue::libpq_async {

// A copyable handle (copies share one outcome): complete() is called once,
// from any thread; later calls do nothing.
template <typename... Values>
class completion {
public:
    using signature = void(std::exception_ptr, Values...);
    using caller_handler = boost::asio::any_completion_handler<signature>;

    completion() = default;

    // The caller's handler. It runs on its associated executor, `fallback`
    // (the client's) when it has none, which counts as having work meanwhile,
    // so that io_context::run() does not return under a pending operation.
    completion(caller_handler handler, const boost::asio::any_io_executor& fallback)
        : state_(std::make_shared<state>()) {
        state_->work = boost::asio::prefer(boost::asio::get_associated_executor(handler, fallback),
                                           boost::asio::execution::outstanding_work.tracked);
        state_->fallback = fallback;
        state_->caller = std::move(handler);
    }

    // A continuation of the library's own, run at once on the strand that
    // finishes the operation. It has no cancellation slot.
    static completion internal(std::function<signature> continuation) {
        completion made;
        made.state_ = std::make_shared<state>();
        made.state_->continuation = std::move(continuation);
        return made;
    }

    // `inner` with `before` run first on the outcome (to give a connection
    // back, or close it). Cancellation still reaches the caller's slot.
    static completion after(completion inner, std::function<void(std::exception_ptr)> before) {
        completion made;
        made.state_ = std::make_shared<state>();
        made.state_->inner = std::move(inner.state_);
        made.state_->before = std::move(before);
        return made;
    }

    explicit operator bool() const noexcept { return state_ != nullptr; }

    void complete(std::exception_ptr error, Values... values) const {
        if (state_) state_->complete(std::move(error), std::move(values)...);
    }

    // Installs `on_cancel` in the caller's cancellation slot, if it has one;
    // `on_cancel` is called on the thread that emits the cancellation.
    void on_cancel(std::function<void(boost::asio::cancellation_type_t)> on_cancel) const {
        if (state_) state_->on_cancel(std::move(on_cancel));
    }

private:
    struct state {
        // One of: the caller's handler, the library's continuation, or an
        // inner completion with `before` run first.
        std::optional<caller_handler> caller;
        boost::asio::any_completion_executor work;
        boost::asio::any_io_executor fallback;
        std::function<signature> continuation;
        std::shared_ptr<state> inner;
        std::function<void(std::exception_ptr)> before;
        bool done = false;

        void complete(std::exception_ptr error, Values... values) {
            if (std::exchange(done, true)) return;
            if (inner) {
                if (before) before(error);
                inner->complete(std::move(error), std::move(values)...);
            } else if (continuation) {
                std::exchange(continuation, nullptr)(std::move(error), std::move(values)...);
            } else if (caller) {
                hand_back(std::move(error), std::move(values)...);
            }
        }

        // Never inside the library's call: posted to the client's executor,
        // then dispatched to the handler's own (Boost 1.81's type-erased
        // completion executor can be dispatched to, not posted to).
        void hand_back(std::exception_ptr error, Values... values) {
            auto handler = std::move(*caller);
            caller.reset();
            boost::asio::post(fallback, [handler = std::move(handler), target = std::exchange(work, {}), error,
                                         ... values = std::move(values)]() mutable {
                boost::asio::dispatch(target, [handler = std::move(handler), error,
                                               ... values = std::move(values)]() mutable {
                    // The slot belongs to the caller: clear it on the
                    // handler's executor, where cancellation is emitted.
                    boost::asio::get_associated_cancellation_slot(handler).clear();
                    std::move(handler)(error, std::move(values)...);
                });
            });
        }

        void on_cancel(std::function<void(boost::asio::cancellation_type_t)> on_cancel) {
            if (inner) {
                inner->on_cancel(std::move(on_cancel));
                return;
            }
            if (!caller) return;
            auto slot = boost::asio::get_associated_cancellation_slot(*caller);
            if (!slot.is_connected()) return;
            slot.assign([on_cancel = std::move(on_cancel)](boost::asio::cancellation_type_t type) { on_cancel(type); });
        }
    };

    std::shared_ptr<state> state_;
};

}  // namespace riverqueue::libpq_async
