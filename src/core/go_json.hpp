// JSON written the way Go writes it, byte for byte.
//
// River hashes args as Go's encoding/json produced them. A C++ caller hands us
// JSON text from any serializer, so before hashing we rewrite it as Go would
// have: compact, Go's string escaping, and Go's float formatting.
#pragma once

#include <string>
#include <string_view>

#include "core/json.hpp"

namespace riverqueue::core::go_json {

// Appends `text` (UTF-8) as a JSON string escaped as encoding/json does:
// `<`, `>`, `&`, U+2028 and U+2029 as \u escapes, `"` `\` and \b \f \n \r \t as
// short escapes, other control characters as \u00xx (lower-case hex).
void append_string(std::string& out, std::string_view text);

// Appends an object member name as River's unique-key builder writes it:
// verbatim between quotes when it is made only of bytes 0x20..0x7f other than
// `"` and `\`, otherwise escaped as append_string does.
void append_member_name(std::string& out, std::string_view name);

// Appends the number `text` (valid JSON number syntax) as Go would have
// written the same value: integers keep their digits; a number with a fraction
// or exponent is a float64, written in Go's shortest form (`1` for 1.0, `1e+21`,
// `1e-7`). Throws validation_error when a float does not fit a float64.
void append_number(std::string& out, std::string_view text);

// Appends `v` compactly: member order kept, strings and numbers as above.
// Iterative: any depth the reader accepts, on any thread's stack.
void append_value(std::string& out, const json::value& v);

}  // namespace riverqueue::core::go_json
