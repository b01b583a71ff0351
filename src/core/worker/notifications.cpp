#include "core/worker/notifications.hpp"

#include <charconv>

#include "core/json.hpp"

namespace riverqueue::core {
namespace {

std::optional<std::string> string_member(const json::value& object, std::string_view name) {
    const json::value* member = object.find(name);
    if (member == nullptr || member->type != json::value_type::string) return std::nullopt;
    return member->text;
}

}  // namespace

std::string notification_channel(std::string_view schema, std::string_view topic) {
    return std::string(schema) + "." + std::string(topic);
}

std::optional<river_notification> parse_notification(std::string_view topic, std::string_view payload) {
    json::value parsed;
    try {
        parsed = json::parse(payload);
    } catch (const json::parse_error&) {
        return std::nullopt;
    }
    if (parsed.type != json::value_type::object) return std::nullopt;
    const auto queue = string_member(parsed, "queue");
    if (!queue) return std::nullopt;
    river_notification out;
    out.queue = *queue;
    if (topic == insert_topic) return out;
    if (topic != control_topic) return std::nullopt;
    const auto action = string_member(parsed, "action");
    if (!action) return std::nullopt;
    if (*action == "pause" || *action == "resume") {
        out.what = *action == "pause" ? river_notification::kind::pause : river_notification::kind::resume;
        return out;
    }
    if (*action != "cancel" || out.queue == "*") return std::nullopt;  // cancel is never for every queue
    const json::value* id = parsed.find("job_id");
    if (id == nullptr || id->type != json::value_type::number) return std::nullopt;
    const char* end = id->text.data() + id->text.size();
    if (auto [ptr, ec] = std::from_chars(id->text.data(), end, out.job_id); ec != std::errc() || ptr != end) {
        return std::nullopt;
    }
    out.what = river_notification::kind::cancel;
    return out;
}

}  // namespace riverqueue::core
