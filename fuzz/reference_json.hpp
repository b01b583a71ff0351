// A second JSON reader and a JSON writer, written for the fuzz targets apart
// from the library's (src/core/json.cpp, src/core/go_json.cpp), as plainly as
// possible: the reader is recursive descent straight from RFC 8259 and RFC 3629,
// the writer spells the same tree in many equivalent ways. The targets hold the
// library to them.
//
// The reader keeps the library's documented rules: number text as written,
// members in order with duplicates, a high surrogate escape followed by a low
// one joined, any other surrogate escape read as U+FFFD (as Go does), nesting
// up to core::json::max_nesting_depth.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_support.hpp"

namespace riverqueue::fuzz {

// Length (1 to 4) of the well-formed UTF-8 sequence at text[pos] (RFC 3629's
// table, so no overlong forms, no surrogates, nothing above U+10FFFF), 0 if none.
inline std::size_t reference_utf8_length(std::string_view text, std::size_t pos) {
    const auto at = [&](std::size_t i) -> unsigned {
        return pos + i < text.size() ? static_cast<unsigned char>(text[pos + i]) : 0x100u;
    };
    const auto tail = [&](std::size_t i) { return at(i) >= 0x80 && at(i) <= 0xBF; };
    const unsigned b0 = at(0);
    if (b0 < 0x80) return 1;
    if (b0 >= 0xC2 && b0 <= 0xDF) return tail(1) ? 2 : 0;
    if (b0 == 0xE0) return at(1) >= 0xA0 && at(1) <= 0xBF && tail(2) ? 3 : 0;
    if ((b0 >= 0xE1 && b0 <= 0xEC) || b0 == 0xEE || b0 == 0xEF) return tail(1) && tail(2) ? 3 : 0;
    if (b0 == 0xED) return at(1) >= 0x80 && at(1) <= 0x9F && tail(2) ? 3 : 0;
    if (b0 == 0xF0) return at(1) >= 0x90 && at(1) <= 0xBF && tail(2) && tail(3) ? 4 : 0;
    if (b0 >= 0xF1 && b0 <= 0xF3) return tail(1) && tail(2) && tail(3) ? 4 : 0;
    if (b0 == 0xF4) return at(1) >= 0x80 && at(1) <= 0x8F && tail(2) && tail(3) ? 4 : 0;
    return 0;
}

inline bool reference_utf8_valid(std::string_view text) {
    for (std::size_t i = 0; i < text.size();) {
        const std::size_t length = reference_utf8_length(text, i);
        if (length == 0) return false;
        i += length;
    }
    return true;
}

// Written as a loop over continuation bytes rather than the library's
// unrolled branches, so that the two encoders are not one piece of code twice.
inline void reference_append_utf8(std::string& out, std::uint32_t cp) {
    if (cp < 0x80) {
        out.push_back(static_cast<char>(cp));
        return;
    }
    const int continuation_bytes = cp < 0x800 ? 1 : cp < 0x10000 ? 2 : 3;
    static constexpr std::uint32_t lead_marks[] = {0, 0xC0, 0xE0, 0xF0};
    out.push_back(static_cast<char>(lead_marks[continuation_bytes] | (cp >> (6 * continuation_bytes))));
    for (int shift = 6 * (continuation_bytes - 1); shift >= 0; shift -= 6) {
        out.push_back(static_cast<char>(0x80 | ((cp >> shift) & 0x3F)));
    }
}

// The code point of the UTF-8 sequence of `length` bytes at text[pos].
inline std::uint32_t reference_decode_utf8(std::string_view text, std::size_t pos, std::size_t length) {
    const auto b = [&](std::size_t i) { return static_cast<std::uint32_t>(static_cast<unsigned char>(text[pos + i])); };
    switch (length) {
        case 1: return b(0);
        case 2: return ((b(0) & 0x1F) << 6) | (b(1) & 0x3F);
        case 3: return ((b(0) & 0x0F) << 12) | ((b(1) & 0x3F) << 6) | (b(2) & 0x3F);
        default: return ((b(0) & 0x07) << 18) | ((b(1) & 0x3F) << 12) | ((b(2) & 0x3F) << 6) | (b(3) & 0x3F);
    }
}

class reference_reader {
public:
    explicit reference_reader(std::string_view text) : text_(text) {}

