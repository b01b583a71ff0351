#include "support/private_server.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>

#include <riverqueue/connection.hpp>
#include <riverqueue/migrator.hpp>

namespace riverqueue::testing {
namespace {

// Runs scripts/local-postgres.sh COMMAND DIR (ignoring the caller's
// DATABASE_URL, which would make it do nothing) and returns its output.
std::string local_postgres(const std::string& command, const std::string& dir) {
    const std::string line =
        "env -u DATABASE_URL " RIVERQUEUE_SOURCE_DIR "/scripts/local-postgres.sh " + command + " '" + dir + "'";
    FILE* pipe = ::popen(line.c_str(), "r");
    if (pipe == nullptr) return {};
    std::string out;
    char buffer[256];
    while (std::fgets(buffer, sizeof buffer, pipe) != nullptr) out += buffer;
    const int status = ::pclose(pipe);
    EXPECT_EQ(status, 0) << line << ": " << out;
    while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
    return out;
}

}  // namespace

private_server::private_server() {
    char templ[] = "/tmp/riverqueue-private-pg-XXXXXX";
    if (::mkdtemp(templ) != nullptr) dir_ = templ;
}

private_server::~private_server() {
    if (dir_.empty()) return;
    local_postgres("stop", dir_);
    const int removed = std::system(("rm -rf '" + dir_ + "'").c_str());
    (void)removed;  // a folder left in /tmp is harmless
}

std::string private_server::start() { return local_postgres("start", dir_); }

std::string private_server::start_migrated() {
    EXPECT_FALSE(dir_.empty()) << "no folder for the private server";
    const std::string url = start();
    EXPECT_FALSE(url.empty()) << "the private server did not start";
    if (dir_.empty() || url.empty()) return {};
    auto conn = connection::open(url);
    migrator().migrate_up(conn);
    return url;
}

void private_server::stop() { local_postgres("stop", dir_); }

}  // namespace riverqueue::testing
