// A PostgreSQL of a test's own (scripts/local-postgres.sh in a temporary
// folder), for tests that stop or restart the server: the shared test server
// is left alone for the tests running beside them.
#pragma once

#include <string>

namespace riverqueue::testing {

class private_server {
public:
    private_server();   // makes the folder; starts nothing
    ~private_server();  // stops the server, removes the folder
    private_server(const private_server&) = delete;
    private_server& operator=(const private_server&) = delete;

    // Starts the server (initdb the first time) and returns its URL.
    std::string start();
    // Starts it the first time, with River's tables migrated into its public
    // schema; fails the test (and returns "") when it cannot.
    std::string start_migrated();
    void stop();
    const std::string& dir() const noexcept { return dir_; }

private:
    std::string dir_;
};

}  // namespace riverqueue::testing
