// An operation run in a savepoint of the caller's transaction: released when
// it succeeds; when it fails, rolled back to (and released), which leaves the
// caller's transaction usable, then the failure is rethrown.
#pragma once

#include <exception>
#include <optional>
#include <string>
#include <string_view>

#include "core/ops/operation.hpp"

namespace riverqueue::core::ops {

namespace detail {
inline op<void> simple_statement(std::string sql) { co_await query({sql, {}, false, false}); }
}  // namespace detail

template <typename T>
op<T> in_savepoint(std::string_view name, op<T> body) {
    const std::string savepoint(name);
    co_await detail::simple_statement("SAVEPOINT " + savepoint);
    std::optional<T> value;
    std::exception_ptr failure;
    try {
        value.emplace(co_await std::move(body));
    } catch (...) {
        failure = std::current_exception();
    }
    if (!failure) {
        co_await detail::simple_statement("RELEASE SAVEPOINT " + savepoint);
        co_return std::move(*value);
    }
    try {
        co_await detail::simple_statement("ROLLBACK TO SAVEPOINT " + savepoint);
        co_await detail::simple_statement("RELEASE SAVEPOINT " + savepoint);
    } catch (...) {
        // The connection is gone or unusable: the original error says more.
    }
    std::rethrow_exception(failure);
}

}  // namespace riverqueue::core::ops
