// River's schema migrations (the `main` line), applied as River applies them.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <riverqueue/connection.hpp>
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

    const std::string& schema() const noexcept { return schema_; }

private:
    std::string schema_;
};

}  // namespace riverqueue
