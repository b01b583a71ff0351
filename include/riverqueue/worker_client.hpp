// The worker runtime: fetches River jobs from the configured queues and runs
// the registered workers on them, writing each outcome as River Go writes it,
// so C++ and River Go workers can share queues (docs/workers.md).
//
// Thread safety: start, stop and stop_and_cancel may be called from any
// thread, but not concurrently with each other. Workers run on the client's
// threads, up to max_workers at once per queue.
#pragma once

#include <chrono>
#include <cstddef>
#include <exception>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include <riverqueue/driver.hpp>
#include <riverqueue/worker.hpp>

namespace riverqueue {

struct queue_options {
    // Jobs of this queue run at once at most (River's MaxWorkers, 1..10,000).
    int max_workers = 100;
};

struct worker_options {
    // libpq conninfo or URI, as client_options::conninfo.
    std::string conninfo;
    // Schema holding River's tables; empty means the connection's search_path.
    std::string schema;
    // The queues to work, by name; at least one.
    std::map<std::string, queue_options> queues;
    // This process's ID in attempted_by (unique within the database); empty:
    // River's default, the host name and the start time.
    std::string client_id;
    // How often each queue looks for jobs when nothing else tells it to
    // (River's FetchPollInterval); insert notifications wake it sooner.
    std::chrono::milliseconds poll_interval{1000};
    // Do not LISTEN for River's insert and control notifications (River's
    // PollOnly): new jobs then wait for the poll, pause, resume and cancel
    // for the next check. Always so on a driver other than the libpq default.
    bool poll_only = false;
    // The least time between two fetches of one queue (River's FetchCooldown).
    std::chrono::milliseconds fetch_cooldown{100};
    // A job's timeout when its worker gives none; negative: none (River's JobTimeout).
    std::chrono::milliseconds job_timeout{60'000};
    // Fetch only kinds that have a worker here (River's FetchOnlyKnownKinds);
    // otherwise a job of an unknown kind fails as in River.
    bool fetch_only_known_kinds = false;
    // Connections at most.
    std::size_t pool_size = 4;
    // As client_options::prepared_statements.
    bool prepared_statements = true;
    // Take part in River's leader election (river_leader, compatible with
    // River Go's) and, while leading, run River's scheduler (which makes
    // retryable and scheduled jobs available when due), rescuer and cleaners.
    // Off by default: the leader is also the one to run River's periodic
    // jobs and reindexer, which this runtime does not have yet, so turn it on
    // only where no leader-eligible River Go client on the schema relies on
    // them (docs/workers.md).
    bool leader_election = false;
    // How long a job may stay running before the leader's rescuer takes it
    // for stuck (River's RescueStuckJobsAfter); at least job_timeout.
    std::chrono::milliseconds rescue_stuck_jobs_after{std::chrono::hours(1)};
    // Told of each failed fetch, completion or queue refresh (each is tried
    // again); may be empty. Called from the client's threads.
    std::function<void(const std::exception&)> on_error;
};

class worker_client {
public:
    // Validates the options (throws validation_error); nothing runs before start().
    worker_client(worker_options options, workers registry);
    // The same on another driver's sessions (options.conninfo unused).
    worker_client(worker_options options, workers registry, std::shared_ptr<driver::session_source> sessions);
    // Stops as stop() does.
    ~worker_client();
    worker_client(const worker_client&) = delete;
    worker_client& operator=(const worker_client&) = delete;

    // Registers the queues (river_queue rows) and starts fetching; throws
    // what the first database call throws.
    void start();
    // Stops fetching, waits for the running jobs, writes their outcomes.
    void stop();
    // The same, but first asks every running job to stop (its stop_token): a
    // job that then gives up (job_context::throw_if_stop_requested) becomes
    // available again with its attempt given back; one that returns is
    // completed.
    void stop_and_cancel();

    const std::string& client_id() const noexcept;
    // Whether this client holds River's leadership now (leader_election).
    bool leading() const noexcept;

    struct impl;

private:
    std::unique_ptr<impl> impl_;
};

}  // namespace riverqueue
