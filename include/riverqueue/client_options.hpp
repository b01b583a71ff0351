// The options of the insert clients (riverqueue::client, riverqueue::async_client).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <riverqueue/insert_middleware.hpp>

namespace riverqueue {

struct client_options {
    // libpq conninfo ("host=... dbname=...") or URI ("postgres://...").
    // Without connect_timeout in it or PGCONNECT_TIMEOUT, the synchronous
    // client's connections wait 10 s at most to connect (docs/deployment.md).
    // Empty means libpq's defaults and PG* environment variables.
    std::string conninfo;
    // Schema holding River's tables; empty means the connection's search_path.
    std::string schema;
    // Send River's insert notification so that workers start at once instead
    // of at their next poll.
    bool notify = true;
    // max_attempts for jobs whose args and options set none.
    int default_max_attempts = 25;
    // Prefix for advisory locks (River's AdvisoryLockPrefix); must fit 32 bits.
    // Only unique jobs on schemas up to version 5 (River 0.11) take advisory
    // locks: set it as the River fleet does (docs/legacy-schemas.md).
    std::int64_t advisory_lock_prefix = 0;
    // Maximum number of pooled connections.
    std::size_t pool_size = 4;
    // At most one notification per queue per this interval, as River Go's
    // FetchCooldown; zero sends one with every insert of an available job.
    std::chrono::milliseconds notify_cooldown{100};
    // Prepare each statement shape once per pooled connection (named
    // statements), so that repeated inserts skip parsing and planning. Set
    // false behind a pooler that moves a client between server connections
    // between transactions, such as PgBouncer with pool_mode=transaction
    // (before 1.21, or without max_prepared_statements): statements are then
    // sent unnamed, which any pooler passes through (docs/deployment.md).
    // Statements on a caller's connection (the _tx forms) are never prepared.
    bool prepared_statements = true;
    // Zero: no limit. Otherwise a statement the library sends that has not
    // completed within this time is cancelled on the server (a cancel
    // request, which poolers forward) and the call fails with
    // database_error SQLSTATE 57014; nothing of a failed batch is kept. In
    // the _tx forms (but the streamed and fast ones, which run in a
    // savepoint) the caller's transaction is then aborted and must be
    // rolled back, as with PostgreSQL's own statement_timeout.
    std::chrono::milliseconds statement_timeout{0};
    // Run around every insert of the client, on every path (single, batch,
    // streamed, fast, _tx, async), outermost first: each sees the jobs before
    // they are validated and keyed, and brackets the database call
    // (insert_middleware.hpp, docs/middleware.md). Entries must not be null.
    std::vector<std::shared_ptr<job_insert_middleware>> insert_middleware;
};

}  // namespace riverqueue
