#include "core/insert_sql.hpp"

#include <algorithm>

#include "core/binary_array.hpp"
#include "core/copy_format.hpp"
#include "core/identifiers.hpp"
#include "core/jsonb_text.hpp"
#include "core/sql_literals.hpp"
#include "core/time_format.hpp"

namespace riverqueue::core {
namespace {

// pg_notify for each payload of the text[] parameter $<payloads>, on
// `<schema>.river_insert`, the schema being parameter $<schema> or, when NULL,
// current_schema() (as River Go does).
std::string notify_select(int schema_param, int payloads_param) {
    return "SELECT count(pg_notify(concat(coalesce($" + std::to_string(schema_param) +
           "::text, current_schema()), '.river_insert'), payload)) AS sent FROM unnest($" +
           std::to_string(payloads_param) + "::text[]) AS payload";
}

void add_notify_params(std::vector<driver::param>& params, std::string_view schema,
                       std::span<const std::string> notify_queues) {
    array_literal payloads;
    for (const auto& queue : notify_queues) payloads.add(insert_notification_payload(queue));
    params.emplace_back(schema.empty() ? std::nullopt : std::optional<std::string>(schema));
    params.emplace_back(std::move(payloads).finish());
}

}  // namespace

bool elides_returned_args(std::span<const resolved_job* const> to_send) noexcept {
    return to_send.size() == 1 && to_send.front()->args.view().size() >= returned_args_digest_bytes;
}

sql_statement build_notify(std::string_view schema, std::span<const std::string> notify_queues) {
    sql_statement statement;
    statement.sql = notify_select(1, 2);
    add_notify_params(statement.params, schema, notify_queues);
    return statement;
}

duplicate_detection duplicate_detection_for_server(int server_version_num) noexcept {
    return server_version_num >= 180000 ? duplicate_detection::returning_old : duplicate_detection::xmax;
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

namespace {

bool any_unique(std::span<const resolved_job* const> jobs) {
    return std::any_of(jobs.begin(), jobs.end(), [](const resolved_job* job) { return job->unique_key.has_value(); });
}

// bit(8) input text, most significant bit first, as integer::bit(8) reads a mask.
std::string bit8_text(std::uint8_t mask) {
    std::string out(8, '0');
    for (std::size_t bit = 0; bit < 8; ++bit) {
        if (((static_cast<unsigned>(mask) >> (7 - bit)) & 1u) != 0) out[bit] = '1';
    }
    return out;
}

// Everything after the inserted rows' source: the upsert against River's
// unique index (only when some job is unique) and the returned columns.
// `args_expression`, when not empty, is selected in place of the args column.
std::string conflict_and_returning(const std::string& p, bool unique, duplicate_detection detection,
                                   driver::result_format format, const std::string& args_expression) {
    std::string sql;
    if (unique) {
        sql += " ON CONFLICT (unique_key) WHERE unique_key IS NOT NULL AND unique_states IS NOT NULL AND " + p +
               "river_job_state_in_bitmask(unique_states, state) DO UPDATE SET kind = river_job.kind";
    }
    sql += " RETURNING " +
           (args_expression.empty() ? job_columns("river_job", format)
                                    : job_columns_replacing("river_job", format, job_column::args, args_expression)) +
           ", ";
    if (!unique) sql += "false";
    else sql += detection == duplicate_detection::xmax ? "(xmax != 0)" : "(OLD.id IS NOT NULL)";
    return sql + " AS unique_skipped_as_duplicate";
}

// The args as a parameter: borrowed args are the caller's string, alive until
// the insert ends, so the parameter refers to it instead of copying what may
// be a very large value; a job's own args are copied, since the job may go
// before the statement does (the asynchronous client).
driver::param args_param(const json_text& args) {
    return args.borrowed() ? driver::param::refer_to(args.str()) : driver::param(args.str());
}

// The columns an insert sends, in River's order: a batch's array type and
// its elements' type, how the batch's row reads the unnested value (when not
// as it is), the copy_column bit that says when the column is needed (0:
// always), and a job's value as one row's parameter (text, typed by the
// target column), as a text array's element and as a binary array's.
struct job_column_sent {
    std::string_view name;
    std::string_view array_type;
    std::uint32_t element_oid;
    std::string (*cast)(const std::string& schema_prefix);
    unsigned needed_for;
    bool unique_only;
    driver::param (*value)(const resolved_job& job);
    void (*text_element)(array_literal& out, const resolved_job& job);
    void (*binary_element)(binary_array& out, const resolved_job& job);
};

constexpr unsigned every_copy_column = copy_timestamps | copy_max_attempts | copy_metadata | copy_priority |
                                       copy_queue | copy_state | copy_tags;

std::string_view key_bytes(const std::array<std::uint8_t, 32>& key) {
    return {reinterpret_cast<const char*>(key.data()), key.size()};
}

const job_column_sent sent_columns[] = {
    {"args", "jsonb[]", type_oid::jsonb, nullptr, 0, false,
     [](const resolved_job& job) { return args_param(job.args); },
     [](array_literal& out, const resolved_job& job) { out.add(job.args); },
     [](binary_array& out, const resolved_job& job) { out.add_jsonb(job.args); }},
    {"created_at", "timestamptz[]", type_oid::timestamptz, nullptr, copy_timestamps, false,
     [](const resolved_job& job) { return driver::param(format_rfc3339_micros(job.created_at)); },
     [](array_literal& out, const resolved_job& job) { out.add(format_rfc3339_micros(job.created_at)); },
     [](binary_array& out, const resolved_job& job) { out.add_int8(to_postgres_micros(job.created_at)); }},
    {"kind", "text[]", type_oid::text, nullptr, 0, false, [](const resolved_job& job) { return driver::param(job.kind); },
     [](array_literal& out, const resolved_job& job) { out.add(job.kind); },
     [](binary_array& out, const resolved_job& job) { out.add_bytes(job.kind); }},
    // max_attempts and priority are validated to smallint's range.
    {"max_attempts", "smallint[]", type_oid::int2, nullptr, copy_max_attempts, false,
     [](const resolved_job& job) { return driver::param(std::to_string(job.max_attempts)); },
     [](array_literal& out, const resolved_job& job) { out.add(std::to_string(job.max_attempts)); },
     [](binary_array& out, const resolved_job& job) { out.add_int2(static_cast<std::int16_t>(job.max_attempts)); }},
    {"metadata", "jsonb[]", type_oid::jsonb, nullptr, copy_metadata, false,
     [](const resolved_job& job) { return driver::param(job.metadata); },
     [](array_literal& out, const resolved_job& job) { out.add(job.metadata); },
     [](binary_array& out, const resolved_job& job) { out.add_jsonb(job.metadata); }},
    {"priority", "smallint[]", type_oid::int2, nullptr, copy_priority, false,
     [](const resolved_job& job) { return driver::param(std::to_string(job.priority)); },
     [](array_literal& out, const resolved_job& job) { out.add(std::to_string(job.priority)); },
     [](binary_array& out, const resolved_job& job) { out.add_int2(static_cast<std::int16_t>(job.priority)); }},
    {"queue", "text[]", type_oid::text, nullptr, copy_queue, false,
     [](const resolved_job& job) { return driver::param(job.queue); },
     [](array_literal& out, const resolved_job& job) { out.add(job.queue); },
     [](binary_array& out, const resolved_job& job) { out.add_bytes(job.queue); }},
    {"scheduled_at", "timestamptz[]", type_oid::timestamptz, nullptr, copy_timestamps, false,
     [](const resolved_job& job) { return driver::param(format_rfc3339_micros(job.scheduled_at)); },
     [](array_literal& out, const resolved_job& job) { out.add(format_rfc3339_micros(job.scheduled_at)); },
     [](binary_array& out, const resolved_job& job) { out.add_int8(to_postgres_micros(job.scheduled_at)); }},
    {"state", "text[]", type_oid::text, [](const std::string& p) { return "state::" + p + "river_job_state"; },
     copy_state, false, [](const resolved_job& job) { return driver::param(std::string(to_string(job.state))); },
     [](array_literal& out, const resolved_job& job) { out.add(to_string(job.state)); },
     [](binary_array& out, const resolved_job& job) { out.add_bytes(to_string(job.state)); }},
    {"tags", "text[]", type_oid::text,
     [](const std::string&) { return std::string("string_to_array(tags, ',')::varchar(255)[]"); }, copy_tags, false,
     [](const resolved_job& job) { return driver::param(text_array_literal(job.tags)); },
     [](array_literal& out, const resolved_job& job) { out.add(join_tags(job.tags)); },
     [](binary_array& out, const resolved_job& job) { out.add_bytes(join_tags(job.tags)); }},
    {"unique_key", "bytea[]", type_oid::bytea, nullptr, 0, true,
     [](const resolved_job& job) {
         return job.unique_key ? driver::param(hex_bytea(*job.unique_key)) : driver::param();
     },
     [](array_literal& out, const resolved_job& job) {
         if (job.unique_key) out.add(hex_bytea(*job.unique_key));
         else out.add_null();
     },
     [](binary_array& out, const resolved_job& job) {
         if (job.unique_key) out.add_bytes(key_bytes(*job.unique_key));
         else out.add_null();
     }},
    {"unique_states", "integer[]", type_oid::int4,
     [](const std::string&) { return std::string("nullif(unique_states, 0)::bit(8)"); }, 0, true,
     [](const resolved_job& job) { return driver::param(bit8_text(job.unique_states)); },
     [](array_literal& out, const resolved_job& job) { out.add(std::to_string(job.unique_states)); },
     [](binary_array& out, const resolved_job& job) { out.add_int4(job.unique_states); }},
};

bool sent(const job_column_sent& column, unsigned columns, bool unique) {
    if (column.unique_only) return unique;
    return column.needed_for == 0 || (columns & column.needed_for) != 0;
}

driver::param column_array(const job_column_sent& column, std::span<const resolved_job* const> jobs,
                           param_encoding encoding) {
    if (encoding == param_encoding::binary) {
        binary_array out(column.element_oid);
        for (const resolved_job* job : jobs) column.binary_element(out, *job);
        return driver::param::binary(std::move(out).finish());
    }
    array_literal out;
    for (const resolved_job* job : jobs) column.text_element(out, *job);
    return std::move(out).finish();
}

// One job: INSERT ... VALUES with one parameter per column, typed by the
// target columns, for the columns away from river_job's defaults (as a
// batch's arrays). A job scheduled at its insert time leaves created_at and
// scheduled_at to the server's now(), as River Go's client does unless its
// clock is stubbed.
std::string single_row_insert(const std::string& p, const resolved_job& job,
                              std::vector<driver::param>& params) {
    const unsigned columns = non_default_columns(job);
    std::string names, values;
    for (const job_column_sent& column : sent_columns) {
        if (!sent(column, columns, job.unique_key.has_value())) continue;
        params.push_back(column.value(job));
        if (!names.empty()) {
            names += ", ";
            values += ", ";
        }
        names += column.name;
        values += "$" + std::to_string(params.size());
    }
    return "INSERT INTO " + p + "river_job(" + names + ") VALUES (" + values + ")";
}

// A batch: one array parameter per column, unnested into rows (as River Go's
// JobInsertFastMany does), but only for the columns in which some job of the
// batch differs from river_job's defaults, as the COPY path sends them
// (core/copy_format.hpp): the server reads fewer arrays, and fills the rest
// with the values the client would have sent. When no job is scheduled ahead,
// created_at and scheduled_at are the server's now(), as River Go's are.
std::string batch_insert(const std::string& p, std::span<const resolved_job* const> jobs, param_encoding encoding,
                         std::vector<driver::param>& params) {
    unsigned columns = 0;
    for (const resolved_job* job : jobs) columns |= non_default_columns(*job);
    const bool unique = any_unique(jobs);
    std::string names, selected, unnested;
    for (const job_column_sent& column : sent_columns) {
        if (!sent(column, columns, unique)) continue;
        params.push_back(column_array(column, jobs, encoding));
        const std::string name(column.name);
        if (!names.empty()) {
            names += ", ";
            selected += ", ";
            unnested += ", ";
        }
        names += name;
        selected += column.cast == nullptr ? name : column.cast(p);
        unnested += "unnest($" + std::to_string(params.size()) + "::" + std::string(column.array_type) + ") AS " + name;
    }
    return "INSERT INTO " + p + "river_job(" + names + ") SELECT " + selected + " FROM (SELECT " + unnested +
           ") AS raw_job_data";
}

}  // namespace

std::vector<driver::param> job_value_params(const resolved_job& job) {
    std::vector<driver::param> params;
    for (const job_column_sent& column : sent_columns) {
        if (!column.unique_only) params.push_back(column.value(job));
    }
    return params;
}

std::vector<driver::param> job_array_params(std::span<const resolved_job* const> jobs,
                                                         bool with_unique_columns) {
    std::vector<driver::param> params;
    for (const job_column_sent& column : sent_columns) {
        if (sent(column, every_copy_column, with_unique_columns)) {
            params.push_back(column_array(column, jobs, param_encoding::text));
        }
    }
    return params;
}

sql_statement build_insert(std::string_view schema, std::span<const resolved_job* const> jobs,
                              std::span<const std::string> notify_queues, duplicate_detection detection,
                              driver::result_format format, param_encoding encoding) {
    const std::string p = schema_prefix(schema);
    sql_statement statement;
    std::string insert = jobs.size() == 1 ? single_row_insert(p, *jobs.front(), statement.params)
                                          : batch_insert(p, jobs, encoding, statement.params);
    std::string args_expression;
    if (elides_returned_args(jobs)) {
        // NULL when the client cannot render the text: the comparison is then
        // never true and the server sends the args.
        const std::optional<jsonb_text_digest> digest = digest_jsonb_text(jobs.front()->args);
        statement.params.emplace_back(digest ? std::optional<std::string>(hex_bytea(digest->sha256)) : std::nullopt);
        args_expression = "CASE WHEN sha256(convert_to(river_job.args::text, 'UTF8')) = $" +
                          std::to_string(statement.params.size()) + "::bytea THEN NULL ELSE river_job.args END";
    }
    insert += conflict_and_returning(p, any_unique(jobs), detection, format, args_expression);
    if (notify_queues.empty()) {
        statement.sql = std::move(insert);
        return statement;
    }
    // The notification CTE must be referenced to run; pg_notify queues the
    // message, which PostgreSQL delivers only when the transaction commits.
    const int next = static_cast<int>(statement.params.size()) + 1;
    statement.sql = "WITH inserted AS (" + insert + "), notified AS (" + notify_select(next, next + 1) +
                    ") SELECT inserted.* FROM inserted CROSS JOIN notified";
    add_notify_params(statement.params, schema, notify_queues);
    return statement;
}

}  // namespace riverqueue::core
