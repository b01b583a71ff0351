#include "core/ops/client_inserts.hpp"

#include <riverqueue/errors.hpp>

#include "core/insert_sql.hpp"
#include "core/copy_format.hpp"
#include "core/legacy_unique.hpp"
#include "core/ops/legacy_inserts.hpp"
#include "core/ops/streamed_inserts.hpp"

namespace riverqueue::core::ops {
namespace {

bool legacy(const insert_context& context) { return legacy_schema(context.schema_version); }

legacy_target target_of(const insert_context& context) {
    return legacy_target{std::string(context.schema), context.schema_version, context.advisory_lock_prefix};
}

op<void> notify(const insert_context& context, const std::vector<std::string>& queues, bool after_commit = false) {
    co_await send_notifications(context.schema, context.due(queues), after_commit);
}

// The batch statement of the schema's scheme, without notifications.
batch_insert batch_statements(session_facts facts, const insert_context& context) {
    if (legacy(context)) {
        return [facts, target = target_of(context)](std::span<const resolved_job> jobs) {
            return legacy_insert_batch(facts, target, jobs);
        };
    }
    return [facts, schema = context.schema](std::span<const resolved_job> jobs) {
        return insert_jobs(facts, schema, jobs, {}, false);
    };
}

// Old schemas: each job checked as the operation takes it.
job_source storable_only(job_source next, int schema_version) {
    return [next = std::move(next), schema_version, index = std::size_t{0}]() mutable -> std::optional<resolved_job> {
        auto job = next();
        if (!job) return job;
        try {
            validate_legacy_insert(*job, job->unique, schema_version);
        } catch (const validation_error& e) {
            throw validation_error("jobs[" + std::to_string(index) + "]." + e.field(), e.rule());
        }
        ++index;
        return job;
    };
}

job_source checked_source(const insert_context& context, job_source next) {
    return legacy(context) ? storable_only(std::move(next), context.schema_version) : next;
}

}  // namespace

bool single_insert_needs_transaction(const insert_context& context, const resolved_job& job) {
    return legacy(context) && legacy_needs_transaction(job, context.schema_version);
}

bool batch_insert_needs_transaction(const insert_context& context) { return legacy(context); }

void check_storable(const insert_context& context, std::span<const resolved_job> jobs, bool batch) {
    if (legacy(context)) validate_legacy_jobs(jobs, context.schema_version, batch);
}

op<insert_result> insert_one(session_facts facts, const insert_context& context, const resolved_job& job,
                             bool caller_transaction, bool commits_itself) {
    const std::span<const resolved_job> jobs(&job, 1);
    if (!legacy(context)) {
        auto results = co_await insert_jobs(facts, context.schema, jobs, context.due(queues_to_notify(jobs)),
                                            commits_itself);
        co_return std::move(results.front());
    }
    const legacy_target target = target_of(context);
    insert_result result = co_await legacy_insert_one(facts, target, job, caller_transaction, commits_itself);
    // River 0.11 notifies after the insert, in the same transaction (when
    // there is one).
    co_await notify(context, queues_to_notify(jobs), commits_itself);
    co_return result;
}

op<std::vector<insert_result>> insert_batch(session_facts facts, const insert_context& context,
                                            std::span<const resolved_job> jobs, bool commits_itself) {
    if (!legacy(context)) {
        // One statement: all or nothing without a transaction block.
        co_return co_await insert_jobs(facts, context.schema, jobs, context.due(queues_to_notify(jobs)),
                                       commits_itself);
    }
    const legacy_target target = target_of(context);
    auto results = co_await legacy_insert_batch(facts, target, jobs);
    co_await notify(context, queues_to_notify(jobs));
    co_return results;
}

op<insert_many_summary> insert_streamed(session_facts facts, const insert_context& context, job_source next,
                                        insert_result_handler on_result) {
    insert_many_summary summary;
    auto counting = [&summary, &on_result](std::size_t index, const insert_result& result) {
        ++(result.unique_skipped_as_duplicated ? summary.duplicates : summary.inserted);
        if (on_result) on_result(index, result);
    };
    const std::size_t chunk_jobs = legacy(context) ? legacy_chunk_jobs : insert_chunk_jobs;
    const chunked_insert_outcome outcome = co_await insert_chunked(
        batch_statements(facts, context), chunk_jobs, checked_source(context, std::move(next)), counting);
    summary.jobs = outcome.jobs;
    co_await notify(context, outcome.notify.queues());
    co_return summary;
}

op<std::size_t> insert_bulk(session_facts facts, const insert_context& context, job_source next) {
    fast_insert_plan plan{context.schema, batch_statements(facts, context), 0};
    // Up to version 5 max_attempts has no default, and before version 4 tags
    // default to NULL where River wrote an empty array.
    if (legacy(context)) plan.always_columns = copy_max_attempts | copy_tags;
    const fast_insert_outcome outcome =
        co_await insert_fast(facts, std::move(plan), checked_source(context, std::move(next)));
    co_await notify(context, outcome.notify.queues());
    co_return outcome.inserted;
}

job_source resolving(std::span<const insert_many_params> jobs, insert_defaults defaults, time_point now) {
    if (jobs.empty()) throw validation_error("jobs", "at least one job is required");
    return [jobs, defaults, now, index = std::size_t{0}]() mutable -> std::optional<resolved_job> {
        if (index == jobs.size()) return std::nullopt;
        const std::size_t at = index++;
        return resolve_insert_at(jobs[at], at, defaults, now, args_text::borrow);
    };
}

job_source resolving(const job_generator& next, insert_defaults defaults, time_point now) {
    return [&next, defaults, now, index = std::size_t{0}]() mutable -> std::optional<resolved_job> {
        auto params = next();
        if (!params) {
            if (index == 0) throw validation_error("jobs", "at least one job is required");
            return std::nullopt;
        }
        const std::size_t at = index++;
        return resolve_insert_at(std::move(*params), at, defaults, now);
    };
}

}  // namespace riverqueue::core::ops
