// RAII for libpq results and the calls that produce them.
//
// Every statement the library sends goes through these functions, so that
// error mapping (SQLSTATE, connection loss) lives in one place.
#pragma once

#include <libpq-fe.h>

#include <chrono>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include <riverqueue/driver.hpp>

namespace riverqueue::libpq {

struct result_deleter {
    void operator()(PGresult* result) const noexcept { PQclear(result); }
};
using result_ptr = std::unique_ptr<PGresult, result_deleter>;

// The driver interface's result format, and libpq's number for it
// (PQsendQueryParams's resultFormat).
using result_format = driver::result_format;
constexpr int libpq_result_format(result_format format) noexcept { return format == result_format::binary ? 1 : 0; }

// PQerrorMessage without its trailing newline; "connection lost" when libpq
// has nothing to say. Not redacted: connection_error's constructor redacts.
std::string error_message(PGconn* conn);

// Throws database_error (with SQLSTATE) or connection_error for a failed result.
// `may_have_committed` is passed to connection_error when the connection broke
// during a statement that could have committed.
[[noreturn]] void throw_error(PGconn* conn, const PGresult* result, bool may_have_committed);

// Throws when `result` is not a success status; returns it otherwise.
result_ptr check(PGconn* conn, result_ptr result, bool may_have_committed = false);

// Runs SQL text without parameters (several statements allowed). A non-zero
// `timeout` bounds the wait for each result (timed_wait.hpp).
result_ptr exec_simple(PGconn* conn, const std::string& sql, std::chrono::milliseconds timeout = {},
                       bool may_have_committed = false);

// Runs one statement with text parameters; rows come back in `format`.
result_ptr exec_params(PGconn* conn, const std::string& sql, std::span<const driver::param> params,
                       result_format format, bool may_have_committed = false,
                       std::chrono::milliseconds timeout = {});

// PostgreSQL answers COMMIT in a transaction that a failed statement aborted
// with the command tag ROLLBACK and no error: throws database_error 25P02
// then, so that a lost transaction is never reported as committed.
void check_committed(const PGresult* commit_result);

// COMMIT, checked with check_committed; losing the connection during it
// leaves the outcome unknown (connection_error with may_have_committed).
void commit(PGconn* conn, std::chrono::milliseconds timeout = {});

// Text of a result cell; empty for NULL.
std::string_view cell(const PGresult* result, int row, int column) noexcept;

}  // namespace riverqueue::libpq
