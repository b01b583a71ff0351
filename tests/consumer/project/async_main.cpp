// Builds against the installed riverqueue::async; needs no server to run.
#include <iostream>

#include <boost/asio/io_context.hpp>
#include <riverqueue/async_client.hpp>

int main() {
    boost::asio::io_context io;
    riverqueue::client_options options;
    options.pool_size = 2;
    // The client connects lazily: constructing it sends nothing.
    riverqueue::async_client client(io.get_executor(), options);
    io.run();  // returns at once: an idle client leaves nothing pending
    std::cout << "riverqueue::async consumer built; pool_size=" << client.options().pool_size << "\n";
    return client.options().pool_size == 2 ? 0 : 1;
}
