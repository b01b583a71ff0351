-- bench_server_cpu_seconds(): CPU seconds the whole PostgreSQL server has used
-- so far (user + system), read from /proc by the server itself, so that every
-- contender (C++, Go, Python, psql) can sample it around its timed section
-- with one query and report how much of its run the server spent working.
--
-- The server is the postmaster plus its children: live children are the
-- processes in pg_stat_activity (backends, checkpointer, walwriter,
-- autovacuum...), and children that have exited are counted in the
-- postmaster's cutime/cstime once it has reaped them. Needs a superuser (or
-- pg_read_server_files) and a server on Linux; bench/run.sh creates it in the
-- public schema of its own throwaway server.
CREATE OR REPLACE FUNCTION public.bench_server_cpu_seconds() RETURNS double precision
LANGUAGE sql VOLATILE AS $$
  WITH processes AS (
    SELECT split_part(pg_read_file('postmaster.pid'), E'\n', 1)::int AS pid, true AS is_postmaster
    UNION
    SELECT pid, false FROM pg_stat_activity WHERE pid IS NOT NULL
  ),
  -- /proc/PID/stat after the parenthesised command name: field 1 is the state,
  -- 12 and 13 utime and stime, 14 and 15 cutime and cstime (in clock ticks).
  fields AS (
    SELECT is_postmaster,
           string_to_array(split_part(pg_read_file('/proc/' || pid || '/stat', 0, 4096, true), ') ', 2), ' ') AS f
    FROM processes
  )
  SELECT coalesce(sum(f[12]::bigint + f[13]::bigint
                      + CASE WHEN is_postmaster THEN f[14]::bigint + f[15]::bigint ELSE 0 END), 0)::double precision
         / 100.0  -- USER_HZ, 100 on Linux
  FROM fields
  WHERE f IS NOT NULL
$$;
