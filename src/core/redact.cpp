#include "core/redact.hpp"

#include <algorithm>
#include <cstddef>
#include <vector>

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

int hex_value(char c) noexcept {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// %XX decoded; anything else, a malformed token included, kept as written.
std::string percent_decoded(std::string_view text) {
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '%' && i + 2 < text.size() && hex_value(text[i + 1]) >= 0 && hex_value(text[i + 2]) >= 0) {
            out.push_back(static_cast<char>(hex_value(text[i + 1]) * 16 + hex_value(text[i + 2])));
            i += 2;
        } else {
            out.push_back(text[i]);
        }
    }
    return out;
}

// A conninfo value without its backslash escapes, as libpq reads it.
std::string unescaped(std::string_view text) {
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '\\' && i + 1 < text.size()) ++i;
        out.push_back(text[i]);
    }
    return out;
}

void add_spellings(std::vector<std::string>& secrets, std::string_view raw, std::string decoded) {
    if (!raw.empty()) secrets.emplace_back(raw);
    if (!decoded.empty()) secrets.push_back(std::move(decoded));
}

// A URI's password: libpq ends the userinfo at the first '@' before any '/',
// a person at the last '@' (an unencoded '@' in the password); both count, as
// do password=... and sslpassword=... in the query.
void add_uri_passwords(std::string_view conninfo, std::vector<std::string>& secrets) {
    const std::size_t scheme = conninfo.find("://");
    if (scheme == std::string_view::npos) return;
    const std::string_view rest = conninfo.substr(scheme + 3);
    const std::size_t first_stop = rest.find_first_of("@/");
    const std::size_t libpq_at = first_stop != std::string_view::npos && rest[first_stop] == '@' ? first_stop
                                                                                                 : std::string_view::npos;
    for (const std::size_t at : {libpq_at, rest.rfind('@')}) {
        if (at == std::string_view::npos) continue;
        const std::string_view userinfo = rest.substr(0, at);
        const std::size_t colon = userinfo.find(':');
        if (colon == std::string_view::npos) continue;
        const std::string_view raw = userinfo.substr(colon + 1);
        add_spellings(secrets, raw, percent_decoded(raw));
    }
    const std::size_t query = rest.find('?');
    if (query == std::string_view::npos) return;
    for (std::size_t pos = query + 1; pos < rest.size();) {
        const std::size_t end = std::min(rest.find('&', pos), rest.size());
        const std::string_view parameter = rest.substr(pos, end - pos);
        for (const std::string_view key : {"password=", "sslpassword="}) {
            if (!parameter.starts_with(key)) continue;
            const std::string_view raw = parameter.substr(key.size());
            add_spellings(secrets, raw, percent_decoded(raw));
        }
        pos = end + 1;
    }
}

// password=value (and sslpassword=value) pairs of a key/value conninfo,
// quoted or not.
void add_keyword_passwords(std::string_view conninfo, std::vector<std::string>& secrets) {
    static constexpr std::string_view keyword = "password";
    for (std::size_t found = conninfo.find(keyword); found != std::string_view::npos;
         found = conninfo.find(keyword, found + 1)) {
        std::size_t i = found + keyword.size();
        while (i < conninfo.size() && conninfo[i] == ' ') ++i;
        if (i >= conninfo.size() || conninfo[i] != '=') continue;
        ++i;
        while (i < conninfo.size() && conninfo[i] == ' ') ++i;
        const bool quoted = i < conninfo.size() && conninfo[i] == '\'';
        if (quoted) ++i;
        const std::size_t start = i;
        while (i < conninfo.size() && (quoted ? conninfo[i] != '\'' : !ends_token(conninfo[i]))) {
            if (conninfo[i] == '\\') ++i;
            ++i;
        }
        const std::string_view raw = conninfo.substr(start, std::min(i, conninfo.size()) - start);
        add_spellings(secrets, raw, unescaped(raw));
    }
}

void replace_all(std::string& text, std::string_view secret) {
    for (std::size_t pos = text.find(secret); pos != std::string::npos; pos = text.find(secret, pos + mask.size())) {
        text.replace(pos, secret.size(), mask);
    }
}

}  // namespace

std::string redact_passwords(std::string_view text) { return redact_keyword_passwords(redact_uri_passwords(text)); }

std::string redact_passwords(std::string_view text, std::string_view conninfo) {
    std::vector<std::string> secrets;
    add_uri_passwords(conninfo, secrets);
    add_keyword_passwords(conninfo, secrets);
    // Longest first: a spelling that contains another goes whole.
    std::ranges::sort(secrets, [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
    std::string out(text);
    for (const auto& secret : secrets) replace_all(out, secret);
    return redact_passwords(out);
}

}  // namespace riverqueue::core
