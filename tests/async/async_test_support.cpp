#include "async_test_support.hpp"

#include <thread>

namespace riverqueue::testing {

std::string with_parameter(const std::string& url, const std::string& key, const std::string& value) {
    const bool is_uri = url.rfind("postgres://", 0) == 0 || url.rfind("postgresql://", 0) == 0;
    if (!is_uri) return url + " " + key + "=" + value;
    return url + (url.find('?') == std::string::npos ? "?" : "&") + key + "=" + value;
}

::testing::AssertionResult run_until(asio::io_context& io, const std::function<bool()>& done) {
    // About ten minutes at most; only a hang ever gets near it.
    for (int i = 0; i < 60000; ++i) {
        if (done()) return ::testing::AssertionSuccess();
        if (io.stopped()) io.restart();
        io.run_for(std::chrono::milliseconds(10));
    }
    return done() ? ::testing::AssertionSuccess() : ::testing::AssertionFailure() << "gave up waiting";
}

std::string describe(const std::exception_ptr& error) {
    if (!error) return "no error";
    try {
        std::rethrow_exception(error);
    } catch (const std::exception& e) {
        return typeid(e).name() + std::string(": ") + e.what();
    } catch (...) {
        return "unknown exception";
    }
}

client_options async_test::options(std::size_t pool_size) {
    client_options opts;
    opts.conninfo = with_parameter(database_url(), "application_name", application_name());
    opts.schema = schema_.name();
    opts.pool_size = pool_size;
    opts.notify_cooldown = std::chrono::milliseconds(0);
    return opts;
}

long async_test::job_count() { return std::stol(query("SELECT count(*) FROM " + table("river_job"))); }

}  // namespace riverqueue::testing
