// riverqueue::connection and riverqueue::transaction over libpq.
#include <riverqueue/connection.hpp>

#include <libpq-fe.h>

#include <string>
#include <utility>

#include <riverqueue/errors.hpp>

#include "core/redact.hpp"
#include "drivers/libpq/connect_params.hpp"
#include "drivers/libpq/pg_result.hpp"

namespace riverqueue {

connection connection::open(const std::string& conninfo) {
    // With a default connect_timeout, so that a server that accepts and never
    // answers fails the call instead of holding it forever.
    const libpq::connect_params params = libpq::connect_params_for(conninfo);
    const libpq::connect_params::c_arrays arrays = params.arrays();
    PGconn* conn = PQconnectdbParams(arrays.keywords.data(), arrays.values.data(), libpq::connect_params::expand_dbname);
    if (conn == nullptr) throw connection_error("out of memory opening a connection");
    if (PQstatus(conn) != CONNECTION_OK) {
        std::string message = PQerrorMessage(conn);
        PQfinish(conn);
        while (!message.empty() && message.back() == '\n') message.pop_back();
        // libpq's "timeout expired" says neither which setting gave up nor where to change it.
        if (message.find("timeout expired") != std::string::npos) message += " (" + params.describe_timeout() + ")";
        // libpq may echo the password bare, where only the conninfo tells it is one.
        throw connection_error(core::redact_passwords("could not connect to PostgreSQL: " + message, conninfo));
    }
    return connection(conn);
}

connection::connection(connection&& other) noexcept : conn_(std::exchange(other.conn_, nullptr)) {}

connection& connection::operator=(connection&& other) noexcept {
    if (this != &other) {
        if (conn_ != nullptr) PQfinish(conn_);
        conn_ = std::exchange(other.conn_, nullptr);
    }
    return *this;
}

connection::~connection() {
    if (conn_ != nullptr) PQfinish(conn_);
}

void connection::execute(std::string_view sql) { libpq::exec_simple(conn_, std::string(sql)); }

bool connection::healthy() const noexcept {
    if (conn_ == nullptr || PQstatus(conn_) != CONNECTION_OK) return false;
    const auto status = PQtransactionStatus(conn_);
    return status != PQTRANS_UNKNOWN && status != PQTRANS_ACTIVE;
}

bool connection::in_transaction() const noexcept {
    if (conn_ == nullptr) return false;
    const auto status = PQtransactionStatus(conn_);
    return status == PQTRANS_INTRANS || status == PQTRANS_INERROR;
}

transaction::transaction(connection& conn) : transaction(conn.native_handle()) {}

transaction::transaction(pg_conn* conn) : conn_(conn) { libpq::exec_simple(conn_, "BEGIN"); }

transaction::~transaction() {
    if (!open_) return;
    // A destructor must not throw; a failed ROLLBACK leaves the connection
    // in a state that healthy() reports.
    libpq::result_ptr ignored(PQexec(conn_, "ROLLBACK"));
}

void transaction::commit() {
    open_ = false;
    libpq::commit(conn_);
}

void transaction::rollback() {
    open_ = false;
    libpq::exec_simple(conn_, "ROLLBACK");
}

}  // namespace riverqueue
