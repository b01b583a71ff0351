#include "raw_json.hpp"

#include <cstddef>

namespace riverqueue::tools {
namespace {

std::size_t skip_whitespace(std::string_view text, std::size_t pos) {
    while (pos < text.size() && (text[pos] == ' ' || text[pos] == '\t' || text[pos] == '\n' || text[pos] == '\r')) {
        ++pos;
    }
    return pos;
}

// Index just past the string starting at `pos` (its opening quote).
std::size_t skip_string(std::string_view text, std::size_t pos) {
    for (++pos; pos < text.size(); ++pos) {
        if (text[pos] == '\\') ++pos;
        else if (text[pos] == '"') return pos + 1;
    }
    return pos;
}

// Index just past the value starting at `pos`.
std::size_t skip_value(std::string_view text, std::size_t pos) {
    if (text[pos] == '"') return skip_string(text, pos);
    int depth = 0;
    for (; pos < text.size(); ++pos) {
        const char c = text[pos];
        if (c == '"') {
            pos = skip_string(text, pos) - 1;
        } else if (c == '{' || c == '[') {
            ++depth;
        } else if (c == '}' || c == ']') {
            if (depth == 0) return pos;
            if (--depth == 0) return pos + 1;
        } else if (c == ',' && depth == 0) {
            return pos;
        }
    }
    return pos;
}

}  // namespace

std::string_view raw_member(std::string_view object, std::string_view name) {
    std::string_view found;
    std::size_t pos = skip_whitespace(object, 0);
    if (pos >= object.size() || object[pos] != '{') return found;
    ++pos;
    while (true) {
        pos = skip_whitespace(object, pos);
        if (pos >= object.size() || object[pos] != '"') return found;
        const std::size_t key_end = skip_string(object, pos);
        const std::string_view key = object.substr(pos + 1, key_end - pos - 2);
        pos = skip_whitespace(object, key_end);
        if (pos >= object.size() || object[pos] != ':') return found;
        pos = skip_whitespace(object, pos + 1);
        const std::size_t value_end = skip_value(object, pos);
        if (key == name) found = object.substr(pos, value_end - pos);
        pos = skip_whitespace(object, value_end);
        if (pos >= object.size() || object[pos] != ',') return found;
        ++pos;
    }
}

std::vector<std::string_view> raw_elements(std::string_view array) {
    std::vector<std::string_view> elements;
    std::size_t pos = skip_whitespace(array, 0);
    if (pos >= array.size() || array[pos] != '[') return elements;
    pos = skip_whitespace(array, pos + 1);
    while (pos < array.size() && array[pos] != ']') {
        const std::size_t value_end = skip_value(array, pos);
        std::size_t text_end = value_end;  // a scalar's text stops before whitespace
        while (text_end > pos && skip_whitespace(array, text_end - 1) == text_end) --text_end;
        elements.push_back(array.substr(pos, text_end - pos));
        pos = skip_whitespace(array, value_end);
        if (pos < array.size() && array[pos] == ',') pos = skip_whitespace(array, pos + 1);
    }
    return elements;
}

}  // namespace riverqueue::tools
