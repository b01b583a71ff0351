#include "core/json.hpp"

#include <cstdint>
#include <new>
#include <optional>
#include <vector>

#include "core/hex.hpp"
#include "core/utf8.hpp"

namespace riverqueue::core::json {

char simple_escape_value(char escape) noexcept {
    switch (escape) {
        case '"': return '"';
        case '\\': return '\\';
        case '/': return '/';
        case 'b': return '\b';
        case 'f': return '\f';
        case 'n': return '\n';
        case 'r': return '\r';
        case 't': return '\t';
        default: return 0;
    }
}

namespace {

bool has_children(const value& v) noexcept { return !v.items.empty() || !v.members.empty(); }

// A reader with its own stack of open arrays and objects instead of a call per
// level. With Build=false it only validates, so that the insert path can
// reject bad args without allocating a tree.
template <bool Build>
class reader {
public:
    explicit reader(std::string_view text, bool storable_in_jsonb = false)
        : text_(text), storable_in_jsonb_(storable_in_jsonb) {}

    value_type document(value* out) {
        skip_whitespace();
        const value_type type = parse_value(out);
        skip_whitespace();
        if (pos_ != text_.size()) fail("unexpected data after the JSON value");
        return type;
    }

private:
    struct open_container {
        value* node;  // null when only validating
        bool object;
    };

    [[noreturn]] void fail(const std::string& message) const {
        std::size_t line = 1;
        std::size_t column = 1;
        for (std::size_t i = 0; i < pos_ && i < text_.size(); ++i) {
            const auto c = static_cast<unsigned char>(text_[i]);
            if (c == '\n') {
                ++line;
                column = 1;
            } else if ((c & 0xC0) != 0x80) {  // not a UTF-8 continuation byte
                ++column;
            }
        }
        throw parse_error(pos_, line, column, message);
    }

    bool at_end() const noexcept { return pos_ >= text_.size(); }
    unsigned char peek() const noexcept { return static_cast<unsigned char>(text_[pos_]); }

    void skip_whitespace() noexcept {
        while (!at_end()) {
            const char c = text_[pos_];
            if (c != ' ' && c != '\t' && c != '\n' && c != '\r') break;
            ++pos_;
        }
    }

    void expect_literal(std::string_view literal) {
        if (text_.substr(pos_, literal.size()) != literal) fail("invalid literal");
        pos_ += literal.size();
    }

    static void set_type(value* out, value_type type) {
        if constexpr (Build) out->type = type;
    }
    static void set_literal(value* out, value_type type, std::string_view literal) {
        if constexpr (Build) {
            out->type = type;
            out->text = literal;
        }
    }

    // Reads one value into `out` (null when validating) and returns its type.
    // '[' and '{' push onto `open`, ']' and '}' pop: depth costs heap, not stack.
    // Pointers on `open` stay valid: only the innermost container grows.
    value_type parse_value(value* out) {
        std::vector<open_container> open;
        value* slot = out;  // where the next value goes
        std::optional<value_type> outermost;
        while (true) {
            if (at_end()) fail("unexpected end of input");
            const unsigned char c = peek();
            const value_type type = c == '{' ? value_type::object : c == '[' ? value_type::array : scalar(slot);
            if (!outermost) outermost = type;
            if (type == value_type::object || type == value_type::array) {
                if (open.size() == max_nesting_depth) {
                    fail("nesting deeper than " + std::to_string(max_nesting_depth) + " levels");
                }
                set_type(slot, type);
                ++pos_;  // [ or {
                skip_whitespace();
                const bool object = type == value_type::object;
                if (at_end() || peek() != (object ? '}' : ']')) {
                    open.push_back({slot, object});
                    slot = next_slot(open.back());
                    continue;
                }
                ++pos_;  // empty, closed at once
            }
            // A value is complete: close the containers it completes, or go on
            // to the next element of the innermost one.
            while (true) {
                if (open.empty()) return *outermost;
                const open_container& top = open.back();
                skip_whitespace();
                if (at_end()) fail(top.object ? "unterminated object" : "unterminated array");
                if (peek() == ',') {
                    ++pos_;
                    slot = next_slot(top);
                    break;
                }
                if (peek() != (top.object ? '}' : ']')) fail(top.object ? "expected ',' or '}'" : "expected ',' or ']'");
                ++pos_;
                open.pop_back();
            }
        }
    }

    value_type scalar(value* out) {
        switch (peek()) {
            case '"': parse_string(out != nullptr ? &out->text : nullptr); set_type(out, value_type::string); return value_type::string;
            case 't': expect_literal("true"); set_literal(out, value_type::boolean, "true"); return value_type::boolean;
            case 'f': expect_literal("false"); set_literal(out, value_type::boolean, "false"); return value_type::boolean;
            case 'n': expect_literal("null"); set_type(out, value_type::null); return value_type::null;
            default: parse_number(out); return value_type::number;
        }
    }

    // Reads up to the container's next element (for an object, its name and
    // ':') and returns where that element goes.
    value* next_slot(const open_container& container) {
        skip_whitespace();
        if (!container.object) {
            if constexpr (Build) return &container.node->items.emplace_back();
            return nullptr;
        }
        if (at_end() || peek() != '"') fail("expected a member name");
        std::string name;
        parse_string(Build ? &name : nullptr);
        skip_whitespace();
        if (at_end() || peek() != ':') fail("expected ':'");
        ++pos_;
        skip_whitespace();
        if constexpr (Build) return &container.node->members.emplace_back(std::move(name), value{}).second;
        return nullptr;
    }

