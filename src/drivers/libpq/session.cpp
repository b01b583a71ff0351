#include "drivers/libpq/session.hpp"

#include <exception>
#include <string>
#include <vector>

#include <riverqueue/errors.hpp>

#include "core/prepared_statement_names.hpp"
#include "drivers/libpq/pg_result.hpp"
#include "drivers/libpq/timed_wait.hpp"

namespace riverqueue::libpq {

std::size_t result_rows::row_count() const { return static_cast<std::size_t>(PQntuples(result_)); }

std::size_t result_rows::column_count() const { return static_cast<std::size_t>(PQnfields(result_)); }

std::optional<std::string_view> result_rows::cell(std::size_t row, std::size_t column) const {
    const int r = static_cast<int>(row);
    const int c = static_cast<int>(column);
    // A NULL cell reads as empty, so only an empty one needs the NULL check
    // (a batch's rows are millions of cells).
    const std::string_view value = libpq::cell(result_, r, c);
    if (value.empty() && PQgetisnull(result_, r, c) != 0) return std::nullopt;
    return value;
}

namespace {

// A repeated statement on one of the library's own connections, sent as its
// statement cache says: prepared first (waiting for that before running it,
// so the cache never holds a statement still being prepared), by name once
// prepared, or unnamed beyond the cache's capacity.
result_ptr exec_repeated(PGconn* conn, prepared_statements& statements, const driver::statement& stmt,
                         std::chrono::milliseconds timeout) {
    const prepared_statements::use use = statements.lookup(stmt.sql);
    if (use.what == prepared_statements::how::unnamed) {
        return exec_params(conn, std::string(stmt.sql), stmt.params, result_format::binary, stmt.commits_itself,
                           timeout);
    }
    const int count = static_cast<int>(stmt.params.size());
    if (use.what == prepared_statements::how::prepare) {
        try {
            await_result(conn, PQsendPrepare(conn, use.name->c_str(), std::string(stmt.sql).c_str(), count, nullptr) == 1,
                         timeout, false);
        } catch (...) {
            statements.forget(stmt.sql);
            throw;
        }
        statements.prepared(stmt.sql);
    }
    const driver::param_arrays values = driver::libpq_param_arrays(stmt.params);
    const bool sent = PQsendQueryPrepared(conn, use.name->c_str(), count, values.values.data(),
                                          values.lengths_or_null(), values.formats_or_null(),
                                          libpq_result_format(result_format::binary)) == 1;
    return await_result(conn, sent, timeout, stmt.commits_itself);
}

}  // namespace

int session::server_version() { return PQserverVersion(conn_); }

bool session::in_transaction() {
    if (conn_ == nullptr) return false;
    const auto status = PQtransactionStatus(conn_);
    return status == PQTRANS_INTRANS || status == PQTRANS_INERROR;
}

std::unique_ptr<driver::rows> session::query(const driver::statement& stmt) {
    std::size_t bytes = 0;
    for (const driver::param& p : stmt.params) bytes += p.text().size();
    if (bytes > largest_statement_bytes_) largest_statement_bytes_ = bytes;
    // A prepared statement is looked up by its text; only an unprepared one
    // needs a NUL-terminated copy for libpq.
    if (stmt.repeated && statements_ != nullptr && !prepared_statements_stale_) {
        try {
            return std::make_unique<result_rows>(exec_repeated(conn_, *statements_, stmt, timeout_));
        } catch (const database_error& e) {
            if (!core::prepared_plan_stale(e.sqlstate(), e.message())) throw;
            // The failed statement did nothing. Outside a transaction block it
            // is sent again, unnamed, so that the caller gets what the server
            // says of it now (a missing table, which the core names as a
            // missing schema, or its rows); inside one, the transaction is
            // aborted and the error stands. Either way this connection's
            // prepared statements are not used again.
            prepared_statements_stale_ = true;
            if (PQtransactionStatus(conn_) != PQTRANS_IDLE) throw;
        }
    }
    return std::make_unique<result_rows>(
        exec_params(conn_, std::string(stmt.sql), stmt.params, result_format::binary, stmt.commits_itself, timeout_));
}

void session::execute(std::string_view sql) { exec_simple(conn_, std::string(sql), timeout_); }

void session::copy_begin(std::string_view copy_sql) {
    // The COPY starts once its table's lock is granted: a wait the limit bounds.
    const result_ptr started = exec_simple(conn_, std::string(copy_sql), timeout_);
    if (PQresultStatus(started.get()) != PGRES_COPY_IN) throw_error(conn_, started.get(), false);
}

void session::copy_write(std::string_view data) {
    // libpq copies each PQputCopyData call whole into its send buffer, which
    // never shrinks: slices keep that buffer small however large a row is (a
    // job's args may be hundreds of megabytes), and each slice's length fits
    // PQputCopyData's int. COPY data need not break at lines.
    constexpr std::size_t slice_bytes = std::size_t{1} << 20;
    while (!data.empty()) {
        const std::string_view slice = data.substr(0, slice_bytes);
        if (PQputCopyData(conn_, slice.data(), static_cast<int>(slice.size())) != 1) throw_error(conn_, nullptr, false);
        data.remove_prefix(slice.size());
    }
}

std::uint64_t session::copy_end() {
    // The server checks and indexes the last rows only now.
    const result_ptr result = await_result(conn_, PQputCopyEnd(conn_, nullptr) == 1, timeout_, false);
    return std::stoull(PQcmdTuples(result.get()));
}

void session::copy_abort() noexcept {
    // The COPY's failure is the expected answer; a connection that cannot
    // even abort is left busy, which the pool does not reuse.
    try {
        await_result(conn_, PQputCopyEnd(conn_, "riverqueue: batch abandoned") == 1, timeout_, false);
    } catch (const std::exception&) {
    }
}

bool pool_source::retire_after(const session& used) noexcept {
    return used.largest_statement_bytes() > retire_after_statement_bytes || used.prepared_statements_stale();
}

void pool_source::run(bool in_transaction, const std::function<void(driver::session&)>& work) {
    auto lease = pool_.acquire();
    PGconn* conn = lease.native_handle();
    session on_lease(conn, prepare_ ? &lease.statements() : nullptr, timeout_);
    // Whether the work succeeds or fails, before the lease gives it back.
    struct retire_if_asked {
        connection_pool::lease& lease;
        const session& used;
        ~retire_if_asked() {
            if (retire_after(used)) lease.retire();
        }
    } retire{lease, on_lease};
    if (!in_transaction) {
        work(on_lease);
        return;
    }
    exec_simple(conn, "BEGIN", timeout_);
    try {
        work(on_lease);
        commit(conn, timeout_);
    } catch (...) {
        // Best effort; a connection that cannot roll back is not reused.
        try {
            exec_simple(conn, "ROLLBACK", timeout_);
        } catch (const std::exception&) {
        }
        throw;
    }
}

}  // namespace riverqueue::libpq
