// Text-format parameter values PostgreSQL parses: array literals, bytea in
// hex. Shared by every statement builder of the core.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace riverqueue::core {

// Appends `element` quoted and escaped as an element of an array literal.
void append_array_element(std::string& out, std::string_view element);

// Builds one `{...}` array literal, element by element.
class array_literal {
public:
    void add(std::string_view element);
    void add_null();
    std::string finish() &&;

private:
    void separate();
    std::string text_ = "{";
};

// `{"a","b"}` for a list of strings.
std::string text_array_literal(std::span<const std::string> elements);

// `\x...`: bytea input in hex form.
std::string hex_bytea(const std::array<std::uint8_t, 32>& bytes);

// Tags joined with commas, for string_to_array on the server (tags never
// contain commas: validate_tag).
std::string join_tags(const std::vector<std::string>& tags);

}  // namespace riverqueue::core
