#include "core/go_json.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <string>
#include <system_error>
#include <vector>

#include <riverqueue/errors.hpp>

#include "core/hex.hpp"

namespace riverqueue::core::go_json {
namespace {

// `\u00e9`: the code unit (at most 0xFFFF) as two bytes, in hex.
void append_unicode_escape(std::string& out, unsigned code) {
    const std::uint8_t units[2] = {static_cast<std::uint8_t>((code >> 8) & 0xFF), static_cast<std::uint8_t>(code & 0xFF)};
    out += "\\u";
    out += to_hex(units);
}

// Rewrites shortest scientific notation (`-9.999999999999999e+20`) in plain
// notation with the same digits (`-999999999999999900000`), as Go's 'f' format
// with shortest precision does. (std::to_chars in fixed format may print the
// exact binary value's digits instead, which differ for large numbers.)
void append_plain_digits(std::string& out, std::string_view scientific) {
    const std::size_t e = scientific.find('e');
    std::string_view mantissa = scientific.substr(0, e);
    const int exponent = std::stoi(std::string(scientific.substr(e + 1)));
    if (!mantissa.empty() && mantissa.front() == '-') {
        out.push_back('-');
        mantissa.remove_prefix(1);
    }
    std::string digits;
    for (char c : mantissa) {
        if (c != '.') digits.push_back(c);
    }
    // The value is 0.digits times 10^(exponent + 1).
    const int point = exponent + 1;
    if (point <= 0) {
        out += "0.";
        out.append(static_cast<std::size_t>(-point), '0');
        out += digits;
    } else if (static_cast<std::size_t>(point) >= digits.size()) {
        out += digits;
        out.append(static_cast<std::size_t>(point) - digits.size(), '0');
    } else {
        out.append(digits, 0, static_cast<std::size_t>(point));
        out.push_back('.');
        out.append(digits, static_cast<std::size_t>(point), std::string::npos);
    }
}

// For a number std::from_chars reported out of range: true when it is too
// small for a float64 rather than too large, i.e. its leading significant
// digit lies right of the decimal point. Go reads such a number as (signed)
// zero without an error.
bool underflows(std::string_view text) {
    const std::size_t e = text.find_first_of("eE");
    std::string_view mantissa = text.substr(0, e);
    if (!mantissa.empty() && mantissa.front() == '-') mantissa.remove_prefix(1);
    const std::size_t point = mantissa.find('.');
    const std::string_view integer_part = mantissa.substr(0, point);
    long long leading_digit_power = 0;  // the power of ten of the leading significant digit
    if (integer_part != "0") {
        leading_digit_power = static_cast<long long>(integer_part.size()) - 1;
    } else {
        const std::string_view fraction = point == std::string_view::npos ? "" : mantissa.substr(point + 1);
        const std::size_t first_nonzero = fraction.find_first_not_of('0');
        if (first_nonzero == std::string_view::npos) return false;  // zero is never out of range
        leading_digit_power = -static_cast<long long>(first_nonzero) - 1;
    }
    long long exponent = 0;
    bool negative_exponent = false;
    if (e != std::string_view::npos) {
        std::size_t i = e + 1;
        if (text[i] == '+' || text[i] == '-') negative_exponent = text[i++] == '-';
        // Saturate: only the sign of the sum matters.
        for (; i < text.size(); ++i) exponent = std::min(exponent * 10 + (text[i] - '0'), 1'000'000'000LL);
    }
    return leading_digit_power + (negative_exponent ? -exponent : exponent) < 0;
}

}  // namespace

void append_string(std::string& out, std::string_view text) {
    out.push_back('"');
    for (std::size_t i = 0; i < text.size(); ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        switch (c) {
            case '"': out += "\\\""; continue;
            case '\\': out += "\\\\"; continue;
            case '\b': out += "\\b"; continue;
            case '\f': out += "\\f"; continue;
            case '\n': out += "\\n"; continue;
            case '\r': out += "\\r"; continue;
            case '\t': out += "\\t"; continue;
            case '<':
            case '>':
            case '&': append_unicode_escape(out, c); continue;
            default: break;
        }
        if (c < 0x20) {
            append_unicode_escape(out, c);
            continue;
        }
        // U+2028 and U+2029 are E2 80 A8 and E2 80 A9 in UTF-8.
        if (c == 0xE2 && i + 2 < text.size() && static_cast<unsigned char>(text[i + 1]) == 0x80 &&
            (static_cast<unsigned char>(text[i + 2]) == 0xA8 ||
             static_cast<unsigned char>(text[i + 2]) == 0xA9)) {
            append_unicode_escape(out, static_cast<unsigned char>(text[i + 2]) == 0xA8 ? 0x2028u : 0x2029u);
            i += 2;
            continue;
        }
        out.push_back(static_cast<char>(c));
    }
    out.push_back('"');
}

void append_member_name(std::string& out, std::string_view name) {
    for (char ch : name) {
        const auto c = static_cast<unsigned char>(ch);
        if (c < 0x20 || c > 0x7F || c == '"' || c == '\\') {
            append_string(out, name);
            return;
        }
    }
    out.push_back('"');
    out.append(name);
    out.push_back('"');
}

void append_number(std::string& out, std::string_view text) {
    if (text.find_first_of(".eE") == std::string_view::npos) {
        out.append(text);
        return;
    }
    double number = 0;
    const auto [end, parse_error] = std::from_chars(text.data(), text.data() + text.size(), number);
    if (parse_error == std::errc::result_out_of_range && end == text.data() + text.size() && underflows(text)) {
        out += text.front() == '-' ? "-0" : "0";
        return;
    }
    if (parse_error != std::errc() || end != text.data() + text.size() || !std::isfinite(number)) {
        throw validation_error("args", "number " + std::string(text) + " does not fit a float64");
    }
    // encoding/json: exponent form below 1e-6 and from 1e21, else plain digits;
    // in both, the shortest digits that read back as the same float64.
    const double magnitude = std::fabs(number);
    const bool exponent_form = magnitude != 0 && (magnitude < 1e-6 || magnitude >= 1e21);
    char buffer[64];
    const auto result = std::to_chars(buffer, buffer + sizeof buffer, number, std::chars_format::scientific);
    const std::string_view scientific(buffer, static_cast<std::size_t>(result.ptr - buffer));
    if (exponent_form) {
        // Go writes e-07 as e-7 (but keeps two digits after e+).
        const std::size_t n = scientific.size();
        if (n >= 4 && scientific[n - 4] == 'e' && scientific[n - 3] == '-' && scientific[n - 2] == '0') {
            out.append(scientific.substr(0, n - 2));
            out.push_back(scientific[n - 1]);
        } else {
            out.append(scientific);
        }
        return;
    }
    append_plain_digits(out, scientific);
}

void append_value(std::string& out, const json::value& root) {
    // Without recursion, like the reader: a stack of open arrays and objects
    // with the index of each one's next element, so that depth costs heap, not
    // calls (args may nest json::max_nesting_depth levels).
    struct open_container {
        const json::value* container;
        std::size_t next;
    };
    std::vector<open_container> open;
    const json::value* v = &root;
    while (v != nullptr) {
        switch (v->type) {
            case json::value_type::null: out += "null"; break;
            case json::value_type::boolean: out += v->text; break;
            case json::value_type::number: append_number(out, v->text); break;
            case json::value_type::string: append_string(out, v->text); break;
            case json::value_type::array: out.push_back('['); open.push_back({v, 0}); break;
            case json::value_type::object: out.push_back('{'); open.push_back({v, 0}); break;
        }
        // The next value: the innermost open container's next element, after
        // closing those that have none left.
        v = nullptr;
        while (!open.empty()) {
            open_container& top = open.back();
            const bool object = top.container->type == json::value_type::object;
            const std::size_t count = object ? top.container->members.size() : top.container->items.size();
            if (top.next == count) {
                out.push_back(object ? '}' : ']');
                open.pop_back();
                continue;
            }
            if (top.next > 0) out.push_back(',');
            if (object) {
                const json::member& member = top.container->members[top.next];
                append_string(out, member.first);
                out.push_back(':');
                v = &member.second;
            } else {
                v = &top.container->items[top.next];
            }
            ++top.next;
            break;
        }
    }
}

}  // namespace riverqueue::core::go_json
