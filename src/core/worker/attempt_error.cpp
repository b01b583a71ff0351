#include "core/worker/attempt_error.hpp"

#include "core/go_json.hpp"
#include "core/time_format.hpp"
#include "core/utf8.hpp"

namespace riverqueue::core {

std::string attempt_error_json(go_time at, int attempt, std::string_view error, std::string_view trace,
                               bool local_offset) {
    // Go escapes strings its own way (<, >, & as \u escapes, invalid UTF-8 as
    // U+FFFD): the writer River's unique keys use does the same.
    std::string out = "{\"at\":";
    go_json::append_string(out, local_offset ? format_rfc3339_nano_local_like_go(at) : format_rfc3339_nano_like_go(at));
    out += ",\"attempt\":" + std::to_string(attempt) + ",\"error\":";
    go_json::append_string(out, utf8_replacing_invalid(error));
    out += ",\"trace\":";
    go_json::append_string(out, utf8_replacing_invalid(trace));
    out += '}';
    return out;
}

}  // namespace riverqueue::core
