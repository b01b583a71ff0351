#include "core/sql_literals.hpp"

#include "core/hex.hpp"

namespace riverqueue::core {

void append_array_element(std::string& out, std::string_view element) {
    out.push_back('"');
    // Copies the runs between characters to escape at once: a batch's args
    // are most of its bytes.
    std::size_t run = 0;
    for (std::size_t i = 0; i < element.size(); ++i) {
        if (element[i] != '"' && element[i] != '\\') continue;
        out.append(element.data() + run, i - run);
        out.push_back('\\');
        run = i;
    }
    out.append(element.data() + run, element.size() - run);
    out.push_back('"');
}

void array_literal::separate() {
    if (text_.size() > 1) text_.push_back(',');
}

void array_literal::add(std::string_view element) {
    separate();
    append_array_element(text_, element);
}

void array_literal::add_null() {
    separate();
    text_ += "NULL";
}

std::string array_literal::finish() && {
    text_.push_back('}');
    return std::move(text_);
}

std::string text_array_literal(std::span<const std::string> elements) {
    array_literal literal;
    for (const auto& element : elements) literal.add(element);
    return std::move(literal).finish();
}

std::string hex_bytea(const std::array<std::uint8_t, 32>& bytes) { return "\\x" + to_hex(bytes); }

std::string join_tags(const std::vector<std::string>& tags) {
    std::string joined;
    for (const auto& tag : tags) {
        if (!joined.empty()) joined.push_back(',');
        joined += tag;
    }
    return joined;
}

}  // namespace riverqueue::core
