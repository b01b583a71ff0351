// River's migration SQL, version by version: data, kept apart from the
// logic that renders and plans it (migrations.cpp).
#include <array>

#include "core/migrations.hpp"

namespace riverqueue::core {
namespace {

// The SQL must leave PostgreSQL's catalogs exactly as River's migrations do:
// same statements in the same order (unnamed indexes and constraints get the
// same generated names, e.g. `river_migration_pkey1` after version 5), same
// expressions (`length` vs `char_length`, `now()` vs `CURRENT_TIMESTAMP`), and
// function bodies byte for byte, since PostgreSQL stores those verbatim.
//
// A few statements occur twice (an up creates what a later down recreates); they
// are written once and joined into both versions at compile time.

// The concatenation of `parts`, as one string with static storage.
template <const std::string_view&... parts>
struct joined_sql {
    static constexpr std::size_t size = (parts.size() + ...);
    static constexpr std::array<char, size> chars = [] {
        std::array<char, size> out{};
        std::size_t at = 0;
        for (const std::string_view part : {parts...}) {
            for (const char c : part) out[at++] = c;
        }
        return out;
    }();
};
template <const std::string_view&... parts>
constexpr std::string_view join_sql{joined_sql<parts...>::chars.data(),
                                    joined_sql<parts...>::size};

// The original `river_migration` layout, keyed by version alone.
constexpr std::string_view create_version_only_migration_table = R"sql(
CREATE TABLE ${schema}river_migration(
  id bigserial PRIMARY KEY,
  created_at timestamptz NOT NULL DEFAULT NOW(),
  version bigint NOT NULL,
  CONSTRAINT version CHECK (version >= 1)
);

CREATE UNIQUE INDEX ON ${schema}river_migration USING btree(version);
)sql";

// The insert trigger River used for LISTEN/NOTIFY until version 4.
constexpr std::string_view create_job_notify_trigger = R"sql(
CREATE OR REPLACE FUNCTION ${schema}river_job_notify()
  RETURNS TRIGGER
  AS $$
DECLARE
  payload json;
BEGIN
  IF NEW.state = 'available' THEN
    -- Notify will coalesce duplicate notifications within a transaction, so
    -- keep these payloads generalized:
    payload = json_build_object('queue', NEW.queue);
    PERFORM
      pg_notify('river_insert', payload::text);
  END IF;
  RETURN NULL;
END;
$$
LANGUAGE plpgsql;

CREATE TRIGGER river_notify
  AFTER INSERT ON ${schema}river_job
  FOR EACH ROW
  EXECUTE PROCEDURE ${schema}river_job_notify();
)sql";

// Tables River added in version 5 for a feature it never shipped, and dropped
// in version 7.
constexpr std::string_view create_client_tables = R"sql(
CREATE UNLOGGED TABLE ${schema}river_client (
    id text PRIMARY KEY NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    metadata jsonb NOT NULL DEFAULT '{}',
    paused_at timestamptz,
    updated_at timestamptz NOT NULL,
    CONSTRAINT name_length CHECK (char_length(id) > 0 AND char_length(id) < 128)
);

CREATE UNLOGGED TABLE ${schema}river_client_queue (
    river_client_id text NOT NULL REFERENCES ${schema}river_client (id) ON DELETE CASCADE,
    name text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    max_workers bigint NOT NULL DEFAULT 0,
    metadata jsonb NOT NULL DEFAULT '{}',
    num_jobs_completed bigint NOT NULL DEFAULT 0,
    num_jobs_running bigint NOT NULL DEFAULT 0,
    updated_at timestamptz NOT NULL,
    PRIMARY KEY (river_client_id, name),
    CONSTRAINT name_length CHECK (char_length(name) > 0 AND char_length(name) < 128),
    CONSTRAINT num_jobs_completed_zero_or_positive CHECK (num_jobs_completed >= 0),
    CONSTRAINT num_jobs_running_zero_or_positive CHECK (num_jobs_running >= 0)
);
)sql";

constexpr std::string_view version_1_up = create_version_only_migration_table;

constexpr std::string_view version_1_down = R"sql(
DROP TABLE ${schema}river_migration;
)sql";

// Columns are ordered for alignment (8-byte values first); the order is part of
// the contract, since `SELECT *` and pg_dump both show it.
constexpr std::string_view version_2_up_jobs = R"sql(
CREATE TYPE ${schema}river_job_state AS ENUM(
  'available',
  'cancelled',
  'completed',
  'discarded',
  'retryable',
  'running',
  'scheduled'
);

