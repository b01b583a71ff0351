#include "core/redact.hpp"

#include <cstddef>

namespace riverqueue::core {
namespace {

constexpr std::string_view mask = "****";

bool ends_token(char c) noexcept { return c == ' ' || c == '\t' || c == '\n' || c == '"' || c == '\''; }

// URIs: the userinfo's password is between the first ':' after "://" and the
// last '@' of the URI (a password with an unencoded '@' still ends there).
std::string redact_uri_passwords(std::string_view text) {
    std::string out;
    std::size_t pos = 0;
    while (true) {
        const std::size_t scheme = text.find("://", pos);
        if (scheme == std::string_view::npos) break;
        const std::size_t start = scheme + 3;
        std::size_t end = start;
        while (end < text.size() && !ends_token(text[end])) ++end;
        const std::string_view uri = text.substr(start, end - start);
        const std::size_t at = uri.rfind('@');
        const std::size_t colon = uri.find(':');
        out.append(text.substr(pos, start - pos));
        if (at != std::string_view::npos && colon != std::string_view::npos && colon < at) {
            out.append(uri.substr(0, colon + 1)).append(mask).append(uri.substr(at));
        } else {
            out.append(uri);
        }
        pos = end;
    }
    out.append(text.substr(pos));
    return out;
}

// Key/value conninfo: password=value, password = value, or a quoted value
// with backslash escapes.
std::string redact_keyword_passwords(std::string_view text) {
    static constexpr std::string_view keyword = "password";
    std::string out;
    std::size_t pos = 0;
    while (true) {
        const std::size_t found = text.find(keyword, pos);
        if (found == std::string_view::npos) break;
        std::size_t i = found + keyword.size();
        while (i < text.size() && text[i] == ' ') ++i;
        if (i >= text.size() || text[i] != '=') {
            out.append(text.substr(pos, i - pos));
            pos = i;
            continue;
        }
        ++i;
        while (i < text.size() && text[i] == ' ') ++i;
        out.append(text.substr(pos, i - pos)).append(mask);
        if (i < text.size() && text[i] == '\'') {
            for (++i; i < text.size() && text[i] != '\''; ++i) {
                if (text[i] == '\\') ++i;
            }
            if (i < text.size()) ++i;  // the closing quote
        } else {
            while (i < text.size() && !ends_token(text[i])) ++i;
        }
        pos = i;
    }
    out.append(text.substr(pos));
    return out;
}

}  // namespace

std::string redact_passwords(std::string_view text) { return redact_keyword_passwords(redact_uri_passwords(text)); }

}  // namespace riverqueue::core
