// JSON text without its insignificant whitespace, everything else untouched.
#pragma once

#include <string>
#include <string_view>

namespace riverqueue::conformance {

// `json` must be valid JSON. Strings, number spellings and member order are
// kept byte for byte: River's reference adapter hashes the args bytes it
// receives, which River's harness sends compacted by Go's encoder.
std::string compact_json(std::string_view json);

}  // namespace riverqueue::conformance
