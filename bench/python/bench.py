"""River's Python client (riverqueue 0.7.0) on the benchmark's job shape.

    python bench.py URL SCHEMA CONTENDER JOBS

Contenders: python_insert, python_insert_many. Prints one
JSON line like the other contenders, with the client's and (when
BENCH_SERVER_CPU is set) the server's CPU seconds. riverqueue 0.7.0 has no
schema option, so SCHEMA must be empty (the connection's search_path).
No unique variant: riverqueue 0.7.0 has none in insert_many, and its unique
insert targets River's old (kind, unique_key) index, which River v0.51.2's
schema no longer has (PostgreSQL rejects its ON CONFLICT clause).
"""
import json
import os
import sys
import time
from dataclasses import dataclass

import riverqueue
import sqlalchemy
from riverqueue.driver import riversqlalchemy


@dataclass
class BenchArgs:
    customer_id: int
    kind: str = "bench_job"

    def to_json(self) -> str:
        return json.dumps(
            {
                "customer_id": self.customer_id,
                "email": f"customer-{self.customer_id}@example.com",
                "template": "welcome_email_v2",
                "locale": "en-GB",
                "campaign": "autumn-2026",
            },
            separators=(",", ":"),
        )


def server_cpu_seconds(engine: sqlalchemy.Engine) -> float | None:
    """Samples bench/server_cpu.sql's function, or None without BENCH_SERVER_CPU."""
    if not os.environ.get("BENCH_SERVER_CPU"):
        return None
    with engine.connect() as conn:
        return conn.execute(sqlalchemy.text("SELECT public.bench_server_cpu_seconds()")).scalar_one()


def main() -> None:
    url, schema, contender, jobs = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    if schema:
        sys.exit("riverqueue 0.7.0 has no schema option; run with an empty SCHEMA")
    engine = sqlalchemy.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.begin() as conn:
        conn.execute(sqlalchemy.text("TRUNCATE river_job"))
    client = riverqueue.Client(riversqlalchemy.Driver(engine))
    client.insert(BenchArgs(customer_id=-1))  # warm the pool
    with engine.begin() as conn:
        conn.execute(sqlalchemy.text("TRUNCATE river_job"))

    batch = [BenchArgs(customer_id=i) for i in range(jobs)]
    server_before = server_cpu_seconds(engine)
    client_before = time.process_time()
    started = time.perf_counter()
    if contender == "python_insert":
        for args in batch:
            client.insert(args)
    elif contender == "python_insert_many":
        client.insert_many(batch)
    else:
        sys.exit(f"unknown contender {contender}")
    seconds = time.perf_counter() - started
    client_cpu = time.process_time() - client_before
    server_after = server_cpu_seconds(engine)
    server_cpu = None if server_before is None else server_after - server_before
    print(json.dumps({"contender": contender, "jobs": jobs, "seconds": seconds,
                      "client_cpu_seconds": client_cpu, "server_cpu_seconds": server_cpu}))


if __name__ == "__main__":
    main()
