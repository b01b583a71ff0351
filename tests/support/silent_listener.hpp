// A TCP listener on 127.0.0.1 that accepts connections and never says a
// word, as a hung server (or a network that swallows packets once connected)
// does: what connect timeouts are tested against.
#pragma once

#include <atomic>
#include <thread>
#include <vector>

namespace riverqueue::testing {

// Listens on a free port from construction; stops accepting and closes
// everything when it goes.
class silent_listener {
public:
    silent_listener();
    ~silent_listener();
    silent_listener(const silent_listener&) = delete;
    silent_listener& operator=(const silent_listener&) = delete;

    int port() const noexcept { return port_; }
    int accepted() const noexcept { return accepted_count_.load(); }

private:
    void accept_until_stopped();

    int fd_;
    int port_ = 0;
    std::atomic<bool> stop_{false};
    std::atomic<int> accepted_count_{0};
    std::vector<int> accepted_;  // the acceptor's until it is joined
    std::thread acceptor_;
};

}  // namespace riverqueue::testing
