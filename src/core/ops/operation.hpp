// The core's database conversations as resumable operations, free of I/O.
//
// An operation is written as a C++20 coroutine that asks for what it needs,
//     auto rows = co_await ops::query(statement);
// and is driven by a transport, which answers each request and resumes it:
//     while (const ops::request* next = op.step()) op.answer(perform(*next));
//     return op.result();
// The operation never touches a connection, so the same algorithm runs on the
// blocking libpq and libpqxx sessions (ops::run, run_on_session.hpp), on the
// Asio pipeline (drivers/libpq_async) and on a scripted session in the unit
// tests. This is Boost.MySQL's sans-io shape (`resume(...) -> next_action`),
// with the compiler writing the state machine.
//
// Operations compose: an operation may co_await another, whose requests the
// transport sees as its own. A failed request (the statement was refused, the
// connection was lost) is rethrown at the co_await, so an operation cleans up
// with ordinary try/catch (rolling back to a savepoint, aborting a COPY);
// an exception that leaves the outermost operation is what result() throws.
//
// Arguments taken by reference or view must outlive the operation.
#pragma once

#include <coroutine>
#include <cstdint>
#include <exception>
#include <memory>
#include <optional>
#include <string_view>
#include <utility>

#include <riverqueue/driver.hpp>

namespace riverqueue::core::ops {

// What an operation asks its transport to do next.
struct request {
    enum class kind {
        query,       // run `statement`, answer with its rows
        copy_begin,  // start COPY ... FROM STDIN with statement.sql
        copy_write,  // send `data` (whole lines of COPY text format)
        copy_end,    // end the COPY, answer with the number of rows copied
        copy_abort,  // abandon the open COPY so that its transaction fails; never fails
        script,      // run statement.sql, several statements without parameters (driver::session::execute)
    };
    kind what = kind::query;
    driver::statement statement;
    std::string_view data;
};

// The transport's answer to a request.
struct reply {
    std::unique_ptr<driver::rows> rows;  // query
    std::uint64_t copied = 0;            // copy_end
    std::exception_ptr error;            // the request failed (any kind but copy_abort)
};

// What an operation knows of the session it will run on, before it starts.
struct session_facts {
    driver::result_format format = driver::result_format::binary;
    int server_version = 0;        // server_version_num
    bool in_transaction = false;   // a transaction block is open
    bool supports_copy = false;    // the transport can COPY
    bool binary_params = false;    // the transport sends binary-format parameters
};

template <typename T>
class op;

namespace detail {

// Shared by the frames of one operation tree: the frame to resume next, and
// the request it is waiting on.
struct tree_state {
    std::coroutine_handle<> current;
    const request* pending = nullptr;
    reply answer;
};

class promise_base {
public:
    std::suspend_always initial_suspend() noexcept { return {}; }

    // On completion control passes back to the awaiting operation, or to the
    // transport for the outermost one.
    struct final_awaiter {
        bool await_ready() noexcept { return false; }
        template <typename Promise>
        std::coroutine_handle<> await_suspend(std::coroutine_handle<Promise> self) noexcept {
            promise_base& promise = self.promise();
            if (promise.parent_) {
                promise.state_->current = promise.parent_;
                return promise.parent_;
            }
            promise.state_->current = nullptr;
            return std::noop_coroutine();
        }
        void await_resume() noexcept {}
    };
    final_awaiter final_suspend() noexcept { return {}; }

    void unhandled_exception() noexcept { failure_ = std::current_exception(); }

    tree_state* state_ = &own_state_;
    std::coroutine_handle<> parent_;
    std::exception_ptr failure_;

private:
    tree_state own_state_;
};

template <typename T>
class promise final : public promise_base {
public:
    op<T> get_return_object() noexcept;
    template <typename U>
    void return_value(U&& value) {
        value_.emplace(std::forward<U>(value));
    }
    T take() {
        if (failure_) std::rethrow_exception(failure_);
        return std::move(*value_);
    }

private:
    std::optional<T> value_;
};

template <>
class promise<void> final : public promise_base {
public:
    op<void> get_return_object() noexcept;
    void return_void() noexcept {}
    void take() {
        if (failure_) std::rethrow_exception(failure_);
    }
};

// Suspends the operation tree until the transport answers `req`; Extract
// turns the reply into what the co_await yields.
template <typename Extract>
class request_awaiter {
public:
    explicit request_awaiter(request req) noexcept : request_(std::move(req)) {}
    bool await_ready() noexcept { return false; }
    template <typename Promise>
    void await_suspend(std::coroutine_handle<Promise> self) noexcept {
        state_ = self.promise().state_;
        state_->current = self;
        state_->pending = &request_;
    }
    auto await_resume() {
        reply answer = std::exchange(state_->answer, reply{});
        if (answer.error) std::rethrow_exception(answer.error);
        return Extract{}(std::move(answer));
    }

private:
    request request_;
    tree_state* state_ = nullptr;
};

struct extract_rows {
    std::unique_ptr<driver::rows> operator()(reply answer) const;
};
struct extract_copied {
    std::uint64_t operator()(reply answer) const noexcept { return answer.copied; }
};
struct extract_nothing {
    void operator()(reply) const noexcept {}
};

}  // namespace detail

// An operation returning T; move-only, owns its coroutine frame.
template <typename T>
class [[nodiscard]] op {
public:
    using promise_type = detail::promise<T>;

