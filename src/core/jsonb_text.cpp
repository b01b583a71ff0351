#include "core/jsonb_text.hpp"

#include <algorithm>
#include <cstdint>
#include <vector>

#include "core/hex.hpp"
#include "core/json.hpp"
#include "core/utf8.hpp"

namespace riverqueue::core {
namespace {

// PostgreSQL 15's numeric input refuses an exponent beyond +-1000, and its
// values hold at most 131072 digits before the point and 16383 after it.
constexpr long numeric_max_exponent = 1000;
constexpr long numeric_max_integer_digits = 131072;
constexpr long numeric_max_scale = 16383;

// Thrown inside the renderer where it does not answer (or the text is not the
// valid JSON it expects); the public functions turn it into std::nullopt.
struct not_rendered {};

// Where rendered text goes: appended to a string, or hashed in pieces.
class string_sink {
public:
    explicit string_sink(std::string& out) : out_(out) {}
    void append(std::string_view text) { out_.append(text); }
    void push(char c) { out_.push_back(c); }

private:
    std::string& out_;
};

class counting_sink {
public:
    void append(std::string_view text) noexcept { size_ += text.size(); }
    void push(char) noexcept { ++size_; }
    std::size_t size() const noexcept { return size_; }

private:
    std::size_t size_ = 0;
};

class digest_sink {
public:
    void append(std::string_view text) {
        size_ += text.size();
        if (buffer_.size() + text.size() > buffer_bytes) {
            flush();
            if (text.size() >= buffer_bytes) {
                hash_.update(text);
                return;
            }
        }
        buffer_.append(text);
    }
    void push(char c) { append(std::string_view(&c, 1)); }
    jsonb_text_digest finish() {
        flush();
        return {size_, hash_.finish()};
    }

private:
    static constexpr std::size_t buffer_bytes = 64 * 1024;
    void flush() {
        hash_.update(buffer_);
        buffer_.clear();
    }
    sha256_stream hash_;
    std::string buffer_;
    std::size_t size_ = 0;
};

// A recursive reader of valid JSON that writes what jsonb's output function
// would. `sink == nullptr` reads a value only to find where it ends.
template <typename Sink>
class renderer {
public:
    explicit renderer(std::string_view in) : in_(in) {}

    void document(Sink& sink) {
        std::size_t pos = 0;
        skip_whitespace(pos);
        value(pos, 0, &sink);
        skip_whitespace(pos);
        if (pos != in_.size()) throw not_rendered{};
    }

private:
    char at(std::size_t pos) const {
        if (pos >= in_.size()) throw not_rendered{};
        return in_[pos];
    }

    void skip_whitespace(std::size_t& pos) const {
        while (pos < in_.size() && (in_[pos] == ' ' || in_[pos] == '\t' || in_[pos] == '\n' || in_[pos] == '\r')) {
            ++pos;
        }
    }

    void literal(std::size_t& pos, std::string_view word, Sink* sink) const {
        if (in_.substr(pos, word.size()) != word) throw not_rendered{};
        pos += word.size();
        if (sink != nullptr) sink->append(word);
    }

    void value(std::size_t& pos, int depth, Sink* sink) {
        switch (at(pos)) {
            case '{': return object(pos, depth + 1, sink);
            case '[': return array(pos, depth + 1, sink);
            case '"': return string(pos, nullptr, sink);
            case 't': return literal(pos, "true", sink);
            case 'f': return literal(pos, "false", sink);
            case 'n': return literal(pos, "null", sink);
            default: return number(pos, sink);
        }
    }

    void array(std::size_t& pos, int depth, Sink* sink) {
        if (depth > jsonb_text_max_depth) throw not_rendered{};
        ++pos;
        if (sink != nullptr) sink->push('[');
        skip_whitespace(pos);
        if (at(pos) == ']') {
            ++pos;
        } else {
            for (;;) {
                skip_whitespace(pos);
                value(pos, depth, sink);
                skip_whitespace(pos);
                const char next = at(pos++);
                if (next == ']') break;
                if (next != ',') throw not_rendered{};
                if (sink != nullptr) sink->append(", ");
            }
        }
        if (sink != nullptr) sink->push(']');
    }

