// Waiting in the worker tests for what other threads (the runtime's) do: a
// condition polled every 10 ms, with a generous bound so that a hang fails
// the test instead of hiding; never a timing assertion.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>

namespace riverqueue::testing {

template <typename Condition>
::testing::AssertionResult eventually(Condition condition, std::chrono::seconds within, const std::string& what) {
    const auto give_up = std::chrono::steady_clock::now() + within;
    while (std::chrono::steady_clock::now() < give_up) {
        if (condition()) return ::testing::AssertionSuccess();
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return ::testing::AssertionFailure() << what;
}

}  // namespace riverqueue::testing
