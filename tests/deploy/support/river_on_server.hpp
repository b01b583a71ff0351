// River's tables on a postgres_server, and a client inserting into them: what
// the TLS and password tests share. Header-only, as the deploy target builds
// support/servers.cpp and the *_test.cpp files only.
#pragma once

#include <gtest/gtest.h>

#include <exception>
#include <string>
#include <string_view>

#include <riverqueue/client.hpp>
#include <riverqueue/connection.hpp>
#include <riverqueue/errors.hpp>
#include <riverqueue/migrator.hpp>

#include "support/servers.hpp"
#include "support/test_database.hpp"

namespace riverqueue::deploy {

inline const std::string river_schema = "river_deploy";

// The job the deploy tests insert; `n` tells jobs apart.
struct note_args {
    int n = 0;
    static constexpr std::string_view kind() { return "note"; }
    std::string to_json() const { return R"({"n":)" + std::to_string(n) + "}"; }
};

// River's tables on `server`, set up over its trusted unix socket, so that
// what a test does over TCP is the only thing it checks there.
// `local_commit` for a primary whose commits would otherwise wait for a
// synchronous standby.
inline void migrate(const postgres_server& server, bool local_commit = false) {
    auto conn = connection::open(server.socket_conninfo());
    if (local_commit) conn.execute("SET synchronous_commit = local");
    conn.execute("CREATE SCHEMA IF NOT EXISTS " + river_schema);
    migrator(river_schema).migrate_up(conn);
}

// Rows in river_job, counted over the trusted socket: a failed insert must
// leave none behind.
inline long job_count(const postgres_server& server) {
    auto conn = connection::open(server.socket_conninfo());
    return std::stol(testing::scalar(conn.native_handle(), "SELECT count(*) FROM " + river_schema + ".river_job"));
}

inline client client_for(const std::string& conninfo, const std::string& schema = river_schema) {
    client_options options;
    options.conninfo = conninfo;
    options.schema = schema;
    return client(options);
}

// Runs an insert that must fail to connect; returns what() of the
// connection_error (and fails the test on any other outcome).
inline std::string connection_failure(const std::string& conninfo) {
    try {
        client_for(conninfo).insert(note_args{});
    } catch (const connection_error& e) {
        return e.what();
    } catch (const std::exception& e) {
        ADD_FAILURE() << "expected a connection_error, got: " << e.what();
        return e.what();
    }
    ADD_FAILURE() << "expected a connection_error for " << conninfo;
    return {};
}

}  // namespace riverqueue::deploy