CREATE TABLE ${schema}river_job(
  id bigserial PRIMARY KEY,
  state ${schema}river_job_state NOT NULL DEFAULT 'available',
  attempt smallint NOT NULL DEFAULT 0,
  max_attempts smallint NOT NULL,
  attempted_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT NOW(),
  finalized_at timestamptz,
  scheduled_at timestamptz NOT NULL DEFAULT NOW(),
  priority smallint NOT NULL DEFAULT 1,
  args jsonb,
  attempted_by text[],
  errors jsonb[],
  kind text NOT NULL,
  metadata jsonb NOT NULL DEFAULT '{}',
  queue text NOT NULL DEFAULT 'default',
  tags varchar(255)[],
  CONSTRAINT finalized_or_finalized_at_null CHECK ((state IN ('cancelled', 'completed', 'discarded') AND finalized_at IS NOT NULL) OR finalized_at IS NULL),
  CONSTRAINT max_attempts_is_positive CHECK (max_attempts > 0),
  CONSTRAINT priority_in_range CHECK (priority >= 1 AND priority <= 4),
  CONSTRAINT queue_length CHECK (char_length(queue) > 0 AND char_length(queue) < 128),
  CONSTRAINT kind_length CHECK (char_length(kind) > 0 AND char_length(kind) < 128)
);

CREATE INDEX river_job_kind ON ${schema}river_job USING btree(kind);
CREATE INDEX river_job_state_and_finalized_at_index ON ${schema}river_job USING btree(state, finalized_at) WHERE finalized_at IS NOT NULL;
CREATE INDEX river_job_prioritized_fetching_index ON ${schema}river_job USING btree(state, queue, priority, scheduled_at, id);
CREATE INDEX river_job_args_index ON ${schema}river_job USING GIN(args);
CREATE INDEX river_job_metadata_index ON ${schema}river_job USING GIN(metadata);
)sql";
constexpr std::string_view version_2_up_leader = R"sql(
CREATE UNLOGGED TABLE ${schema}river_leader(
  elected_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  leader_id text NOT NULL,
  name text PRIMARY KEY,
  CONSTRAINT name_length CHECK (char_length(name) > 0 AND char_length(name) < 128),
  CONSTRAINT leader_id_length CHECK (char_length(leader_id) > 0 AND char_length(leader_id) < 128)
);
)sql";
constexpr std::string_view version_2_up =
    join_sql<version_2_up_jobs, create_job_notify_trigger, version_2_up_leader>;

constexpr std::string_view version_2_down = R"sql(
DROP TABLE ${schema}river_job;
DROP FUNCTION ${schema}river_job_notify;
DROP TYPE ${schema}river_job_state;
DROP TABLE ${schema}river_leader;
)sql";

// The default goes on before the backfill so that rows inserted meanwhile get it.
constexpr std::string_view version_3_up = R"sql(
ALTER TABLE ${schema}river_job ALTER COLUMN tags SET DEFAULT '{}';
UPDATE ${schema}river_job SET tags = '{}' WHERE tags IS NULL;
ALTER TABLE ${schema}river_job ALTER COLUMN tags SET NOT NULL;
)sql";

constexpr std::string_view version_3_down = R"sql(
ALTER TABLE ${schema}river_job
  ALTER COLUMN tags DROP NOT NULL,
  ALTER COLUMN tags DROP DEFAULT;
)sql";

// `args` gets a temporary default only to backfill NULLs; `metadata` keeps its.
// The 'pending' value is added here but first used by version 6, which must run
// in a later transaction: PostgreSQL refuses a new enum value in the
// transaction that added it.
constexpr std::string_view version_4_up = R"sql(
ALTER TABLE ${schema}river_job ALTER COLUMN args SET DEFAULT '{}';
UPDATE ${schema}river_job SET args = '{}' WHERE args IS NULL;
ALTER TABLE ${schema}river_job ALTER COLUMN args SET NOT NULL;
ALTER TABLE ${schema}river_job ALTER COLUMN args DROP DEFAULT;

ALTER TABLE ${schema}river_job ALTER COLUMN metadata SET DEFAULT '{}';
UPDATE ${schema}river_job SET metadata = '{}' WHERE metadata IS NULL;
ALTER TABLE ${schema}river_job ALTER COLUMN metadata SET NOT NULL;

ALTER TYPE ${schema}river_job_state ADD VALUE IF NOT EXISTS 'pending' AFTER 'discarded';

ALTER TABLE ${schema}river_job DROP CONSTRAINT finalized_or_finalized_at_null;
ALTER TABLE ${schema}river_job ADD CONSTRAINT finalized_or_finalized_at_null CHECK (
  (finalized_at IS NULL AND state NOT IN ('cancelled', 'completed', 'discarded')) OR
  (finalized_at IS NOT NULL AND state IN ('cancelled', 'completed', 'discarded'))
);

