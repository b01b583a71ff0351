// River's schema migrations (the `main` line), applied as River applies them.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <riverqueue/connection.hpp>
#include <riverqueue/driver.hpp>
#include <riverqueue/insert_opts.hpp>

namespace riverqueue {

struct applied_migration {
    int version = 0;
    time_point created_at{};
};

struct migration_version_status {
    int version = 0;
    // Short description of what the version brings.
    std::string name;
    bool applied = false;
};

class migrator {
public:
    // `schema` empty means the connection's current schema (search_path).
    // Throws validation_error for a schema name River would refuse.
    explicit migrator(std::string schema = {});

    // The newest version this library knows.
    static int latest_version() noexcept;

    // Applies every version above the current one up to `target_version`
    // (default: the newest). Each version runs in its own transaction.
    // Returns the versions applied, in order; empty when there was nothing to do.
    std::vector<int> migrate_up(connection& conn, std::optional<int> target_version = {}) const;

    // Reverts versions down to, but not including, `target_version`
    // (0 removes everything). Without a target, reverts one version, as River does.
    // Returns the versions reverted, in order.
    std::vector<int> migrate_down(connection& conn, std::optional<int> target_version = {}) const;

    // Versions recorded in river_migration, ascending.
    std::vector<applied_migration> applied(connection& conn) const;

    // Every known version with whether it is applied.
    std::vector<migration_version_status> status(connection& conn) const;

    // The same on any driver's session (a pqxx::nontransaction through
    // riverqueue::libpqxx::session, say). On a session outside a transaction
    // each version runs in a transaction of its own; on one inside a
    // transaction every version runs in it, as River's MigrateTx does, and
    // nothing is committed: from below version 4 up to 6 or later fails
    // there (database_error 55P04: version 6 uses the state version 4 adds,
    // which PostgreSQL allows only once committed), as in River.
    std::vector<int> migrate_up(driver::session& session, std::optional<int> target_version = {}) const;
    std::vector<int> migrate_down(driver::session& session, std::optional<int> target_version = {}) const;
    std::vector<applied_migration> applied(driver::session& session) const;
    std::vector<migration_version_status> status(driver::session& session) const;

    const std::string& schema() const noexcept { return schema_; }

private:
    std::string schema_;
};

}  // namespace riverqueue