    // Whether `text` is one JSON document; fills `out`.
    bool document(json::value& out) {
        whitespace();
        if (!value(out, 0)) return false;
        whitespace();
        return pos_ == text_.size();
    }

    // What PostgreSQL's jsonb would refuse among what was read: a \u0000
    // escape, or a surrogate escape that is not part of a pair.
    bool saw_nul_escape() const { return nul_escape_; }
    bool saw_lone_surrogate() const { return lone_surrogate_; }
    // The document was refused for its depth alone (so far as it was read).
    bool too_deep() const { return too_deep_; }

private:
    bool at_end() const { return pos_ >= text_.size(); }
    char peek() const { return text_[pos_]; }

    void whitespace() {
        while (!at_end() && (peek() == ' ' || peek() == '\t' || peek() == '\n' || peek() == '\r')) ++pos_;
    }

    bool value(json::value& out, std::size_t depth) {
        if (at_end()) return false;
        switch (peek()) {
            case '{': return object(out, depth + 1);
            case '[': return array(out, depth + 1);
            case '"': out.type = json::value_type::string; return string(out.text);
            case 't': out.type = json::value_type::boolean; out.text = "true"; return literal("true");
            case 'f': out.type = json::value_type::boolean; out.text = "false"; return literal("false");
            case 'n': out.type = json::value_type::null; return literal("null");
            default: out.type = json::value_type::number; return number(out.text);
        }
    }

    bool literal(std::string_view word) {
        if (text_.substr(pos_, word.size()) != word) return false;
        pos_ += word.size();
        return true;
    }

    bool object(json::value& out, std::size_t depth) {
        if (depth > json::max_nesting_depth) {
            too_deep_ = true;
            return false;
        }
        out.type = json::value_type::object;
        ++pos_;
        whitespace();
        if (!at_end() && peek() == '}') {
            ++pos_;
            return true;
        }
        while (true) {
            whitespace();
            if (at_end() || peek() != '"') return false;
            std::string name;
            if (!string(name)) return false;
            whitespace();
            if (at_end() || peek() != ':') return false;
            ++pos_;
            whitespace();
            out.members.emplace_back(std::move(name), json::value{});
            if (!value(out.members.back().second, depth)) return false;
            whitespace();
            if (at_end()) return false;
            if (peek() == '}') {
                ++pos_;
                return true;
            }
            if (peek() != ',') return false;
            ++pos_;
        }
    }

    bool array(json::value& out, std::size_t depth) {
        if (depth > json::max_nesting_depth) {
            too_deep_ = true;
            return false;
        }
        out.type = json::value_type::array;
        ++pos_;
        whitespace();
        if (!at_end() && peek() == ']') {
            ++pos_;
            return true;
        }
        while (true) {
            whitespace();
            out.items.emplace_back();
            if (!value(out.items.back(), depth)) return false;
            whitespace();
            if (at_end()) return false;
            if (peek() == ']') {
                ++pos_;
                return true;
            }
            if (peek() != ',') return false;
            ++pos_;
        }
    }

    bool hex4(std::uint32_t& code) {
        if (text_.size() - pos_ < 4) return false;
        code = 0;
        for (int i = 0; i < 4; ++i) {
            const char c = text_[pos_++];
            std::uint32_t digit = 0;
            if (c >= '0' && c <= '9') digit = static_cast<std::uint32_t>(c - '0');
            else if (c >= 'a' && c <= 'f') digit = static_cast<std::uint32_t>(c - 'a' + 10);
            else if (c >= 'A' && c <= 'F') digit = static_cast<std::uint32_t>(c - 'A' + 10);
            else return false;
            code = code * 16 + digit;
        }
        return true;
    }

