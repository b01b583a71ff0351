#include "drivers/libpq/notification_listener.hpp"

#include <libpq-fe.h>
#include <poll.h>

#include <algorithm>
#include <chrono>

#include <riverqueue/connection.hpp>
#include <riverqueue/errors.hpp>

#include "core/identifiers.hpp"
#include "core/worker/notifications.hpp"
#include "drivers/libpq/pg_result.hpp"

namespace riverqueue::libpq {
namespace {

using namespace std::chrono_literals;

// How often a wait wakes to see whether it should stop.
constexpr int wake_ms = 100;

}  // namespace

notification_listener::notification_listener(std::string conninfo, std::string schema, std::vector<std::string> topics,
                                             handler on_notification,
                                             std::function<void(const std::exception&)> on_error)
    : conninfo_(std::move(conninfo)),
      schema_(std::move(schema)),
      topics_(std::move(topics)),
      on_notification_(std::move(on_notification)),
      on_error_(std::move(on_error)) {}

notification_listener::~notification_listener() { stop(); }

void notification_listener::start() {
    thread_ = std::jthread([this](std::stop_token stop) { run(std::move(stop)); });
    std::unique_lock lock(mutex_);
    ready_changed_.wait(lock, [&] { return first_attempt_done_; });
}

void notification_listener::stop() {
    if (!thread_.joinable()) return;
    thread_.request_stop();
    thread_.join();
}

void notification_listener::run(std::stop_token stop) {
    auto backoff = 1s;
    const auto attempted = [&] {
        {
            std::lock_guard lock(mutex_);
            first_attempt_done_ = true;
        }
        ready_changed_.notify_all();
    };
    while (!stop.stop_requested()) {
        try {
            connection conn = connection::open(conninfo_);
            PGconn* raw = conn.native_handle();
            std::string schema = schema_;
            if (schema.empty()) schema = std::string(cell(exec_simple(raw, "SELECT current_schema()").get(), 0, 0));
            // Channel names hold a dot: the whole name is quoted.
            std::vector<std::string> prefixed;
            for (const auto& topic : topics_) {
                const std::string channel = core::notification_channel(schema, topic);
                exec_simple(raw, "LISTEN " + core::quote_identifier(channel));
                prefixed.push_back(channel);
            }
            backoff = 1s;
            attempted();
            while (!stop.stop_requested()) {
                pollfd fd{PQsocket(raw), POLLIN, 0};
                if (::poll(&fd, 1, wake_ms) < 0) continue;
                if (PQconsumeInput(raw) == 0) throw connection_error(error_message(raw));
                while (PGnotify* notify = PQnotifies(raw)) {
                    const std::string_view channel(notify->relname);
                    const auto found = std::find(prefixed.begin(), prefixed.end(), channel);
                    if (found != prefixed.end()) {
                        on_notification_(topics_[static_cast<std::size_t>(found - prefixed.begin())], notify->extra);
                    }
                    PQfreemem(notify);
                }
            }
        } catch (const std::exception& e) {
            attempted();
            if (on_error_) on_error_(e);
            // Wait, then connect again (River backs off exponentially).
            for (auto waited = 0ms; waited < backoff && !stop.stop_requested(); waited += 100ms) {
                std::this_thread::sleep_for(100ms);
            }
            backoff = std::min(backoff * 2, std::chrono::seconds(30));
        }
    }
}

}  // namespace riverqueue::libpq
