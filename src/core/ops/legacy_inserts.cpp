#include "core/ops/legacy_inserts.hpp"

#include <algorithm>
#include <exception>
#include <optional>

#include <riverqueue/errors.hpp>

#include "core/insert_sql.hpp"
#include "core/legacy_unique.hpp"
#include "core/migrations.hpp"
#include "core/ops/migrate.hpp"
#include "core/ops/savepoint.hpp"
#include "core/row_decoder.hpp"
#include "core/sql_literals.hpp"

namespace riverqueue::core::ops {
namespace {

legacy_unique_input input_of(const resolved_job& job) {
    // River 0.11 takes the period from the insert's clock (not scheduled_at);
    // created_at is that clock. The offset is UTC (docs/legacy-schemas.md).
    return legacy_unique_input{job.kind, job.args, job.queue, job.state, job.created_at, std::chrono::seconds{0}};
}

legacy_unique_plan plan_of(const resolved_job& job, const legacy_target& target) {
    return plan_legacy_unique(input_of(job), job.unique, target.schema_version, target.advisory_lock_prefix);
}

op<std::vector<insert_result>> run_insert(session_facts facts, sql_statement statement, bool repeated,
                                          bool commits_itself) {
    const auto rows = co_await query({statement.sql, statement.params, repeated, commits_itself});
    co_return decode_insert_rows(*rows, facts.format);
}

insert_result one_row(std::vector<insert_result> results) {
    if (results.size() != 1) throw error("a single-job insert returned " + std::to_string(results.size()) + " rows");
    return std::move(results.front());
}

op<insert_result> insert_plain(session_facts facts, const legacy_target& target, const resolved_job& job,
                               bool commits_itself) {
    const resolved_job* one = &job;
    auto rows = co_await run_insert(
        facts, build_legacy_insert(target.schema, std::span(&one, 1), target.schema_version, facts.format), true,
        commits_itself);
    co_return one_row(std::move(rows));
}

op<insert_result> insert_fast(session_facts facts, const legacy_target& target, const resolved_job& job,
                              const legacy_unique_plan& plan, bool commits_itself) {
    auto rows = co_await run_insert(
        facts,
        build_legacy_fast_unique_insert(target.schema, job, plan.unique_key,
                                        duplicate_detection_for_server(facts.server_version), facts.format),
        true, commits_itself);
    co_return one_row(std::move(rows));
}

// The lookup and the insert, with the lock already held.
op<insert_result> lookup_or_insert(session_facts facts, const legacy_target& target, const resolved_job& job,
                                   const legacy_unique_plan& plan) {
    auto existing = co_await run_insert(
        facts, build_legacy_unique_lookup(target.schema, plan.lookup, target.schema_version, facts.format), true,
        false);
    if (!existing.empty()) {
        insert_result duplicate = std::move(existing.front());
        duplicate.unique_skipped_as_duplicated = true;
        co_return duplicate;
    }
    co_return co_await insert_plain(facts, target, job, false);
}

op<int> read_schema_version(session_facts facts, std::string_view schema) {
    const migration_table_state table = co_await probe_migration_table(facts, schema);
    if (!table.exists) co_return interpret_schema_version(false, false, std::nullopt);
    const sql_statement latest = latest_version_query(schema, table.layout);
    const auto version = co_await query({latest.sql, latest.params, false, false});
    if (version->row_count() != 1 || version->column_count() != 1) throw error("the schema version query failed");
    const bool has_line = table.layout == migration_table_layout::by_line;
    co_return interpret_schema_version(true, has_line, decode_integer_cell(version->cell(0, 0), facts.format));
}

}  // namespace

op<int> probe_schema_version(session_facts facts, std::string_view schema) {
    try {
        if (facts.in_transaction) co_return co_await in_savepoint("riverqueue_schema_probe", read_schema_version(facts, schema));
        co_return co_await read_schema_version(facts, schema);
    } catch (const database_error& e) {
        if (e.sqlstate() != "42501") throw;  // insufficient_privilege
    }
    co_return schema_version_unreadable;
}

bool legacy_needs_transaction(const resolved_job& job, int schema_version) {
    return job.unique && legacy_is_unique(*job.unique) && !legacy_fast_path(*job.unique, schema_version);
}

void validate_legacy_jobs(std::span<const resolved_job> jobs, int schema_version, bool batch) {
    for (std::size_t i = 0; i < jobs.size(); ++i) {
        try {
            validate_legacy_insert(jobs[i], jobs[i].unique, schema_version);
        } catch (const validation_error& e) {
            if (!batch) throw;
            throw validation_error("jobs[" + std::to_string(i) + "]." + e.field(), e.rule());
        }
    }
}

namespace {

op<insert_result> lock_then_lookup_or_insert(session_facts facts, const legacy_target& target,
                                             const resolved_job& job, const legacy_unique_plan& plan) {
    const sql_statement lock = build_legacy_advisory_lock(plan.lock_key);
    co_await query({lock.sql, lock.params, true, false});
    co_return co_await lookup_or_insert(facts, target, job, plan);
}

}  // namespace

op<insert_result> legacy_insert_one(session_facts facts, const legacy_target& target, const resolved_job& job,
                                    bool savepoint, bool commits_itself) {
    const legacy_unique_plan plan = plan_of(job, target);
    switch (plan.path) {
        case legacy_insert_path::plain:
            co_return co_await insert_plain(facts, target, job, commits_itself);
        case legacy_insert_path::fast:
            co_return co_await insert_fast(facts, target, job, plan, commits_itself);
        case legacy_insert_path::advisory:
            break;
    }
    if (!savepoint) co_return co_await lock_then_lookup_or_insert(facts, target, job, plan);
    // The lock is a transaction-level one: released when the caller's
    // transaction ends, not with the savepoint, as in River 0.11.
    co_return co_await in_savepoint("riverqueue_unique_insert", lock_then_lookup_or_insert(facts, target, job, plan));
}

op<std::vector<insert_result>> legacy_insert_batch(session_facts facts, const legacy_target& target,
                                                   std::span<const resolved_job> jobs) {
    std::vector<legacy_unique_plan> plans;
    plans.reserve(jobs.size());
    std::vector<std::int64_t> locks;
    for (const auto& job : jobs) {
        plans.push_back(plan_of(job, target));
        if (plans.back().path == legacy_insert_path::advisory) locks.push_back(plans.back().lock_key);
    }
    if (!locks.empty()) {
        // Every lock of the batch, in ascending order, before any insert.
        std::sort(locks.begin(), locks.end());
        locks.erase(std::unique(locks.begin(), locks.end()), locks.end());
        array_literal keys;
        for (const std::int64_t key : locks) keys.add(std::to_string(key));
        const std::vector<driver::param> params = {std::move(keys).finish()};
        co_await query({"SELECT count(pg_advisory_xact_lock(k)) FROM"
                        " (SELECT k FROM unnest($1::bigint[]) AS k ORDER BY k) AS keys",
                        params, false, false});
    }

    std::vector<insert_result> results;
    results.reserve(jobs.size());
    std::size_t i = 0;
    while (i < jobs.size()) {
        if (plans[i].path == legacy_insert_path::plain) {
            // A run of plain jobs goes in one statement.
            std::vector<const resolved_job*> run_jobs;
            while (i + run_jobs.size() < jobs.size() && plans[i + run_jobs.size()].path == legacy_insert_path::plain) {
                run_jobs.push_back(&jobs[i + run_jobs.size()]);
            }
            auto rows = co_await run_insert(
                facts, build_legacy_insert(target.schema, run_jobs, target.schema_version, facts.format), false,
                false);
            if (rows.size() != run_jobs.size()) throw error("a batch insert returned the wrong number of rows");
            for (std::size_t k = 0; k < rows.size(); ++k) {
                // Inserted in input order; check each row is its job's.
                if (rows[k].job.kind != run_jobs[k]->kind || rows[k].job.queue != run_jobs[k]->queue) {
                    throw error("a batch insert returned its rows out of order");
                }
                results.push_back(std::move(rows[k]));
            }
            i += run_jobs.size();
            continue;
        }
        if (plans[i].path == legacy_insert_path::fast) {
            results.push_back(co_await insert_fast(facts, target, jobs[i], plans[i], false));
        } else {
            results.push_back(co_await lookup_or_insert(facts, target, jobs[i], plans[i]));
        }
        ++i;
    }
    co_return results;
}

}  // namespace riverqueue::core::ops
