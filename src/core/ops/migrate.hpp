// River's migrations as operations (core/migrations.hpp has the SQL and the
// plans), so that the migrator runs on any driver's session, as River's
// rivermigrate does: each version in a transaction of its own, or, on a
// session already inside a transaction, all of them in it (River's
// MigrateTx).
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include <riverqueue/migrator.hpp>

#include "core/migrations.hpp"
#include "core/ops/operation.hpp"

namespace riverqueue::core::ops {

struct migration_table_state {
    bool exists = false;
    migration_table_layout layout = migration_table_layout::version_only;
};

// Whether `river_migration` exists and which layout it has: one statement,
// read only. Shared by the migrator and the clients' schema version probe.
op<migration_table_state> probe_migration_table(session_facts facts, std::string_view schema);

// The main line's versions recorded in `river_migration`, ascending (none
// without the table).
op<std::vector<applied_migration>> read_applied(session_facts facts, std::string_view schema);

// Applies (up) or reverts (down) the versions River would for `target`
// (core::plan_migrate_up / plan_migrate_down); returns them in order. A failed
// version's error names it as River does ("error applying version 005 [UP]: ...").
op<std::vector<int>> migrate(session_facts facts, std::string_view schema, migration_direction direction,
                             std::optional<int> target);

}  // namespace riverqueue::core::ops
