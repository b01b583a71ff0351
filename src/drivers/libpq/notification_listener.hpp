// A libpq connection of its own that LISTENs on River's channels and hands
// each notification to a callback, as River Go's notifier does: reconnecting
// with backoff when the connection goes (notifications sent meanwhile are
// lost, which is why workers also poll).
#pragma once

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <functional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace riverqueue::libpq {

class notification_listener {
public:
    using handler = std::function<void(std::string_view topic, std::string_view payload)>;

    // `schema` empty: the connection's current_schema(), as River does.
    notification_listener(std::string conninfo, std::string schema, std::vector<std::string> topics,
                          handler on_notification, std::function<void(const std::exception&)> on_error);
    ~notification_listener();
    notification_listener(const notification_listener&) = delete;
    notification_listener& operator=(const notification_listener&) = delete;

    // Starts listening; returns once the channels are listened to, or the
    // first connection attempt failed (the listener then keeps trying), so
    // that notifications sent after start() are not missed.
    void start();
    void stop();

private:
    void run(std::stop_token stop);

    std::string conninfo_;
    std::string schema_;
    std::vector<std::string> topics_;
    handler on_notification_;
    std::function<void(const std::exception&)> on_error_;
    std::mutex mutex_;
    std::condition_variable ready_changed_;
    bool first_attempt_done_ = false;
    std::jthread thread_;
};

}  // namespace riverqueue::libpq
