#include "drivers/libpq/bulk_insert.hpp"

#include <algorithm>

#include <riverqueue/errors.hpp>

#include "core/copy_format.hpp"
#include "core/insert_sql.hpp"
#include "drivers/libpq/job_inserter.hpp"
#include "drivers/libpq/pg_result.hpp"

namespace riverqueue::libpq {
namespace {

// Large enough to amortise a round trip, small enough to bound memory.
constexpr std::size_t copy_chunk_jobs = 4000;
constexpr std::size_t unique_chunk_jobs = 5000;
constexpr std::size_t insert_chunk_jobs = 5000;

}  // namespace

fast_inserter::fast_inserter(PGconn* conn, std::string schema) : conn_(conn), schema_(std::move(schema)) {}

fast_inserter::~fast_inserter() {
    if (!copying_) return;
    // Abandoned midway (an exception): abort the COPY so that the transaction
    // fails and nothing of the batch can be committed.
    PQputCopyEnd(conn_, "riverqueue: batch abandoned");
    while (PGresult* result = PQgetResult(conn_)) PQclear(result);
}

void fast_inserter::add(core::resolved_job job) {
    notify_.add(job);
    if (job.unique_key) {
        unique_jobs_.push_back(std::move(job));
        if (unique_jobs_.size() >= unique_chunk_jobs) flush_unique();
        return;
    }
    copy_jobs_.push_back(std::move(job));
    if (copy_jobs_.size() >= copy_chunk_jobs) flush_copy();
}

void fast_inserter::flush_copy() {
    if (copy_jobs_.empty()) return;
    unsigned columns = 0;
    for (const auto& job : copy_jobs_) columns |= core::non_default_columns(job);
    // A COPY already open with more columns can take these rows as they are;
    // otherwise start one with every column either needs.
    if (copying_ && (columns & ~copy_columns_) != 0) {
        columns |= copy_columns_;
        end_copy();
    }
    if (!copying_) {
        result_ptr started(PQexec(conn_, core::copy_jobs_statement(schema_, columns).c_str()));
        if (!started || PQresultStatus(started.get()) != PGRES_COPY_IN) throw_error(conn_, started.get(), false);
        copying_ = true;
        copy_columns_ = columns;
    }
    copy_buffer_.clear();
    for (const auto& job : copy_jobs_) core::append_copy_row(copy_buffer_, job, copy_columns_);
    copy_jobs_.clear();
    if (PQputCopyData(conn_, copy_buffer_.data(), static_cast<int>(copy_buffer_.size())) != 1) {
        throw_error(conn_, nullptr, false);
    }
}

void fast_inserter::end_copy() {
    if (!copying_) return;
    copying_ = false;
    if (PQputCopyEnd(conn_, nullptr) != 1) throw_error(conn_, nullptr, false);
    result_ptr result(PQgetResult(conn_));
    while (PGresult* extra = PQgetResult(conn_)) PQclear(extra);
    result = check(conn_, std::move(result));
    inserted_ += std::stoull(PQcmdTuples(result.get()));
}

void fast_inserter::flush_unique() {
    if (unique_jobs_.empty()) return;
    flush_copy();
    end_copy();  // no other statement can run while a COPY is open
    for (const auto& result : insert_jobs(conn_, schema_, unique_jobs_, {}, true)) {
        if (!result.unique_skipped_as_duplicated) ++inserted_;
    }
    unique_jobs_.clear();
}

std::size_t fast_inserter::finish() {
    flush_copy();
    end_copy();
    flush_unique();
    return inserted_;
}

chunked_inserter::chunked_inserter(PGconn* conn, std::string schema, result_handler on_result)
    : conn_(conn), schema_(std::move(schema)), on_result_(std::move(on_result)) {}

void chunked_inserter::add(core::resolved_job job) {
    notify_.add(job);
    pending_.push_back(std::move(job));
    if (pending_.size() >= insert_chunk_jobs) flush();
}

void chunked_inserter::flush() {
    if (pending_.empty()) return;
    // Later chunks see earlier ones (same transaction), so a unique key
    // repeated across chunks comes back as a duplicate of the first row.
    const auto results = insert_jobs(conn_, schema_, pending_, {}, true);
    for (std::size_t i = 0; i < results.size(); ++i) {
        if (on_result_) on_result_(sent_ + i, results[i]);
    }
    sent_ += pending_.size();
    pending_.clear();
}

void chunked_inserter::finish() { flush(); }

void send_notifications(PGconn* conn, std::string_view schema, const std::vector<std::string>& queues) {
    if (queues.empty()) return;
    std::vector<std::string> payloads;
    payloads.reserve(queues.size());
    for (const auto& queue : queues) payloads.push_back(core::insert_notification_payload(queue));
    const auto statement = core::build_notify(schema, payloads);
    exec_params(conn, statement.sql, statement.params, result_format::text);
}

}  // namespace riverqueue::libpq
