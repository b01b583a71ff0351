// Enqueue jobs from coroutines with the asynchronous client (Boost.Asio).
#include <iostream>
#include <string>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <riverqueue/async_client.hpp>
#include <riverqueue/migrator.hpp>

namespace asio = boost::asio;

// Job args: a kind and a JSON object, matching the Go worker's args struct.
struct send_email {
    std::string to;
    static constexpr std::string_view kind() { return "send_email"; }
    std::string to_json() const { return R"({"to":")" + to + R"("})"; }
};

// One coroutine per request, as a server would have: their inserts share one
// connection and do not wait for each other's round trips.
asio::awaitable<void> handle_signup(riverqueue::async_client& client, int user) {
    // Named, not a temporary inside the co_await: GCC 12 may destroy a braced
    // temporary there twice.
    const send_email args{"user" + std::to_string(user) + "@example.com"};
    try {
        riverqueue::insert_result r = co_await client.insert(args, {}, asio::use_awaitable);
        std::cout << "job " << r.job.id << " for " << args.to << "\n";
    } catch (const riverqueue::connection_error& e) {
        // may_have_committed(): the job may exist even though the call failed.
        std::cerr << "not sure about " << args.to << ": " << e.what() << "\n";
    }
}

// A transaction of its own, next to the caller's writes.
asio::awaitable<void> signup_in_transaction(riverqueue::async_client& client) {
    riverqueue::async_transaction tx = co_await client.begin(asio::use_awaitable);
    const send_email args{"admin@example.com"};
    co_await tx.insert(args, {}, asio::use_awaitable);
    co_await tx.commit(asio::use_awaitable);
}

int main() {
    riverqueue::client_options options;
    options.conninfo = riverqueue::database_url_from_env();  // e.g. postgres://localhost/app
    options.pool_size = 1;
    {
        // River's tables, if the database does not have them yet.
        auto conn = riverqueue::connection::open(options.conninfo);
        riverqueue::migrator().migrate_up(conn);
    }

    asio::io_context io;
    riverqueue::async_client client(io.get_executor(), options);
    for (int user = 1; user <= 10; ++user) asio::co_spawn(io, handle_signup(client, user), asio::detached);
    asio::co_spawn(io, signup_in_transaction(client), [](std::exception_ptr error) {
        if (error) std::rethrow_exception(error);
    });
    // Callbacks work too.
    client.insert(send_email{"callback@example.com"}, {}, [](std::exception_ptr error, riverqueue::insert_result r) {
        if (!error) std::cout << "job " << r.job.id << " from a callback\n";
    });
    io.run();
}
