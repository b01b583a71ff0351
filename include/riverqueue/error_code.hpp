// The non-throwing forms of the client's calls: a std::error_code and a
// riverqueue::diagnostics in place of an exception (as Boost.MySQL offers
// both). Each form runs the same code as the throwing call; the exception it
// would have thrown becomes the code and the diagnostics:
//
//   riverqueue::diagnostics diag;
//   std::error_code ec;
//   const auto result = client.insert(args, {}, ec, diag);
//   if (ec == riverqueue::errc::validation) log(diag.field, diag.message);
//
// On success `ec` is cleared, `diag` emptied, and the call's result returned;
// on failure the result is value-initialised. The only exception that still
// leaves such a call is std::bad_alloc when even the diagnostics cannot be
// allocated.
#pragma once

#include <exception>
#include <string>
#include <system_error>
#include <type_traits>

namespace riverqueue {

// What went wrong, one value per exception family of errors.hpp.
enum class errc {
    validation = 1,       // validation_error: bad input, nothing sent (diagnostics::field says which)
    schema_missing,       // schema_error: River's tables are not there
    database,             // database_error: PostgreSQL refused a statement (diagnostics::sqlstate)
    connection,           // connection_error: no connection, or it broke; nothing committed
    outcome_unknown,      // connection_error with may_have_committed(): the write may have committed
    other,                // any other riverqueue::error or std::exception
};

const std::error_category& error_category() noexcept;
std::error_code make_error_code(errc e) noexcept;

// What the exception said.
struct diagnostics {
    std::string message;     // what() of the exception
    std::string field;       // validation: the field
    std::string sqlstate;    // database, schema_missing: PostgreSQL's SQLSTATE
    std::string constraint;  // database: the violated constraint, when PostgreSQL names one
    std::string schema;      // schema_missing: the schema looked in ("" for the search_path)

    void clear() noexcept;
};

// Sets `ec` and `diag` from `error` (an exception from this library or the
// standard library); clears both when `error` is null.
void to_error_code(const std::exception_ptr& error, std::error_code& ec, diagnostics& diag);

namespace detail {

// Runs `call` and returns its result, or reports its exception through `ec`
// and `diag` and returns a value-initialised result.
template <typename Call>
auto without_throwing(std::error_code& ec, diagnostics& diag, Call&& call) -> decltype(call()) {
    using result = decltype(call());
    try {
        if constexpr (std::is_void_v<result>) {
            call();
            to_error_code(nullptr, ec, diag);
            return;
        } else {
            result out = call();
            to_error_code(nullptr, ec, diag);
            return out;
        }
    } catch (const std::bad_alloc&) {
        throw;
    } catch (...) {
        to_error_code(std::current_exception(), ec, diag);
        if constexpr (!std::is_void_v<result>) return result{};
    }
}

}  // namespace detail
}  // namespace riverqueue

template <>
struct std::is_error_code_enum<riverqueue::errc> : std::true_type {};