    std::uint32_t hex4() {
        if (pos_ + 4 > text_.size()) fail("truncated \\u escape");
        std::uint32_t code = 0;
        for (int i = 0; i < 4; ++i) {
            const int digit = hex_digit_value(text_[pos_++]);
            if (digit < 0) fail("invalid \\u escape");
            code = (code << 4) | static_cast<std::uint32_t>(digit);
        }
        return code;
    }

    // Reads one UTF-8 sequence starting at pos_ and appends it (core/utf8).
    void copy_utf8_sequence(std::string* out) {
        const std::size_t length = utf8_sequence_length(text_, pos_);
        if (length == 0) fail("invalid UTF-8");
        if (out != nullptr) out->append(text_.substr(pos_, length));
        pos_ += length;
    }

    void parse_string(std::string* out) {
        ++pos_;  // opening quote
        while (true) {
            // Printable ASCII other than '"' and '\\' is the string itself:
            // taken as one run (most of a job's args are such runs).
            std::size_t run = pos_;
            while (run < text_.size()) {
                const auto b = static_cast<unsigned char>(text_[run]);
                if (b == '"' || b == '\\' || b < 0x20 || b >= 0x80) break;
                ++run;
            }
            if (out != nullptr) out->append(text_.data() + pos_, run - pos_);
            pos_ = run;
            if (at_end()) fail("unterminated string");
            const unsigned char c = peek();
            if (c == '"') {
                ++pos_;
                return;
            }
            if (c < 0x20) fail("control character in string");
            if (c == '\\') {
                ++pos_;
                if (at_end()) fail("unterminated escape");
                const char escape = text_[pos_++];
                if (const char plain = simple_escape_value(escape); plain != 0) {
                    if (out != nullptr) out->push_back(plain);
                    continue;
                }
                if (escape != 'u') fail("invalid escape");
                std::uint32_t code = hex4();
                if (code >= 0xD800 && code <= 0xDBFF) {
                    // A high surrogate pairs with a following low one. Alone,
                    // Go's decoder turns it into U+FFFD; so do we.
                    if (text_.substr(pos_, 2) == "\\u") {
                        const std::size_t saved = pos_;
                        pos_ += 2;
                        const std::uint32_t low = hex4();
                        if (low >= 0xDC00 && low <= 0xDFFF) {
                            code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
                        } else {
                            pos_ = saved;
                            code = lone_surrogate();
                        }
                    } else {
                        code = lone_surrogate();
                    }
                } else if (code >= 0xDC00 && code <= 0xDFFF) {
                    code = lone_surrogate();
                } else if (code == 0 && storable_in_jsonb_) {
                    fail("\\u0000 cannot be stored in PostgreSQL's jsonb");
                }
                if (out != nullptr) append_utf8(*out, code);
                continue;
            }
            copy_utf8_sequence(out);  // the run stopped at a byte of 0x80 or more
        }
    }

    void parse_number(value* out) {
        const std::size_t start = pos_;
        auto digit = [&] { return !at_end() && peek() >= '0' && peek() <= '9'; };
        if (!at_end() && peek() == '-') ++pos_;
        if (!digit()) fail("invalid value");
        if (peek() == '0') {
            ++pos_;
        } else {
            while (digit()) ++pos_;
        }
        if (!at_end() && peek() == '.') {
            ++pos_;
            if (!digit()) fail("invalid number");
            while (digit()) ++pos_;
        }
        if (!at_end() && (peek() == 'e' || peek() == 'E')) {
            ++pos_;
            if (!at_end() && (peek() == '+' || peek() == '-')) ++pos_;
            if (!digit()) fail("invalid number");
            while (digit()) ++pos_;
        }
        if constexpr (Build) {
            out->type = value_type::number;
            out->text = std::string(text_.substr(start, pos_ - start));
        }
    }

    // PostgreSQL's jsonb refuses a surrogate escape that is not part of a pair.
    std::uint32_t lone_surrogate() {
        if (storable_in_jsonb_) fail("a lone surrogate escape cannot be stored in PostgreSQL's jsonb");
        return 0xFFFD;
    }

    std::string_view text_;
    bool storable_in_jsonb_;
    std::size_t pos_ = 0;
};

}  // namespace

value& value::operator=(const value& other) {
    if (this != &other) *this = value(other);
    return *this;
}

value& value::operator=(value&& other) noexcept {
    if (this != &other) {
        const value given_up(std::move(*this));
        type = other.type;
        text = std::move(other.text);
        items = std::move(other.items);
        members = std::move(other.members);
    }
    return *this;
}

value::~value() {
    if (!has_children(*this)) return;
    // Nested values are moved out to a flat list and taken apart there one by
    // one, so that each is destroyed with only childless values left in it.
    std::vector<value> nested;
    const auto move_out_nested = [&nested](value& v) {
        for (auto& item : v.items) {
            if (has_children(item)) nested.push_back(std::move(item));
        }
        for (auto& m : v.members) {
            if (has_children(m.second)) nested.push_back(std::move(m.second));
        }
    };
    try {
        move_out_nested(*this);
        while (!nested.empty()) {
            value next = std::move(nested.back());
            nested.pop_back();
            move_out_nested(next);
        }
    } catch (const std::bad_alloc&) {
        // Out of memory for the list: what is left is destroyed member by
        // member, recursively, the tree being intact (push_back moves nothing
        // when it throws).
    }
}

const value* value::find(std::string_view name) const noexcept {
    for (const auto& [member_name, member_value] : members) {
        if (member_name == name) return &member_value;
    }
    return nullptr;
}

value parse(std::string_view text) {
    value root;
    reader<true>(text).document(&root);
    return root;
}

value_type validate(std::string_view text, bool storable_in_jsonb) {
    return reader<false>(text, storable_in_jsonb).document(nullptr);
}

}  // namespace riverqueue::core::json
