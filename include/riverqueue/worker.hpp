// Working River jobs in C++: workers, registered by kind, that a
// riverqueue::worker_client (<riverqueue/worker_client.hpp>) runs side by side
// with River Go's workers on the same queues (docs/workers.md).
//
//     struct send_email {
//         std::string to;
//         static constexpr std::string_view kind() { return "send_email"; }
//         static send_email from_json(std::string_view json);  // your JSON library
//     };
//     riverqueue::workers registry;
//     registry.add<send_email>([](const riverqueue::job_context& ctx, const send_email& args) { ... });
//
// A worker returns to complete the job, throws to fail it (retried with
// River's backoff, discarded after max_attempts), throws job_snooze to run it
// again later without using an attempt, or job_cancel to cancel it for good.
#pragma once

#include <chrono>
#include <concepts>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <stop_token>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <riverqueue/errors.hpp>
#include <riverqueue/job_row.hpp>

namespace riverqueue {

// Thrown by a worker: run the job again after `after` (zero: at once),
// without using up an attempt (River's JobSnooze).
class job_snooze : public std::exception {
public:
    explicit job_snooze(std::chrono::nanoseconds after) : after_(after) {}
    std::chrono::nanoseconds after() const noexcept { return after_; }
    const char* what() const noexcept override { return "job snoozed"; }

private:
    std::chrono::nanoseconds after_;
};

// Thrown by a worker: cancel the job for good, recording `reason` in its
// errors as River does ("JobCancelError: <reason>").
class job_cancel : public error {
public:
    explicit job_cancel(const std::string& reason) : error("JobCancelError: " + reason) {}
};

// Why a job was asked to stop.
enum class stop_reason {
    none,
    timeout,             // the job's timeout passed
    client_stop,         // worker_client::stop_and_cancel
    cancelled_remotely,  // River's JobCancel on the running job (its cancel notification)
};

// Thrown by job_context::throw_if_stop_requested. After a timeout the attempt
// fails with River's text for it ("context deadline exceeded"); after the
// client's stop_and_cancel the job is made available again, its attempt not
// used up (River's stop-interrupted); after River's JobCancel the job is
// cancelled ("JobCancelError: job cancelled remotely", as any other failure
// of a job cancelled remotely).
class job_stopped : public error {
public:
    explicit job_stopped(stop_reason reason) : error(message_for(reason)), reason_(reason) {}
    stop_reason reason() const noexcept { return reason_; }

private:
    static const char* message_for(stop_reason reason) noexcept {
        switch (reason) {
            case stop_reason::timeout:
                return "context deadline exceeded";
            case stop_reason::cancelled_remotely:
                return "JobCancelError: job cancelled remotely";
            default:
                return "context canceled";
        }
    }
    stop_reason reason_;
};

// What a worker sees of the job it works.
class job_context {
public:
    // `reason` tells, once stop is requested, why.
    job_context(const job_row& job, std::stop_token stop, std::function<stop_reason()> reason)
        : job_(job), stop_(std::move(stop)), reason_(std::move(reason)) {}

    const job_row& job() const noexcept { return job_; }
    // Requested when the job's timeout passes and when the client is stopped
    // with stop_and_cancel: a long worker should check it and return.
    std::stop_token stop_token() const noexcept { return stop_; }
    bool stop_requested() const noexcept { return stop_.stop_requested(); }
    // Throws job_stopped when stop was requested.
    void throw_if_stop_requested() const {
        if (stop_.stop_requested()) throw job_stopped(reason_ ? reason_() : stop_reason::client_stop);
    }

private:
    const job_row& job_;
    std::stop_token stop_;
    std::function<stop_reason()> reason_;
};

// A worker for one kind of job.
class worker {
public:
    virtual ~worker() = default;
    virtual void work(const job_context& context) = 0;
    // This kind's timeout: zero uses worker_options::job_timeout; negative
    // means none (River's Worker.Timeout).
    virtual std::chrono::milliseconds timeout(const job_row&) const { return std::chrono::milliseconds{0}; }
    // When to retry after a failure; std::nullopt (or a time already past)
    // uses River's default policy (River's Worker.NextRetry).
    virtual std::optional<time_point> next_retry(const job_row&) const { return std::nullopt; }
};

// Args the runtime can decode: a kind and a static from_json(std::string_view)
// returning the args (with the JSON library of your choice).
template <typename T>
concept decodable_job_args = requires(std::string_view json) {
    { T::kind() } -> std::convertible_to<std::string_view>;
    { T::from_json(json) } -> std::same_as<T>;
};

// The workers a client runs, by kind. Fill it before the client starts; it
// is read, never changed, while jobs run.
class workers {
public:
    // A typed worker: `fn(const job_context&, const Args&)`. The args are
    // decoded from the job's JSON with Args::from_json; a decoding failure
    // fails the attempt.
    template <decodable_job_args Args, typename Fn>
        requires std::invocable<Fn&, const job_context&, const Args&>
    void add(Fn fn) {
        add(std::string(Args::kind()), std::function<void(const job_context&)>(
                                           [fn = std::move(fn)](const job_context& context) mutable {
                                               const Args args = Args::from_json(context.job().args);
                                               fn(context, args);
                                           }));
    }
    // A worker for a kind known at run time, seeing the job's raw JSON args.
    void add(std::string kind, std::function<void(const job_context&)> fn);
    void add(std::string kind, std::shared_ptr<worker> w);

    // The worker for `kind`, or nullptr.
    worker* find(std::string_view kind) const;
    std::vector<std::string> kinds() const;
    bool empty() const noexcept { return by_kind_.empty(); }

private:
    std::unordered_map<std::string, std::shared_ptr<worker>> by_kind_;
};

}  // namespace riverqueue
