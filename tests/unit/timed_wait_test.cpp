// The pure pieces of the libpq driver's statement_timeout
// (src/drivers/libpq/timed_wait.hpp); the waiting and cancelling themselves
// are tested against real servers in tests/deploy/timeout_test.cpp.
#include <gtest/gtest.h>

#include <climits>

#include "drivers/libpq/timed_wait.hpp"

namespace riverqueue::libpq {
namespace {

using namespace std::chrono_literals;

TEST(TimedWait, PollTimeoutRoundsUpSoThatPollNeverWakesBeforeTheDeadline) {
    EXPECT_EQ(poll_timeout_ms(1ns), 1);
    EXPECT_EQ(poll_timeout_ms(1ms), 1);
    EXPECT_EQ(poll_timeout_ms(1001us), 2);
    EXPECT_EQ(poll_timeout_ms(300ms), 300);
}

TEST(TimedWait, PollTimeoutIsNeverNegativeNorOverflows) {
    EXPECT_EQ(poll_timeout_ms(0ns), 0);
    EXPECT_EQ(poll_timeout_ms(-5ms), 0);
    EXPECT_EQ(poll_timeout_ms(std::chrono::hours(24 * 365 * 100)), INT_MAX);
}

TEST(TimedWait, TheMessageNamesTheLimitAndKeepsPostgresWords) {
    EXPECT_EQ(timeout_message(300ms, "canceling statement due to user request"),
              "statement_timeout of 300 ms reached: canceling statement due to user request");
}

}  // namespace
}  // namespace riverqueue::libpq