    op(op&& other) noexcept : frame_(std::exchange(other.frame_, nullptr)) {}
    op& operator=(op&& other) noexcept {
        if (this != &other) {
            reset();
            frame_ = std::exchange(other.frame_, nullptr);
        }
        return *this;
    }
    op(const op&) = delete;
    op& operator=(const op&) = delete;
    ~op() { reset(); }

    // For the transport. Runs the operation until it needs the transport:
    // returns that request (valid until the next step), or nullptr once the
    // operation has finished. After a request, call answer() before step().
    const request* step() {
        if (frame_.done()) return nullptr;
        detail::tree_state& state = *frame_.promise().state_;
        state.pending = nullptr;
        if (!state.current) state.current = frame_;
        state.current.resume();
        return state.pending;
    }
    void answer(reply r) { frame_.promise().state_->answer = std::move(r); }
    bool finished() const noexcept { return frame_.done(); }
    // The operation's value, or what it threw. Once, after step() returned nullptr.
    T result() { return frame_.promise().take(); }

    // For an operation awaiting this one: runs it in the awaiting tree.
    struct awaiter {
        std::coroutine_handle<promise_type> child;
        bool await_ready() noexcept { return false; }
        template <typename Promise>
        std::coroutine_handle<> await_suspend(std::coroutine_handle<Promise> parent) noexcept {
            child.promise().state_ = parent.promise().state_;
            child.promise().parent_ = parent;
            child.promise().state_->current = child;
            return child;
        }
        T await_resume() { return child.promise().take(); }
    };
    awaiter operator co_await() && noexcept { return awaiter{frame_}; }

private:
    friend class detail::promise<T>;
    explicit op(std::coroutine_handle<promise_type> frame) noexcept : frame_(frame) {}
    void reset() noexcept {
        if (frame_) frame_.destroy();
        frame_ = nullptr;
    }

    std::coroutine_handle<promise_type> frame_;
};

namespace detail {

template <typename T>
op<T> promise<T>::get_return_object() noexcept {
    return op<T>(std::coroutine_handle<promise<T>>::from_promise(*this));
}

inline op<void> promise<void>::get_return_object() noexcept {
    return op<void>(std::coroutine_handle<promise<void>>::from_promise(*this));
}

}  // namespace detail

// The requests, for use inside an operation: `co_await query(stmt)` yields
// the statement's rows (never null), `co_await copy_end()` the rows copied.
inline detail::request_awaiter<detail::extract_rows> query(driver::statement stmt) {
    return detail::request_awaiter<detail::extract_rows>(request{request::kind::query, stmt, {}});
}
inline detail::request_awaiter<detail::extract_nothing> copy_begin(std::string_view copy_sql) {
    return detail::request_awaiter<detail::extract_nothing>(
        request{request::kind::copy_begin, driver::statement{copy_sql, {}}, {}});
}
inline detail::request_awaiter<detail::extract_nothing> copy_write(std::string_view data) {
    return detail::request_awaiter<detail::extract_nothing>(request{request::kind::copy_write, {}, data});
}
inline detail::request_awaiter<detail::extract_copied> copy_end() {
    return detail::request_awaiter<detail::extract_copied>(request{request::kind::copy_end, {}, {}});
}
inline detail::request_awaiter<detail::extract_nothing> script(std::string_view sql) {
    return detail::request_awaiter<detail::extract_nothing>(
        request{request::kind::script, driver::statement{sql, {}}, {}});
}
inline detail::request_awaiter<detail::extract_nothing> copy_abort() {
    return detail::request_awaiter<detail::extract_nothing>(request{request::kind::copy_abort, {}, {}});
}

}  // namespace riverqueue::core::ops
