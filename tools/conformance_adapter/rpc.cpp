#include "rpc.hpp"

#include "job_json.hpp"
#include "raw_json.hpp"

namespace riverqueue::conformance {
namespace {

namespace json = tools::json;

// The request's id as the response repeats it. JSON-RPC 2.0 ids are strings,
// numbers or null; numbers keep their text.
std::string id_json(const json::value& id) {
    switch (id.type) {
        case json::value_type::string: return tools::json_string(id.text);
        case json::value_type::number: return id.text;
        case json::value_type::null: return "null";
        default: throw rpc_error(rpc_code::invalid_request, "id must be a string, a number or null");
    }
}

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

void read_request(std::string_view line, rpc_request& request) {
    json::value document;
    try {
        document = json::parse(line);
    } catch (const json::parse_error& e) {
        // One request per line: the column says where.
        throw rpc_error(rpc_code::parse_error, "not valid JSON at column " + std::to_string(e.column()) + ": " + e.reason());
    }
    if (document.type != json::value_type::object) throw rpc_error(rpc_code::invalid_request, "request must be an object");
    if (const auto* id = tools::find_member(document, "id")) request.id = id_json(*id);
    const auto* version = tools::find_member(document, "jsonrpc");
    if (version == nullptr || version->type != json::value_type::string || version->text != "2.0") {
        throw rpc_error(rpc_code::invalid_request, "jsonrpc must be 2.0");
    }
    const auto* method = tools::find_member(document, "method");
    if (method == nullptr || method->type != json::value_type::string) {
        throw rpc_error(rpc_code::invalid_request, "method is required");
    }
    request.method = method->text;
    // The last params, as find_member finds it; moved out, not copied (a copy
    // would take a call per level of nesting).
    for (auto it = document.members.rbegin(); it != document.members.rend(); ++it) {
        if (it->first == "params") {
            request.params = std::move(it->second);
            break;
        }
    }
    request.raw_params = tools::raw_member(line, "params");
}

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
