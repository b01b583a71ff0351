// libpqxx's exceptions as the library's: database_error with SQLSTATE for a
// refused statement, connection_error (saying whether a write may have
// committed) for a lost connection.
#pragma once

#include <pqxx/except>

#include <riverqueue/errors.hpp>

namespace riverqueue::libpqxx {

template <typename Work>
auto rethrown_as_riverqueue_errors(bool may_have_committed, Work&& work) {
    try {
        return work();
    } catch (const ::pqxx::in_doubt_error& e) {
        throw connection_error(e.what(), true);
    } catch (const ::pqxx::broken_connection& e) {
        throw connection_error(e.what(), may_have_committed);
    } catch (const ::pqxx::sql_error& e) {
        // libpqxx 6 keeps only the SQLSTATE and the server's full message.
        throw database_error(e.sqlstate(), e.what(), {}, {}, {});
    }
}

}  // namespace riverqueue::libpqxx
