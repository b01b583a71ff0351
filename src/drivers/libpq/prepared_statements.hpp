// Statements prepared on one connection, so that repeated inserts skip
// PostgreSQL's parsing and planning. Only the library's own pooled
// connections keep such a cache: a caller's connection is left untouched.
#pragma once

#include <libpq-fe.h>

#include <span>
#include <string>
#include <unordered_map>

#include "drivers/libpq/pg_result.hpp"

namespace riverqueue::libpq {

class prepared_statements {
public:
    // Runs `sql` as a prepared statement, preparing it on first use.
    result_ptr exec(PGconn* conn, const std::string& sql, std::span<const text_param> params, result_format format,
                    bool may_have_committed);

private:
    std::unordered_map<std::string, std::string> names_;  // SQL text -> statement name
};

}  // namespace riverqueue::libpq
