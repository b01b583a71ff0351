// Error types thrown by riverqueue.
//
// Three families, so that callers can react differently to each:
//   * validation_error: the input broke one of River's rules; nothing was sent.
//   * connection_error: PostgreSQL could not be reached or the connection broke.
//   * database_error:   PostgreSQL rejected a statement; carries SQLSTATE.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

namespace riverqueue {

// Base of every exception this library throws.
class error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Bad input, detected before anything reaches the database. `field()` names the
// offending field (for example "queue" or "unique_opts.by_period"), `rule()`
// says what it must satisfy.
class validation_error : public error {
public:
    validation_error(std::string field, std::string rule);

    const std::string& field() const noexcept { return field_; }
    const std::string& rule() const noexcept { return rule_; }

private:
    std::string field_;
    std::string rule_;
};

// The connection could not be opened, or it broke while a call was in flight.
// When `may_have_committed()` is true the outcome of a write is unknown: the
// server may have committed it before the connection was lost. Passwords in
// the message (libpq echoes a malformed connection string) read ****.
class connection_error : public error {
public:
    explicit connection_error(std::string message, bool may_have_committed = false);

    bool may_have_committed() const noexcept { return may_have_committed_; }

private:
    bool may_have_committed_;
};

// `text` with passwords replaced by ****: those of postgres:// URIs
// (user:PASSWORD@) and password=... pairs, as connection_error does to its
// message. For programs that print what their users typed.
std::string redact_passwords(std::string_view text);

// PostgreSQL reported an error for a statement. what() is the message, the
// SQLSTATE, the detail and the hint.
class database_error : public error {
public:
    database_error(std::string sqlstate, std::string message, std::string detail,
                   std::string hint, std::string constraint);

    // Five-character SQLSTATE code, for example "23505" (unique_violation).
    const std::string& sqlstate() const noexcept { return sqlstate_; }
    // The primary message, without the severity prefix.
    const std::string& message() const noexcept { return message_; }
    const std::string& detail() const noexcept { return detail_; }
    const std::string& hint() const noexcept { return hint_; }
    // Name of the violated constraint, when PostgreSQL names one.
    const std::string& constraint() const noexcept { return constraint_; }

private:
    std::string sqlstate_;
    std::string message_;
    std::string detail_;
    std::string hint_;
    std::string constraint_;
};

// River's tables (or the schema holding them) are not there: the database
// was not migrated, or the client names another schema. A database_error
// (SQLSTATE 42P01, 3F000 or 42704, as PostgreSQL said it) whose message names
// the schema looked in and says how to create the tables.
class schema_error : public database_error {
public:
    // `schema` empty: the connection's search_path.
    schema_error(const database_error& cause, std::string schema);
    const std::string& schema() const noexcept { return schema_; }

private:
    std::string schema_;
};

}  // namespace riverqueue
