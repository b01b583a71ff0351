// The COPY encoder (src/core/copy_format.cpp) over jobs the library resolves
// (core::resolve_insert, as insert_many_fast does before encoding).
//
// Input, separated by 0x1F bytes: kind, args, metadata, queue, tags
// (comma-separated), then a control field: which options are given,
// max_attempts, priority, scheduled_at and the insert time (microseconds; the
// insert time, the client's clock, within River's years 0001-9999), and
// optional columns to send anyway.
//
// Beyond not crashing, each row is read back by a COPY text reader written
// here from PostgreSQL's documentation (fields split on tabs, \N for NULL,
// backslash escapes, arrays in their literal form) and must:
// - be one line ending in its only newline, with no raw carriage return and
//   no NUL byte (PostgreSQL's text cannot hold one), every field valid UTF-8;
// - have as many fields as copy_jobs_statement() names columns, none NULL;
// - give back the job's values: args, kind and metadata byte for byte, times
//   to the microsecond (rounded down, as PostgreSQL stores them), numbers,
//   queue, state name, tags;
// - leave out only columns whose value is the column's default.
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include <riverqueue/errors.hpp>

#include "core/copy_format.hpp"
#include "core/insert_params.hpp"
#include "core/time_format.hpp"
#include "fuzz_support.hpp"
#include "reference_json.hpp"
#include "reference_time.hpp"

