#include "drivers/libpq/pg_result.hpp"

#include <vector>

#include <riverqueue/driver.hpp>
#include <riverqueue/errors.hpp>

#include "core/prepared_statement_names.hpp"
#include "drivers/libpq/timed_wait.hpp"

namespace riverqueue::libpq {
namespace {

std::string field(const PGresult* result, int code) {
    const char* value = PQresultErrorField(result, code);
    return value != nullptr ? std::string(value) : std::string();
}

}  // namespace

std::string error_message(PGconn* conn) {
    std::string message = conn != nullptr ? PQerrorMessage(conn) : "no connection";
    while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) {
        message.pop_back();
    }
    return message.empty() ? std::string("connection lost") : message;
}

void throw_error(PGconn* conn, const PGresult* result, bool may_have_committed) {
    std::string sqlstate = result != nullptr ? field(result, PG_DIAG_SQLSTATE) : std::string();
    // A result without SQLSTATE, or a broken connection, is a connection problem,
    // not a statement the server rejected.
    if (conn == nullptr || PQstatus(conn) != CONNECTION_OK || sqlstate.empty()) {
        throw connection_error(error_message(conn), may_have_committed);
    }
    // PostgreSQL gives no hint for a lost prepared statement; ours says what to set.
    std::string hint = field(result, PG_DIAG_MESSAGE_HINT);
    if (const auto advice = core::prepared_statement_advice(sqlstate); !advice.empty()) hint = advice;
    throw database_error(std::move(sqlstate), field(result, PG_DIAG_MESSAGE_PRIMARY),
                         field(result, PG_DIAG_MESSAGE_DETAIL), std::move(hint), field(result, PG_DIAG_CONSTRAINT_NAME));
}

result_ptr check(PGconn* conn, result_ptr result, bool may_have_committed) {
    if (!result) throw_error(conn, nullptr, may_have_committed);
    switch (PQresultStatus(result.get())) {
        case PGRES_COMMAND_OK:
        case PGRES_TUPLES_OK:
        case PGRES_COPY_IN:
        case PGRES_COPY_OUT:
        case PGRES_EMPTY_QUERY:
            return result;
        default:
            throw_error(conn, result.get(), may_have_committed);
    }
}

result_ptr exec_simple(PGconn* conn, const std::string& sql, std::chrono::milliseconds timeout,
                       bool may_have_committed) {
    if (conn == nullptr) throw connection_error("no connection");
    return await_result(conn, PQsendQuery(conn, sql.c_str()) == 1, timeout, may_have_committed);
}

result_ptr exec_params(PGconn* conn, const std::string& sql, std::span<const driver::param> params,
                       result_format format, bool may_have_committed, std::chrono::milliseconds timeout) {
    if (conn == nullptr) throw connection_error("no connection");
    const driver::param_arrays values = driver::libpq_param_arrays(params);
    const bool sent = PQsendQueryParams(conn, sql.c_str(), static_cast<int>(values.values.size()), nullptr,
                                        values.values.data(), values.lengths_or_null(), values.formats_or_null(),
                                        libpq_result_format(format)) == 1;
    return await_result(conn, sent, timeout, may_have_committed);
}

void check_committed(const PGresult* commit_result) {
    if (std::string_view(PQcmdStatus(const_cast<PGresult*>(commit_result))) == "COMMIT") return;
    throw database_error("25P02", "COMMIT rolled the transaction back: a statement in it had failed", "",
                         "nothing of the transaction was committed; roll back and retry it whole", "");
}

void commit(PGconn* conn, std::chrono::milliseconds timeout) {
    const result_ptr result = exec_simple(conn, "COMMIT", timeout, true);
    check_committed(result.get());
}

std::string_view cell(const PGresult* result, int row, int column) noexcept {
    // libpq gives a NULL cell an empty value.
    return {PQgetvalue(result, row, column), static_cast<std::size_t>(PQgetlength(result, row, column))};
}

}  // namespace riverqueue::libpq
