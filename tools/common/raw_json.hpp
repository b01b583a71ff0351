// The exact text of a JSON member, for values that must reach the library as
// written (job args: their number spellings and escapes matter to unique keys).
#pragma once

#include <string_view>
#include <vector>

namespace riverqueue::tools {

// The text of the top-level member `name` of a JSON object already known to be
// valid, its last one when repeated (the one Go's encoding/json and
// find_member keep); empty when absent. Member names with escapes never match.
std::string_view raw_member(std::string_view object, std::string_view name);

// The text of each element of a JSON array already known to be valid; empty
// when `array` is not an array.
std::vector<std::string_view> raw_elements(std::string_view array);

}  // namespace riverqueue::tools
