#include "core/validation.hpp"

#include <string>

#include <riverqueue/errors.hpp>

#include "core/json.hpp"

namespace riverqueue::core {
namespace {

bool is_lower_alnum(char c) noexcept { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool is_word(char c) noexcept {
    return is_lower_alnum(c) || (c >= 'A' && c <= 'Z') || c == '_';
}

// Counts code points, or returns -1 for invalid UTF-8.
long utf8_length(std::string_view text) noexcept {
    long count = 0;
    for (std::size_t i = 0; i < text.size();) {
        const auto lead = static_cast<unsigned char>(text[i]);
        std::size_t length = lead < 0x80 ? 1 : (lead >= 0xC2 && lead <= 0xDF) ? 2 : (lead >= 0xE0 && lead <= 0xEF) ? 3
                                                : (lead >= 0xF0 && lead <= 0xF4) ? 4 : 0;
        if (length == 0 || i + length > text.size()) return -1;
        for (std::size_t k = 1; k < length; ++k) {
            if ((static_cast<unsigned char>(text[i + k]) & 0xC0) != 0x80) return -1;
        }
        i += length;
        ++count;
    }
    return count;
}

}  // namespace

void validate_kind(std::string_view kind) {
    const long length = utf8_length(kind);
    if (length < 0) throw validation_error("kind", "must be valid UTF-8");
    if (length < 1 || length > 127) throw validation_error("kind", "must be 1 to 127 characters long");
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
