// Shared pieces of the client integration tests.
#pragma once

#include <libpq-fe.h>

#include <string>

#include <riverqueue/client.hpp>

#include "support/test_database.hpp"

namespace riverqueue::testing {

// A typed job args, as a user would write one.
struct email_args {
    std::string to;
    static constexpr std::string_view kind() { return "email"; }
    std::string to_json() const { return R"({"to":")" + to + R"("})"; }
};

// A typed job args with per-kind defaults (River's JobArgsWithInsertOpts).
struct report_args {
    int id = 0;
    static constexpr std::string_view kind() { return "report"; }
    std::string to_json() const { return R"({"id":)" + std::to_string(id) + "}"; }
    riverqueue::insert_opts insert_opts() const {
        riverqueue::insert_opts opts;
        opts.queue = "reports";
        opts.priority = 3;
        opts.max_attempts = 7;
        opts.tags = std::vector<std::string>{"from_type", "nightly"};
        return opts;
    }
};

// A client on the test database, with River's tables in the test's schema.
class client_test : public migrated_schema_test {
protected:
    client make_client(bool notify = true) {
        client_options options;
        options.conninfo = database_url();
        options.schema = schema_.name();
        options.notify = notify;
        options.notify_cooldown = std::chrono::milliseconds(0);
        return client(options);
    }

    std::string table(const std::string& name) const { return "\"" + schema_.name() + "\"." + name; }
    long job_count() { return std::stol(scalar("SELECT count(*) FROM " + table("river_job"))); }
};

}  // namespace riverqueue::testing
