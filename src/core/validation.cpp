#include "core/validation.hpp"

#include <string>

#include <riverqueue/errors.hpp>

#include "core/json.hpp"
#include "core/utf8.hpp"

namespace riverqueue::core {
namespace {

bool is_lower_alnum(char c) noexcept { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool is_word(char c) noexcept {
    return is_lower_alnum(c) || (c >= 'A' && c <= 'Z') || c == '_';
}

}  // namespace

void validate_kind(std::string_view kind) {
    const auto length = utf8_code_points(kind);
    if (!length) throw validation_error("kind", "must be valid UTF-8");
    if (*length < 1 || *length > 127) throw validation_error("kind", "must be 1 to 127 characters long");
    // PostgreSQL's text cannot hold it: COPY refuses the batch, and a
    // parameter (a C string) would be cut short there.
    if (kind.find('\0') != std::string_view::npos) throw validation_error("kind", "cannot contain the NUL character");
}

void validate_queue(std::string_view queue) {
    if (queue.empty()) throw validation_error("queue", "cannot be empty");
    if (queue.size() > 64) throw validation_error("queue", "cannot be longer than 64 characters");
    // Runs of lower-case letters and digits, joined by at most one `_`, `|` or `-`.
    bool valid = is_lower_alnum(queue.front()) && is_lower_alnum(queue.back());
    for (std::size_t i = 1; valid && i < queue.size(); ++i) {
        const char c = queue[i];
        if (is_lower_alnum(c)) continue;
        valid = (c == '_' || c == '|' || c == '-') && is_lower_alnum(queue[i - 1]);
    }
    if (!valid) {
        throw validation_error("queue", "\"" + std::string(queue) +
                                            "\" is invalid, expected lower-case letters and numbers separated by "
                                            "underscores or hyphens");
    }
}

void validate_tag(std::string_view tag) {
    if (tag.size() > 255) throw validation_error("tags", "each tag must be at most 255 characters long");
    bool valid = tag.size() >= 3 && is_word(tag.front()) && is_word(tag.back());
    for (char c : tag) valid = valid && (is_word(c) || c == '-');
    if (!valid) {
        throw validation_error("tags", "\"" + std::string(tag) + "\" must match \\A[\\w][\\w\\-]+[\\w]\\z");
    }
}

void validate_json_object(std::string_view text, const char* field) {
    json::value_type type{};
    try {
        type = json::validate(text, /*storable_in_jsonb=*/true);
    } catch (const json::parse_error& e) {
        throw validation_error(field, std::string("must be valid UTF-8 JSON: ") + e.what());
    }
    if (type != json::value_type::object) throw validation_error(field, "must be a JSON object");
}

}  // namespace riverqueue::core
