// Large batches in one transaction with bounded memory: jobs are fed one at a
// time and sent in chunks as they come.
//
// fast_inserter: non-unique jobs go through one open COPY; unique jobs are
// held back and sent through the unique-aware insert (COPY cannot skip
// duplicates), which ends the COPY and opens a new one afterwards.
// chunked_inserter: every job through the unique-aware insert, chunk by chunk,
// handing each row back to the caller as soon as it is known.
#pragma once

#include <libpq-fe.h>

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <riverqueue/job_row.hpp>

#include "core/insert_params.hpp"
#include "core/insert_sql.hpp"

namespace riverqueue::libpq {

class fast_inserter {
public:
    fast_inserter(PGconn* conn, std::string schema);
    fast_inserter(const fast_inserter&) = delete;
    fast_inserter& operator=(const fast_inserter&) = delete;
    ~fast_inserter();

    void add(core::resolved_job job);
    // Sends what is left; returns the number of rows inserted (duplicates of
    // existing unique jobs are not counted).
    std::size_t finish();

    const core::notify_queue_set& notify_queues() const noexcept { return notify_; }

private:
    void flush_copy();
    void end_copy();
    void flush_unique();

    PGconn* conn_;
    std::string schema_;
    std::vector<core::resolved_job> copy_jobs_;  // waiting to be written into the COPY
    std::string copy_buffer_;
    bool copying_ = false;
    unsigned copy_columns_ = 0;  // the open COPY's optional columns
    std::vector<core::resolved_job> unique_jobs_;
    std::size_t inserted_ = 0;
    core::notify_queue_set notify_;
};

class chunked_inserter {
public:
    using result_handler = std::function<void(std::size_t index, const insert_result&)>;

    chunked_inserter(PGconn* conn, std::string schema, result_handler on_result);

    void add(core::resolved_job job);
    void finish();

    const core::notify_queue_set& notify_queues() const noexcept { return notify_; }

private:
    void flush();

    PGconn* conn_;
    std::string schema_;
    result_handler on_result_;
    std::vector<core::resolved_job> pending_;
    std::size_t sent_ = 0;
    core::notify_queue_set notify_;
};

// Sends River's insert notifications for `queues` (nothing when empty).
void send_notifications(PGconn* conn, std::string_view schema, const std::vector<std::string>& queues);

}  // namespace riverqueue::libpq
