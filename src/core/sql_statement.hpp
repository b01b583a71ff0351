// A statement the core built: SQL text with $1..$n placeholders and its
// parameters in text format (std::nullopt is SQL NULL). Every builder of the
// core returns one; driver::statement views one for sending.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace riverqueue::core {

struct sql_statement {
    std::string sql;
    std::vector<std::optional<std::string>> params;
};

}  // namespace riverqueue::core
