// The servers the deploy tests start work as the other tests expect.
#include <gtest/gtest.h>

#include <riverqueue/connection.hpp>

#include "support/servers.hpp"
#include "support/test_database.hpp"

namespace riverqueue::deploy {
namespace {

TEST(DeployHarness, PgBouncerForwardsToTheTestDatabase) {
    const socket_address backend = test_database_socket();
    pgbouncer bouncer(backend.dir, backend.port);
    auto conn = connection::open(bouncer.conninfo());
    EXPECT_EQ(testing::scalar(conn.native_handle(), "SELECT 41 + 1"), "42");
}

}  // namespace
}  // namespace riverqueue::deploy
