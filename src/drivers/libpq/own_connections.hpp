// What the library does to the connections it opens for itself (its pool,
// the asynchronous client's): keep libpq's notices off the application's
// stderr, and notice one that the server closed while it was idle.
#pragma once

#include <libpq-fe.h>

namespace riverqueue::libpq {

// libpq prints a connection's notices, and an error that arrives while no
// statement runs (PostgreSQL's FATAL when a backend is terminated while idle),
// to stderr by default. Nothing of that is for the application's stderr, as
// with River Go's pgx: a lost connection reaches the caller otherwise.
void silence_notices(PGconn* conn) noexcept;

// Whether an idle connection is still open, reading (without waiting) what
// the server sent meanwhile: a backend terminated while idle (an
// administrator, idle_session_timeout, a failover) sends FATAL and closes the
// connection, and a statement sent on it would fail with an unknown outcome.
// Checked before a pooled connection is handed out, so that the work opens a
// new one instead.
bool idle_connection_alive(PGconn* conn) noexcept;

}  // namespace riverqueue::libpq
