// Uses the installed headers and library without any libpq header in sight.
//   consumer                      computes a unique key (no server needed)
//   consumer CONNINFO SCHEMA      also migrates SCHEMA (created, then dropped),
//                                 inserts a job there and reads it back
// Prints the library's version first; the build passes the version it
// expects (that of the package) as RIVERQUEUE_EXPECTED_VERSION when it knows it.
#include <exception>
#include <iostream>
#include <string>
#include <vector>

#include <riverqueue/riverqueue.hpp>

#ifdef LIBPQ_FE_H
#error "a public riverqueue header included libpq-fe.h"
#endif

namespace {

int fail(const std::string& what) {
    std::cerr << "consumer: " << what << "\n";
    return 1;
}

// River's schema in `schema`, one job inserted and read back, the schema dropped.
int against_database(const std::string& conninfo, const std::string& schema) {
    auto conn = riverqueue::connection::open(conninfo);
    conn.execute("CREATE SCHEMA " + schema);
    int status = 0;
    try {
        const std::vector<int> applied = riverqueue::migrator(schema).migrate_up(conn);
        riverqueue::client_options options;
        options.conninfo = conninfo;
        options.schema = schema;
        riverqueue::client client(options);
        const riverqueue::insert_result result =
            client.insert(riverqueue::dynamic_args{"consumer_job", R"({"from":"consumer"})", {}});
        std::cout << "migrated " << schema << " to version " << applied.back() << "; inserted job " << result.job.id
                  << " (" << result.job.kind << ", " << result.job.args << ", " << result.job.queue << ")\n";
        if (applied.back() != riverqueue::migrator::latest_version() || result.job.kind != "consumer_job" ||
            result.job.args != R"({"from": "consumer"})" || result.job.queue != "default") {
            status = fail("the inserted job is not the one sent");
        }
    } catch (const std::exception& e) {
        status = fail(e.what());
    }
    conn.execute("SET client_min_messages = warning");  // no NOTICE for each object dropped
    conn.execute("DROP SCHEMA " + schema + " CASCADE");
    return status;
}

}  // namespace

int main(int argc, char** argv) {
    std::cout << "riverqueue " << riverqueue::version() << " (headers " << riverqueue::header_version << ")\n";
    if (riverqueue::version() != riverqueue::header_version) return fail("headers and library differ in version");
#ifdef RIVERQUEUE_EXPECTED_VERSION
    if (riverqueue::version() != RIVERQUEUE_EXPECTED_VERSION) {
        return fail(std::string("expected version ") + RIVERQUEUE_EXPECTED_VERSION);
    }
#endif

    const auto key = riverqueue::compute_unique_key(
        riverqueue::unique_key_input{"consumer", R"({"id":1})", "default", std::nullopt, {}},
        riverqueue::unique_opts{.by_args = riverqueue::unique_by_args_all{}});
    std::cout << key.key_string << " " << key.hex() << "\n";
    if (key.key_string != R"(&kind=consumer&args={"id":1})") return fail("wrong unique key string");

    if (argc == 3) {
        try {
            return against_database(argv[1], argv[2]);
        } catch (const std::exception& e) {
            return fail(e.what());
        }
    }
    return argc == 1 ? 0 : fail("usage: consumer [CONNINFO SCHEMA]");
}
