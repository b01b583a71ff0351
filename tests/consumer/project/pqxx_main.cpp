// Builds against the installed riverqueue::pqxx; needs no server to run.
#include <iostream>
#include <memory>

#include <pqxx/pqxx>
#include <riverqueue/pqxx.hpp>

int main() {
    // A factory that is never called: the client connects lazily.
    auto sessions = riverqueue::libpqxx::sessions_from(
        []() -> std::shared_ptr<pqxx::connection_base> { return nullptr; }, 1);
    riverqueue::client client(riverqueue::client_options{}, sessions);
    std::cout << "riverqueue::pqxx consumer built; notify=" << client.options().notify << "\n";
}
