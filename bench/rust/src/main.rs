//! River's Rust client's side of the benchmark: times one contender inserting
//! N jobs of the same shape as the C++ and Go contenders, after truncating
//! river_job.
//!
//!     riverbench-rust URL SCHEMA CONTENDER JOBS
//!
//! Contenders: rust_insert, rust_insert_unique, rust_insert_many,
//! rust_insert_many_unique. Prints one JSON line like the other contenders,
//! with the client's and (when BENCH_SERVER_CPU is set) the server's CPU
//! seconds. The schema argument must be empty: River's tables in public.
use std::time::Instant;

use riverqueue::sqlx::postgres::PgPoolOptions;
use riverqueue::sqlx::PgPool;
use riverqueue::{Client, InsertOpts, JobArgs, UniqueOpts};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Deserialize, JobArgs, Serialize)]
#[river(kind = "bench_job")]
struct BenchArgs {
    customer_id: i64,
    email: String,
    template: String,
    locale: String,
    campaign: String,
}

fn job(n: i64) -> BenchArgs {
    BenchArgs {
        customer_id: n,
        email: format!("customer-{n}@example.com"),
        template: "welcome_email_v2".to_owned(),
        locale: "en-GB".to_owned(),
        campaign: "autumn-2026".to_owned(),
    }
}

fn client_cpu_seconds() -> f64 {
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) };
    let seconds = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    seconds(usage.ru_utime) + seconds(usage.ru_stime)
}

async fn server_cpu_seconds(pool: &PgPool) -> Option<f64> {
    if std::env::var("BENCH_SERVER_CPU").map_or(true, |v| v.is_empty()) {
        return None;
    }
    let (seconds,): (f64,) = riverqueue::sqlx::query_as("SELECT public.bench_server_cpu_seconds()")
        .fetch_one(pool)
        .await
        .expect("bench_server_cpu_seconds");
    Some(seconds)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let argv: Vec<String> = std::env::args().collect();
    if argv.len() != 5 || !argv[2].is_empty() {
        eprintln!("usage: riverbench-rust URL '' CONTENDER JOBS");
        std::process::exit(2);
    }
    let (url, contender) = (&argv[1], argv[3].as_str());
    let jobs: i64 = argv[4].parse()?;
    let pool = PgPoolOptions::new().connect(url).await?;
    riverqueue::sqlx::query("TRUNCATE river_job").execute(&pool).await?;
    let client = Client::builder(pool.clone()).build()?;
    let opts = || {
        if contender.ends_with("_unique") {
            InsertOpts::default().with_unique(UniqueOpts::new().with_by_args(true))
        } else {
            InsertOpts::default()
        }
    };
    let batch: Vec<(BenchArgs, InsertOpts)> = if contender.starts_with("rust_insert_many") {
        (0..jobs).map(|i| (job(i), opts())).collect()
    } else {
        Vec::new()
    };
    // Warm the pool so that connecting is not timed.
    client.insert(job(-1)).await?;
    riverqueue::sqlx::query("TRUNCATE river_job").execute(&pool).await?;

    let server_before = server_cpu_seconds(&pool).await;
    let client_before = client_cpu_seconds();
    let started = Instant::now();
    match contender {
        "rust_insert" | "rust_insert_unique" => {
            for i in 0..jobs {
                client.insert(job(i)).opts(opts()).await?;
            }
        }
        "rust_insert_many" | "rust_insert_many_unique" => {
            let results = client.insert_many(batch).await?;
            assert_eq!(results.len() as i64, jobs);
        }
        _ => {
            eprintln!("unknown contender {contender}");
            std::process::exit(2);
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    let client_cpu = client_cpu_seconds() - client_before;
    let server_cpu = match (server_before, server_cpu_seconds(&pool).await) {
        (Some(before), Some(after)) => format!("{:.6}", after - before),
        _ => "null".to_owned(),
    };
    println!(
        "{{\"contender\":\"{contender}\",\"jobs\":{jobs},\"seconds\":{seconds:.6},\"client_cpu_seconds\":{client_cpu:.6},\"server_cpu_seconds\":{server_cpu}}}"
    );
    Ok(())
}
