#include "core/legacy_inserts.hpp"

#include <algorithm>
#include <charconv>
#include <optional>

#include <riverqueue/errors.hpp>

#include "core/legacy_unique.hpp"
#include "core/row_decoder.hpp"

namespace riverqueue::core {
namespace {

// Jobs per chunk of a streamed batch: each chunk's advisory locks are taken
// together, so this also bounds the locks one statement takes.

bool cell_bool(const driver::rows& rows, std::size_t column, driver::result_format format) {
    const auto cell = rows.cell(0, column);
    if (!cell) throw error("the schema version probe returned NULL");
    return format == driver::result_format::text ? decode_bool_text(*cell) : decode_bool(*cell);
}

std::optional<std::int64_t> cell_int(const driver::rows& rows, driver::result_format format) {
    const auto cell = rows.cell(0, 0);
    if (!cell) return std::nullopt;
    if (format == driver::result_format::text) {
        std::int64_t value = 0;
        const auto [end, ec] = std::from_chars(cell->data(), cell->data() + cell->size(), value);
        if (ec != std::errc() || end != cell->data() + cell->size()) {
            throw error("river_migration's version is not an integer");
        }
        return value;
    }
    if (cell->size() != 2 && cell->size() != 4 && cell->size() != 8) {
        throw error("river_migration's version has an unexpected width");
    }
    std::uint64_t raw = 0;
    for (char c : *cell) raw = (raw << 8) | static_cast<std::uint8_t>(c);
    const unsigned shift = static_cast<unsigned>(64 - 8 * cell->size());
    return static_cast<std::int64_t>(raw << shift) >> shift;
}

legacy_unique_input input_of(const resolved_job& job) {
    // River 0.11 takes the period from the insert's clock (not scheduled_at);
    // created_at is that clock. The offset is UTC (docs/legacy-schemas.md).
    return legacy_unique_input{job.kind, job.args, job.queue, job.state, job.created_at, std::chrono::seconds{0}};
}

legacy_unique_plan plan_of(const resolved_job& job, const legacy_target& target) {
    return plan_legacy_unique(input_of(job), job.unique, target.schema_version, target.advisory_lock_prefix);
}

std::vector<insert_result> run(driver::session& session, const insert_statement& statement, bool repeated,
                               bool commits_itself) {
    const auto rows = session.query({statement.sql, statement.params, repeated, commits_itself});
    return decode_insert_rows(*rows, session.format());
}

insert_result one_row(std::vector<insert_result> results) {
    if (results.size() != 1) throw error("a single-job insert returned " + std::to_string(results.size()) + " rows");
    return std::move(results.front());
}

insert_result insert_plain(driver::session& session, const legacy_target& target, const resolved_job& job,
                           bool commits_itself) {
    const resolved_job* one = &job;
    return one_row(run(session,
                       build_legacy_insert(target.schema, std::span(&one, 1), target.schema_version, session.format()),
                       true, commits_itself));
}

insert_result insert_fast(driver::session& session, const legacy_target& target, const resolved_job& job,
                          const legacy_unique_plan& plan, bool commits_itself) {
    return one_row(run(session,
                       build_legacy_fast_unique_insert(target.schema, job, plan.unique_key,
                                                       duplicate_detection_for_server(session.server_version()),
                                                       session.format()),
                       true, commits_itself));
}

// The lookup and the insert, with the lock already held.
insert_result lookup_or_insert(driver::session& session, const legacy_target& target, const resolved_job& job,
                               const legacy_unique_plan& plan) {
    auto existing = run(session,
                        build_legacy_unique_lookup(target.schema, plan.lookup, target.schema_version, session.format()),
                        true, false);
    if (!existing.empty()) {
        insert_result duplicate = std::move(existing.front());
        duplicate.unique_skipped_as_duplicated = true;
        return duplicate;
    }
    return insert_plain(session, target, job, false);
}

void simple(driver::session& session, std::string_view sql) {
    session.query({sql, {}, false, false});
}

}  // namespace

namespace {

int read_schema_version(driver::session& session, std::string_view schema) {
    const driver::result_format format = session.format();
    const insert_statement probe = build_migration_table_probe(schema);
    const auto probed = session.query({probe.sql, probe.params, false, false});
    if (probed->row_count() != 1 || probed->column_count() != 2) throw error("the schema version probe failed");
    const bool table_exists = cell_bool(*probed, 0, format);
    const bool has_line = cell_bool(*probed, 1, format);
    if (!table_exists) return interpret_schema_version(false, false, std::nullopt);
    const insert_statement query = build_schema_version_query(schema, has_line);
    const auto version = session.query({query.sql, query.params, false, false});
    if (version->row_count() != 1 || version->column_count() != 1) throw error("the schema version query failed");
    return interpret_schema_version(true, has_line, cell_int(*version, format));
}

}  // namespace

int probe_schema_version(driver::session& session, std::string_view schema) {
    const bool savepoint = session.in_transaction();
    if (savepoint) simple(session, "SAVEPOINT riverqueue_schema_probe");
    try {
        const int version = read_schema_version(session, schema);
        if (savepoint) simple(session, "RELEASE SAVEPOINT riverqueue_schema_probe");
        return version;
    } catch (const database_error& e) {
        if (savepoint) {
            simple(session, "ROLLBACK TO SAVEPOINT riverqueue_schema_probe");
            simple(session, "RELEASE SAVEPOINT riverqueue_schema_probe");
        }
        if (e.sqlstate() == "42501") return schema_version_unreadable;  // insufficient_privilege
        throw;
    }
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

insert_result legacy_insert_one(driver::session& session, const legacy_target& target, const resolved_job& job,
                                bool savepoint, bool commits_itself) {
    const legacy_unique_plan plan = plan_of(job, target);
    switch (plan.path) {
        case legacy_insert_path::plain:
            return insert_plain(session, target, job, commits_itself);
        case legacy_insert_path::fast:
            return insert_fast(session, target, job, plan, commits_itself);
        case legacy_insert_path::advisory:
            break;
    }
    const insert_statement lock = build_legacy_advisory_lock(plan.lock_key);
    if (!savepoint) {
        session.query({lock.sql, lock.params, true, false});
        return lookup_or_insert(session, target, job, plan);
    }
    // The lock is a transaction-level one: released when the caller's
    // transaction ends, not with the savepoint, as in River 0.11.
    simple(session, "SAVEPOINT riverqueue_unique_insert");
    try {
        session.query({lock.sql, lock.params, true, false});
        insert_result result = lookup_or_insert(session, target, job, plan);
        simple(session, "RELEASE SAVEPOINT riverqueue_unique_insert");
        return result;
    } catch (...) {
        try {
            simple(session, "ROLLBACK TO SAVEPOINT riverqueue_unique_insert");
            simple(session, "RELEASE SAVEPOINT riverqueue_unique_insert");
        } catch (...) {
            // The connection is gone or unusable: the original error says more.
        }
        throw;
    }
}

std::vector<insert_result> legacy_insert_batch(driver::session& session, const legacy_target& target,
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
        std::string array = "{";
        for (std::size_t i = 0; i < locks.size(); ++i) {
            if (i > 0) array.push_back(',');
            array += std::to_string(locks[i]);
        }
        array.push_back('}');
        const std::vector<std::optional<std::string>> params = {std::move(array)};
        session.query({"SELECT count(pg_advisory_xact_lock(k)) FROM"
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
            const insert_statement insert =
                build_legacy_insert(target.schema, run_jobs, target.schema_version, session.format());
            auto rows = run(session, insert, false, false);
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
            results.push_back(insert_fast(session, target, jobs[i], plans[i], false));
        } else {
            results.push_back(lookup_or_insert(session, target, jobs[i], plans[i]));
        }
        ++i;
    }
    return results;
}


}  // namespace riverqueue::core
