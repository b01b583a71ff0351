// An operation run in a transaction block of its own: BEGIN, the body, COMMIT;
// ROLLBACK when the body fails. For transports whose connections carry no
// transaction of their own (the Asio pipeline); the blocking client's
// session_source opens its transactions itself.
#pragma once

#include <exception>
#include <functional>
#include <optional>

#include "core/ops/operation.hpp"

namespace riverqueue::core::ops {

// `body` is made with the session's facts as they are inside the block.
template <typename T>
op<T> in_own_transaction(session_facts facts, std::function<op<T>(session_facts)> body) {
    co_await query({"BEGIN", {}, false, false});
    facts.in_transaction = true;
    std::optional<T> value;
    std::exception_ptr failure;
    try {
        value.emplace(co_await body(facts));
    } catch (...) {
        failure = std::current_exception();
    }
    if (failure) {
        try {
            co_await query({"ROLLBACK", {}, false, false});
        } catch (...) {
            // The connection is gone: the transaction went with it.
        }
        std::rethrow_exception(failure);
    }
    // Only the COMMIT may commit: a connection lost during it leaves the
    // outcome unknown, which the transport reports (commits_itself).
    co_await query({"COMMIT", {}, false, true});
    co_return std::move(*value);
}

}  // namespace riverqueue::core::ops
