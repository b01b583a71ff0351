// Peak memory per byte of args: one job whose args hold one large string,
// inserted on one path, in a process of its own (peak RSS only grows).
//   args_memory DATABASE_URL SCHEMA {insert|insert_unique|insert_many|insert_many_fast} MEBIBYTES
// Prints one JSON line: the args size, the peak RSS before the insert (the
// args already built) and after, and the growth as a multiple of the args.
#include <iostream>
#include <string>
#include <vector>

#include <riverqueue/client.hpp>
#include <riverqueue/connection.hpp>
#include <riverqueue/migrator.hpp>

#include "bench_job.hpp"

namespace rq = riverqueue;

int main(int argc, char** argv) {
    if (argc != 5) {
        std::cerr << "usage: args_memory DATABASE_URL SCHEMA {insert|insert_unique|insert_many|insert_many_fast} MEBIBYTES\n";
        return 2;
    }
    const std::string url = argv[1], schema = argv[2], path = argv[3];
    const std::size_t mebibytes = std::stoul(argv[4]);
    try {
        auto conn = rq::connection::open(url);
        conn.execute("CREATE SCHEMA IF NOT EXISTS \"" + schema + "\"");
        rq::migrator(schema).migrate_up(conn);
        rq::client_options options;
        options.conninfo = url;
        options.schema = schema;
        options.pool_size = 1;
        rq::client client(options);
        client.insert(rq::dynamic_args{"args_memory_warmup", "{}", {}}, {});

        // Built in place at its final size, so that the peak before the insert
        // is the args themselves (growing a string by doubling would leave a
        // transient peak that hides later copies).
        const std::string prefix = "{\"blob\":\"", suffix = "\"}";
        std::string args;
        args.reserve(prefix.size() + mebibytes * 1024 * 1024 + suffix.size());
        args += prefix;
        args.append(mebibytes * 1024 * 1024, 'x');
        args += suffix;
        rq::insert_opts opts;
        if (path == "insert_unique") opts.unique = rq::unique_opts{.by_args = rq::unique_by_args_all{}};
        const double before = bench::usage_now().max_rss_mb;
        if (path == "insert" || path == "insert_unique") {
            client.insert(rq::dynamic_args{"args_memory", std::move(args), {}}, opts);
        } else if (path == "insert_many" || path == "insert_many_fast") {
            std::vector<rq::insert_many_params> batch;
            batch.push_back({rq::dynamic_args{"args_memory", std::move(args), {}}, opts});
            if (path == "insert_many") client.insert_many(batch);
            else client.insert_many_fast(batch);
        } else {
            std::cerr << "args_memory: unknown path " << path << "\n";
            return 2;
        }
        const double after = bench::usage_now().max_rss_mb;
        const double size = static_cast<double>(mebibytes);
        std::cout << "{\"path\":\"" << path << "\",\"args_mib\":" << size << ",\"peak_before_mib\":" << before
                  << ",\"peak_after_mib\":" << after << ",\"growth_per_args_byte\":" << (after - before) / size
                  << "}\n";
    } catch (const std::exception& e) {
        std::cerr << "args_memory: " << e.what() << "\n";
        return 1;
    }
    return 0;
}