    bool string(std::string& out) {
        ++pos_;
        while (true) {
            if (at_end()) return false;
            const auto c = static_cast<unsigned char>(peek());
            if (c == '"') {
                ++pos_;
                return true;
            }
            if (c < 0x20) return false;
            if (c != '\\') {
                const std::size_t length = reference_utf8_length(text_, pos_);
                if (length == 0) return false;
                out.append(text_.substr(pos_, length));
                pos_ += length;
                continue;
            }
            ++pos_;
            if (at_end()) return false;
            const char escape = text_[pos_++];
            switch (escape) {
                case '"': out.push_back('"'); break;
                case '\\': out.push_back('\\'); break;
                case '/': out.push_back('/'); break;
                case 'b': out.push_back('\b'); break;
                case 'f': out.push_back('\f'); break;
                case 'n': out.push_back('\n'); break;
                case 'r': out.push_back('\r'); break;
                case 't': out.push_back('\t'); break;
                case 'u': {
                    std::uint32_t code = 0;
                    if (!hex4(code)) return false;
                    if (code >= 0xD800 && code <= 0xDBFF && text_.substr(pos_, 2) == "\\u") {
                        const std::size_t before_low = pos_;
                        pos_ += 2;
                        std::uint32_t low = 0;
                        if (!hex4(low)) return false;
                        if (low >= 0xDC00 && low <= 0xDFFF) {
                            reference_append_utf8(out, 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00));
                            break;
                        }
                        pos_ = before_low;  // read again as an escape of its own
                    }
                    if (code >= 0xD800 && code <= 0xDFFF) {
                        lone_surrogate_ = true;
                        code = 0xFFFD;
                    }
                    if (code == 0) nul_escape_ = true;
                    reference_append_utf8(out, code);
                    break;
                }
                default: return false;
            }
        }
    }

    bool number(std::string& out) {
        const std::size_t start = pos_;
        const auto digit = [&] { return !at_end() && peek() >= '0' && peek() <= '9'; };
        if (!at_end() && peek() == '-') ++pos_;
        if (!digit()) return false;
        if (peek() == '0') {
            ++pos_;
        } else {
            while (digit()) ++pos_;
        }
        if (!at_end() && peek() == '.') {
            ++pos_;
            if (!digit()) return false;
            while (digit()) ++pos_;
        }
        if (!at_end() && (peek() == 'e' || peek() == 'E')) {
            ++pos_;
            if (!at_end() && (peek() == '+' || peek() == '-')) ++pos_;
            if (!digit()) return false;
            while (digit()) ++pos_;
        }
        out.assign(text_.substr(start, pos_ - start));
        return true;
    }

    std::string_view text_;
    std::size_t pos_ = 0;
    bool nul_escape_ = false;
    bool lone_surrogate_ = false;
    bool too_deep_ = false;
};

// `text` (a JSON number with a fraction or an exponent) spelled another way
// with exactly the same decimal value, so the same float64: the point moved
// (the exponent making up for it), zeros added to the fraction, `E`, `+`.
// Numbers whose exponent has more than 9 digits are returned as they are.
inline std::string equivalent_float_spelling(std::string_view text, random_source& random) {
    std::size_t i = 0;
    std::string sign;
    if (text[i] == '-') {
        sign = "-";
        ++i;
    }
    std::string digits;
    long long exponent = 0;  // value = digits * 10^exponent
    for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i) digits.push_back(text[i]);
    if (i < text.size() && text[i] == '.') {
        for (++i; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i) {
            digits.push_back(text[i]);
            --exponent;
        }
    }
    if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
        ++i;
        bool negative = false;
        if (text[i] == '+' || text[i] == '-') negative = text[i++] == '-';
        if (text.size() - i > 9) return std::string(text);
        long long written = 0;
        for (; i < text.size(); ++i) written = written * 10 + (text[i] - '0');
        exponent += negative ? -written : written;
    }
    const std::size_t first = digits.find_first_not_of('0');
    digits = first == std::string::npos ? "0" : digits.substr(first);
    const std::size_t before_point = random.below(digits.size() + 1);
    std::string out = sign + (before_point == 0 ? "0" : digits.substr(0, before_point)) + ".";
    std::string fraction = digits.substr(before_point);
    if (fraction.empty()) fraction = "0";
    out += fraction;
    out.append(random.below(3), '0');
    const long long new_exponent = exponent + static_cast<long long>(digits.size() - before_point);
    if (new_exponent != 0 || random.chance(2)) {
        out += random.chance(2) ? "e" : "E";
        if (new_exponent >= 0 && random.chance(2)) out += "+";
        out += std::to_string(new_exponent);
    }
    return out;
}

