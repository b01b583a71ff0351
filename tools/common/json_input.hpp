// JSON input as the tools read it (insert-many's JSON Lines, the conformance
// adapter's JSON-RPC): with the library's own reader, core/json, so that it
// has the library's nesting limit (core::json::max_nesting_depth, Go's) and
// its messages, and cannot exhaust the stack at any depth. Boost.JSON's parser
// takes a call per level: 10000 levels need more than an 8 MiB stack under
// AddressSanitizer. Values on their way to the library as written (args,
// metadata) are taken from the text with raw_json.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "core/json.hpp"

namespace riverqueue::tools {

namespace json = core::json;

// The last member `name` of `object`, as Go's encoding/json (and Boost.JSON)
// keep the last of repeated members; null when absent or JSON null.
const json::value* find_member(const json::value& object, std::string_view name) noexcept;

// How many times `object` has a member `name`, null or not.
std::size_t member_count(const json::value& object, std::string_view name) noexcept;

// A number written as an integer (no fraction, no exponent) that fits, as Go
// decodes one into an int64 or uint64; std::nullopt otherwise.
std::optional<std::int64_t> integer_of(const json::value& v) noexcept;
std::optional<std::uint64_t> unsigned_of(const json::value& v) noexcept;

// Any number as a double; std::nullopt for other types and for numbers
// beyond a double's range.
std::optional<double> double_of(const json::value& v) noexcept;

}  // namespace riverqueue::tools
