#include "rpc.hpp"

namespace riverqueue::conformance {
namespace {
const boost::json::object& empty_object() {
    static const boost::json::object empty;
    return empty;
}
const boost::json::object& as_object(const boost::json::value& value, std::string_view where) {
    if (value.is_null()) return empty_object();  // absent params are {}
    if (!value.is_object()) throw rpc_error(rpc_code::invalid_params, std::string(where) + " must be an object");
    return value.as_object();
}
}  // namespace

params_reader::params_reader(const boost::json::value& params, std::initializer_list<std::string_view> allowed,
                             std::string_view where)
    : object_(as_object(params, where)), where_(where) {
    for (const auto& member : object_) {
        bool known = false;
        for (std::string_view name : allowed) known = known || member.key() == name;
        if (!known) invalid(member.key(), "unknown field");
    }
}

void params_reader::invalid(std::string_view name, std::string_view rule) const {
    throw rpc_error(rpc_code::invalid_params, where_ + "." + std::string(name) + ": " + std::string(rule));
}

const boost::json::value* params_reader::find(std::string_view name) const {
    const auto it = object_.find(name);
    return it == object_.end() || it->value().is_null() ? nullptr : &it->value();
}

const boost::json::value& params_reader::required(std::string_view name) const {
    const auto* value = find(name);
    if (value == nullptr) invalid(name, "is required");
    return *value;
}

std::optional<std::string> params_reader::string(std::string_view name) const {
    const auto* value = find(name);
    if (value == nullptr) return std::nullopt;
    if (!value->is_string()) invalid(name, "must be a string");
    return std::string(value->as_string());
}

std::optional<bool> params_reader::boolean(std::string_view name) const {
    const auto* value = find(name);
    if (value == nullptr) return std::nullopt;
    if (!value->is_bool()) invalid(name, "must be a boolean");
    return value->as_bool();
}

std::optional<std::int64_t> params_reader::integer(std::string_view name, std::int64_t minimum) const {
    const auto* value = find(name);
    if (value == nullptr) return std::nullopt;
    std::int64_t number = 0;
    if (value->is_int64()) number = value->as_int64();
    else if (value->is_uint64() && value->as_uint64() <= static_cast<std::uint64_t>(INT64_MAX))
        number = static_cast<std::int64_t>(value->as_uint64());
    else invalid(name, "must be an integer");
    if (number < minimum) invalid(name, "must be at least " + std::to_string(minimum));
    return number;
}

std::optional<std::uint64_t> params_reader::unsigned_integer(std::string_view name) const {
    const auto* value = find(name);
    if (value == nullptr) return std::nullopt;
    if (value->is_uint64()) return value->as_uint64();
    if (value->is_int64() && value->as_int64() >= 0) return static_cast<std::uint64_t>(value->as_int64());
    invalid(name, "must be a non-negative integer");
}

std::optional<std::vector<job_state>> params_reader::states(std::string_view name) const {
    const auto* value = find(name);
    if (value == nullptr) return std::nullopt;
    if (!value->is_array()) invalid(name, "must be a list of job states");
    std::vector<job_state> out;
    for (const auto& item : value->as_array()) {
        const auto state = item.is_string() ? job_state_from_string(item.as_string()) : std::nullopt;
        if (!state) invalid(name, "holds an unknown job state");
        out.push_back(*state);
    }
    return out;
}

}  // namespace riverqueue::conformance
