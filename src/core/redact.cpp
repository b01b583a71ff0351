#include "core/redact.hpp"

#include <algorithm>
#include <cstddef>
#include <optional>
#include <vector>

#include "core/hex.hpp"

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

// The value of a password=... pair in key/value text: `raw` as written
// (inside its quotes when quoted), `from` to `to` the whole value with its
// quotes.
struct keyword_value {
    std::string_view raw;
    std::size_t from = 0;
    std::size_t to = 0;
};

// The next password=value (password = value, or a quoted value with
// backslash escapes) at or after `pos`; sslpassword=... matches too.
std::optional<keyword_value> next_password_value(std::string_view text, std::size_t pos) {
    static constexpr std::string_view keyword = "password";
    for (std::size_t found = text.find(keyword, pos); found != std::string_view::npos;
         found = text.find(keyword, found + 1)) {
        std::size_t i = found + keyword.size();
        while (i < text.size() && text[i] == ' ') ++i;
        if (i >= text.size() || text[i] != '=') continue;
        ++i;
        while (i < text.size() && text[i] == ' ') ++i;
        keyword_value value;
        value.from = i;
        const bool quoted = i < text.size() && text[i] == '\'';
        if (quoted) ++i;
        const std::size_t start = i;
        while (i < text.size() && (quoted ? text[i] != '\'' : !ends_token(text[i]))) {
            if (text[i] == '\\') ++i;
            ++i;
        }
        i = std::min(i, text.size());
        value.raw = text.substr(start, i - start);
        value.to = quoted && i < text.size() ? i + 1 : i;  // past the closing quote
        return value;
    }
    return std::nullopt;
}

std::string redact_keyword_passwords(std::string_view text) {
    std::string out;
    std::size_t pos = 0;
    while (const auto value = next_password_value(text, pos)) {
        out.append(text.substr(pos, value->from - pos)).append(mask);
        pos = value->to;
    }
    out.append(text.substr(pos));
    return out;
}

// %XX decoded; anything else, a malformed token included, kept as written.
std::string percent_decoded(std::string_view text) {
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const int high = i + 2 < text.size() && text[i] == '%' ? hex_digit_value(text[i + 1]) : -1;
        const int low = high >= 0 ? hex_digit_value(text[i + 2]) : -1;
        if (low >= 0) {
            out.push_back(static_cast<char>(high * 16 + low));
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

// password=value (and sslpassword=value) pairs of a key/value conninfo.
void add_keyword_passwords(std::string_view conninfo, std::vector<std::string>& secrets) {
    for (auto value = next_password_value(conninfo, 0); value; value = next_password_value(conninfo, value->to)) {
        add_spellings(secrets, value->raw, unescaped(value->raw));
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
