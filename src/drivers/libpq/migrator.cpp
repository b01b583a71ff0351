// riverqueue::migrator: runs the core's migration operations (core/ops/migrate.hpp)
// on a driver's session, or on a libpq connection through the libpq driver's.
//
// Like River, it takes no lock: two migrators racing on one schema both read the
// same versions, and the slower one fails on an object the faster one created,
// with its version rolled back. Migrations are a deploy step, not a hot path.
#include <riverqueue/migrator.hpp>

#include <algorithm>

#include "core/identifiers.hpp"
#include "core/ops/migrate.hpp"
#include "core/ops/run_on_session.hpp"
#include "drivers/libpq/session.hpp"

namespace riverqueue {

migrator::migrator(std::string schema) : schema_(std::move(schema)) { core::validate_schema_name(schema_); }

int migrator::latest_version() noexcept { return core::latest_migration_version; }

std::vector<int> migrator::migrate_up(driver::session& session, std::optional<int> target_version) const {
    return core::ops::run(session, core::ops::migrate(core::ops::facts_of(session), schema_,
                                                      core::migration_direction::up, target_version));
}

std::vector<int> migrator::migrate_down(driver::session& session, std::optional<int> target_version) const {
    return core::ops::run(session, core::ops::migrate(core::ops::facts_of(session), schema_,
                                                      core::migration_direction::down, target_version));
}

std::vector<applied_migration> migrator::applied(driver::session& session) const {
    return core::ops::run(session, core::ops::read_applied(core::ops::facts_of(session), schema_));
}

std::vector<migration_version_status> migrator::status(driver::session& session) const {
    const auto recorded = applied(session);
    std::vector<migration_version_status> statuses;
    for (const auto& known : core::main_migrations()) {
        const bool applied_already = std::any_of(recorded.begin(), recorded.end(),
                                                 [&](const applied_migration& m) { return m.version == known.version; });
        statuses.push_back(migration_version_status{known.version, std::string(known.name), applied_already});
    }
    return statuses;
}

// A libpq connection: the libpq driver's session over it, which leaves no
// prepared statement behind.
std::vector<int> migrator::migrate_up(connection& conn, std::optional<int> target_version) const {
    libpq::session session(conn.native_handle());
    return migrate_up(session, target_version);
}

std::vector<int> migrator::migrate_down(connection& conn, std::optional<int> target_version) const {
    libpq::session session(conn.native_handle());
    return migrate_down(session, target_version);
}

std::vector<applied_migration> migrator::applied(connection& conn) const {
    libpq::session session(conn.native_handle());
    return applied(session);
}

std::vector<migration_version_status> migrator::status(connection& conn) const {
    libpq::session session(conn.native_handle());
    return status(session);
}

}  // namespace riverqueue