DROP TRIGGER river_notify ON ${schema}river_job;
DROP FUNCTION ${schema}river_job_notify;

CREATE TABLE ${schema}river_queue (
  name text PRIMARY KEY NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  metadata jsonb NOT NULL DEFAULT '{}' ::jsonb,
  paused_at timestamptz,
  updated_at timestamptz NOT NULL
);

ALTER TABLE ${schema}river_leader
  ALTER COLUMN name SET DEFAULT 'default',
  DROP CONSTRAINT name_length,
  ADD CONSTRAINT name_length CHECK (name = 'default');
)sql";

// An enum value cannot be dropped safely, so 'pending' stays.
constexpr std::string_view version_4_down_jobs = R"sql(
ALTER TABLE ${schema}river_job ALTER COLUMN args DROP NOT NULL;

ALTER TABLE ${schema}river_job ALTER COLUMN metadata DROP NOT NULL;
ALTER TABLE ${schema}river_job ALTER COLUMN metadata DROP DEFAULT;

ALTER TABLE ${schema}river_job DROP CONSTRAINT finalized_or_finalized_at_null;
ALTER TABLE ${schema}river_job ADD CONSTRAINT finalized_or_finalized_at_null CHECK (
  (state IN ('cancelled', 'completed', 'discarded') AND finalized_at IS NOT NULL) OR finalized_at IS NULL
);
)sql";
constexpr std::string_view version_4_down_queue_and_leader = R"sql(
DROP TABLE ${schema}river_queue;

ALTER TABLE ${schema}river_leader
  ALTER COLUMN name DROP DEFAULT,
  DROP CONSTRAINT name_length,
  ADD CONSTRAINT name_length CHECK (char_length(name) > 0 AND char_length(name) < 128);
)sql";
constexpr std::string_view version_4_down =
    join_sql<version_4_down_jobs, create_job_notify_trigger, version_4_down_queue_and_leader>;

// `river_migration` is rebuilt keyed by (line, version). The rebuild is skipped
// when the table is missing: River tolerates schemas managed by another
// migration tool, which never ran version 1.
constexpr std::string_view version_5_up_migration_and_jobs = R"sql(
DO
$body$
BEGIN
  IF (SELECT to_regclass('${schema}river_migration') IS NOT NULL) THEN
    ALTER TABLE ${schema}river_migration
      RENAME TO river_migration_old;

    CREATE TABLE ${schema}river_migration(
      line TEXT NOT NULL,
      version bigint NOT NULL,
      created_at timestamptz NOT NULL DEFAULT NOW(),
      CONSTRAINT line_length CHECK (char_length(line) > 0 AND char_length(line) < 128),
      CONSTRAINT version_gte_1 CHECK (version >= 1),
      PRIMARY KEY (line, version)
    );

    INSERT INTO ${schema}river_migration
      (created_at, line, version)
    SELECT created_at, 'main', version
    FROM ${schema}river_migration_old;

    DROP TABLE ${schema}river_migration_old;
  END IF;
END;
$body$
LANGUAGE 'plpgsql';

-- IF NOT EXISTS: River's changelog tells owners of large tables to build the
-- index CONCURRENTLY beforehand, then run this version.
ALTER TABLE ${schema}river_job
  ADD COLUMN IF NOT EXISTS unique_key bytea;

CREATE UNIQUE INDEX IF NOT EXISTS river_job_kind_unique_key_idx ON ${schema}river_job (kind, unique_key) WHERE unique_key IS NOT NULL;
)sql";
constexpr std::string_view version_5_up =
    join_sql<version_5_up_migration_and_jobs, create_client_tables>;

// Going back to a version-only table would lose other lines' rows, so it is
// refused when there are any.
constexpr std::string_view version_5_down_rename = R"sql(
DO
$body$
BEGIN
  IF (SELECT to_regclass('${schema}river_migration') IS NOT NULL) THEN
    IF EXISTS (
      SELECT *
      FROM ${schema}river_migration
      WHERE line <> 'main'
    ) THEN
      RAISE EXCEPTION 'Found non-main migration lines in the database; version 005 migration is irreversible because it would result in loss of migration information.';
    END IF;

    ALTER TABLE ${schema}river_migration
      RENAME TO river_migration_old;
)sql";
constexpr std::string_view version_5_down_copy_and_rest = R"sql(
    INSERT INTO ${schema}river_migration
      (created_at, version)
    SELECT created_at, version
    FROM ${schema}river_migration_old;

    DROP TABLE ${schema}river_migration_old;
  END IF;
END;
$body$
LANGUAGE 'plpgsql';

ALTER TABLE ${schema}river_job
  DROP COLUMN unique_key;

