#include "drivers/libpq/connect_params.hpp"

#include <libpq-fe.h>

#include <cctype>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <memory>
#include <string_view>

#include <riverqueue/errors.hpp>

#include "core/redact.hpp"

namespace riverqueue::libpq {
namespace {

constexpr std::string_view timeout_keyword = "connect_timeout";

[[noreturn]] void throw_unusable(const std::string& conninfo, std::string message) {
    while (!message.empty() && message.back() == '\n') message.pop_back();
    // libpq echoes the malformed part of a conninfo, a password included.
    throw connection_error(core::redact_passwords("could not connect to PostgreSQL: " + message, conninfo));
}

// libpq's reading of an integer option (parse_int_param): strtol's leading
// blanks and sign, trailing blanks, nothing else, within int.
std::optional<int> libpq_integer(const std::string& text) {
    const char* begin = text.c_str();
    char* end = nullptr;
    errno = 0;
    const long value = std::strtol(begin, &end, 10);
    if (end == begin || errno != 0 || value < INT_MIN || value > INT_MAX) return std::nullopt;
    while (*end != '\0' && std::isspace(static_cast<unsigned char>(*end)) != 0) ++end;
    if (*end != '\0') return std::nullopt;
    return static_cast<int>(value);
}

struct parsed_conninfo {
    bool sets_anything = false;
    std::optional<std::string> connect_timeout;
};

// What `conninfo` itself sets, as libpq reads it (URIs percent-decoded).
parsed_conninfo parse(const std::string& conninfo) {
    char* error = nullptr;
    const std::unique_ptr<PQconninfoOption, decltype(&PQconninfoFree)> options(PQconninfoParse(conninfo.c_str(), &error),
                                                                               &PQconninfoFree);
    if (!options) {
        const std::string message = error != nullptr ? error : "out of memory reading the conninfo";
        PQfreemem(error);
        throw_unusable(conninfo, message);
    }
    parsed_conninfo parsed;
    for (const PQconninfoOption* option = options.get(); option->keyword != nullptr; ++option) {
        // PQconnectdbParams skips empty values, so they set nothing.
        if (option->val == nullptr || *option->val == '\0') continue;
        parsed.sets_anything = true;
        if (option->keyword == timeout_keyword) parsed.connect_timeout = option->val;
    }
    return parsed;
}

}  // namespace

std::optional<std::chrono::seconds> connect_params::timeout() const {
    const std::optional<int> seconds = libpq_integer(connect_timeout);
    if (!seconds || *seconds <= 0) return std::nullopt;
    return std::chrono::seconds(*seconds < 2 ? 2 : *seconds);
}

std::string connect_params::describe_timeout() const {
    const std::optional<std::chrono::seconds> in_effect = timeout();
    std::string setting = "connect_timeout=" + connect_timeout;
    if (in_effect && libpq_integer(connect_timeout) != in_effect->count()) {
        setting += " (" + std::to_string(in_effect->count()) + " s, libpq's minimum)";
    } else {
        setting += " s";
    }
    switch (source) {
        case connect_timeout_source::conninfo:
            return setting + ", set in the conninfo";
        case connect_timeout_source::environment:
            return setting + ", set by PGCONNECT_TIMEOUT";
        case connect_timeout_source::library_default:
            break;
    }
    return setting + ", the library's default; set connect_timeout in the conninfo or PGCONNECT_TIMEOUT to change it";
}

connect_params::c_arrays connect_params::arrays() const {
    c_arrays out;
    for (const std::string& keyword : keywords) out.keywords.push_back(keyword.c_str());
    for (const std::string& value : values) out.values.push_back(value.c_str());
    out.keywords.push_back(nullptr);
    out.values.push_back(nullptr);
    return out;
}

connect_params connect_params_for(const std::string& conninfo, const char* pgconnect_timeout) {
    const parsed_conninfo parsed = parse(conninfo);
    connect_params params;
    if (parsed.connect_timeout) {
        params.connect_timeout = *parsed.connect_timeout;
        params.source = connect_timeout_source::conninfo;
    } else if (pgconnect_timeout != nullptr && *pgconnect_timeout != '\0') {
        // libpq reads the variable itself for an option nothing set.
        params.connect_timeout = pgconnect_timeout;
        params.source = connect_timeout_source::environment;
    } else {
        params.connect_timeout = std::to_string(default_connect_timeout_seconds);
        params.source = connect_timeout_source::library_default;
        params.keywords.emplace_back(timeout_keyword);
        params.values.push_back(params.connect_timeout);
    }
    // libpq checks the value only in its blocking connect; checked here, a
    // bad value fails every driver's connect the same way, before any I/O.
    if (!libpq_integer(params.connect_timeout)) {
        throw_unusable(conninfo, "invalid integer value \"" + params.connect_timeout +
                                     "\" for connection option \"connect_timeout\"" +
                                     (params.source == connect_timeout_source::environment ? " (PGCONNECT_TIMEOUT)" : ""));
    }
    // A blank conninfo sets nothing, but expand_dbname would take it for a
    // database name rather than a conninfo: left out, as PQconnectdb("")
    // uses libpq's defaults.
    if (parsed.sets_anything) {
        params.keywords.emplace_back("dbname");
        params.values.push_back(conninfo);
    }
    return params;
}

connect_params connect_params_for(const std::string& conninfo) {
    return connect_params_for(conninfo, std::getenv("PGCONNECT_TIMEOUT"));
}

}  // namespace riverqueue::libpq
