// The client's rendering of jsonb text (src/core/jsonb_text.cpp), which an
// insert trusts, by digest, to stand for the args the server stored.
//
// Beyond not crashing, on any bytes:
// - it answers only for JSON the insert would accept (core::json::validate
//   with storable_in_jsonb), and for such JSON it declines only where it says
//   it does: deeper than jsonb_text_max_depth, or a number beyond numeric's
//   input (an exponent past +-1000, a scale past 16383, more than 131072
//   digits before the point);
// - the rendering is valid JSON that reads as the same tree but for member
//   order and repeated names (the last kept, as jsonb keeps it) and number
//   spelling (the same decimal value), members sorted by length then bytes,
//   no raw control character, and rendering it again changes nothing;
// - digest_jsonb_text gives the rendering's size and SHA-256.
// (That the rendering is PostgreSQL's own is tested against a server in
// tests/integration/jsonb_text_test.cpp.)
#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "core/jsonb_text.hpp"
#include "core/sha256.hpp"
#include "fuzz_support.hpp"

namespace {

using namespace riverqueue::fuzz;
namespace json = riverqueue::core::json;

// A number's decimal value as digits without leading or trailing zeros and
// the power of ten of the last: "1.50e1" and "15" give ("15", 0). A zero is
// ("", 0). std::nullopt for an exponent too large to be one the renderer
// accepted.
std::optional<std::pair<std::string, long>> decimal_value(std::string_view text) {
    std::size_t pos = text.front() == '-' ? 1 : 0;
    std::string digits;
    long point = 0;  // minus the digits after the decimal point
    bool after_point = false;
    for (; pos < text.size() && text[pos] != 'e' && text[pos] != 'E'; ++pos) {
        if (text[pos] == '.') {
            after_point = true;
            continue;
        }
        if (after_point) --point;
        digits.push_back(text[pos]);
    }
    long exponent = 0;
    if (pos < text.size()) {
        ++pos;
        const bool negative = text[pos] == '-';
        if (text[pos] == '-' || text[pos] == '+') ++pos;
        for (; pos < text.size(); ++pos) {
            exponent = exponent * 10 + (text[pos] - '0');
            if (exponent > 100000) return std::nullopt;
        }
        if (negative) exponent = -exponent;
    }
    const std::size_t first = digits.find_first_not_of('0');
    if (first == std::string::npos) return std::pair<std::string, long>{"", 0};
    digits.erase(0, first);
    long power = point + exponent;
    while (!digits.empty() && digits.back() == '0') {
        digits.pop_back();
        ++power;
    }
    return std::pair<std::string, long>{digits, power};
}

bool negative_number(std::string_view text) { return text.front() == '-' && decimal_value(text)->first != ""; }

// Whether `rendered` is `input` as jsonb keeps it; `where` says what differs.
bool same_as_jsonb(const json::value& rendered, const json::value& input, std::string& where) {
    if (rendered.type != input.type) return (where = "types differ"), false;
    switch (input.type) {
        case json::value_type::number: {
            const auto a = decimal_value(rendered.text), b = decimal_value(input.text);
            if (!a || !b || *a != *b || negative_number(rendered.text) != negative_number(input.text)) {
                return (where = "number " + input.text + " rendered " + rendered.text), false;
            }
            return true;
        }
        case json::value_type::array:
            if (rendered.items.size() != input.items.size()) return (where = "element counts differ"), false;
            for (std::size_t i = 0; i < input.items.size(); ++i) {
                if (!same_as_jsonb(rendered.items[i], input.items[i], where)) return false;
            }
            return true;
        case json::value_type::object: {
            std::vector<const json::member*> kept;  // the last of each name, in jsonb's order
            for (const auto& member : input.members) {
                const auto same_name = [&](const json::member* m) { return m->first == member.first; };
                kept.erase(std::remove_if(kept.begin(), kept.end(), same_name), kept.end());
                kept.push_back(&member);
            }
            std::sort(kept.begin(), kept.end(), [](const json::member* a, const json::member* b) {
                return a->first.size() != b->first.size() ? a->first.size() < b->first.size() : a->first < b->first;
            });
            if (rendered.members.size() != kept.size()) return (where = "member counts differ"), false;
            for (std::size_t i = 0; i < kept.size(); ++i) {
                if (rendered.members[i].first != kept[i]->first) {
                    return (where = "member " + printable(rendered.members[i].first) + " where " +
                                    printable(kept[i]->first) + " belongs"),
                           false;
                }
                if (!same_as_jsonb(rendered.members[i].second, kept[i]->second, where)) return false;
            }
            return true;
        }
        default:
            if (rendered.text != input.text) return (where = "texts differ"), false;
            return true;
    }
}

// Whether the renderer may decline `input`: too deep, or a number beyond
// numeric's input.
bool beyond_reach(const json::value& input, int depth = 0) {
    if (input.type == json::value_type::array || input.type == json::value_type::object) {
        if (depth + 1 > riverqueue::core::jsonb_text_max_depth) return true;
        for (const auto& item : input.items) {
            if (beyond_reach(item, depth + 1)) return true;
        }
        for (const auto& member : input.members) {
            if (beyond_reach(member.second, depth + 1)) return true;
        }
        return false;
    }
    if (input.type != json::value_type::number) return false;
    const std::string& text = input.text;
    const std::size_t e = text.find_first_of("eE");
    long exponent = 0;
    if (e != std::string::npos) {
        for (std::size_t i = e + 1; i < text.size(); ++i) {
            if (text[i] >= '0' && text[i] <= '9') exponent = std::min(exponent * 10 + (text[i] - '0'), 100000L);
        }
        if (exponent > 1000) return true;
        if (text.find('-', e) != std::string::npos) exponent = -exponent;
    }
    const std::size_t mantissa_end = e == std::string::npos ? text.size() : e;
    const std::size_t dot = text.find('.');
    const long fraction = dot == std::string::npos ? 0 : static_cast<long>(mantissa_end - dot - 1);
    const long integer = static_cast<long>((dot == std::string::npos ? mantissa_end : dot) - (text[0] == '-' ? 1 : 0));
    return fraction - exponent > 16383 || integer + exponent > 131072;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input = as_text(data, size);
    const auto rendered = riverqueue::core::jsonb_text(input);
    const auto digest = riverqueue::core::digest_jsonb_text(input);
    FUZZ_CHECK(rendered.has_value() == digest.has_value(), "the rendering and the digest disagree on answering");

    bool acceptable = true;
    try {
        json::validate(input, true);
    } catch (const json::parse_error&) {
        acceptable = false;
    }
    if (!acceptable) {
        FUZZ_CHECK(!rendered, "rendered JSON the insert refuses: " + printable(input));
        return 0;
    }
    // Accepted JSON within the reference's reach: read on a stack with room for it.
    run_reference_part(input, [&] {
        const json::value tree = json::parse(input);
        if (!rendered) {
            FUZZ_CHECK(beyond_reach(tree), "declined JSON within its reach: " + printable(input));
            return;
        }
        FUZZ_CHECK(digest->size == rendered->size() && digest->sha256 == riverqueue::core::sha256(*rendered),
                   "the digest is not the rendering's");
        for (char c : *rendered) {
            FUZZ_CHECK(static_cast<unsigned char>(c) >= 0x20, "raw control character in " + printable(*rendered));
        }
        json::value reread;
        try {
            reread = json::parse(*rendered);
        } catch (const json::parse_error& e) {
            FUZZ_CHECK(false, std::string("the rendering is not JSON: ") + e.what() + " in " + printable(*rendered));
        }
        std::string where;
        FUZZ_CHECK(same_as_jsonb(reread, tree, where), where + " in " + printable(*rendered));
        const auto again = riverqueue::core::jsonb_text(*rendered);
        FUZZ_CHECK(again && *again == *rendered, "rendering again changes " + printable(*rendered));
    });
    return 0;
}
