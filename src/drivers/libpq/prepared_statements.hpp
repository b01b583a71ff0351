// Statements prepared on one connection, so that repeated inserts skip
// PostgreSQL's parsing and planning. Only the library's own pooled
// connections keep such a cache: a caller's connection is left untouched.
#pragma once

#include <libpq-fe.h>

#include <chrono>
#include <span>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "drivers/libpq/pg_result.hpp"

namespace riverqueue::libpq {

class prepared_statements {
public:
    // Runs `sql` as a prepared statement, preparing it on first use; a
    // non-zero `timeout` bounds the wait for each (timed_wait.hpp).
    result_ptr exec(PGconn* conn, std::string_view sql, std::span<const text_param> params, result_format format,
                    bool may_have_committed, std::chrono::milliseconds timeout);

private:
    // Lookups by std::string_view, without copying the statement's text.
    struct text_hash {
        using is_transparent = void;
        std::size_t operator()(std::string_view text) const noexcept { return std::hash<std::string_view>{}(text); }
    };
    std::unordered_map<std::string, std::string, text_hash, std::equal_to<>> names_;  // SQL text -> statement name
};

}  // namespace riverqueue::libpq
