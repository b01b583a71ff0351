// The Go-style writer (src/core/go_json.cpp) and the unique-key builder
// (src/core/unique_key.cpp) on any JSON.
//
// Input: the args JSON, then NUL-separated: a control field (which unique
// options, the period, scheduled_at and the current time in microseconds),
// then by_args paths.
//
// Beyond not crashing:
// - each number is written as a second formatter, built on printf and strtod
//   rather than std::to_chars, says Go's encoding/json writes it (integers
//   verbatim, floats in Go's shortest form, `e-7` and `e+21`), or refused as
//   too large for a float64 exactly when strtod overflows;
// - the Go-style rewrite is valid JSON, has no raw `<` `>` `&`, U+2028, U+2029
//   or control characters, reads back as the same strings and numbers, and
//   rewriting it again changes nothing;
// - the canonical args (all keys) are an object with sorted, distinct names,
//   and are the same for every spelling River treats as equal: whitespace,
//   escapes, float spellings of the same value, and top-level members in any
//   order (the first of repeated names kept; docs/design.md);
// - a by_args subset naming every top-level key gives the canonical args of
//   all keys; a subset of the input's paths is an object or empty, and is the
//   same for every equal spelling;
// - compute_unique_key gives the same digest for every equal spelling, and
//   refuses only with validation_error;
// - inputs that may be deep run on a 256 KiB stack.
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include <riverqueue/errors.hpp>
#include <riverqueue/unique_key.hpp>

#include "core/go_json.hpp"
#include "core/unique_key_builder.hpp"
#include "fuzz_support.hpp"
#include "reference_json.hpp"

