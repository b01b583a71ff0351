#include "worker/producer.hpp"

#include <algorithm>

#include "core/missing_schema.hpp"
#include "core/ops/worker_ops.hpp"
#include "worker/run_operation.hpp"

namespace riverqueue::worker_runtime {
namespace {

using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

// River's poll-only intervals for the queue row, and its refresh interval.
constexpr auto pause_check_interval = 2s;
constexpr auto queue_refresh_interval = 10min;
// River polls its running jobs for cancel requests every minute when it
// listens, every 2 s when it polls only.
constexpr auto cancel_check_listening = 1min;
constexpr auto cancel_check_polling = 2s;

// Runs an operation on one of the sessions; a missing River schema comes
// out as schema_error naming `schema`.
template <typename Result, typename Make>
Result on_session(driver::session_source& sessions, std::string_view schema, Make make) {
    return core::naming_missing_schema(schema, [&] { return run_operation<Result>(sessions, false, make); });
}

double uniform(std::mt19937_64& random, double low, double high) {
    return std::uniform_real_distribution<double>(low, high)(random);
}

}  // namespace

producer::producer(std::string queue, int max_workers, runtime_context& context)
    : queue_(std::move(queue)), max_workers_(max_workers), context_(context), random_(std::random_device{}()) {}

producer::~producer() { stop(false); }

void producer::start() {
    const bool paused = on_session<bool>(*context_.sessions, context_.options.schema, [&](const core::ops::session_facts& facts) {
        return core::ops::upsert_queue(facts, context_.options.schema, queue_);
    });
    {
        std::lock_guard lock(mutex_);
        paused_ = paused;
    }
    for (int i = 0; i < max_workers_; ++i) {
        slots_.emplace_back([this](std::stop_token stop) { slot_loop(std::move(stop)); });
    }
    watcher_ = std::jthread([this](std::stop_token stop) { watch_deadlines(std::move(stop)); });
    fetcher_ = std::jthread([this](std::stop_token stop) { fetch_loop(std::move(stop)); });
}

void producer::stop(bool cancel) {
    // 1. No more fetches; one in flight finishes and its jobs run.
    if (fetcher_.joinable()) {
        fetcher_.request_stop();
        fetcher_.join();
    }
    // 2. With cancel, every running job (and any still to start) is asked to stop.
    if (cancel) {
        std::lock_guard lock(mutex_);
        cancelling_ = true;
        for (running_job* job : running_) {
            stop_reason expected = stop_reason::none;
            job->reason.compare_exchange_strong(expected, stop_reason::client_stop);
            job->stop.request_stop();
        }
    }
    // 3. The slots run what was fetched, then end.
    for (auto& slot : slots_) slot.request_stop();
    work_.notify_all();
    slots_.clear();  // joins
    if (watcher_.joinable()) {
        watcher_.request_stop();
        watcher_.join();
    }
}

void producer::fetch_soon() {
    {
        std::lock_guard lock(mutex_);
        fetch_requested_ = true;
    }
    wake_.notify_one();
}

void producer::cancel_running(std::int64_t id) {
    std::lock_guard lock(mutex_);
    for (running_job* job : running_) {
        if (job->id != id) continue;
        stop_reason expected = stop_reason::none;
        job->reason.compare_exchange_strong(expected, stop_reason::cancelled_remotely);
        job->stop.request_stop();
    }
}

void producer::set_paused(bool paused) {
    {
        std::lock_guard lock(mutex_);
        if (paused_ && !paused) fetch_requested_ = true;  // resumed: fetch at once
        paused_ = paused;
    }
    wake_.notify_one();
}

void producer::fetch_loop(std::stop_token stop) {
    const worker_options& options = context_.options;
    steady::time_point last_fetch{};
    steady::time_point next_poll = steady::now();
    steady::time_point next_pause_check = steady::now() + pause_check_interval;
    steady::time_point next_refresh = steady::now() + queue_refresh_interval;
    const auto cancel_check_interval = options.poll_only ? cancel_check_polling : cancel_check_listening;
    steady::time_point next_cancel_check = steady::now() + cancel_check_interval;
    while (!stop.stop_requested()) {
        bool requested = false;
        {
            std::unique_lock lock(mutex_);
            const auto due = std::min({next_poll, next_pause_check, next_refresh, next_cancel_check});
            wake_.wait_until(lock, stop, due, [&] { return fetch_requested_ && busy_ < max_workers_; });
            if (stop.stop_requested()) return;
            // The cooldown: triggers inside it become one fetch at its end.
            const auto cooled = last_fetch + options.fetch_cooldown;
            if (steady::now() < cooled) {
                wake_.wait_until(lock, stop, cooled, [] { return false; });
                if (stop.stop_requested()) return;
            }
            requested = fetch_requested_;
        }
        const auto now = steady::now();
        try {
            if (now >= next_refresh) {
                next_refresh = now + queue_refresh_interval;
                const bool paused = on_session<bool>(*context_.sessions, context_.options.schema, [&](const core::ops::session_facts& f) {
                    return core::ops::upsert_queue(f, options.schema, queue_);
                });
                std::lock_guard lock(mutex_);
                paused_ = paused;
            }
            if (now >= next_pause_check) {
                next_pause_check = now + pause_check_interval;
                const bool paused = on_session<bool>(*context_.sessions, context_.options.schema, [&](const core::ops::session_facts& f) {
                    return core::ops::queue_paused(f, options.schema, queue_);
                });
                std::lock_guard lock(mutex_);
                if (paused_ && !paused) fetch_requested_ = true;  // resumed: fetch at once
                paused_ = paused;
            }
            if (now >= next_cancel_check) {
                next_cancel_check = now + cancel_check_interval;
                check_cancel_requests();
            }
            if (now >= next_poll || requested) {
                last_fetch = now;
                // The poll's jitter, as River's: up to a tenth of the interval (at least 10 ms).
                const double jitter_ms = uniform(random_, 0.0, std::max(static_cast<double>(options.poll_interval.count()) / 10.0, 10.0));
                next_poll = now + options.poll_interval + std::chrono::microseconds(static_cast<long>(jitter_ms * 1000));
                fetch_once();
            }
        } catch (const std::exception& e) {
            if (context_.options.on_error) context_.options.on_error(e);
            next_poll = steady::now() + 1s;  // the database is unwell: back off
        }
    }
}

void producer::fetch_once() {
    int limit = 0;
    {
        std::lock_guard lock(mutex_);
        fetch_requested_ = false;
        if (paused_) return;
        limit = max_workers_ - busy_;
    }
    if (limit <= 0) return;
    std::vector<job_row> jobs = on_session<std::vector<job_row>>(
        *context_.sessions, context_.options.schema, [&](const core::ops::session_facts& facts) {
            return core::ops::fetch_jobs(facts, context_.options.schema, queue_, limit, context_.client_id,
                                         context_.fetch_kinds);
        });
    {
        std::lock_guard lock(mutex_);
        last_fetch_full_ = static_cast<int>(jobs.size()) == limit;
        busy_ += static_cast<int>(jobs.size());
        for (auto& job : jobs) ready_.push_back(std::move(job));
    }
    // One slot per job: waking every slot for a few jobs only makes the
    // others queue on the lock and sleep again.
    for (std::size_t i = 0; i < jobs.size(); ++i) work_.notify_one();
}

void producer::check_cancel_requests() {
    std::vector<std::int64_t> ids;
    {
        std::lock_guard lock(mutex_);
        for (const running_job* job : running_) ids.push_back(job->id);
    }
    if (ids.empty()) return;
    const auto requested = on_session<std::vector<std::int64_t>>(
        *context_.sessions, context_.options.schema, [&](const core::ops::session_facts& facts) {
            return core::ops::cancel_requested(facts, context_.options.schema, ids);
        });
    for (const std::int64_t id : requested) cancel_running(id);
}

void producer::slot_loop(std::stop_token stop) {
    while (true) {
        std::optional<job_row> job;
        {
            std::unique_lock lock(mutex_);
            // Jobs already fetched run even when stopping.
            if (!work_.wait(lock, stop, [&] { return !ready_.empty(); })) return;
            job.emplace(std::move(ready_.front()));
            ready_.pop_front();
        }
        run_job(*job);
        {
            std::lock_guard lock(mutex_);
            --busy_;
            // More may be waiting when the last fetch was full.
            if (last_fetch_full_) fetch_requested_ = true;
        }
        wake_.notify_one();
    }
}

void producer::watch_deadlines(std::stop_token stop) {
    std::unique_lock lock(mutex_);
    while (!stop.stop_requested()) {
        if (deadlines_.empty()) {
            const unsigned seen = deadlines_version_;
            deadline_changed_.wait(lock, stop, [&] { return deadlines_version_ != seen; });
            continue;
        }
        const auto earliest = std::min_element(deadlines_.begin(), deadlines_.end());
        if (steady::now() >= earliest->first) {
            stop_reason expected = stop_reason::none;
            earliest->second->reason.compare_exchange_strong(expected, stop_reason::timeout);
            earliest->second->stop.request_stop();
            deadlines_.erase(earliest);
            continue;
        }
        // A copy: the entry may go while the lock is released.
        const steady::time_point until = earliest->first;
        const unsigned seen = deadlines_version_;
        deadline_changed_.wait_until(lock, stop, until, [&] { return deadlines_version_ != seen; });
    }
}

}  // namespace riverqueue::worker_runtime
