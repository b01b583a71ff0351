#include "core/worker/worker_sql.hpp"

#include "core/identifiers.hpp"
#include "core/job_columns.hpp"
#include "core/sql_literals.hpp"
#include "core/time_format.hpp"

namespace riverqueue::core {

sql_statement fetch_jobs_statement(std::string_view schema, std::string_view queue, int limit,
                                   std::string_view client_id, const std::optional<std::vector<std::string>>& kinds,
                                   driver::result_format format) {
    const std::string p = schema_prefix(schema);
    sql_statement statement;
    statement.sql =
        "WITH locked_jobs AS (SELECT id FROM " + p +
        "river_job WHERE state = 'available' AND queue = $1::text"
        " AND ($2::text[] IS NULL OR kind = ANY($2::text[])) AND scheduled_at <= now()"
        " ORDER BY priority ASC, scheduled_at ASC, id ASC LIMIT $3::integer FOR UPDATE SKIP LOCKED)"
        " UPDATE " + p + "river_job SET state = 'running', attempt = river_job.attempt + 1, attempted_at = now(),"
        " attempted_by = array_append(CASE WHEN array_length(river_job.attempted_by, 1) >= $4::int"
        // Arrays count from 1: the last $4 - 1 entries start at length + 2 - $4.
        " THEN river_job.attempted_by[array_length(river_job.attempted_by, 1) + 2 - $4::int:]"
        " ELSE river_job.attempted_by END, $5::text)"
        " FROM locked_jobs WHERE river_job.id = locked_jobs.id RETURNING " + job_columns("river_job", format);
    std::optional<std::string> kind_array;
    if (kinds) kind_array = text_array_literal(*kinds);
    statement.params = {std::string(queue), std::move(kind_array), std::to_string(limit),
                        std::to_string(max_attempted_by), std::string(client_id)};
    return statement;
}

sql_statement complete_jobs_statement(std::string_view schema, std::span<const job_state_change> changes,
                                      driver::result_format format) {
    const std::string p = schema_prefix(schema);
    array_literal ids, attempt_do, attempts, errors_do, errors, finalized_do, finalized, merge_do, patches,
        scheduled_do, scheduled, states;
    const auto flag = [](array_literal& array, bool value) { array.add(value ? "t" : "f"); };
    for (const job_state_change& change : changes) {
        ids.add(std::to_string(change.id));
        flag(attempt_do, change.attempt.has_value());
        attempts.add(std::to_string(change.attempt.value_or(0)));
        flag(errors_do, change.error.has_value());
        if (change.error) errors.add(*change.error);
        else errors.add_null();
        flag(finalized_do, change.finalized_at.has_value());
        if (change.finalized_at) finalized.add(format_rfc3339_micros(*change.finalized_at));
        else finalized.add_null();
        flag(merge_do, change.metadata_patch.has_value());
        patches.add(change.metadata_patch.value_or("{}"));
        flag(scheduled_do, change.scheduled_at.has_value());
        if (change.scheduled_at) scheduled.add(format_rfc3339_micros(*change.scheduled_at));
        else scheduled.add_null();
        states.add(riverqueue::to_string(change.state));
    }
    // The coercion: a running job whose cancellation was requested.
    const std::string cancel_requested =
        "(job_input.state IN ('available', 'retryable', 'scheduled') AND river_job.metadata ? 'cancel_attempted_at')";
    sql_statement statement;
    statement.sql =
        "WITH job_input AS (SELECT unnest($1::bigint[]) AS id, unnest($2::boolean[]) AS attempt_do_update,"
        " unnest($3::int[]) AS attempt, unnest($4::boolean[]) AS errors_do_update, unnest($5::jsonb[]) AS errors,"
        " unnest($6::boolean[]) AS finalized_at_do_update, unnest($7::timestamptz[]) AS finalized_at,"
        " unnest($8::boolean[]) AS metadata_do_merge, unnest($9::jsonb[]) AS metadata_updates,"
        " unnest($10::boolean[]) AS scheduled_at_do_update, unnest($11::timestamptz[]) AS scheduled_at,"
        " unnest($12::text[])::" + p + "river_job_state AS state),"
        " updated AS (UPDATE " + p + "river_job SET"
        " attempt = CASE WHEN river_job.state = 'running' AND NOT " + cancel_requested +
        " AND job_input.attempt_do_update THEN job_input.attempt ELSE river_job.attempt END,"
        " errors = CASE WHEN river_job.state = 'running' AND job_input.errors_do_update"
        " THEN array_append(river_job.errors, job_input.errors) ELSE river_job.errors END,"
        " finalized_at = CASE WHEN river_job.state = 'running' AND " + cancel_requested + " THEN now()"
        " WHEN river_job.state = 'running' AND job_input.finalized_at_do_update THEN job_input.finalized_at"
        " ELSE river_job.finalized_at END,"
        " metadata = CASE WHEN job_input.metadata_do_merge THEN river_job.metadata || job_input.metadata_updates"
        " ELSE river_job.metadata END,"
        " scheduled_at = CASE WHEN river_job.state = 'running' AND NOT " + cancel_requested +
        " AND job_input.scheduled_at_do_update THEN job_input.scheduled_at ELSE river_job.scheduled_at END,"
        " state = CASE WHEN river_job.state = 'running' AND " + cancel_requested +
        " THEN 'cancelled'::" + p + "river_job_state"
        " WHEN river_job.state = 'running' THEN job_input.state ELSE river_job.state END"
        " FROM job_input WHERE river_job.id = job_input.id"
        " AND (river_job.state = 'running' OR job_input.metadata_do_merge) RETURNING river_job.*)"
        // The statement's own snapshot does not see the updates: the rows
        // left alone from the table, the changed ones from `updated`.
        " SELECT " + job_columns("river_job", format) + " FROM " + p +
        "river_job JOIN job_input ON river_job.id = job_input.id"
        " WHERE NOT EXISTS (SELECT 1 FROM updated WHERE updated.id = river_job.id)"
        " UNION ALL SELECT " + job_columns("updated", format) + " FROM updated ORDER BY id";
    statement.params = {std::move(ids).finish(),      std::move(attempt_do).finish(), std::move(attempts).finish(),
                        std::move(errors_do).finish(), std::move(errors).finish(),    std::move(finalized_do).finish(),
                        std::move(finalized).finish(), std::move(merge_do).finish(),  std::move(patches).finish(),
                        std::move(scheduled_do).finish(), std::move(scheduled).finish(), std::move(states).finish()};
    return statement;
}

sql_statement cancel_requested_statement(std::string_view schema, std::span<const std::int64_t> ids) {
    array_literal id_array;
    for (const std::int64_t id : ids) id_array.add(std::to_string(id));
    return {"SELECT id FROM " + schema_prefix(schema) +
                "river_job WHERE id = ANY($1::bigint[]) AND state = 'running' AND metadata ? 'cancel_attempted_at'",
            {std::move(id_array).finish()}};
}

sql_statement upsert_queue_statement(std::string_view schema, std::string_view queue) {
    return {"INSERT INTO " + schema_prefix(schema) +
                "river_queue (created_at, metadata, name, paused_at, updated_at)"
                " VALUES (now(), '{}'::jsonb, $1::text, NULL, now())"
                " ON CONFLICT (name) DO UPDATE SET updated_at = EXCLUDED.updated_at"
                " RETURNING paused_at IS NOT NULL",
            {std::string(queue)}};
}

sql_statement queue_paused_statement(std::string_view schema, std::string_view queue) {
    return {"SELECT paused_at IS NOT NULL FROM " + schema_prefix(schema) + "river_queue WHERE name = $1::text",
            {std::string(queue)}};
}

}  // namespace riverqueue::core
