// The blocking transport for operations: each request runs on a
// driver::session (the libpq and libpqxx drivers, or a caller's own), one at
// a time, on the calling thread.
#pragma once

#include <utility>

#include <riverqueue/driver.hpp>

#include "core/ops/operation.hpp"

namespace riverqueue::core::ops {

// What the session tells of itself (its server version and transaction state
// are read now).
session_facts facts_of(driver::session& session);

// Carries out one request on the session; a failure comes back in the reply.
reply perform(driver::session& session, const request& req);

// Runs the operation to its end on the session and returns its value (or
// throws what it threw).
template <typename T>
T run(driver::session& session, op<T> operation) {
    while (const request* next = operation.step()) operation.answer(perform(session, *next));
    return operation.result();
}

}  // namespace riverqueue::core::ops
