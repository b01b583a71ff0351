// Internal parts of unique-key computation, exposed for the insert path and
// for unit tests.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <riverqueue/unique_opts.hpp>

#include "core/json.hpp"

namespace riverqueue::core {

// Throws validation_error for options River would refuse (see UniqueOpts.validate).
void validate_unique_opts(const unique_opts& opts);

// The canonical args River hashes for by_args over all keys: top-level members
// sorted by name (first of duplicated names wins), values as Go writes them.
std::string canonical_args_all(const json::value& args);
void append_canonical_args_all(std::string& out, const json::value& args);

// The canonical args for a subset of paths (River's fields tagged
// `river:"unique"`). Empty string when none of the paths is present.
std::string canonical_args_subset(const json::value& args, const std::vector<std::string>& paths);
// Appends it to `out`; false (nothing appended) when none is present.
bool append_canonical_args_subset(std::string& out, const json::value& args, const std::vector<std::string>& paths);

// Splits a path on unescaped dots; a backslash escapes the next byte.
std::vector<std::string> split_path(std::string_view path);

}  // namespace riverqueue::core
