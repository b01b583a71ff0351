#include "core/legacy_unique.hpp"

#include <algorithm>
#include <stdexcept>
#include <variant>

#include <riverqueue/errors.hpp>

#include "core/identifiers.hpp"
#include "core/sha256.hpp"
#include "core/time_format.hpp"

namespace riverqueue::core {
namespace {

void require_legacy_version(int schema_version) {
    if (schema_version < legacy_oldest_insertable_version || schema_version > legacy_newest_version) {
        throw error("River schema version " + std::to_string(schema_version) +
                    " is not one of the versions 2 to 5 that the legacy insert serves");
    }
}

bool by_args_set(const unique_opts& opts) noexcept {
    return !std::holds_alternative<std::monostate>(opts.by_args);
}

std::string two_digits(long long value) {
    std::string out = std::to_string(value);
    return out.size() < 2 ? "0" + out : out;
}

}  // namespace

// ---------------------------------------------------------------------------
// Keys

bool legacy_is_unique(const unique_opts& opts) noexcept {
    return by_args_set(opts) || opts.by_period.count() != 0 || opts.by_queue || opts.by_state.has_value();
}

std::vector<job_state> legacy_unique_state_set(const unique_opts& opts) {
    if (!opts.by_state || opts.by_state->empty()) {
        return {legacy_default_unique_states.begin(), legacy_default_unique_states.end()};
    }
    std::vector<job_state> states = *opts.by_state;
    // The enum is declared in name order, so this is River's sort by name.
    std::sort(states.begin(), states.end(),
              [](job_state a, job_state b) { return to_string(a) < to_string(b); });
    return states;
}

time_point legacy_period_lower_bound(time_point now, std::chrono::nanoseconds by_period) {
    return truncate_like_go(now, by_period);
}

std::string legacy_period_text(time_point t, std::chrono::seconds utc_offset) {
    if (utc_offset.count() == 0) return format_rfc3339_seconds(t);
    std::string text = format_rfc3339_seconds(t + utc_offset);
    text.pop_back();  // the `Z`
    const long long offset = utc_offset.count();
    const long long magnitude = offset < 0 ? -offset : offset;
    // Go's `Z07:00` writes hours and minutes only.
    text += offset < 0 ? '-' : '+';
    text += two_digits(magnitude / 3600);
    text += ':';
    text += two_digits(magnitude / 60 % 60);
    return text;
}

std::optional<std::string> legacy_unique_key_string(const legacy_unique_input& input, const unique_opts& opts) {
    std::string key;
    if (by_args_set(opts)) {
        key += "&args=";
        key += input.encoded_args;
    }
    if (opts.by_period.count() != 0) {
        key += "&period=";
        key += legacy_period_text(legacy_period_lower_bound(input.now, opts.by_period), input.period_utc_offset);
    }
    if (opts.by_queue) {
        key += "&queue=";
        key += input.queue;
    }
    const std::vector<job_state> states = legacy_unique_state_set(opts);
    key += "&state=";
    for (std::size_t i = 0; i < states.size(); ++i) {
        if (i > 0) key.push_back(',');
        key += to_string(states[i]);
    }
    if (std::find(states.begin(), states.end(), input.state) == states.end()) return std::nullopt;
    return key;
}

std::uint32_t fnv1_32(std::string_view bytes) noexcept {
    std::uint32_t hash = 2166136261u;
    for (char c : bytes) {
        hash *= 16777619u;
        hash ^= static_cast<std::uint8_t>(c);
    }
    return hash;
}

std::uint64_t fnv1_64(std::string_view bytes) noexcept {
    std::uint64_t hash = 14695981039346656037ull;
    for (char c : bytes) {
        hash *= 1099511628211ull;
        hash ^= static_cast<std::uint8_t>(c);
    }
    return hash;
}

std::int64_t advisory_lock_key(std::int32_t prefix, std::string_view bytes) noexcept {
    if (prefix == 0) return static_cast<std::int64_t>(fnv1_64(bytes));
    const std::uint64_t high = static_cast<std::uint64_t>(static_cast<std::uint32_t>(prefix)) << 32;
    return static_cast<std::int64_t>(high | fnv1_32(bytes));
}

std::int64_t legacy_unique_lock_key(std::int32_t prefix, std::string_view kind, std::string_view key_string) {
    std::string bytes = "unique_key";
    bytes += "kind=";
    bytes += kind;
    bytes += key_string;
    return advisory_lock_key(prefix, bytes);
}

bool legacy_fast_path(const unique_opts& opts, int schema_version) {
    if (schema_version < legacy_unique_key_version) return false;
    if (!opts.by_state) return true;
    // An empty by_state keys on the default set but does not compare equal to it.
    std::vector<job_state> sorted = *opts.by_state;
    std::sort(sorted.begin(), sorted.end(), [](job_state a, job_state b) { return to_string(a) < to_string(b); });
    return std::equal(sorted.begin(), sorted.end(), legacy_default_unique_states.begin(),
                      legacy_default_unique_states.end());
}

legacy_unique_plan plan_legacy_unique(const legacy_unique_input& input, const std::optional<unique_opts>& opts,
                                      int schema_version, std::int32_t advisory_lock_prefix) {
    legacy_unique_plan plan;
    if (!opts || !legacy_is_unique(*opts)) return plan;
    std::optional<std::string> key = legacy_unique_key_string(input, *opts);
    if (!key) return plan;
    plan.key_string = std::move(*key);
    if (legacy_fast_path(*opts, schema_version)) {
        plan.path = legacy_insert_path::fast;
        plan.unique_key = sha256(plan.key_string);
        return plan;
    }
    plan.path = legacy_insert_path::advisory;
    plan.lock_key = legacy_unique_lock_key(advisory_lock_prefix, input.kind, plan.key_string);
    plan.lookup.kind = std::string(input.kind);
    if (by_args_set(*opts)) plan.lookup.args = std::string(input.encoded_args);
    if (opts->by_period.count() != 0) {
        const time_point begin = legacy_period_lower_bound(input.now, opts->by_period);
        plan.lookup.created_at_begin = begin;
        plan.lookup.created_at_end = begin + std::chrono::duration_cast<time_point::duration>(opts->by_period);
    }
    if (opts->by_queue) plan.lookup.queue = std::string(input.queue);
    for (job_state state : legacy_unique_state_set(*opts)) plan.lookup.states.emplace_back(to_string(state));
    return plan;
}

// ---------------------------------------------------------------------------
// Validation

void validate_legacy_insert(const resolved_job& job, const std::optional<unique_opts>& opts, int schema_version) {
    require_legacy_version(schema_version);
    const std::string version = std::to_string(schema_version);
    if (job.state == job_state::pending && schema_version < 4) {
        throw validation_error("pending", "needs River schema version 4 or later (the schema is at version " +
                                              version + ", without the pending state)");
    }
    if (!opts) return;
    if (opts->exclude_kind) {
        throw validation_error("unique_opts.exclude_kind",
                               "needs River schema version 6 or later: up to version " + version +
                                   "'s River (0.11) the kind is always part of uniqueness");
    }
    if (const auto* subset = std::get_if<unique_by_args_subset>(&opts->by_args); subset && !subset->empty()) {
        throw validation_error("unique_opts.by_args",
                               "a subset of args needs River schema version 6 or later: at version " + version +
                                   " River (0.11) compares all args");
    }
}

// ---------------------------------------------------------------------------
// Schema version

int interpret_schema_version(bool table_exists, bool has_line, std::optional<std::int64_t> max_version) {
    if (!table_exists || !max_version) return 0;
    if (*max_version < 0 || *max_version > 1'000'000) {
        throw error("river_migration records an impossible version " + std::to_string(*max_version));
    }
    const int version = static_cast<int>(*max_version);
    if (!has_line && version >= legacy_unique_key_version) {
        throw error("river_migration has no `line` column but records version " + std::to_string(version) +
                    ", which adds it");
    }
    return version;
}

// ---------------------------------------------------------------------------
// Statements

std::string legacy_job_columns(std::string_view table, int schema_version, driver::result_format format) {
    require_legacy_version(schema_version);
    return job_columns(table, format, schema_version);
}

sql_statement build_legacy_fast_unique_insert(std::string_view schema, const resolved_job& job,
                                                 const std::array<std::uint8_t, 32>& unique_key,
                                                 duplicate_detection detection, driver::result_format format) {
    const std::string p = schema_prefix(schema);
    sql_statement statement;
    statement.sql =
        "INSERT INTO " + p +
        "river_job(args, created_at, kind, max_attempts, metadata, priority, queue, scheduled_at, state, tags,"
        " unique_key) VALUES ($1::jsonb, $2::timestamptz, $3::text, $4::smallint, $5::jsonb, $6::smallint,"
        " $7::text, $8::timestamptz, $9::" + p + "river_job_state, $10::varchar(255)[], $11::bytea)"
        " ON CONFLICT (kind, unique_key) WHERE unique_key IS NOT NULL"
        " DO UPDATE SET kind = EXCLUDED.kind RETURNING " +
        legacy_job_columns("river_job", legacy_unique_key_version, format) +
        ", " + (detection == duplicate_detection::xmax ? "(xmax != 0)" : "(OLD.id IS NOT NULL)") +
        " AS unique_skipped_as_duplicate";
    statement.params = job_value_params(job);
    statement.params.emplace_back(hex_bytea(unique_key));
    return statement;
}

sql_statement build_legacy_advisory_lock(std::int64_t lock_key) {
    return {"SELECT pg_advisory_xact_lock($1::bigint)", {std::to_string(lock_key)}};
}

sql_statement build_legacy_unique_lookup(std::string_view schema, const legacy_unique_lookup& lookup,
                                            int schema_version, driver::result_format format) {
    sql_statement statement;
    statement.sql = "SELECT " + legacy_job_columns("river_job", schema_version, format) +
                    ", true AS unique_skipped_as_duplicate FROM " + schema_prefix(schema) +
                    "river_job WHERE kind = $1::text"
                    " AND CASE WHEN $2::boolean THEN args = $3::jsonb ELSE true END"
                    " AND CASE WHEN $4::boolean THEN tstzrange($5::timestamptz, $6::timestamptz, '[)') @> created_at"
                    " ELSE true END"
                    " AND CASE WHEN $7::boolean THEN queue = $8::text ELSE true END"
                    " AND CASE WHEN $9::boolean THEN state::text = any($10::text[]) ELSE true END"
                    " LIMIT 1";
    const auto flag = [](bool on) { return std::optional<std::string>(on ? "true" : "false"); };
    const bool by_created_at = lookup.created_at_begin && lookup.created_at_end;
    statement.params = {
        lookup.kind,
        flag(lookup.args.has_value()),
        lookup.args,
        flag(by_created_at),
        by_created_at ? std::optional<std::string>(format_rfc3339_micros(*lookup.created_at_begin)) : std::nullopt,
        by_created_at ? std::optional<std::string>(format_rfc3339_micros(*lookup.created_at_end)) : std::nullopt,
        flag(lookup.queue.has_value()),
        lookup.queue,
        flag(true),  // River 0.11 always filters by the state set
        text_array_literal(lookup.states),
    };
    return statement;
}

sql_statement build_legacy_insert(std::string_view schema, std::span<const resolved_job* const> jobs,
                                     int schema_version, driver::result_format format) {
    require_legacy_version(schema_version);
    const std::string p = schema_prefix(schema);
    sql_statement statement;
    statement.sql =
        "INSERT INTO " + p +
        "river_job(args, created_at, kind, max_attempts, metadata, priority, queue, scheduled_at, state, tags)"
        " SELECT unnest($1::jsonb[]), unnest($2::timestamptz[]), unnest($3::text[]), unnest($4::smallint[]),"
        " unnest($5::jsonb[]), unnest($6::smallint[]), unnest($7::text[]), unnest($8::timestamptz[]),"
        " unnest($9::text[])::" + p + "river_job_state, string_to_array(unnest($10::text[]), ',')::varchar(255)[]"
        " RETURNING " + legacy_job_columns("river_job", schema_version, format) +
        ", false AS unique_skipped_as_duplicate";
    statement.params = job_array_params(jobs, false);
    return statement;
}

}  // namespace riverqueue::core
