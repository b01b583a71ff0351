#include <riverqueue/errors.hpp>

#include <utility>

#include "core/redact.hpp"

namespace riverqueue {

validation_error::validation_error(std::string field, std::string rule)
    : error(field + ": " + rule), field_(std::move(field)), rule_(std::move(rule)) {}

std::string redact_passwords(std::string_view text) { return core::redact_passwords(text); }

// libpq echoes a malformed connection string, password included.
connection_error::connection_error(std::string message, bool may_have_committed)
    : error(core::redact_passwords(message)), may_have_committed_(may_have_committed) {}

database_error::database_error(std::string sqlstate, std::string message, std::string detail,
                               std::string hint, std::string constraint)
    : error(message + " (SQLSTATE " + sqlstate + ")" + (detail.empty() ? "" : ": " + detail) +
            (hint.empty() ? "" : " (hint: " + hint + ")")),
      sqlstate_(std::move(sqlstate)),
      message_(std::move(message)),
      detail_(std::move(detail)),
      hint_(std::move(hint)),
      constraint_(std::move(constraint)) {}

namespace {

std::string schema_words(const std::string& schema) {
    return schema.empty() ? std::string("the connection's search_path") : "schema \"" + schema + "\"";
}

}  // namespace

schema_error::schema_error(const database_error& cause, std::string schema)
    : database_error(cause.sqlstate(),
                     "River's tables were not found in " + schema_words(schema) + " (" + cause.message() +
                         "); create them with `riverqueue migrate up` or riverqueue::migrator",
                     cause.detail(), cause.hint(), cause.constraint()),
      schema_(std::move(schema)) {}

}  // namespace riverqueue