    void object(std::size_t& pos, int depth, Sink* sink) {
        if (depth > jsonb_text_max_depth) throw not_rendered{};
        struct member {
            std::string name;
            std::size_t value_at;
        };
        std::vector<member> members;
        ++pos;
        skip_whitespace(pos);
        if (at(pos) == '}') {
            ++pos;
        } else {
            for (;;) {
                skip_whitespace(pos);
                if (at(pos) != '"') throw not_rendered{};
                std::string name;
                string(pos, sink != nullptr ? &name : nullptr, nullptr);
                skip_whitespace(pos);
                if (at(pos++) != ':') throw not_rendered{};
                skip_whitespace(pos);
                const std::size_t value_at = pos;
                value(pos, depth, nullptr);
                if (sink != nullptr) members.push_back({std::move(name), value_at});
                skip_whitespace(pos);
                const char next = at(pos++);
                if (next == '}') break;
                if (next != ',') throw not_rendered{};
            }
        }
        if (sink == nullptr) return;
        // jsonb's order: shorter names first, then by bytes (memcmp); a stable
        // sort keeps repeated names in input order, and jsonb keeps the last.
        std::stable_sort(members.begin(), members.end(), [](const member& a, const member& b) {
            if (a.name.size() != b.name.size()) return a.name.size() < b.name.size();
            return a.name < b.name;
        });
        sink->push('{');
        bool first = true;
        for (std::size_t i = 0; i < members.size(); ++i) {
            if (i + 1 < members.size() && members[i + 1].name == members[i].name) continue;
            if (!first) sink->append(", ");
            first = false;
            write_string(members[i].name, *sink);
            sink->append(": ");
            std::size_t value_at = members[i].value_at;
            value(value_at, depth, sink);
        }
        sink->push('}');
    }

    // jsonb's escapes (PostgreSQL's escape_json) for one decoded byte.
    static void write_escaped(char c, Sink& sink) {
        switch (c) {
            case '"': return sink.append("\\\"");
            case '\\': return sink.append("\\\\");
            case '\b': return sink.append("\\b");
            case '\f': return sink.append("\\f");
            case '\n': return sink.append("\\n");
            case '\r': return sink.append("\\r");
            case '\t': return sink.append("\\t");
            default: break;
        }
        if (static_cast<unsigned char>(c) < 0x20) {
            static constexpr char digits[] = "0123456789abcdef";
            const auto byte = static_cast<unsigned char>(c);
            const char escape[] = {'\\', 'u', '0', '0', digits[byte >> 4], digits[byte & 0xF]};
            return sink.append(std::string_view(escape, sizeof escape));
        }
        sink.push(c);
    }

    static bool plain(char c) { return c != '"' && c != '\\' && static_cast<unsigned char>(c) >= 0x20; }

    static void write_string(std::string_view decoded, Sink& sink) {
        sink.push('"');
        std::size_t i = 0;
        while (i < decoded.size()) {
            std::size_t run = i;
            while (run < decoded.size() && plain(decoded[run])) ++run;
            sink.append(decoded.substr(i, run - i));
            if (run < decoded.size()) write_escaped(decoded[run++], sink);
            i = run;
        }
        sink.push('"');
    }

    std::uint32_t hex4(std::size_t pos) const {
        std::uint32_t code = 0;
        for (std::size_t i = 0; i < 4; ++i) {
            const int digit = hex_digit_value(at(pos + i));
            if (digit < 0) throw not_rendered{};
            code = (code << 4) | static_cast<std::uint32_t>(digit);
        }
        return code;
    }

    // A string at pos: decoded into `decoded` and/or written to `sink` as
    // jsonb writes it (either may be null). Runs of bytes that need neither
    // decoding nor escaping go through whole, so a large string is not
    // handled a byte at a time.
    void string(std::size_t& pos, std::string* decoded, Sink* sink) const {
        ++pos;
        if (sink != nullptr) sink->push('"');
        std::string unescaped;
        for (;;) {
            std::size_t run = pos;
            while (run < in_.size() && plain(in_[run])) {
                if (static_cast<unsigned char>(in_[run]) < 0x80) {
                    ++run;
                    continue;
                }
                const std::size_t length = utf8_sequence_length(in_, run);
                if (length == 0) throw not_rendered{};  // not UTF-8: PostgreSQL refuses it
                run += length;
            }
            const std::string_view bytes = in_.substr(pos, run - pos);
            if (decoded != nullptr) decoded->append(bytes);
            if (sink != nullptr) sink->append(bytes);
            pos = run;
            const char c = at(pos++);
            if (c == '"') break;
            if (c != '\\') throw not_rendered{};  // a raw control character
            unescaped.clear();
            const char escape = at(pos++);
            if (const char simple = json::simple_escape_value(escape); simple != 0) {
                unescaped.push_back(simple);
            } else if (escape == 'u') {
                std::uint32_t code = hex4(pos);
                pos += 4;
                if (code >= 0xD800 && code <= 0xDBFF) {
                    if (at(pos) != '\\' || at(pos + 1) != 'u') throw not_rendered{};
                    const std::uint32_t low = hex4(pos + 2);
                    if (low < 0xDC00 || low > 0xDFFF) throw not_rendered{};
                    pos += 6;
                    code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
                } else if (code >= 0xDC00 && code <= 0xDFFF) {
                    throw not_rendered{};
                }
                if (code == 0) throw not_rendered{};  // jsonb refuses \u0000
                append_utf8(unescaped, code);
            } else {
                throw not_rendered{};
            }
            if (decoded != nullptr) decoded->append(unescaped);
            if (sink != nullptr) {
                for (char u : unescaped) write_escaped(u, *sink);
            }
        }
        if (sink != nullptr) sink->push('"');
    }

