#include "core/identifiers.hpp"

#include <riverqueue/errors.hpp>

namespace riverqueue::core {
namespace {
bool is_letter_or_underscore(char c) noexcept {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }
}  // namespace

void validate_schema_name(std::string_view schema) {
    if (schema.size() > max_schema_length) {
        throw validation_error("schema", "must be at most " + std::to_string(max_schema_length) +
                                             " characters");
    }
    if (schema.empty()) return;
    bool valid = is_letter_or_underscore(schema.front());
    for (char c : schema) valid = valid && (is_letter_or_underscore(c) || is_digit(c));
    if (!valid) {
        throw validation_error("schema",
                               "may contain only letters, digits and underscores, and must start "
                               "with a letter or underscore");
    }
}

std::string quote_identifier(std::string_view name) {
    std::string quoted;
    quoted.reserve(name.size() + 2);
    quoted.push_back('"');
    for (char c : name) {
        if (c == '"') quoted.push_back('"');
        quoted.push_back(c);
    }
    quoted.push_back('"');
    return quoted;
}

std::string schema_prefix(std::string_view schema) {
    return schema.empty() ? std::string() : quote_identifier(schema) + ".";
}

}  // namespace riverqueue::core
