// Shared pieces of the asynchronous client's tests.
#pragma once

#include <libpq-fe.h>

#include <chrono>
#include <exception>
#include <functional>
#include <string>

#include <boost/asio/io_context.hpp>

#include <riverqueue/async_client.hpp>

#include "support/test_database.hpp"

namespace riverqueue::testing {

namespace asio = boost::asio;

struct note_args {
    int n = 0;
    static constexpr std::string_view kind() { return "note"; }
    std::string to_json() const { return R"({"n":)" + std::to_string(n) + "}"; }
};

// `url` with one more connection parameter (URI or key=value conninfo).
std::string with_parameter(const std::string& url, const std::string& key, const std::string& value);

// Runs `io` until `done()` holds, restarting it when it runs out of work.
// Gives up (failing the test) after a long time, so a hang cannot hide.
::testing::AssertionResult run_until(asio::io_context& io, const std::function<bool()>& done);

// The exception's type and text, for failure messages.
std::string describe(const std::exception_ptr& error);

class async_test : public migrated_schema_test {
protected:
    client_options options(std::size_t pool_size = 1);
    std::string table(const std::string& name) const { return "\"" + schema_.name() + "\"." + name; }
    long job_count();
    std::string query(const std::string& sql) { return testing::scalar(admin_.native_handle(), sql); }

    // application_name of the client's connections, unique to the test.
    std::string application_name() const { return "rq_async_" + schema_.name(); }
};

}  // namespace riverqueue::testing
