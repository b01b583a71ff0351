#include "drivers/libpq/timed_wait.hpp"

#include <poll.h>

#include <cerrno>
#include <climits>
#include <cstring>
#include <optional>

#include <riverqueue/errors.hpp>

namespace riverqueue::libpq {
namespace {

using clock = std::chrono::steady_clock;

// How long a cancelled statement may take to end. A cancel takes effect at
// the backend's next interrupt check, within milliseconds even in a lock
// wait; a server that has not ended the statement seconds later is not
// answering, and waiting on would be the hang the limit is there to prevent.
constexpr std::chrono::seconds cancel_grace{5};

// Reads what arrives until a result is complete (PQisBusy false) or
// `deadline` passes; false in the latter case. A broken connection counts as
// complete: PQgetResult then reports it.
bool wait_until_complete(PGconn* conn, std::optional<clock::time_point> deadline, bool may_have_committed) {
    while (PQisBusy(conn) != 0) {
        int wait_ms = -1;
        if (deadline) {
            const auto remaining = *deadline - clock::now();
            if (remaining <= clock::duration::zero()) return false;
            wait_ms = poll_timeout_ms(remaining);
        }
        pollfd watched{PQsocket(conn), POLLIN, 0};
        if (watched.fd < 0) return true;
        const int ready = ::poll(&watched, 1, wait_ms);
        if (ready < 0) {
            if (errno == EINTR) continue;
            // The statement is still running: the pool will not reuse a busy
            // connection.
            throw connection_error(std::string("waiting for the server: ") + std::strerror(errno), may_have_committed);
        }
        if (ready > 0 && PQconsumeInput(conn) == 0) return true;
    }
    return true;
}

// Cancels what `conn`'s backend is running; empty, or why it could not.
std::string cancel_statement(PGconn* conn) {
    const cancel_ptr cancel(PQgetCancel(conn));
    if (!cancel) return "no connection to cancel";
    return send_cancel(cancel.get());
}

}  // namespace

std::string send_cancel(PGcancel* cancel) {
    char reason[256] = {};
    if (PQcancel(cancel, reason, sizeof reason) == 1) return {};
    return reason[0] != '\0' ? std::string(reason) : std::string("the cancel request failed");
}

result_ptr await_result(PGconn* conn, bool sent, std::chrono::milliseconds timeout, bool may_have_committed) {
    if (conn == nullptr) throw connection_error("no connection");
    if (!sent) throw_error(conn, nullptr, may_have_committed);
    std::optional<clock::time_point> deadline;
    if (timeout.count() > 0) deadline = clock::now() + timeout;
    bool cancelled = false;
    std::string cancel_failure;
    result_ptr last;
    // As PQexec: every result is read (a multi-statement text has several),
    // each wait bounded by the same deadline; the last one is returned.
    for (;;) {
        if (!wait_until_complete(conn, deadline, may_have_committed)) {
            if (cancelled) {
                throw connection_error(
                    timeout_message(timeout, "the statement did not end after a cancel request" +
                                                 (cancel_failure.empty() ? "" : " (" + cancel_failure + ")")),
                    may_have_committed);
            }
            cancelled = true;
            cancel_failure = cancel_statement(conn);
            deadline = clock::now() + cancel_grace;
            continue;
        }
        PGresult* next = PQgetResult(conn);
        if (next == nullptr) break;
        last.reset(next);
        const ExecStatusType status = PQresultStatus(next);
        if (status == PGRES_COPY_IN || status == PGRES_COPY_OUT || status == PGRES_COPY_BOTH ||
            PQstatus(conn) == CONNECTION_BAD) {
            break;
        }
    }
    if (!cancelled) return check(conn, std::move(last), may_have_committed);
    // A statement that ended before the cancel reached it keeps its result;
    // PostgreSQL answers 57014 only for one that did not complete (nor
    // commit). A connection lost meanwhile stays a connection_error.
    try {
        return check(conn, std::move(last), may_have_committed);
    } catch (const database_error& e) {
        if (e.sqlstate() != "57014") throw;
        throw database_error(e.sqlstate(), timeout_message(timeout, e.message()), e.detail(), e.hint(),
                             e.constraint());
    }
}

int poll_timeout_ms(std::chrono::steady_clock::duration remaining) noexcept {
    if (remaining <= std::chrono::steady_clock::duration::zero()) return 0;
    const auto ms = std::chrono::ceil<std::chrono::milliseconds>(remaining).count();
    return ms > INT_MAX ? INT_MAX : static_cast<int>(ms);
}

std::string timeout_message(std::chrono::milliseconds timeout, std::string_view server_message) {
    return "statement_timeout of " + std::to_string(timeout.count()) + " ms reached: " + std::string(server_message);
}

}  // namespace riverqueue::libpq
