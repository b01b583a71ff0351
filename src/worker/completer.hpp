// Writes the outcomes of worked jobs in batches, as River Go's batch completer
// does: pending changes kept by job ID (a later one replaces an earlier one),
// written every 50 ms, or at once from 100 pending, at most 5,000 a
// statement; a failed batch is tried again.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <stop_token>
#include <string>
#include <thread>

#include <riverqueue/driver.hpp>

#include "core/worker/job_outcome.hpp"

namespace riverqueue::worker_runtime {

class completer {
public:
    completer(std::shared_ptr<driver::session_source> sessions, std::string schema,
              std::function<void(const std::exception&)> on_error);
    ~completer();
    completer(const completer&) = delete;
    completer& operator=(const completer&) = delete;

    void start();
    // Thread-safe. Blocks while 10,000 are pending (backpressure).
    void add(core::job_state_change change);
    // Writes everything pending, then stops.
    void stop();

private:
    void run(std::stop_token stop);
    // Writes one batch; false when it failed (the batch is then pending again).
    bool write_batch();

    std::shared_ptr<driver::session_source> sessions_;
    std::string schema_;
    std::function<void(const std::exception&)> on_error_;
    std::mutex mutex_;
    std::condition_variable_any changed_;
    std::map<std::int64_t, core::job_state_change> pending_;
    std::jthread thread_;
};

}  // namespace riverqueue::worker_runtime
