#include "support/silent_listener.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

namespace riverqueue::testing {

silent_listener::silent_listener() : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    if (fd_ < 0) throw std::system_error(errno, std::generic_category(), "socket");
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = 0;  // any free port
    socklen_t length = sizeof address;
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 || ::listen(fd_, 16) != 0 ||
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
        const int failure = errno;
        ::close(fd_);
        throw std::system_error(failure, std::generic_category(), "listening on 127.0.0.1");
    }
    port_ = ntohs(address.sin_port);
    acceptor_ = std::thread([this] { accept_until_stopped(); });
}

silent_listener::~silent_listener() {
    stop_ = true;
    acceptor_.join();
    for (const int fd : accepted_) ::close(fd);
    ::close(fd_);
}

// A short poll period, so that the destructor's stop is seen at once.
void silent_listener::accept_until_stopped() {
    while (!stop_) {
        pollfd watched{fd_, POLLIN, 0};
        if (::poll(&watched, 1, 50) <= 0) continue;
        if (const int fd = ::accept(fd_, nullptr, nullptr); fd >= 0) {
            accepted_.push_back(fd);  // held open, never answered
            ++accepted_count_;
        }
    }
}

}  // namespace riverqueue::testing
