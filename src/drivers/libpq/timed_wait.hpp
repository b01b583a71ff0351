// Waiting for a statement's results with a time limit
// (client_options::statement_timeout), and cancelling the statement on the
// server when the limit passes.
//
// The limit is kept on the client, not with a server-side SET
// statement_timeout: behind a pooler in transaction mode a session setting
// would stay on the server connection for whichever client gets it next,
// while a cancel request is forwarded by poolers to the right server
// connection.
#pragma once

#include <libpq-fe.h>

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "drivers/libpq/pg_result.hpp"

namespace riverqueue::libpq {

struct cancel_deleter {
    void operator()(PGcancel* cancel) const noexcept { PQfreeCancel(cancel); }
};
// What PQcancel needs to reach a connection's backend; independent of the
// PGconn once made, so it may outlive it and be used from another thread.
using cancel_ptr = std::unique_ptr<PGcancel, cancel_deleter>;

// Asks the server to cancel what `cancel`'s backend is running. Blocks for a
// connection to the server (or pooler) and back. Returns an empty string
// when the request was delivered, else libpq's reason.
std::string send_cancel(PGcancel* cancel);

// For a statement just handed to libpq by a PQsend* function (or
// PQputCopyEnd), `sent` being what that returned: waits for its results and
// returns the last one (stopping at a COPY result, as PQexec does), checked
// as check() does. With a non-zero `timeout`, a statement still running after
// it is cancelled on the server and the call throws database_error SQLSTATE
// 57014 saying so; should the server not end the statement even then, the
// call throws connection_error and the connection is left busy (the pool
// discards such a connection).
result_ptr await_result(PGconn* conn, bool sent, std::chrono::milliseconds timeout, bool may_have_committed);

// The pure pieces, exposed for tests.

// poll()'s timeout argument for `remaining` time: rounded up, so that poll
// never wakes before the deadline, at least 0 and at most INT_MAX.
int poll_timeout_ms(std::chrono::steady_clock::duration remaining) noexcept;

// The message of a statement cancelled at the limit, keeping PostgreSQL's.
std::string timeout_message(std::chrono::milliseconds timeout, std::string_view server_message);

}  // namespace riverqueue::libpq
