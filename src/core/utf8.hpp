// The one strict UTF-8 decoder of the library: what PostgreSQL's UTF8
// encoding accepts. Overlong forms, surrogates (ED A0 80 and up) and code
// points above U+10FFFF are refused, so that text the library accepts never
// fails later in the database (SQLSTATE 22021).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace riverqueue::core {

// Length (1 to 4) of the well-formed UTF-8 sequence that starts at
// text[pos], or 0 when there is none there.
std::size_t utf8_sequence_length(std::string_view text, std::size_t pos) noexcept;

// Appends the UTF-8 form of `code_point` (a scalar value, U+10FFFF at most).
void append_utf8(std::string& out, std::uint32_t code_point);

// Number of code points in `text`, or std::nullopt when it is not
// well-formed UTF-8.
std::optional<std::size_t> utf8_code_points(std::string_view text) noexcept;

// `text` with each byte that starts no well-formed sequence replaced by
// U+FFFD, as Go's encoding/json writes a string holding invalid UTF-8.
std::string utf8_replacing_invalid(std::string_view text);

}  // namespace riverqueue::core
