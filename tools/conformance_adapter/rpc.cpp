#include "rpc.hpp"

namespace riverqueue::conformance {
namespace {

namespace json = tools::json;

const json::value& as_object(const json::value& value, std::string_view where) {
    static const json::value empty_object = [] {
        json::value empty;
        empty.type = json::value_type::object;
        return empty;
    }();
    if (value.type == json::value_type::null) return empty_object;  // absent params are {}
    if (value.type != json::value_type::object) {
        throw rpc_error(rpc_code::invalid_params, std::string(where) + " must be an object");
    }
    return value;
}

}  // namespace

params_reader::params_reader(const json::value& params, std::initializer_list<std::string_view> allowed,
                             std::string_view where)
    : object_(as_object(params, where)), where_(where) {
    for (const auto& member : object_.members) {
        bool known = false;
        for (std::string_view name : allowed) known = known || member.first == name;
        if (!known) invalid(member.first, "unknown field");
    }
}

void params_reader::invalid(std::string_view name, std::string_view rule) const {
    throw rpc_error(rpc_code::invalid_params, where_ + "." + std::string(name) + ": " + std::string(rule));
}

const json::value* params_reader::find(std::string_view name) const { return tools::find_member(object_, name); }

bool params_reader::contains(std::string_view name) const { return tools::member_count(object_, name) > 0; }

const json::value& params_reader::required(std::string_view name) const {
    const auto* value = find(name);
    if (value == nullptr) invalid(name, "is required");
    return *value;
}

std::optional<std::string> params_reader::string(std::string_view name) const {
    const auto* value = find(name);
    if (value == nullptr) return std::nullopt;
    if (value->type != json::value_type::string) invalid(name, "must be a string");
    return value->text;
}

std::optional<bool> params_reader::boolean(std::string_view name) const {
    const auto* value = find(name);
    if (value == nullptr) return std::nullopt;
    if (value->type != json::value_type::boolean) invalid(name, "must be a boolean");
    return value->text == "true";
}

std::optional<std::int64_t> params_reader::integer(std::string_view name, std::int64_t minimum) const {
    const auto* value = find(name);
    if (value == nullptr) return std::nullopt;
    const auto number = tools::integer_of(*value);
    if (!number) invalid(name, "must be an integer");
    if (*number < minimum) invalid(name, "must be at least " + std::to_string(minimum));
    return number;
}

std::optional<std::uint64_t> params_reader::unsigned_integer(std::string_view name) const {
    const auto* value = find(name);
    if (value == nullptr) return std::nullopt;
    const auto number = tools::unsigned_of(*value);
    if (!number) invalid(name, "must be a non-negative integer");
    return number;
}

std::optional<std::vector<job_state>> params_reader::states(std::string_view name) const {
    const auto* value = find(name);
    if (value == nullptr) return std::nullopt;
    if (value->type != json::value_type::array) invalid(name, "must be a list of job states");
    std::vector<job_state> out;
    for (const auto& item : value->items) {
        const auto state = item.type == json::value_type::string ? job_state_from_string(item.text) : std::nullopt;
        if (!state) invalid(name, "holds an unknown job state");
        out.push_back(*state);
    }
    return out;
}

}  // namespace riverqueue::conformance
