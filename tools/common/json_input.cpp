#include "json_input.hpp"

#include <algorithm>
#include <charconv>
#include <system_error>

namespace riverqueue::tools {
namespace {

bool is_integer_text(std::string_view text) noexcept {
    return text.find_first_of(".eE") == std::string_view::npos;
}

template <typename Number>
std::optional<Number> parse_whole(std::string_view text) noexcept {
    Number number{};
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), number);
    if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
    return number;
}

}  // namespace

const json::value* find_member(const json::value& object, std::string_view name) noexcept {
    for (auto it = object.members.rbegin(); it != object.members.rend(); ++it) {
        if (it->first == name) return it->second.type == json::value_type::null ? nullptr : &it->second;
    }
    return nullptr;
}

std::size_t member_count(const json::value& object, std::string_view name) noexcept {
    return static_cast<std::size_t>(std::count_if(object.members.begin(), object.members.end(),
                                                  [name](const json::member& m) { return m.first == name; }));
}

std::optional<std::int64_t> integer_of(const json::value& v) noexcept {
    if (v.type != json::value_type::number || !is_integer_text(v.text)) return std::nullopt;
    return parse_whole<std::int64_t>(v.text);
}

std::optional<std::uint64_t> unsigned_of(const json::value& v) noexcept {
    if (v.type != json::value_type::number || !is_integer_text(v.text)) return std::nullopt;
    if (v.text == "-0") return 0;  // from_chars reads no sign into an unsigned
    return parse_whole<std::uint64_t>(v.text);
}

std::optional<double> double_of(const json::value& v) noexcept {
    if (v.type != json::value_type::number) return std::nullopt;
    return parse_whole<double>(v.text);
}

}  // namespace riverqueue::tools
