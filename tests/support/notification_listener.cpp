#include "notification_listener.hpp"

#include <libpq-fe.h>
#include <poll.h>

#include "test_database.hpp"

namespace riverqueue::testing {

notification_listener::notification_listener(const std::string& channel) : conn_(connection::open(database_url())) {
    conn_.execute("LISTEN \"" + channel + "\"");
}

std::vector<std::pair<std::string, std::string>> notification_listener::drain(std::chrono::milliseconds wait) {
    std::vector<std::pair<std::string, std::string>> received;
    const auto deadline = std::chrono::steady_clock::now() + wait;
    PGconn* raw = conn_.native_handle();
    while (true) {
        PQconsumeInput(raw);
        while (PGnotify* notify = PQnotifies(raw)) {
            received.emplace_back(notify->relname, notify->extra);
            PQfreemem(notify);
        }
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) return received;
        pollfd fd{PQsocket(raw), POLLIN, 0};
        ::poll(&fd, 1, static_cast<int>(left.count()));
    }
}

}  // namespace riverqueue::testing
