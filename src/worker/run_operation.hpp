// Running one of the core's operations on a session borrowed from the
// worker runtime's session source: what the producers, the completer and
// the leader each do for every statement they send.
#pragma once

#include <optional>
#include <utility>

#include <riverqueue/driver.hpp>

#include "core/ops/run_on_session.hpp"

namespace riverqueue::worker_runtime {

// `make(facts)` builds the operation for the session it will run on.
template <typename Result, typename Make>
Result run_operation(driver::session_source& sessions, bool in_transaction, Make&& make) {
    std::optional<Result> result;
    sessions.run(in_transaction, [&](driver::session& session) {
        result.emplace(core::ops::run(session, make(core::ops::facts_of(session))));
    });
    return std::move(*result);
}

}  // namespace riverqueue::worker_runtime
