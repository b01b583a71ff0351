#include "core/worker/maintenance_sql.hpp"

#include "core/identifiers.hpp"
#include "core/job_columns.hpp"
#include "core/sql_literals.hpp"
#include "core/time_format.hpp"

namespace riverqueue::core {
namespace {

// A timestamptz as a driver reads it: binary as is, text as microseconds
// since the Unix epoch (independent of DateStyle and TimeZone).
std::string time_column(const std::string& column, driver::result_format format) {
    if (format == driver::result_format::binary) return column;
    return "(extract(epoch FROM " + column + ") * 1000000)::bigint";
}

std::optional<std::string> schema_param(std::string_view schema) {
    if (schema.empty()) return std::nullopt;
    return std::string(schema);
}

}  // namespace

sql_statement leader_delete_expired_statement(std::string_view schema) {
    return {"DELETE FROM " + schema_prefix(schema) + "river_leader WHERE expires_at < now()", {}};
}

sql_statement leader_elect_statement(std::string_view schema, std::string_view leader_id,
                                     driver::result_format format) {
    return {"INSERT INTO " + schema_prefix(schema) +
                "river_leader (leader_id, elected_at, expires_at) VALUES ($1::text, now(), now() + make_interval(secs => $2))"
                " ON CONFLICT (name) DO NOTHING RETURNING " + time_column("elected_at", format),
            {std::string(leader_id), std::to_string(leader_ttl.count())}};
}

sql_statement leader_reelect_statement(std::string_view schema, std::string_view leader_id, time_point elected_at) {
    return {"UPDATE " + schema_prefix(schema) +
                "river_leader SET expires_at = now() + make_interval(secs => $3)"
                " WHERE elected_at = $1::timestamptz AND expires_at >= now() AND leader_id = $2::text RETURNING 1",
            {format_rfc3339_micros(elected_at), std::string(leader_id), std::to_string(leader_ttl.count())}};
}

sql_statement leader_resign_statement(std::string_view schema, std::string_view leader_id, time_point elected_at) {
    const std::string p = schema_prefix(schema);
    return {"WITH held AS (SELECT * FROM " + p +
                "river_leader WHERE elected_at = $1::timestamptz AND leader_id = $2::text FOR UPDATE),"
                " told AS (SELECT pg_notify(concat(coalesce($3::text, current_schema()), '.river_leadership'),"
                " json_build_object('leader_id', leader_id, 'action', 'resigned')::text) FROM held)"
                " DELETE FROM " + p + "river_leader USING told",
            {format_rfc3339_micros(elected_at), std::string(leader_id), schema_param(schema)}};
}

sql_statement schedule_jobs_statement(std::string_view schema, time_point horizon, int max,
                                      driver::result_format format) {
    const std::string p = schema_prefix(schema);
    const std::string state = p + "river_job_state";
    return {"WITH jobs_to_schedule AS (SELECT id, unique_key, unique_states, priority, scheduled_at FROM " + p +
                "river_job WHERE state IN ('retryable', 'scheduled') AND priority >= 0 AND queue IS NOT NULL"
                " AND scheduled_at <= $1::timestamptz ORDER BY priority, scheduled_at, id LIMIT $2::bigint FOR UPDATE),"
                " jobs_with_rownum AS (SELECT *, CASE WHEN unique_key IS NOT NULL AND unique_states IS NOT NULL"
                " THEN ROW_NUMBER() OVER (PARTITION BY unique_key ORDER BY priority, scheduled_at, id) END AS row_num"
                " FROM jobs_to_schedule),"
                " unique_conflicts AS (SELECT river_job.unique_key FROM " + p +
                "river_job JOIN jobs_with_rownum ON river_job.unique_key = jobs_with_rownum.unique_key"
                " AND river_job.id != jobs_with_rownum.id WHERE river_job.unique_key IS NOT NULL"
                " AND river_job.unique_states IS NOT NULL AND " + p +
                "river_job_state_in_bitmask(river_job.unique_states, river_job.state)),"
                " job_updates AS (SELECT job.id, CASE WHEN job.row_num IS NULL THEN 'available'::" + state +
                " WHEN uc.unique_key IS NOT NULL THEN 'discarded'::" + state +
                " WHEN job.row_num = 1 THEN 'available'::" + state + " ELSE 'discarded'::" + state +
                " END AS new_state, (job.row_num IS NOT NULL AND (uc.unique_key IS NOT NULL OR job.row_num > 1))"
                " AS conflict FROM jobs_with_rownum job LEFT JOIN unique_conflicts uc ON job.unique_key = uc.unique_key),"
                " updated_jobs AS (UPDATE " + p +
                "river_job SET state = job_updates.new_state,"
                " finalized_at = CASE WHEN job_updates.conflict THEN now() ELSE river_job.finalized_at END,"
                " metadata = CASE WHEN job_updates.conflict"
                " THEN river_job.metadata || '{\"unique_key_conflict\": \"scheduler_discarded\"}'::jsonb"
                " ELSE river_job.metadata END FROM job_updates WHERE river_job.id = job_updates.id"
                " RETURNING river_job.queue, river_job.scheduled_at, job_updates.new_state = 'discarded'::" + state +
                " AS discarded)"
                " SELECT queue, " + time_column("scheduled_at", format) + ", discarded FROM updated_jobs",
            {format_rfc3339_micros(horizon), std::to_string(max)}};
}

sql_statement stuck_jobs_statement(std::string_view schema, std::int64_t after_id, time_point horizon, int max,
                                   driver::result_format format) {
    return {"SELECT " + job_columns("river_job", format) + " FROM " + schema_prefix(schema) +
                "river_job WHERE state = 'running' AND id > $1::bigint AND attempted_at < $2::timestamptz"
                " ORDER BY id LIMIT $3::bigint",
            {std::to_string(after_id), format_rfc3339_micros(horizon), std::to_string(max)}};
}

sql_statement rescue_jobs_statement(std::string_view schema, std::span<const job_rescue> rescues, time_point horizon) {
    const std::string p = schema_prefix(schema);
    array_literal ids, errors, finalized, scheduled, states;
    for (const job_rescue& rescue : rescues) {
        ids.add(std::to_string(rescue.id));
        errors.add(rescue.error);
        if (rescue.finalized_at) finalized.add(format_rfc3339_micros(*rescue.finalized_at));
        else finalized.add_null();
        scheduled.add(format_rfc3339_micros(rescue.scheduled_at));
        states.add(rescue.state);
    }
    return {"UPDATE " + p +
                "river_job SET errors = array_append(errors, updated_job.error), finalized_at = updated_job.finalized_at,"
                " scheduled_at = updated_job.scheduled_at,"
                " metadata = river_job.metadata || jsonb_build_object('river:rescue_count', coalesce(CASE"
                " WHEN jsonb_typeof(river_job.metadata -> 'river:rescue_count') = 'number'"
                " THEN (river_job.metadata ->> 'river:rescue_count')::int END, 0) + 1),"
                " state = updated_job.state"
                " FROM (SELECT unnest($1::bigint[]) AS id, unnest($2::jsonb[]) AS error,"
                " unnest($3::timestamptz[]) AS finalized_at, unnest($4::timestamptz[]) AS scheduled_at,"
                " unnest($5::text[])::" + p + "river_job_state AS state) AS updated_job"
                " WHERE river_job.id = updated_job.id AND river_job.state = 'running'"
                " AND river_job.attempted_at < $6::timestamptz",
            {std::move(ids).finish(), std::move(errors).finish(), std::move(finalized).finish(),
             std::move(scheduled).finish(), std::move(states).finish(), format_rfc3339_micros(horizon)}};
}

sql_statement delete_finalized_jobs_statement(std::string_view schema, time_point finalized_before,
                                              time_point discarded_before, int max) {
    const std::string p = schema_prefix(schema);
    return {"DELETE FROM " + p + "river_job WHERE id IN (SELECT id FROM " + p +
                "river_job WHERE (state IN ('cancelled', 'completed') AND finalized_at < $1::timestamptz)"
                " OR (state = 'discarded' AND finalized_at < $2::timestamptz) ORDER BY id LIMIT $3::bigint)"
                " RETURNING 1",
            {format_rfc3339_micros(finalized_before), format_rfc3339_micros(discarded_before), std::to_string(max)}};
}

sql_statement delete_stale_queues_statement(std::string_view schema, time_point before, int max) {
    const std::string p = schema_prefix(schema);
    return {"DELETE FROM " + p + "river_queue WHERE name IN (SELECT name FROM " + p +
                "river_queue WHERE updated_at < $1::timestamptz ORDER BY name ASC LIMIT $2::bigint) RETURNING 1",
            {format_rfc3339_micros(before), std::to_string(max)}};
}

}  // namespace riverqueue::core
