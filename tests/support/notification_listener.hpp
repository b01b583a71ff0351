// A connection LISTENing on one channel, for tests of River's insert notifications.
#pragma once

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include <riverqueue/connection.hpp>

namespace riverqueue::testing {

class notification_listener {
public:
    explicit notification_listener(const std::string& channel);

    // Notifications received within `wait`, as (channel, payload).
    std::vector<std::pair<std::string, std::string>> drain(std::chrono::milliseconds wait);

private:
    connection conn_;
};

}  // namespace riverqueue::testing
