// River Go's side of the worker benchmark (bench/cpp/worker_bench.cpp is the
// C++ side): inserts N jobs with InsertManyFast (not timed), then times
// River's own client working them with a no-op worker on one queue, from
// Start until every job is completed.
//
//	riverbench_work URL SCHEMA go_work JOBS FETCH_COOLDOWN_MS
//
// The client runs River's defaults (MaxWorkers 100, FetchPollInterval 1 s,
// JobTimeout 1 min, listening for insert notifications, leader election and
// maintenance), with FETCH_COOLDOWN_MS as FetchCooldown (River's default is
// 100). The clock starts just before Start and stops when the poll sees
// every job completed in the table, polled as the C++ side polls (every 20
// ms, an index-only EXISTS of available or running jobs on a connection of
// its own, then a count of the completed). Prints one JSON line like the C++
// side's:
//
//	seconds            until the poll saw every job completed in the table
//	finalized_seconds  the latest finalized_at in the table minus the start
//	                   (both the machine's wall clock): when the last job's
//	                   worker returned, which may be before its row is written
//	client_cpu_seconds, server_cpu_seconds  from the start until that poll
package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
)

// The same job as bench/go/main.go and bench/cpp/bench_job.hpp.
type benchArgs struct {
	CustomerID int    `json:"customer_id"`
	Email      string `json:"email"`
	Template   string `json:"template"`
	Locale     string `json:"locale"`
	Campaign   string `json:"campaign"`
}

func (benchArgs) Kind() string { return "bench_job" }

func job(n int) benchArgs {
	return benchArgs{CustomerID: n, Email: fmt.Sprintf("customer-%d@example.com", n), Template: "welcome_email_v2", Locale: "en-GB", Campaign: "autumn-2026"}
}

const (
	maxWorkers   = 100 // River's default
	pollInterval = time.Second
	pollEvery    = 20 * time.Millisecond
)

func main() {
	if len(os.Args) != 6 || os.Args[3] != "go_work" {
		fmt.Fprintln(os.Stderr, "usage: riverbench_work URL SCHEMA go_work JOBS FETCH_COOLDOWN_MS")
		os.Exit(2)
	}
	url, schema, contender := os.Args[1], os.Args[2], os.Args[3]
	jobs, err := strconv.Atoi(os.Args[4])
	check(err)
	cooldownMS, err := strconv.Atoi(os.Args[5])
	check(err)
	ctx := context.Background()
	// Five connections: River's notifier holds one for LISTEN, leaving four,
	// as the C++ side's pool_size 4 beside its own listening connection.
	poolConfig, err := pgxpool.ParseConfig(url)
	check(err)
	poolConfig.MaxConns = 5
	pool, err := pgxpool.NewWithConfig(ctx, poolConfig)
	check(err)
	defer pool.Close()
	// The poll for completed jobs and the CPU samples, on a connection of their
	// own, where a sequential scan would cost the server milliseconds a poll.
	poller, err := pgx.Connect(ctx, url)
	check(err)
	defer poller.Close(ctx)
	_, err = poller.Exec(ctx, "SET enable_seqscan = off")
	check(err)
	prefix := ""
	if schema != "" {
		prefix = schema + "."
	}
	_, err = pool.Exec(ctx, "TRUNCATE "+prefix+"river_job")
	check(err)

	workers := river.NewWorkers()
	river.AddWorker(workers, river.WorkFunc(func(context.Context, *river.Job[benchArgs]) error { return nil }))
	client, err := river.NewClient(riverpgxv5.New(pool), &river.Config{
		Schema:            schema,
		Queues:            map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: maxWorkers}},
		Workers:           workers,
		FetchCooldown:     time.Duration(cooldownMS) * time.Millisecond,
		FetchPollInterval: pollInterval,
		Logger:            slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
	})
	check(err)

	// The jobs, before the client starts (not timed).
	batch := make([]river.InsertManyParams, jobs)
	for i := range batch {
		batch[i] = river.InsertManyParams{Args: job(i)}
	}
	_, err = client.InsertManyFast(ctx, batch)
	check(err)

	deadline := time.Now().Add(60*time.Second + time.Duration(jobs)*10*time.Millisecond)
	serverBefore := serverCPUSeconds(ctx, poller)
	clientBefore := clientCPUSeconds()
	started := time.Now()
	check(client.Start(ctx))
	pendingSQL := "SELECT EXISTS (SELECT 1 FROM " + prefix + "river_job WHERE state IN ('available', 'running'))"
	for {
		var pending bool
		check(poller.QueryRow(ctx, pendingSQL, pgx.QueryExecModeSimpleProtocol).Scan(&pending))
		if !pending {
			break
		}
		if time.Now().After(deadline) {
			fmt.Fprintln(os.Stderr, "riverbench_work: the jobs were not all worked in time")
			os.Exit(1)
		}
		time.Sleep(pollEvery)
	}
	seconds := time.Since(started).Seconds()
	clientCPU := clientCPUSeconds() - clientBefore
	serverCPU := "null"
	if serverBefore != nil {
		serverCPU = fmt.Sprintf("%f", *serverCPUSeconds(ctx, poller)-*serverBefore)
	}
	var completed int
	check(poller.QueryRow(ctx, "SELECT count(*) FROM "+prefix+"river_job WHERE state = 'completed'").Scan(&completed))
	if completed != jobs {
		fmt.Fprintf(os.Stderr, "riverbench_work: %d of %d jobs completed\n", completed, jobs)
		os.Exit(1)
	}
	var lastFinalized float64
	check(poller.QueryRow(ctx, "SELECT extract(epoch FROM max(finalized_at))::float8 FROM "+prefix+"river_job").Scan(&lastFinalized))
	finalizedSeconds := lastFinalized - float64(started.UnixNano())/1e9

	stopCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	check(client.Stop(stopCtx))

	fmt.Printf("{\"contender\":%q,\"jobs\":%d,\"seconds\":%f,\"finalized_seconds\":%f,\"client_cpu_seconds\":%f,"+
		"\"server_cpu_seconds\":%s,\"max_workers\":%d,\"fetch_cooldown_ms\":%d,\"poll_interval_ms\":%d}\n",
		contender, jobs, seconds, finalizedSeconds, clientCPU, serverCPU, maxWorkers, cooldownMS, pollInterval.Milliseconds())
}

// clientCPUSeconds is the user and system CPU time of this process, all
// threads (the garbage collector included).
func clientCPUSeconds() float64 {
	var usage syscall.Rusage
	check(syscall.Getrusage(syscall.RUSAGE_SELF, &usage))
	return float64(usage.Utime.Nano()+usage.Stime.Nano()) / 1e9
}

// serverCPUSeconds samples bench/server_cpu.sql's function, or returns nil
// when BENCH_SERVER_CPU is not set.
func serverCPUSeconds(ctx context.Context, conn *pgx.Conn) *float64 {
	if os.Getenv("BENCH_SERVER_CPU") == "" {
		return nil
	}
	var seconds float64
	check(conn.QueryRow(ctx, "SELECT public.bench_server_cpu_seconds()").Scan(&seconds))
	return &seconds
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "riverbench_work:", err)
		os.Exit(1)
	}
}
