// Test support: where the test PostgreSQL is, and a fresh schema per test.
//
// ctest starts a throwaway server (scripts/local-postgres.sh) and passes its
// URL in RIVERQUEUE_TEST_DATABASE_URL; DATABASE_URL, when set, wins. Each test
// gets its own schema, so tests can run in parallel against one database.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include <riverqueue/connection.hpp>

namespace riverqueue::testing {

// The database URL the tests use; fails the test when none is configured.
std::string database_url();

// Runs `sql` on `conn` and returns the first cell of the first row as text
// (empty when there is none); a failed statement fails the test.
std::string scalar(pg_conn* conn, const std::string& sql);

// A schema created for one test and dropped after it; its name is unique across
// processes.
class scratch_schema {
public:
    scratch_schema();
    ~scratch_schema();
    scratch_schema(const scratch_schema&) = delete;
    scratch_schema& operator=(const scratch_schema&) = delete;

    const std::string& name() const noexcept { return name_; }
    // Conninfo whose search_path is only this schema, so unqualified names
    // resolve there (for testing a client configured without a schema).
    std::string conninfo_with_search_path() const;

private:
    std::string name_;
};

// A fixture that gives each test a scratch schema migrated to River's newest
// version, and an open admin connection.
class migrated_schema_test : public ::testing::Test {
protected:
    void SetUp() override;

    // scalar() on the admin connection.
    std::string scalar(const std::string& sql) { return testing::scalar(admin_.native_handle(), sql); }

    scratch_schema schema_;
    connection admin_{nullptr};
};

}  // namespace riverqueue::testing
