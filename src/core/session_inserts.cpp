#include "core/session_inserts.hpp"

#include <riverqueue/errors.hpp>

#include "core/copy_format.hpp"
#include "core/insert_batch.hpp"
#include "core/row_decoder.hpp"

namespace riverqueue::core {
namespace {

// Large enough to amortise a round trip, small enough to bound memory.
constexpr std::size_t copy_chunk_jobs = 4000;
constexpr std::size_t unique_chunk_jobs = 5000;
constexpr std::size_t insert_chunk_jobs = 5000;

std::size_t count_inserted(const std::vector<insert_result>& results) {
    std::size_t inserted = 0;
    for (const auto& result : results) inserted += result.unique_skipped_as_duplicated ? 0 : 1;
    return inserted;
}

}  // namespace

std::vector<insert_result> insert_jobs(driver::session& session, std::string_view schema,
                                       std::span<const resolved_job> jobs,
                                       const std::vector<std::string>& notify_queues, bool commits_itself) {
    const batch_plan plan = plan_batch(jobs);
    const driver::result_format format = session.format();
    const insert_statement statement = build_insert(
        schema, plan.to_send, notify_queues, duplicate_detection_for_server(session.server_version()), format);
    const auto rows = session.query({statement.sql, statement.params, true, commits_itself});
    return assemble_results(plan, decode_insert_rows(*rows, format));
}

void send_notifications(driver::session& session, std::string_view schema, const std::vector<std::string>& queues) {
    if (queues.empty()) return;
    const auto statement = build_notify(schema, queues);
    session.query({statement.sql, statement.params, false, false});
}

namespace {

batch_sender through_insert_jobs(driver::session& session, std::string schema) {
    return [&session, schema = std::move(schema)](std::span<const resolved_job> jobs) {
        return insert_jobs(session, schema, jobs, {}, false);
    };
}

}  // namespace

fast_inserter::fast_inserter(driver::session& session, std::string schema)
    : fast_inserter(session, schema, through_insert_jobs(session, schema), 0) {}

fast_inserter::fast_inserter(driver::session& session, std::string schema, batch_sender statements,
                             unsigned always_columns)
    : session_(session),
      schema_(std::move(schema)),
      statements_(std::move(statements)),
      always_columns_(always_columns),
      copy_(session.supports_copy()) {}

fast_inserter::~fast_inserter() {
    // Abandoned midway (an exception): abort the COPY so that the transaction
    // fails and nothing of the batch can be committed.
    if (copying_) session_.copy_abort();
}

void fast_inserter::add(resolved_job job) {
    notify_.add(job);
    if (job.unique_key) {
        unique_jobs_.push_back(std::move(job));
        if (unique_jobs_.size() >= unique_chunk_jobs) flush_unique();
        return;
    }
    plain_jobs_.push_back(std::move(job));
    if (plain_jobs_.size() >= copy_chunk_jobs) flush_plain();
}

void fast_inserter::flush_plain() {
    if (plain_jobs_.empty()) return;
    if (!copy_) {
        // Without COPY, the batch insert (no ON CONFLICT for non-unique jobs).
        inserted_ += count_inserted(statements_(plain_jobs_));
        plain_jobs_.clear();
        return;
    }
    unsigned columns = always_columns_;
    for (const auto& job : plain_jobs_) columns |= non_default_columns(job);
    // A COPY already open with more columns can take these rows as they are;
    // otherwise start one with every column either needs.
    if (copying_ && (columns & ~copy_columns_) != 0) {
        columns |= copy_columns_;
        end_copy();
    }
    if (!copying_) {
        session_.copy_begin(copy_jobs_statement(schema_, columns));
        copying_ = true;
        copy_columns_ = columns;
    }
    copy_buffer_.clear();
    for (const auto& job : plain_jobs_) append_copy_row(copy_buffer_, job, copy_columns_);
    plain_jobs_.clear();
    session_.copy_write(copy_buffer_);
}

void fast_inserter::end_copy() {
    if (!copying_) return;
    copying_ = false;
    inserted_ += static_cast<std::size_t>(session_.copy_end());
}

void fast_inserter::flush_unique() {
    if (unique_jobs_.empty()) return;
    flush_plain();
    end_copy();  // no other statement can run while a COPY is open
    inserted_ += count_inserted(statements_(unique_jobs_));
    unique_jobs_.clear();
}

std::size_t fast_inserter::finish() {
    flush_plain();
    end_copy();
    flush_unique();
    return inserted_;
}

chunked_inserter::chunked_inserter(driver::session& session, std::string schema, result_handler on_result)
    : chunked_inserter(through_insert_jobs(session, std::move(schema)), insert_chunk_jobs, std::move(on_result)) {}

chunked_inserter::chunked_inserter(batch_sender send, std::size_t chunk_jobs, result_handler on_result)
    : send_(std::move(send)), chunk_jobs_(chunk_jobs), on_result_(std::move(on_result)) {}

void chunked_inserter::add(resolved_job job) {
    notify_.add(job);
    pending_.push_back(std::move(job));
    if (pending_.size() >= chunk_jobs_) flush();
}

void chunked_inserter::flush() {
    if (pending_.empty()) return;
    // Later chunks see earlier ones (same transaction), so a unique key
    // repeated across chunks comes back as a duplicate of the first row.
    const auto results = send_(pending_);
    for (std::size_t i = 0; i < results.size(); ++i) {
        if (on_result_) on_result_(sent_ + i, results[i]);
    }
    sent_ += pending_.size();
    pending_.clear();
}

void chunked_inserter::finish() { flush(); }

}  // namespace riverqueue::core