namespace {

using namespace riverqueue::fuzz;
namespace core = riverqueue::core;

// One line of COPY text format: its fields, decoded; std::nullopt for \N.
std::vector<std::optional<std::string>> copy_fields(std::string_view line) {
    std::vector<std::optional<std::string>> fields;
    std::size_t start = 0;
    while (true) {
        std::size_t end = line.find('\t', start);
        if (end == std::string_view::npos) end = line.size();
        const std::string_view raw = line.substr(start, end - start);
        if (raw == "\\N") {
            fields.emplace_back(std::nullopt);
        } else {
            std::string value;
            for (std::size_t i = 0; i < raw.size(); ++i) {
                if (raw[i] != '\\' || i + 1 == raw.size()) {
                    value.push_back(raw[i]);
                    continue;
                }
                const char c = raw[++i];
                switch (c) {
                    case 'b': value.push_back('\b'); break;
                    case 'f': value.push_back('\f'); break;
                    case 'n': value.push_back('\n'); break;
                    case 'r': value.push_back('\r'); break;
                    case 't': value.push_back('\t'); break;
                    case 'v': value.push_back('\v'); break;
                    case 'x': FUZZ_CHECK(false, "a \\x escape, never written: " + printable(raw)); break;
                    default:
                        FUZZ_CHECK(c < '0' || c > '7', "an octal escape, never written: " + printable(raw));
                        value.push_back(c);
                }
            }
            fields.emplace_back(std::move(value));
        }
        if (end == line.size()) return fields;
        start = end + 1;
    }
}

// PostgreSQL's array literal `{a,"b c",NULL}`; std::nullopt elements for NULL.
std::vector<std::optional<std::string>> array_literal(const std::string& text) {
    FUZZ_CHECK(text.size() >= 2 && text.front() == '{' && text.back() == '}', "not an array literal: " + printable(text));
    std::vector<std::optional<std::string>> elements;
    const std::string_view body = std::string_view(text).substr(1, text.size() - 2);
    if (body.empty()) return elements;
    std::size_t i = 0;
    while (true) {
        std::string element;
        bool quoted = false;
        if (i < body.size() && body[i] == '"') {
            quoted = true;
            for (++i; i < body.size() && body[i] != '"'; ++i) {
                if (body[i] == '\\') ++i;
                FUZZ_CHECK(i < body.size(), "unterminated element: " + printable(text));
                element.push_back(body[i]);
            }
            FUZZ_CHECK(i < body.size(), "unterminated element: " + printable(text));
            ++i;
        } else {
            while (i < body.size() && body[i] != ',') element.push_back(body[i++]);
        }
        const bool is_null = !quoted && (element == "NULL" || element == "null");
        elements.push_back(is_null ? std::nullopt : std::optional<std::string>(element));
        if (i == body.size()) return elements;
        FUZZ_CHECK(body[i] == ',', "expected ',' in " + printable(text));
        ++i;
    }
}

// `YYYY-MM-DDTHH:MM:SS.ffffffZ` as microseconds since the Unix epoch.
std::int64_t micros_of_timestamp(const std::string& text) {
    FUZZ_CHECK(text.size() == 27 && text[4] == '-' && text[7] == '-' && text[10] == 'T' && text[13] == ':' &&
                   text[16] == ':' && text[19] == '.' && text[26] == 'Z',
               "not a timestamp: " + printable(text));
    const auto number = [&](std::size_t at, std::size_t width) {
        std::int64_t n = 0;
        for (std::size_t i = at; i < at + width; ++i) {
            FUZZ_CHECK(text[i] >= '0' && text[i] <= '9', "not a timestamp: " + printable(text));
            n = n * 10 + (text[i] - '0');
        }
        return n;
    };
    const std::int64_t month = number(5, 2), day = number(8, 2), hour = number(11, 2), minute = number(14, 2),
                       second = number(17, 2);
    FUZZ_CHECK(month >= 1 && month <= 12 && day >= 1 && day <= 31 && hour < 24 && minute < 60 && second < 60,
               "not a timestamp: " + printable(text));
    const std::int64_t days = days_from_civil(number(0, 4), static_cast<unsigned>(month), static_cast<unsigned>(day));
    return ((days * 86400 + hour * 3600 + minute * 60 + second) * 1'000'000) + number(20, 6);
}

std::int64_t micros_of(riverqueue::time_point t) {
    return t.time_since_epoch().count();
}

riverqueue::time_point time_at(std::int64_t micros) {
    return riverqueue::time_point(std::chrono::microseconds(micros));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto fields = split(as_text(data, size), '\x1f');
    const auto field = [&](std::size_t i) { return i < fields.size() ? fields[i] : std::string_view{}; };
    byte_source control(field(5));
    const auto flags = control.take(1);
    riverqueue::insert_opts opts;
    if ((flags & 1) != 0) opts.metadata = std::string(field(2));
    if ((flags & 2) != 0) opts.queue = std::string(field(3));
    if ((flags & 4) != 0) {
        opts.tags.emplace();
        if (!field(4).empty()) {
            for (const auto tag : split(field(4), ',')) opts.tags->emplace_back(tag);
        }
    }
    opts.pending = (flags & 8) != 0;
    const auto max_attempts = static_cast<std::int16_t>(control.take(2));
    const auto priority = static_cast<std::int8_t>(control.take(1));
    if ((flags & 0x20) != 0) opts.max_attempts = max_attempts;
    if ((flags & 0x40) != 0) opts.priority = priority;
    const std::int64_t scheduled = control.take_int64();
    if ((flags & 0x10) != 0) opts.scheduled_at = time_at(scheduled);
    const std::int64_t earliest = core::earliest_river_time.time_since_epoch().count();
    const std::int64_t latest = core::latest_river_time.time_since_epoch().count();
    const auto clock = control.take(8);
    const riverqueue::time_point now = time_at(earliest + static_cast<std::int64_t>(clock % static_cast<std::uint64_t>(latest - earliest + 1)));
    const unsigned extra_columns = static_cast<unsigned>(control.take(1)) & 0x7F;

    core::resolved_job job;
    try {
        job = core::resolve_insert(riverqueue::dynamic_args{std::string(field(0)), std::string(field(1)), {}}, opts,
                                   core::insert_defaults{}, now);
    } catch (const riverqueue::validation_error&) {
        return 0;
    }
    FUZZ_CHECK(!job.unique_key, "a job without unique options is unique");

    const unsigned needed = core::non_default_columns(job);
    const unsigned columns = needed | extra_columns;
    const std::string statement = core::copy_jobs_statement("fuzz_schema", columns);
    const std::string prefix = "COPY \"fuzz_schema\".river_job (";
    const std::string suffix = ") FROM STDIN";
    FUZZ_CHECK(statement.rfind(prefix, 0) == 0 && statement.size() > prefix.size() + suffix.size() &&
                   statement.compare(statement.size() - suffix.size(), suffix.size(), suffix) == 0,
               statement);
    const std::string column_list = statement.substr(prefix.size(), statement.size() - prefix.size() - suffix.size());
    std::vector<std::string> names;
    for (const auto name : split(column_list, ',')) names.emplace_back(name.substr(name.front() == ' ' ? 1 : 0));

    std::string row;
    core::append_copy_row(row, job, columns);
    FUZZ_CHECK(!row.empty() && row.back() == '\n' && row.find('\n') == row.size() - 1,
               "not one line: " + printable(row));
    FUZZ_CHECK(row.find('\r') == std::string::npos, "a raw carriage return: " + printable(row));
    FUZZ_CHECK(row.find('\0') == std::string::npos, "a NUL byte, which PostgreSQL's text cannot hold: " + printable(row));
    const auto values = copy_fields(std::string_view(row).substr(0, row.size() - 1));
    FUZZ_CHECK(values.size() == names.size(), std::to_string(values.size()) + " fields for the columns " + column_list +
                                                  ": " + printable(row));

    bool seen_created_at = false, seen_scheduled_at = false, seen_max_attempts = false, seen_metadata = false,
         seen_priority = false, seen_queue = false, seen_state = false, seen_tags = false;
    for (std::size_t i = 0; i < names.size(); ++i) {
        const std::string& name = names[i];
        FUZZ_CHECK(values[i].has_value(), name + " is NULL: " + printable(row));
        const std::string& value = *values[i];
        FUZZ_CHECK(reference_utf8_valid(value), name + " is not UTF-8: " + printable(value));
        if (name == "args") {
            FUZZ_CHECK(value == job.args, "args: " + printable(value));
        } else if (name == "kind") {
            FUZZ_CHECK(value == job.kind, "kind: " + printable(value));
        } else if (name == "created_at") {
            seen_created_at = true;
            FUZZ_CHECK(micros_of_timestamp(value) == micros_of(job.created_at), "created_at: " + value);
        } else if (name == "scheduled_at") {
            seen_scheduled_at = true;
            FUZZ_CHECK(micros_of_timestamp(value) == micros_of(job.scheduled_at), "scheduled_at: " + value);
        } else if (name == "max_attempts") {
            seen_max_attempts = true;
            FUZZ_CHECK(value == std::to_string(job.max_attempts), "max_attempts: " + value);
        } else if (name == "metadata") {
            seen_metadata = true;
            FUZZ_CHECK(value == job.metadata, "metadata: " + printable(value));
        } else if (name == "priority") {
            seen_priority = true;
            FUZZ_CHECK(value == std::to_string(job.priority), "priority: " + value);
        } else if (name == "queue") {
            seen_queue = true;
            FUZZ_CHECK(value == job.queue, "queue: " + printable(value));
        } else if (name == "state") {
            seen_state = true;
            FUZZ_CHECK(value == riverqueue::to_string(job.state), "state: " + value);
        } else if (name == "tags") {
            seen_tags = true;
            const auto tags = array_literal(value);
            FUZZ_CHECK(tags.size() == job.tags.size(), "tags: " + printable(value));
            for (std::size_t t = 0; t < tags.size(); ++t) {
                FUZZ_CHECK(tags[t].has_value() && *tags[t] == job.tags[t], "tags: " + printable(value));
            }
        } else {
            FUZZ_CHECK(false, "unknown column " + name);
        }
    }
    FUZZ_CHECK(names.size() >= 2 && names[0] == "args" && names[1] == "kind", column_list);
    FUZZ_CHECK(seen_created_at == seen_scheduled_at, column_list);
    // What is left out is the column's default (river_job's, schema version 7).
    if (!seen_scheduled_at) FUZZ_CHECK(job.scheduled_at == job.created_at, "scheduled_at left out");
    if (!seen_max_attempts) FUZZ_CHECK(job.max_attempts == 25, "max_attempts left out");
    if (!seen_metadata) FUZZ_CHECK(job.metadata == "{}", "metadata left out: " + printable(job.metadata));
    if (!seen_priority) FUZZ_CHECK(job.priority == 1, "priority left out");
    if (!seen_queue) FUZZ_CHECK(job.queue == "default", "queue left out");
    if (!seen_state) FUZZ_CHECK(job.state == riverqueue::job_state::available, "state left out");
    if (!seen_tags) FUZZ_CHECK(job.tags.empty(), "tags left out");
    return 0;
}
