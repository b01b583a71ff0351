#include "core/ops/streamed_inserts.hpp"

#include <exception>
#include <vector>

#include "core/copy_format.hpp"

namespace riverqueue::core::ops {
namespace {

// Large enough to amortise a round trip, small enough to bound memory.
constexpr std::size_t copy_chunk_jobs = 4000;
constexpr std::size_t unique_chunk_jobs = 5000;

std::size_t count_inserted(const std::vector<insert_result>& results) {
    std::size_t inserted = 0;
    for (const auto& result : results) inserted += result.unique_skipped_as_duplicated ? 0 : 1;
    return inserted;
}

// The fast path's state across chunks. At most one COPY is open; no other
// statement can run while it is, so it is ended before any unique chunk.
class fast_inserter {
public:
    fast_inserter(const session_facts& facts, fast_insert_plan& plan) : plan_(plan), copy_(facts.supports_copy) {}

    bool copying() const noexcept { return copying_; }
    std::size_t inserted() const noexcept { return inserted_; }

    // Takes one job; returns whether a chunk is ready to send.
    bool add(resolved_job job) {
        if (job.unique_key) {
            unique_jobs_.push_back(std::move(job));
            return unique_jobs_.size() >= unique_chunk_jobs;
        }
        plain_jobs_.push_back(std::move(job));
        return plain_jobs_.size() >= copy_chunk_jobs;
    }

    op<void> flush() {
        if (unique_jobs_.size() >= unique_chunk_jobs) co_await flush_unique();
        if (plain_jobs_.size() >= copy_chunk_jobs) co_await flush_plain();
    }

    op<void> finish() {
        co_await flush_plain();
        co_await end_copy();
        co_await flush_unique();
    }

private:
    op<void> flush_plain() {
        if (plain_jobs_.empty()) co_return;
        if (!copy_) {
            // Without COPY, the batch insert (no ON CONFLICT for non-unique jobs).
            const auto results = co_await plan_.statements(plain_jobs_);
            inserted_ += count_inserted(results);
            plain_jobs_.clear();
            co_return;
        }
        unsigned columns = plan_.always_columns;
        for (const auto& job : plain_jobs_) columns |= non_default_columns(job);
        // A COPY already open with more columns can take these rows as they
        // are; otherwise start one with every column either needs.
        if (copying_ && (columns & ~copy_columns_) != 0) {
            columns |= copy_columns_;
            co_await end_copy();
        }
        if (!copying_) {
            const std::string statement = copy_jobs_statement(plan_.schema, columns);
            co_await copy_begin(statement);
            copying_ = true;
            copy_columns_ = columns;
        }
        copy_buffer_.clear();
        for (const auto& job : plain_jobs_) append_copy_row(copy_buffer_, job, copy_columns_);
        plain_jobs_.clear();
        co_await copy_write(copy_buffer_);
    }

    op<void> end_copy() {
        if (!copying_) co_return;
        copying_ = false;
        inserted_ += static_cast<std::size_t>(co_await copy_end());
    }

    op<void> flush_unique() {
        if (unique_jobs_.empty()) co_return;
        co_await flush_plain();
        co_await end_copy();
        const auto results = co_await plan_.statements(unique_jobs_);
        inserted_ += count_inserted(results);
        unique_jobs_.clear();
    }

    fast_insert_plan& plan_;
    bool copy_;
    std::vector<resolved_job> plain_jobs_;  // waiting to be written into the COPY
    std::vector<resolved_job> unique_jobs_;
    std::string copy_buffer_;
    bool copying_ = false;
    unsigned copy_columns_ = 0;  // the open COPY's optional columns
    std::size_t inserted_ = 0;
};

}  // namespace

op<fast_insert_outcome> insert_fast(session_facts facts, fast_insert_plan plan, job_source next) {
    fast_inserter inserter(facts, plan);
    fast_insert_outcome outcome;
    std::exception_ptr failure;
    try {
        while (auto job = next()) {
            outcome.notify.add(*job);
            if (inserter.add(std::move(*job))) co_await inserter.flush();
        }
        co_await inserter.finish();
    } catch (...) {
        failure = std::current_exception();
    }
    if (failure) {
        // Abandoned midway (a bad job, a refused statement): abort an open
        // COPY so that the transaction fails and nothing of the batch can be
        // committed. (No co_await inside a handler, hence the detour.)
        if (inserter.copying()) co_await copy_abort();
        std::rethrow_exception(failure);
    }
    outcome.inserted = inserter.inserted();
    co_return outcome;
}

op<chunked_insert_outcome> insert_chunked(batch_insert send, std::size_t chunk_jobs, job_source next,
                                          result_handler on_result) {
    chunked_insert_outcome outcome;
    std::vector<resolved_job> pending;
    std::size_t sent = 0;
    bool more = true;
    while (more) {
        auto job = next();
        more = job.has_value();
        if (job) {
            outcome.notify.add(*job);
            pending.push_back(std::move(*job));
            ++outcome.jobs;
        }
        if (pending.empty() || (more && pending.size() < chunk_jobs)) continue;
        // Later chunks see earlier ones (same transaction), so a unique key
        // repeated across chunks comes back as a duplicate of the first row.
        const auto results = co_await send(pending);
        for (std::size_t i = 0; i < results.size(); ++i) {
            if (on_result) on_result(sent + i, results[i]);
        }
        sent += pending.size();
        pending.clear();
    }
    co_return outcome;
}

}  // namespace riverqueue::core::ops