DROP TABLE ${schema}river_client_queue;
DROP TABLE ${schema}river_client;
)sql";
constexpr std::string_view version_5_down = join_sql<version_5_down_rename,
    create_version_only_migration_table, version_5_down_copy_and_rest>;

// Unique jobs keyed by a bitmask of states: bit 7 - n is set when the n-th state
// in alphabetical order counts as a duplicate.
constexpr std::string_view version_6_up = R"sql(
CREATE OR REPLACE FUNCTION ${schema}river_job_state_in_bitmask(bitmask BIT(8), state ${schema}river_job_state)
RETURNS boolean
LANGUAGE SQL
IMMUTABLE
AS $$
    SELECT CASE state
        WHEN 'available' THEN get_bit(bitmask, 7)
        WHEN 'cancelled' THEN get_bit(bitmask, 6)
        WHEN 'completed' THEN get_bit(bitmask, 5)
        WHEN 'discarded' THEN get_bit(bitmask, 4)
        WHEN 'pending'   THEN get_bit(bitmask, 3)
        WHEN 'retryable' THEN get_bit(bitmask, 2)
        WHEN 'running'   THEN get_bit(bitmask, 1)
        WHEN 'scheduled' THEN get_bit(bitmask, 0)
        ELSE 0
    END = 1;
$$;

-- IF NOT EXISTS: the column and index may have been built by hand beforehand,
-- CONCURRENTLY, as River's changelog suggests for large tables.
ALTER TABLE ${schema}river_job ADD COLUMN IF NOT EXISTS unique_states BIT(8);

CREATE UNIQUE INDEX IF NOT EXISTS river_job_unique_idx ON ${schema}river_job (unique_key)
  WHERE unique_key IS NOT NULL
    AND unique_states IS NOT NULL
    AND ${schema}river_job_state_in_bitmask(unique_states, state);

DROP INDEX ${schema}river_job_kind_unique_key_idx;
)sql";

constexpr std::string_view version_6_down = R"sql(
DROP INDEX ${schema}river_job_unique_idx;

ALTER TABLE ${schema}river_job
  DROP COLUMN unique_states;

CREATE UNIQUE INDEX IF NOT EXISTS river_job_kind_unique_key_idx ON ${schema}river_job (kind, unique_key) WHERE unique_key IS NOT NULL;

DROP FUNCTION ${schema}river_job_state_in_bitmask;
)sql";

// The SQLite JSONB part of River's version 7 changes nothing on PostgreSQL.
constexpr std::string_view version_7_up = R"sql(
CREATE TABLE ${schema}river_notification (
  id bigserial PRIMARY KEY,
  created_at timestamptz NOT NULL DEFAULT now(),
  payload text NOT NULL,
  topic text NOT NULL,
  CONSTRAINT topic_length CHECK (length(topic) > 0 AND length(topic) < 128)
);

CREATE INDEX river_notification_created_at_idx ON ${schema}river_notification (created_at);
CREATE INDEX river_notification_topic_id_idx ON ${schema}river_notification (topic, id);

DROP TABLE ${schema}river_client_queue;
DROP TABLE ${schema}river_client;

ALTER TABLE ${schema}river_job
  ALTER COLUMN max_attempts SET DEFAULT 25;

ALTER TABLE ${schema}river_queue
  ALTER COLUMN updated_at SET DEFAULT CURRENT_TIMESTAMP;
)sql";

constexpr std::string_view version_7_down_rest = R"sql(
ALTER TABLE ${schema}river_job
  ALTER COLUMN max_attempts DROP DEFAULT;

ALTER TABLE ${schema}river_queue
  ALTER COLUMN updated_at DROP DEFAULT;

DROP TABLE ${schema}river_notification;
)sql";
constexpr std::string_view version_7_down = join_sql<create_client_tables, version_7_down_rest>;

// Version 8 matters only to SQLite; PostgreSQL sequences never reuse IDs. It
// still runs a statement so that the version is recorded like any other.
constexpr std::string_view version_8_no_op = R"sql(
SELECT 1;
)sql";

constexpr std::array<migration, latest_migration_version> all_migrations{{
    {1, "create river migration", version_1_up, version_1_down},
    {2, "initial schema", version_2_up, version_2_down},
    {3, "river job tags non null", version_3_up, version_3_down},
    {4, "pending and more", version_4_up, version_4_down},
    {5, "migration unique client", version_5_up, version_5_down},
    {6, "bulk unique", version_6_up, version_6_down},
    {7, "notification outbox sqlite jsonb and sql cleanup", version_7_up, version_7_down},
    {8, "job id autoincrement", version_8_no_op, version_8_no_op},
}};

}  // namespace

std::span<const migration> main_migrations() noexcept { return all_migrations; }

}  // namespace riverqueue::core
