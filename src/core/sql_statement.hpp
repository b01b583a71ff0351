// A statement the core built: SQL text with $1..$n placeholders and its
// parameters in text format (driver::param: text of its own, text it refers
// to, or NULL). Every builder of the core returns one; driver::statement views
// one for sending.
#pragma once

#include <string>
#include <vector>

#include <riverqueue/driver.hpp>

namespace riverqueue::core {

struct sql_statement {
    std::string sql;
    std::vector<driver::param> params;
};

}  // namespace riverqueue::core
