#include "worker/completer.hpp"

#include <chrono>
#include <vector>

#include "core/ops/run_on_session.hpp"
#include "core/ops/worker_ops.hpp"

namespace riverqueue::worker_runtime {
namespace {

using namespace std::chrono_literals;

constexpr auto tick = 50ms;
constexpr std::size_t write_at_once = 100;
constexpr std::size_t max_batch = 5000;
constexpr std::size_t backpressure_at = 10'000;

}  // namespace

completer::completer(std::shared_ptr<driver::session_source> sessions, std::string schema,
                     std::function<void(const std::exception&)> on_error)
    : sessions_(std::move(sessions)), schema_(std::move(schema)), on_error_(std::move(on_error)) {}

completer::~completer() { stop(); }

void completer::start() {
    thread_ = std::jthread([this](std::stop_token stop) { run(std::move(stop)); });
}

void completer::add(core::job_state_change change) {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return pending_.size() < backpressure_at; });
    const std::int64_t id = change.id;
    pending_.insert_or_assign(id, std::move(change));
    if (pending_.size() >= write_at_once) changed_.notify_all();
}

void completer::stop() {
    if (!thread_.joinable()) return;
    thread_.request_stop();
    changed_.notify_all();
    thread_.join();
}

void completer::run(std::stop_token stop) {
    int failures_after_stop = 0;
    while (true) {
        {
            std::unique_lock lock(mutex_);
            changed_.wait_for(lock, stop, tick, [&] { return pending_.size() >= write_at_once; });
            if (pending_.empty()) {
                if (stop.stop_requested()) return;
                continue;
            }
        }
        if (write_batch()) continue;
        // On stop, what is left is tried three more times, as River does;
        // then those jobs stay running until a rescuer moves them.
        if (stop.stop_requested() && ++failures_after_stop >= 3) return;
        std::this_thread::sleep_for(stop.stop_requested() ? 200ms : 1s);
    }
}

bool completer::write_batch() {
    std::vector<core::job_state_change> batch;
    {
        std::lock_guard lock(mutex_);
        while (!pending_.empty() && batch.size() < max_batch) {
            batch.push_back(std::move(pending_.begin()->second));
            pending_.erase(pending_.begin());
        }
    }
    changed_.notify_all();  // room for blocked adders
    try {
        sessions_->run(false, [&](driver::session& session) {
            core::ops::run(session, core::ops::complete_jobs(core::ops::facts_of(session), schema_, batch));
        });
        return true;
    } catch (const std::exception& e) {
        if (on_error_) on_error_(e);
    }
    // Pending again, unless a newer outcome for the job arrived meanwhile.
    std::lock_guard lock(mutex_);
    for (auto& change : batch) pending_.try_emplace(change.id, std::move(change));
    return false;
}

}  // namespace riverqueue::worker_runtime