namespace {

using namespace riverqueue::fuzz;
namespace json = riverqueue::core::json;
namespace go_json = riverqueue::core::go_json;

// Go's encoding/json for a float64 `f`: strconv.FormatFloat(f, 'f' or 'e', -1,
// 64), 'e' below 1e-6 and from 1e21, then e-07 cleaned up to e-7. The
// shortest digits are found by trying 1 to 17 significant digits with printf
// (correctly rounded), and for each the neighbouring last digits, which can be
// the only ones in range next to a power of two.
std::string reference_go_float(double f) {
    if (f == 0) return std::signbit(f) ? "-0" : "0";
    std::string digits;
    long long point = 0;  // value = 0.digits * 10^point
    for (int precision = 1; precision <= 17 && digits.empty(); ++precision) {
        char buffer[64];
        std::snprintf(buffer, sizeof buffer, "%.*e", precision - 1, std::fabs(f));
        const std::string printed(buffer);
        const std::size_t e = printed.find('e');
        std::string mantissa;
        for (std::size_t i = 0; i < e; ++i) {
            if (printed[i] != '.') mantissa.push_back(printed[i]);
        }
        const long long exponent = std::atoll(printed.c_str() + e + 1) - (precision - 1);  // value = mantissa * 10^exponent
        const auto reads_back = [&](const std::string& candidate) {
            const std::string text = candidate + "e" + std::to_string(exponent);
            return std::strtod(text.c_str(), nullptr) == std::fabs(f);
        };
        const auto step = [](std::string number, int delta) {
            // number + delta (delta = +1 or -1), in decimal; may gain or lose a digit.
            std::size_t i = number.size();
            while (i-- > 0) {
                if (delta > 0) {
                    if (number[i] != '9') {
                        ++number[i];
                        return number;
                    }
                    number[i] = '0';
                } else {
                    if (number[i] != '0') {
                        --number[i];
                        return number;
                    }
                    number[i] = '9';
                }
            }
            return delta > 0 ? "1" + number : number;
        };
        std::string chosen;
        if (reads_back(mantissa)) chosen = mantissa;
        else if (reads_back(step(mantissa, 1))) chosen = step(mantissa, 1);
        else if (mantissa != "1" && reads_back(step(mantissa, -1))) chosen = step(mantissa, -1);
        if (chosen.empty()) continue;
        const std::size_t first = chosen.find_first_not_of('0');
        chosen = chosen.substr(first);
        long long scale = exponent;
        while (chosen.size() > 1 && chosen.back() == '0') {
            chosen.pop_back();
            ++scale;
        }
        digits = chosen;
        point = scale + static_cast<long long>(digits.size());
    }
    FUZZ_CHECK(!digits.empty(), "no digits found for " + std::to_string(f));
    std::string out = std::signbit(f) ? "-" : "";
    const double magnitude = std::fabs(f);
    if (magnitude < 1e-6 || magnitude >= 1e21) {
        out += digits.substr(0, 1);
        if (digits.size() > 1) out += "." + digits.substr(1);
        const long long exponent = point - 1;
        out += exponent < 0 ? "e-" : "e+";
        const std::string written = std::to_string(exponent < 0 ? -exponent : exponent);
        if (exponent >= 0 && written.size() < 2) out += "0";
        out += written;
        return out;
    }
    if (point <= 0) return out + "0." + std::string(static_cast<std::size_t>(-point), '0') + digits;
    if (static_cast<std::size_t>(point) >= digits.size()) {
        return out + digits + std::string(static_cast<std::size_t>(point) - digits.size(), '0');
    }
    return out + digits.substr(0, static_cast<std::size_t>(point)) + "." + digits.substr(static_cast<std::size_t>(point));
}

// How Go writes the JSON number `text`; std::nullopt when it does not fit a float64.
std::optional<std::string> reference_go_number(const std::string& text) {
    if (text.find_first_of(".eE") == std::string::npos) return text;
    const double f = std::strtod(text.c_str(), nullptr);
    if (std::isinf(f)) return std::nullopt;
    return reference_go_float(f);
}

// Every value of a tree, without recursion.
template <typename Visit>
void each_value(const json::value& root, Visit visit) {
    std::vector<const json::value*> pending{&root};
    while (!pending.empty()) {
        const json::value* v = pending.back();
        pending.pop_back();
        visit(*v);
        for (const auto& item : v->items) pending.push_back(&item);
        for (const auto& member : v->members) pending.push_back(&member.second);
    }
}

// Whether `written` (the rewrite) says what `original` says: the same shape,
// strings and names, integers as written, floats as Go writes them.
bool same_meaning(const json::value& written, const json::value& original, std::string& where) {
    std::vector<std::pair<const json::value*, const json::value*>> pending{{&written, &original}};
    while (!pending.empty()) {
        const auto [w, o] = pending.back();
        pending.pop_back();
        if (w->type != o->type || w->items.size() != o->items.size() || w->members.size() != o->members.size()) {
            where = "shapes differ";
            return false;
        }
        if (o->type == json::value_type::number) {
            const auto expected = reference_go_number(o->text);
            if (!expected || w->text != *expected) {
                where = "number " + o->text + " written " + w->text;
                return false;
            }
        } else if (w->text != o->text) {
            where = "text " + printable(o->text) + " written " + printable(w->text);
            return false;
        }
        for (std::size_t i = 0; i < w->items.size(); ++i) pending.emplace_back(&w->items[i], &o->items[i]);
        for (std::size_t i = 0; i < w->members.size(); ++i) {
            if (w->members[i].first != o->members[i].first) {
                where = "names differ";
                return false;
            }
            pending.emplace_back(&w->members[i].second, &o->members[i].second);
        }
    }
    return true;
}

// A top-level name as a by_args path naming exactly that key.
std::string path_of_name(std::string_view name) {
    std::string path;
    for (char c : name) {
        if (c == '.' || c == '\\') path.push_back('\\');
        path.push_back(c);
    }
    return path;
}

struct key_outcome {
    bool ok = false;
    std::string key_string;
    std::array<std::uint8_t, 32> digest{};
    std::string field;  // validation_error's field when refused
};

key_outcome unique_key_of(std::string_view args, const riverqueue::unique_opts& opts,
                          std::optional<riverqueue::time_point> scheduled_at, riverqueue::time_point now) {
    key_outcome out;
    try {
        const auto key = riverqueue::compute_unique_key(
            riverqueue::unique_key_input{"fuzz_kind", args, "fuzz_queue", scheduled_at, now}, opts);
        out.ok = true;
        out.key_string = key.key_string;
        out.digest = key.digest;
    } catch (const riverqueue::validation_error& e) {
        out.field = e.field();
    }
    return out;
}

riverqueue::time_point time_at(std::int64_t micros) {
    return riverqueue::time_point(std::chrono::microseconds(micros));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input = as_text(data, size);
    const auto fields = split(input, '\0');
    const std::string_view args_text = fields[0];
    const std::string_view control = fields.size() > 1 ? fields[1] : std::string_view{};
    std::vector<std::string> input_paths;
    for (std::size_t i = 2; i < fields.size(); ++i) input_paths.emplace_back(fields[i]);

    json::value args;
    try {
        args = json::parse(args_text);
    } catch (const json::parse_error&) {
        return 0;  // the JSON reader's target covers refusals
    }

    // The fuzz target's own part: other spellings, and Go's numbers.
    std::string respelled;           // the same args in another spelling
    std::vector<std::string> names;  // distinct top-level names, first occurrences
    bool any_float_too_large = false;
    run_reference_part(args_text, [&] {
        random_source random(input);
        respelling_writer writer(random, /*respell_floats=*/true);
        if (args.type == json::value_type::object) {
            // River sorts the top-level members and keeps the first of repeated
            // names: any order of the first occurrences is the same args to it.
            std::vector<const json::member*> firsts;
            for (const auto& member : args.members) {
                bool seen = false;
                for (const auto* kept : firsts) seen = seen || kept->first == member.first;
                if (!seen) firsts.push_back(&member);
            }
            for (std::size_t i = firsts.size(); i > 1; --i) std::swap(firsts[i - 1], firsts[random.below(i)]);
            respelled.push_back('{');
            for (std::size_t i = 0; i < firsts.size(); ++i) {
                if (i > 0) respelled.push_back(',');
                writer.member(respelled, firsts[i]->first, firsts[i]->second);
                names.push_back(firsts[i]->first);
            }
            respelled.push_back('}');
        } else {
            writer.value(respelled, args);
        }
        each_value(args, [&](const json::value& v) {
            if (v.type == json::value_type::number && !reference_go_number(v.text)) any_float_too_large = true;
        });
    });

    byte_source controls(control);
    const auto flags = controls.take(1);
    riverqueue::unique_opts opts;
    if ((flags & 1) != 0 || (flags & 0x3F) == 0) {
        if ((flags & 2) != 0 && !input_paths.empty()) opts.by_args = input_paths;
        else opts.by_args = riverqueue::unique_by_args_all{};
    }
    const std::int64_t period = controls.take_int64();
    opts.by_period = (flags & 0x40) != 0 ? std::chrono::nanoseconds(period)
                                         : std::chrono::nanoseconds(std::chrono::seconds(period % 400'000'000));
    opts.by_queue = (flags & 4) != 0;
    opts.exclude_kind = (flags & 8) != 0;
    if ((flags & 0x20) != 0) {
        opts.by_state = riverqueue::unique_states_from_bitmask(static_cast<std::uint8_t>(controls.take(1)));
    }
    std::optional<riverqueue::time_point> scheduled_at;
    const std::int64_t scheduled_micros = controls.take_int64();
    if ((flags & 0x10) != 0) scheduled_at = time_at(scheduled_micros);
    const riverqueue::time_point now = time_at(controls.take_int64());

    run_library_part(args_text, [&] {
        std::string where;
        // Numbers, one by one.
        each_value(args, [&](const json::value& v) {
            if (v.type != json::value_type::number) return;
            const auto expected = reference_go_number(v.text);
            std::string written;
            try {
                go_json::append_number(written, v.text);
            } catch (const riverqueue::validation_error& e) {
                FUZZ_CHECK(!expected, "refused " + v.text + " (" + e.what() + "), Go writes " + expected.value_or(""));
                return;
            }
            FUZZ_CHECK(expected && written == *expected,
                       "number " + v.text + " written " + written + ", Go writes " + expected.value_or("(refused)"));
        });

        // The whole value, written as Go would.
        std::string written;
        bool written_refused = false;
        try {
            go_json::append_value(written, args);
        } catch (const riverqueue::validation_error& e) {
            FUZZ_CHECK(any_float_too_large, std::string("append_value refused: ") + e.what());
            written_refused = true;
        }
        FUZZ_CHECK(written_refused == any_float_too_large, "a float too large was written: " + printable(written));
        if (!written_refused) {
            for (std::size_t i = 0; i < written.size(); ++i) {
                const auto c = static_cast<unsigned char>(written[i]);
                FUZZ_CHECK(c >= 0x20 && c != '<' && c != '>' && c != '&', "raw byte " + std::to_string(c) + " in " +
                                                                              printable(written));
                const bool line_separator = c == 0xE2 && i + 2 < written.size() &&
                                            static_cast<unsigned char>(written[i + 1]) == 0x80 &&
                                            (static_cast<unsigned char>(written[i + 2]) & 0xFE) == 0xA8;
                FUZZ_CHECK(!line_separator, "raw U+2028 or U+2029 in " + printable(written));
            }
            json::value reread;
            try {
                reread = json::parse(written);
            } catch (const json::parse_error& e) {
                FUZZ_CHECK(false, std::string("the rewrite is not JSON: ") + e.what() + ": " + printable(written));
            }
            FUZZ_CHECK(same_meaning(reread, args, where), where + " in " + printable(written));
            std::string again;
            go_json::append_value(again, reread);
            FUZZ_CHECK(again == written, "rewriting changes " + printable(written) + " into " + printable(again));
        }

        // The canonical args and the unique key.
        if (args.type != json::value_type::object) return;
        const json::value other = json::parse(respelled);
        std::string canonical, canonical_other;
        bool refused = false, refused_other = false;
        try {
            canonical = riverqueue::core::canonical_args_all(args);
        } catch (const riverqueue::validation_error&) {
            refused = true;
        }
        try {
            canonical_other = riverqueue::core::canonical_args_all(other);
        } catch (const riverqueue::validation_error&) {
            refused_other = true;
        }
        FUZZ_CHECK(refused == refused_other && canonical == canonical_other,
                   "equal args, different canonical forms: " + printable(canonical) + " / " + printable(canonical_other) +
                       " from " + printable(respelled));
        if (!refused) {
            const json::value reread = json::parse(canonical);
            FUZZ_CHECK(reread.type == json::value_type::object, printable(canonical));
            for (std::size_t i = 1; i < reread.members.size(); ++i) {
                FUZZ_CHECK(reread.members[i - 1].first < reread.members[i].first,
                           "names not sorted and distinct: " + printable(canonical));
            }
            FUZZ_CHECK(riverqueue::core::canonical_args_all(reread) == canonical,
                       "canonical args not stable: " + printable(canonical));
            if (!names.empty()) {
                std::vector<std::string> every_key;
                for (const auto& name : names) every_key.push_back(path_of_name(name));
                const std::string subset = riverqueue::core::canonical_args_subset(args, every_key);
                FUZZ_CHECK(subset == canonical, "a subset of every key gives " + printable(subset) + ", all keys " +
                                                    printable(canonical));
            }
        }
        if (!input_paths.empty() && !refused) {
            const std::string subset = riverqueue::core::canonical_args_subset(args, input_paths);
            const std::string subset_other = riverqueue::core::canonical_args_subset(other, input_paths);
            FUZZ_CHECK(subset == subset_other, "equal args, different subsets: " + printable(subset) + " / " +
                                                   printable(subset_other));
            if (!subset.empty()) {
                FUZZ_CHECK(json::validate(subset) == json::value_type::object, printable(subset));
            }
        }

        const key_outcome key = unique_key_of(args_text, opts, scheduled_at, now);
        const key_outcome key_other = unique_key_of(respelled, opts, scheduled_at, now);
        FUZZ_CHECK(key.ok == key_other.ok && key.field == key_other.field && key.digest == key_other.digest,
                   "equal args, different unique keys: " + printable(key.key_string) + " / " +
                       printable(key_other.key_string));
        if (key.ok && std::holds_alternative<riverqueue::unique_by_args_all>(opts.by_args)) {
            FUZZ_CHECK(key.key_string.find("&args=" + canonical) != std::string::npos, printable(key.key_string));
        }
    });
    return 0;
}
