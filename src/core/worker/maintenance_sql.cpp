#include "core/worker/maintenance_sql.hpp"

#include "core/identifiers.hpp"
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

}  // namespace riverqueue::core
