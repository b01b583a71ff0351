// The core's inserts, run on any driver's session.
//
// Each function builds River's statements in the core, hands them to the
// driver, and decodes what comes back in the core, so every driver inserts
// exactly the same rows. insert_jobs is one statement; the two inserters take
// jobs one at a time and send them in chunks, so that a batch of any size
// goes into one transaction with bounded memory:
//   fast_inserter: non-unique jobs through one open COPY (when the driver can
//     COPY; otherwise through the batch insert); unique jobs held back and sent
//     through the unique-aware insert, since COPY cannot skip duplicates.
//   chunked_inserter: every job through the unique-aware insert, handing each
//     row back as soon as it is known.
#pragma once

#include <cstddef>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <riverqueue/driver.hpp>
#include <riverqueue/job_row.hpp>

#include "core/insert_params.hpp"
#include "core/insert_sql.hpp"

namespace riverqueue::core {

// Inserts `jobs` (all or nothing: one statement) and sends `notify_queues`'
// notifications in the same statement. Returns one result per job, in order.
// `commits_itself` tells the driver that the statement runs outside a
// transaction block.
std::vector<insert_result> insert_jobs(driver::session& session, std::string_view schema,
                                       std::span<const resolved_job> jobs,
                                       const std::vector<std::string>& notify_queues, bool commits_itself);

// Sends River's insert notifications for `queues` (nothing when empty).
void send_notifications(driver::session& session, std::string_view schema, const std::vector<std::string>& queues);

// Inserts a batch with statements, all or nothing, returning a result per job
// in order: insert_jobs, or the legacy scheme's legacy_insert_batch.
using batch_sender = std::function<std::vector<insert_result>(std::span<const resolved_job>)>;

class fast_inserter {
public:
    // Unique jobs (and, without COPY, plain ones) through insert_jobs.
    fast_inserter(driver::session& session, std::string schema);
    // For schemas up to version 5 (core/legacy_inserts.hpp): `statements`
    // replaces insert_jobs for unique jobs and, without COPY, for plain ones;
    // `always_columns` (copy_column bits) are sent even when at their default,
    // for columns the old schema gives no default.
    fast_inserter(driver::session& session, std::string schema, batch_sender statements, unsigned always_columns);
    fast_inserter(const fast_inserter&) = delete;
    fast_inserter& operator=(const fast_inserter&) = delete;
    ~fast_inserter();

    void add(resolved_job job);
    // Sends what is left; returns the number of rows inserted (duplicates of
    // existing unique jobs are not counted).
    std::size_t finish();

    const notify_queue_set& notify_queues() const noexcept { return notify_; }

private:
    void flush_plain();
    void end_copy();
    void flush_unique();

    driver::session& session_;
    std::string schema_;
    batch_sender statements_;
    unsigned always_columns_ = 0;
    bool copy_ = false;  // whether the driver can COPY
    std::vector<resolved_job> plain_jobs_;  // waiting to be written into the COPY
    std::string copy_buffer_;
    bool copying_ = false;
    unsigned copy_columns_ = 0;  // the open COPY's optional columns
    std::vector<resolved_job> unique_jobs_;
    std::size_t inserted_ = 0;
    notify_queue_set notify_;
};

class chunked_inserter {
public:
    using result_handler = std::function<void(std::size_t index, const insert_result&)>;

    // Chunks through insert_jobs (River's current scheme).
    chunked_inserter(driver::session& session, std::string schema, result_handler on_result);
    // Chunks of `chunk_jobs` through `send` (the legacy scheme's batch insert).
    chunked_inserter(batch_sender send, std::size_t chunk_jobs, result_handler on_result);

    void add(resolved_job job);
    void finish();

    const notify_queue_set& notify_queues() const noexcept { return notify_; }

private:
    void flush();

    batch_sender send_;
    std::size_t chunk_jobs_;
    result_handler on_result_;
    std::vector<resolved_job> pending_;
    std::size_t sent_ = 0;
    notify_queue_set notify_;
};

}  // namespace riverqueue::core
