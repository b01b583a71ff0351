// Schema names and SQL identifiers.
#pragma once

#include <string>
#include <string_view>

namespace riverqueue::core {

// Longest schema River accepts: PostgreSQL's 63-byte limit on notification
// channels, less the dot and River's longest channel name (`river_leadership`).
inline constexpr std::size_t max_schema_length = 63 - 1 - 16;

// Throws validation_error("schema", ...) for a name River's Config.Schema would
// refuse. The empty name (use the search_path) is valid.
void validate_schema_name(std::string_view schema);

// `"name"`, with embedded quotes doubled.
std::string quote_identifier(std::string_view name);

// `"schema".` for a non-empty schema, otherwise empty: the prefix placed before
// every River table, type and function name in SQL.
std::string schema_prefix(std::string_view schema);

}  // namespace riverqueue::core