// Writes a tree as JSON text in one of many equivalent spellings chosen by
// `random`: whitespace anywhere it may go, any character of a string or
// member name as itself or as an escape (short, \u, or a surrogate pair, in
// either case of hex digit); numbers as written, or with `respell_floats`,
// those with a fraction or an exponent in an equivalent spelling.
class respelling_writer {
public:
    explicit respelling_writer(random_source& random, bool respell_floats = false)
        : random_(random), respell_floats_(respell_floats) {}

    void value(std::string& out, const json::value& v) {
        switch (v.type) {
            case json::value_type::null: out += "null"; break;
            case json::value_type::boolean: out += v.text; break;
            case json::value_type::number:
                if (respell_floats_ && v.text.find_first_of(".eE") != std::string::npos) {
                    out += equivalent_float_spelling(v.text, random_);
                } else {
                    out += v.text;
                }
                break;
            case json::value_type::string: string(out, v.text); break;
            case json::value_type::array:
                out.push_back('[');
                for (std::size_t i = 0; i < v.items.size(); ++i) {
                    if (i > 0) out.push_back(',');
                    whitespace(out);
                    value(out, v.items[i]);
                    whitespace(out);
                }
                out.push_back(']');
                break;
            case json::value_type::object:
                out.push_back('{');
                for (std::size_t i = 0; i < v.members.size(); ++i) {
                    if (i > 0) out.push_back(',');
                    member(out, v.members[i].first, v.members[i].second);
                }
                out.push_back('}');
                break;
        }
        whitespace(out);
    }

    void member(std::string& out, std::string_view name, const json::value& v) {
        whitespace(out);
        string(out, name);
        whitespace(out);
        out.push_back(':');
        whitespace(out);
        value(out, v);
    }

    void whitespace(std::string& out) {
        if (!random_.chance(4)) return;
        static constexpr char spaces[] = {' ', '\t', '\n', '\r'};
        for (std::size_t n = 1 + random_.below(3); n > 0; --n) out.push_back(spaces[random_.below(4)]);
    }

    // `text` is valid UTF-8 (the reader's output).
    void string(std::string& out, std::string_view text) {
        out.push_back('"');
        for (std::size_t i = 0; i < text.size();) {
            std::size_t length = reference_utf8_length(text, i);
            if (length == 0) length = 1;  // not reached for the reader's output
            const std::uint32_t cp = reference_decode_utf8(text, i, length);
            const bool must_escape = cp < 0x20 || cp == '"' || cp == '\\';
            if (!must_escape && !random_.chance(5)) {
                out.append(text.substr(i, length));
            } else if (cp == '"' && random_.chance(2)) {
                out += "\\\"";
            } else if (cp == '\\' && random_.chance(2)) {
                out += "\\\\";
            } else if (cp == '/' && random_.chance(2)) {
                out += "\\/";
            } else if (cp == '\n' && random_.chance(2)) {
                out += "\\n";
            } else if (cp == '\t' && random_.chance(2)) {
                out += "\\t";
            } else if (cp == '\b' && random_.chance(2)) {
                out += "\\b";
            } else if (cp >= 0x10000) {
                unicode_escape(out, 0xD800 + ((cp - 0x10000) >> 10));
                unicode_escape(out, 0xDC00 + ((cp - 0x10000) & 0x3FF));
            } else {
                unicode_escape(out, cp);
            }
            i += length;
        }
        out.push_back('"');
    }

private:
    void unicode_escape(std::string& out, std::uint32_t code) {
        const char* digits = random_.chance(2) ? "0123456789abcdef" : "0123456789ABCDEF";
        out += "\\u";
        for (int shift = 12; shift >= 0; shift -= 4) out.push_back(digits[(code >> shift) & 0xF]);
    }

    random_source& random_;
    bool respell_floats_;
};

}  // namespace riverqueue::fuzz
