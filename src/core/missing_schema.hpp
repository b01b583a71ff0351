// Telling a missing River schema from other database errors, so that callers
// get a schema_error that says what to do instead of PostgreSQL's raw
// "relation does not exist".
#pragma once

#include <exception>
#include <string>
#include <string_view>

#include <riverqueue/errors.hpp>

namespace riverqueue::core {

// Whether `e` says that one of River's tables, its schema or its state type
// does not exist.
bool river_schema_missing(const database_error& e) noexcept;

// Runs `work`; a database_error that river_schema_missing recognises is
// thrown again as schema_error naming `schema`.
template <typename Work>
auto naming_missing_schema(std::string_view schema, Work&& work) {
    try {
        return work();
    } catch (const schema_error&) {
        throw;
    } catch (const database_error& e) {
        if (river_schema_missing(e)) throw schema_error(e, std::string(schema));
        throw;
    }
}

// The same for an error carried as an exception_ptr (the asynchronous
// client's completions): returns `error`, or a schema_error in its place.
std::exception_ptr naming_missing_schema(std::string_view schema, std::exception_ptr error);

}  // namespace riverqueue::core