    std::string_view digits(std::size_t& pos) const {
        const std::size_t start = pos;
        while (pos < in_.size() && in_[pos] >= '0' && in_[pos] <= '9') ++pos;
        if (pos == start) throw not_rendered{};
        return in_.substr(start, pos - start);
    }

    // A number as numeric's output writes the value numeric's input makes of
    // it: the digits with the point moved by the exponent, leading zeros
    // dropped, the scale the input's fraction digits less the exponent (at
    // least 0), and no sign on zero.
    void number(std::size_t& pos, Sink* sink) const {
        bool negative = false;
        if (at(pos) == '-') {
            negative = true;
            ++pos;
        }
        const std::string_view integer = digits(pos);
        if (integer.size() > 1 && integer.front() == '0') throw not_rendered{};  // a leading zero: not JSON
        std::string_view fraction;
        if (pos < in_.size() && in_[pos] == '.') fraction = digits(++pos);
        long exponent = 0;
        if (pos < in_.size() && (in_[pos] == 'e' || in_[pos] == 'E')) {
            ++pos;
            bool exponent_negative = false;
            if (at(pos) == '+' || at(pos) == '-') exponent_negative = in_[pos++] == '-';
            for (char d : digits(pos)) {
                exponent = exponent * 10 + (d - '0');
                if (exponent > numeric_max_exponent) throw not_rendered{};
            }
            if (exponent_negative) exponent = -exponent;
        }
        // The value is mantissa * 10^-point, mantissa being the digits of
        // integer and fraction together.
        const long mantissa_digits = static_cast<long>(integer.size() + fraction.size());
        const long point = static_cast<long>(fraction.size()) - exponent;
        const long scale = std::max(0L, point);
        if (scale > numeric_max_scale || mantissa_digits - point > numeric_max_integer_digits) throw not_rendered{};
        if (sink == nullptr) return;

        const auto digit = [&](long i) -> char {
            if (i < 0 || i >= mantissa_digits) return '0';
            const auto index = static_cast<std::size_t>(i);
            return index < integer.size() ? integer[index] : fraction[index - integer.size()];
        };
        std::string out;
        const long integer_end = mantissa_digits - point;  // digits before the point, zeros of a positive exponent included
        long first = 0;
        while (first < integer_end && digit(first) == '0') ++first;
        for (long i = first; i < integer_end; ++i) out.push_back(digit(i));
        if (out.empty()) out.push_back('0');
        if (scale > 0) {
            out.push_back('.');
            for (long i = integer_end; i < integer_end + scale; ++i) out.push_back(digit(i));
        }
        const bool zero = std::all_of(integer.begin(), integer.end(), [](char d) { return d == '0'; }) &&
                          std::all_of(fraction.begin(), fraction.end(), [](char d) { return d == '0'; });
        if (negative && !zero) sink->push('-');
        sink->append(out);
    }

    std::string_view in_;
};

}  // namespace

std::optional<jsonb_text_digest> digest_jsonb_text(std::string_view json) {
    digest_sink sink;
    try {
        renderer<digest_sink>(json).document(sink);
    } catch (const not_rendered&) {
        return std::nullopt;
    }
    return sink.finish();
}

std::optional<std::string> jsonb_text(std::string_view json) {
    // Measured first, so that a large text is allocated once at its size
    // rather than grown, which would hold two copies at the step.
    counting_sink counter;
    std::string out;
    try {
        renderer<counting_sink>(json).document(counter);
        out.reserve(counter.size());
        string_sink sink(out);
        renderer<string_sink>(json).document(sink);
    } catch (const not_rendered&) {
        return std::nullopt;
    }
    return out;
}

}  // namespace riverqueue::core
