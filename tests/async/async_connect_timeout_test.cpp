// The asynchronous client's connections give up after connect_timeout, as the
// blocking ones do (libpq does not enforce it for PQconnectPoll): against a
// server that accepts and never answers, inserts fail with a connection_error
// naming the setting, and nothing is left waiting.
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <riverqueue/errors.hpp>

#include "async_test_support.hpp"
#include "support/silent_listener.hpp"

namespace riverqueue::testing {
namespace {

TEST(AsyncConnectTimeout, AnInsertToASilentServerFailsAfterTheTimeout) {
    silent_listener listener;
    asio::io_context io;
    client_options options;
    options.conninfo = "postgresql://app:s3cret@127.0.0.1:" + std::to_string(listener.port()) + "/app?connect_timeout=1";
    async_client client(io.get_executor(), options);
    std::exception_ptr failure;
    bool done = false;
    asio::co_spawn(
        io, [&]() -> asio::awaitable<void> { co_await client.insert(note_args{1}, {}, asio::use_awaitable); },
        [&](std::exception_ptr error) {
            failure = error;
            done = true;
        });
    ASSERT_TRUE(run_until(io, [&] { return done; }));
    ASSERT_TRUE(failure);
    try {
        std::rethrow_exception(failure);
    } catch (const connection_error& e) {
        const std::string message = e.what();
        EXPECT_NE(message.find("timeout expired"), std::string::npos) << message;
        EXPECT_NE(message.find("connect_timeout=1"), std::string::npos) << message;
        EXPECT_EQ(message.find("s3cret"), std::string::npos) << message;
        EXPECT_FALSE(e.may_have_committed());
    }
    EXPECT_GE(listener.accepted(), 1);
}

}  // namespace
}  // namespace riverqueue::testing
