// River Go's side of the benchmark: times one contender inserting N jobs of
// the same shape as the C++ contenders, after truncating river_job.
//
//	riverbench URL SCHEMA CONTENDER JOBS
//
// Contenders: go_insert, go_insert_unique, go_insert_many, go_insert_many_unique,
// go_insert_many_fast. Prints one JSON line like the C++ benchmark, with the
// client's and (when BENCH_SERVER_CPU is set) the server's CPU seconds.
package main

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
)

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

func main() {
	if len(os.Args) != 5 {
		fmt.Fprintln(os.Stderr, "usage: riverbench URL SCHEMA CONTENDER JOBS")
		os.Exit(2)
	}
	url, schema, contender := os.Args[1], os.Args[2], os.Args[3]
	jobs, _ := strconv.Atoi(os.Args[4])
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, url)
	check(err)
	defer pool.Close()
	table := "river_job"
	if schema != "" {
		table = schema + ".river_job"
	}
	_, err = pool.Exec(ctx, "TRUNCATE "+table)
	check(err)
	client, err := river.NewClient(riverpgxv5.New(pool), &river.Config{Schema: schema})
	check(err)
	var opts *river.InsertOpts
	if strings.HasSuffix(contender, "_unique") {
		opts = &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true}}
	}
	var batch []river.InsertManyParams
	for i := 0; strings.HasPrefix(contender, "go_insert_many") && i < jobs; i++ {
		batch = append(batch, river.InsertManyParams{Args: job(i), InsertOpts: opts})
	}
	// Warm the pool so that connecting is not timed.
	_, err = client.Insert(ctx, benchArgs{}, nil)
	check(err)
	_, err = pool.Exec(ctx, "TRUNCATE "+table)
	check(err)

	serverBefore := serverCPUSeconds(ctx, pool)
	clientBefore := clientCPUSeconds()
	started := time.Now()
	switch contender {
	case "go_insert", "go_insert_unique":
		for i := 0; i < jobs; i++ {
			_, err = client.Insert(ctx, job(i), opts)
			check(err)
		}
	case "go_insert_many", "go_insert_many_unique":
		_, err = client.InsertMany(ctx, batch)
		check(err)
	case "go_insert_many_fast":
		_, err = client.InsertManyFast(ctx, batch)
		check(err)
	default:
		fmt.Fprintln(os.Stderr, "unknown contender", contender)
		os.Exit(2)
	}
	seconds := time.Since(started).Seconds()
	clientCPU := clientCPUSeconds() - clientBefore
	serverCPU := "null"
	if serverBefore != nil {
		serverCPU = fmt.Sprintf("%f", *serverCPUSeconds(ctx, pool)-*serverBefore)
	}
	fmt.Printf("{\"contender\":%q,\"jobs\":%d,\"seconds\":%f,\"client_cpu_seconds\":%f,\"server_cpu_seconds\":%s}\n",
		contender, jobs, seconds, clientCPU, serverCPU)
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
func serverCPUSeconds(ctx context.Context, pool *pgxpool.Pool) *float64 {
	if os.Getenv("BENCH_SERVER_CPU") == "" {
		return nil
	}
	var seconds float64
	check(pool.QueryRow(ctx, "SELECT public.bench_server_cpu_seconds()").Scan(&seconds))
	return &seconds
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "riverbench:", err)
		os.Exit(1)
	}
}
