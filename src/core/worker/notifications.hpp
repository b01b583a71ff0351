// River's notifications a worker acts on, read from their payloads (River Go
// v0.51.2): on `<schema>.river_insert`, {"queue": "q"}; on
// `<schema>.river_control`, {"action": "cancel", "job_id": N, "queue": "q"},
// {"action": "pause" | "resume", "queue": "q" or "*"}. Payloads are parsed as
// JSON, never matched as text (json_build_object writes spaces, key order
// varies).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace riverqueue::core {

inline constexpr std::string_view insert_topic = "river_insert";
inline constexpr std::string_view control_topic = "river_control";

// The channel River uses for `topic` in `schema`.
std::string notification_channel(std::string_view schema, std::string_view topic);

struct river_notification {
    enum class kind { insert, cancel, pause, resume };
    kind what = kind::insert;
    std::string queue;  // "*" for every queue (pause, resume)
    std::int64_t job_id = 0;
};

// std::nullopt for a payload that is not one of these (unknown actions are
// ignored, as River ignores them).
std::optional<river_notification> parse_notification(std::string_view topic, std::string_view payload);

}  // namespace riverqueue::core
