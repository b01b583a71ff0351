// Running one job: its worker (or River's unknown-kind failure), its timeout,
// and the outcome as River Go's job executor turns it into a state change.
#include <algorithm>
#include <random>

#include "core/worker/job_outcome.hpp"
#include "core/worker/retry_policy.hpp"
#include "worker/producer.hpp"

namespace riverqueue::worker_runtime {
namespace {

// The outcome of `work`, as River reads a worker's return.
core::job_result result_of(worker* found, const job_row& job, const job_context& context) {
    core::job_result result;
    try {
        if (found == nullptr) {
            throw error("job kind is not registered in the client's Workers bundle: " + job.kind);
        }
        found->work(context);
        result.what = core::job_result::kind::completed;
        return result;
    } catch (const job_snooze& snooze) {
        result.what = core::job_result::kind::snoozed;
        result.snooze = snooze.after();
        return result;
    } catch (const job_cancel& cancel) {
        result.what = core::job_result::kind::cancelled;
        result.error = cancel.what();
        return result;
    } catch (const job_stopped& stopped) {
        // Given up because the client stopped: River's stop-interrupted.
        if (stopped.reason() == stop_reason::client_stop) {
            result.what = core::job_result::kind::interrupted;
            return result;
        }
        result.what = core::job_result::kind::failed;
        result.error = stopped.what();
    } catch (const std::exception& e) {
        result.what = core::job_result::kind::failed;
        result.error = e.what();
    } catch (...) {
        result.what = core::job_result::kind::failed;
        result.error = "the worker threw something that is not a std::exception";
    }
    if (found != nullptr) result.next_retry = found->next_retry(job);
    return result;
}

}  // namespace

void producer::run_job(const job_row& job) {
    worker* found = context_.registry.find(job.kind);
    std::chrono::milliseconds timeout = found != nullptr ? found->timeout(job) : std::chrono::milliseconds{0};
    if (timeout.count() == 0) timeout = context_.options.job_timeout;

    running_job state;
    state.id = job.id;
    {
        std::lock_guard lock(mutex_);
        running_.push_back(&state);
        if (cancelling_) {
            state.reason = stop_reason::client_stop;
            state.stop.request_stop();
        }
        if (timeout.count() > 0) {
            deadlines_.emplace_back(std::chrono::steady_clock::now() + timeout, &state);
            ++deadlines_version_;
        }
    }
    deadline_changed_.notify_all();

    const core::go_time started = std::chrono::system_clock::now();
    const job_context context(job, state.stop.get_token(), [&state] { return state.reason.load(); });
    core::job_result result = result_of(found, job, context);
    if (state.reason.load() == stop_reason::cancelled_remotely && result.what == core::job_result::kind::failed) {
        // River replaces the error of a job cancelled remotely, and cancels it.
        result.what = core::job_result::kind::cancelled;
        result.error = job_stopped(stop_reason::cancelled_remotely).what();
    }

    {
        std::lock_guard lock(mutex_);
        running_.erase(std::remove(running_.begin(), running_.end(), &state), running_.end());
        deadlines_.remove_if([&](const auto& entry) { return entry.second == &state; });
        ++deadlines_version_;
    }
    context_.outcomes->add(
        core::decide_state_change(job, result, started, riverqueue::now(), core::random_retry_jitter()));
}

}  // namespace riverqueue::worker_runtime
