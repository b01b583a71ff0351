#include "core/copy_format.hpp"

#include "core/identifiers.hpp"
#include "core/time_format.hpp"

namespace riverqueue::core {

std::string copy_jobs_statement(std::string_view schema) {
    return "COPY " + schema_prefix(schema) +
           "river_job (args, created_at, kind, max_attempts, metadata, priority, queue, scheduled_at, state, tags)"
           " FROM STDIN";
}

void append_copy_field(std::string& out, std::string_view value) {
    for (char c : value) {
        switch (c) {
            case '\\': out += "\\\\"; break;
            case '\t': out += "\\t"; break;
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            default: out.push_back(c);
        }
    }
}

void append_copy_row(std::string& out, const resolved_job& job) {
    append_copy_field(out, job.args);
    out.push_back('\t');
    out += format_rfc3339_micros(job.created_at);
    out.push_back('\t');
    append_copy_field(out, job.kind);
    out.push_back('\t');
    out += std::to_string(job.max_attempts);
    out.push_back('\t');
    append_copy_field(out, job.metadata);
    out.push_back('\t');
    out += std::to_string(job.priority);
    out.push_back('\t');
    out += job.queue;  // validated: [a-z0-9_|-] only
    out.push_back('\t');
    out += format_rfc3339_micros(job.scheduled_at);
    out.push_back('\t');
    out += to_string(job.state);
    out.push_back('\t');
    // An array literal. Tags are word characters and '-', so quoting needs no
    // escaping, but it is needed: unquoted, a tag named NULL would be a NULL.
    out.push_back('{');
    for (std::size_t i = 0; i < job.tags.size(); ++i) {
        if (i > 0) out.push_back(',');
        out.push_back('"');
        out += job.tags[i];
        out.push_back('"');
    }
    out += "}\n";
}

}  // namespace riverqueue::core
