// One queue's producer, as River Go's: fetches as many jobs as it has free
// slots (never more), when asked to or at each poll, no more often than the
// fetch cooldown, and runs each on one of its `max_workers` threads; refreshes
// the queue's river_queue row every 10 minutes and honours its pause.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

#include <riverqueue/worker_client.hpp>

#include "worker/completer.hpp"

namespace riverqueue::worker_runtime {

// What the producers of one client share.
struct runtime_context {
    worker_options options;
    workers registry;
    std::shared_ptr<driver::session_source> sessions;
    std::string client_id;
    completer* outcomes = nullptr;
    std::optional<std::vector<std::string>> fetch_kinds;  // fetch_only_known_kinds
};

class producer {
public:
    producer(std::string queue, int max_workers, runtime_context& context);
    ~producer();
    producer(const producer&) = delete;
    producer& operator=(const producer&) = delete;

    // Creates or refreshes the queue's row (throws on failure), then starts.
    void start();
    // Stops fetching; with `cancel`, asks the running jobs to stop; waits for them.
    void stop(bool cancel);

    // River's control and insert notifications for this queue. Thread-safe.
    void fetch_soon();                      // an insert notification
    void cancel_running(std::int64_t id);   // a cancel notification: stops the job if it runs here
    void set_paused(bool paused);           // a pause or resume notification

private:
    struct running_job {
        std::int64_t id = 0;
        std::stop_source stop;
        std::atomic<stop_reason> reason{stop_reason::none};
    };

    void fetch_loop(std::stop_token stop);
    void slot_loop(std::stop_token stop);
    void run_job(const job_row& job);
    void fetch_once();
    void check_cancel_requests();
    void watch_deadlines(std::stop_token stop);

    std::string queue_;
    int max_workers_;
    runtime_context& context_;
    std::mt19937_64 random_;

    std::mutex mutex_;
    std::condition_variable_any wake_;   // fetcher: a trigger, a free slot, stop
    std::condition_variable_any work_;   // slots: a job to run, stop
    std::condition_variable_any deadline_changed_;
    std::deque<job_row> ready_;          // fetched, not yet picked up by a slot
    int busy_ = 0;                       // fetched and not yet finished
    bool fetch_requested_ = true;
    bool paused_ = false;
    bool last_fetch_full_ = false;
    bool cancelling_ = false;            // stop_and_cancel: jobs start with stop requested
    unsigned deadlines_version_ = 0;
    std::list<std::pair<std::chrono::steady_clock::time_point, running_job*>> deadlines_;
    std::vector<running_job*> running_;

    std::stop_source fetching_;
    std::jthread fetcher_;
    std::jthread watcher_;
    std::vector<std::jthread> slots_;
};

}  // namespace riverqueue::worker_runtime
