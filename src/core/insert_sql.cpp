#include "core/insert_sql.hpp"

#include <algorithm>

#include "core/identifiers.hpp"
#include "core/time_format.hpp"

namespace riverqueue::core {
namespace {

constexpr const char* job_column_names[job_column_count] = {
    "id",       "args",     "attempt",      "attempted_at", "attempted_by", "created_at",
    "errors",   "finalized_at", "kind",     "max_attempts", "metadata",     "priority",
    "queue",    "state",    "scheduled_at", "tags",         "unique_key",   "unique_states",
};

// Builds one `{...}` array literal, element by element.
class array_literal {
public:
    void add(std::string_view element) {
        separate();
        append_array_element(text_, element);
    }
    void add_null() {
        separate();
        text_ += "NULL";
    }
    std::string finish() && {
        text_.push_back('}');
        return std::move(text_);
    }

private:
    void separate() {
        if (text_.size() > 1) text_.push_back(',');
    }
    std::string text_ = "{";
};

std::string hex_bytea(const std::array<std::uint8_t, 32>& bytes) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out = "\\x";
    for (std::uint8_t b : bytes) {
        out.push_back(digits[b >> 4]);
        out.push_back(digits[b & 0xF]);
    }
    return out;
}

std::string join_tags(const std::vector<std::string>& tags) {
    std::string joined;
    for (const auto& tag : tags) {
        if (!joined.empty()) joined.push_back(',');
        joined += tag;  // tags never contain commas (validate_tag)
    }
    return joined;
}

// pg_notify for each payload of the text[] parameter $<payloads>, on
// `<schema>.river_insert`, the schema being parameter $<schema> or, when NULL,
// current_schema() (as River Go does).
std::string notify_select(int schema_param, int payloads_param) {
    return "SELECT count(pg_notify(concat(coalesce($" + std::to_string(schema_param) +
           "::text, current_schema()), '.river_insert'), payload)) AS sent FROM unnest($" +
           std::to_string(payloads_param) + "::text[]) AS payload";
}

void add_notify_params(std::vector<std::optional<std::string>>& params, std::string_view schema,
                       std::span<const std::string> notify_payloads) {
    array_literal payloads;
    for (const auto& payload : notify_payloads) payloads.add(payload);
    params.emplace_back(schema.empty() ? std::nullopt : std::optional<std::string>(schema));
    params.emplace_back(std::move(payloads).finish());
}

}  // namespace

insert_statement build_notify(std::string_view schema, std::span<const std::string> notify_payloads) {
    insert_statement statement;
    statement.sql = notify_select(1, 2);
    add_notify_params(statement.params, schema, notify_payloads);
    return statement;
}

duplicate_detection duplicate_detection_for_server(int server_version_num) noexcept {
    return server_version_num >= 180000 ? duplicate_detection::returning_old : duplicate_detection::xmax;
}

std::string job_columns(std::string_view table) {
    std::string out;
    for (int i = 0; i < job_column_count; ++i) {
        if (i > 0) out += ", ";
        out += table;
        out.push_back('.');
        out += job_column_names[i];
    }
    return out;
}

void append_array_element(std::string& out, std::string_view element) {
    out.push_back('"');
    for (char c : element) {
        if (c == '"' || c == '\\') out.push_back('\\');
        out.push_back(c);
    }
    out.push_back('"');
}

std::string insert_notification_payload(std::string_view queue) {
    // Queue names are validated to [a-z0-9_|-], so no escaping is needed.
    std::string payload = "{\"queue\": \"";
    payload += queue;
    payload += "\"}";
    return payload;
}

void notify_queue_set::add(const resolved_job& job) {
    if (job.state != job_state::available) return;
    if (std::find(queues_.begin(), queues_.end(), job.queue) == queues_.end()) queues_.push_back(job.queue);
}

std::vector<std::string> queues_to_notify(std::span<const resolved_job> jobs) {
    notify_queue_set queues;
    for (const auto& job : jobs) queues.add(job);
    return queues.queues();
}

insert_statement build_insert(std::string_view schema, std::span<const resolved_job* const> jobs,
                              std::span<const std::string> notify_payloads, duplicate_detection detection) {
    array_literal args, created_at, kind, max_attempts, metadata, priority, queue, scheduled_at, state, tags,
        unique_key, unique_states;
    for (const resolved_job* job : jobs) {
        args.add(job->args);
        created_at.add(format_rfc3339_micros(job->created_at));
        kind.add(job->kind);
        max_attempts.add(std::to_string(job->max_attempts));
        metadata.add(job->metadata);
        priority.add(std::to_string(job->priority));
        queue.add(job->queue);
        scheduled_at.add(format_rfc3339_micros(job->scheduled_at));
        state.add(to_string(job->state));
        tags.add(join_tags(job->tags));
        if (job->unique_key) unique_key.add(hex_bytea(*job->unique_key));
        else unique_key.add_null();
        unique_states.add(std::to_string(job->unique_states));
    }

    const std::string p = schema_prefix(schema);
    insert_statement statement;
    std::string& sql = statement.sql;
    sql.reserve(2048);
    sql += "WITH raw_job_data AS (SELECT"
           " unnest($1::jsonb[]) AS args,"
           " unnest($2::timestamptz[]) AS created_at,"
           " unnest($3::text[]) AS kind,"
           " unnest($4::smallint[]) AS max_attempts,"
           " unnest($5::jsonb[]) AS metadata,"
           " unnest($6::smallint[]) AS priority,"
           " unnest($7::text[]) AS queue,"
           " unnest($8::timestamptz[]) AS scheduled_at,"
           " unnest($9::text[]) AS state,"
           " unnest($10::text[]) AS tags,"
           " unnest($11::bytea[]) AS unique_key,"
           " unnest($12::integer[]) AS unique_states"
           "), inserted AS (INSERT INTO " + p +
           "river_job(args, created_at, kind, max_attempts, metadata, priority, queue, scheduled_at, state, tags,"
           " unique_key, unique_states) SELECT args, created_at, kind, max_attempts, metadata, priority, queue,"
           " scheduled_at, state::" + p + "river_job_state, string_to_array(tags, ',')::varchar(255)[],"
           " unique_key, nullif(unique_states, 0)::bit(8) FROM raw_job_data"
           " ON CONFLICT (unique_key) WHERE unique_key IS NOT NULL AND unique_states IS NOT NULL AND " + p +
           "river_job_state_in_bitmask(unique_states, state)"
           " DO UPDATE SET kind = river_job.kind RETURNING " + job_columns("river_job") + ", " +
           (detection == duplicate_detection::xmax ? "(xmax != 0)" : "(OLD.id IS NOT NULL)") +
           " AS unique_skipped_as_duplicate)";
    statement.params = {std::move(args).finish(),     std::move(created_at).finish(),
                        std::move(kind).finish(),     std::move(max_attempts).finish(),
                        std::move(metadata).finish(), std::move(priority).finish(),
                        std::move(queue).finish(),    std::move(scheduled_at).finish(),
                        std::move(state).finish(),    std::move(tags).finish(),
                        std::move(unique_key).finish(), std::move(unique_states).finish()};
    if (notify_payloads.empty()) {
        sql += " SELECT * FROM inserted";
        return statement;
    }
    // The notification CTE must be referenced to run; pg_notify queues the
    // message, which PostgreSQL delivers only when the transaction commits.
    sql += ", notified AS (" + notify_select(13, 14) + ") SELECT inserted.* FROM inserted CROSS JOIN notified";
    add_notify_params(statement.params, schema, notify_payloads);
    return statement;
}

}  // namespace riverqueue::core
