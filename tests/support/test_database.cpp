#include "test_database.hpp"

#include <atomic>
#include <cstdlib>
#include <random>

#include <libpq-fe.h>

#include <riverqueue/migrator.hpp>

namespace riverqueue::testing {

std::string database_url() {
    for (const char* variable : {"DATABASE_URL", "RIVERQUEUE_TEST_DATABASE_URL"}) {
        if (const char* value = std::getenv(variable); value != nullptr && *value != '\0') return value;
    }
    ADD_FAILURE() << "no test database: set DATABASE_URL or run through ctest";
    return {};
}

std::string scalar(pg_conn* conn, const std::string& sql) {
    PGresult* result = PQexec(conn, sql.c_str());
    std::string value;
    const auto status = PQresultStatus(result);
    if (status == PGRES_TUPLES_OK && PQntuples(result) > 0) value = PQgetvalue(result, 0, 0);
    else if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
        ADD_FAILURE() << "query failed: " << sql << ": " << PQerrorMessage(conn);
    }
    PQclear(result);
    return value;
}

namespace {
std::string unique_schema_name() {
    static std::atomic<int> counter{0};
    std::random_device device;
    return "rq_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++) + "_" +
           std::to_string(device() % 1000000);
}
}  // namespace

scratch_schema::scratch_schema() : name_(unique_schema_name()) {
    auto conn = connection::open(database_url());
    conn.execute("CREATE SCHEMA \"" + name_ + "\"");
}

scratch_schema::~scratch_schema() {
    try {
        auto conn = connection::open(database_url());
        conn.execute("DROP SCHEMA \"" + name_ + "\" CASCADE");
    } catch (const std::exception& e) {
        ADD_FAILURE() << "dropping schema " << name_ << ": " << e.what();
    }
}

std::string scratch_schema::conninfo_with_search_path() const {
    const std::string url = database_url();
    const bool is_uri = url.rfind("postgres://", 0) == 0 || url.rfind("postgresql://", 0) == 0;
    if (!is_uri) return url + " options='-csearch_path=" + name_ + "'";
    return url + (url.find('?') == std::string::npos ? "?" : "&") + "options=-csearch_path%3D" + name_;
}

void migrated_schema_test::SetUp() {
    admin_ = connection::open(database_url());
    migrator(schema_.name()).migrate_up(admin_);
}

}  // namespace riverqueue::testing
