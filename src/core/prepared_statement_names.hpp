// Names of the statements the library prepares, and what to tell the user
// when a connection pooler loses them.
//
// A name is derived from the statement's text, not from a counter: behind a
// pooler in transaction mode, several client connections share one server
// connection, and a counter-named "riverqueue_0" prepared by one of them
// could be another statement altogether for the next. With names derived from
// the text, a name that exists on a server connection is always the same
// statement.
#pragma once

#include <string>
#include <string_view>

namespace riverqueue::core {

// "riverqueue_" followed by 32 hex digits of the text's SHA-256.
std::string prepared_statement_name(std::string_view sql);

// For SQLSTATE 26000 (prepared statement does not exist) and 42P05 (already
// exists), which a pooler in transaction mode causes: what to set. Empty for
// any other SQLSTATE.
std::string_view prepared_statement_advice(std::string_view sqlstate) noexcept;

// Whether the server failed a prepared statement because its plan went stale:
// a type or table it was planned with was dropped (a schema dropped under a
// live client, maybe created again), which PostgreSQL reports as an internal
// "cache lookup failed" (XX000) or, for a table whose row changed, "cached
// plan must not change result type" (0A000). The statement did nothing; sent
// again unprepared it gets what the server says of it now.
bool prepared_plan_stale(std::string_view sqlstate, std::string_view message) noexcept;

}  // namespace riverqueue::core
