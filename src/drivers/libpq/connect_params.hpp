// What the library hands libpq to open a connection: the caller's conninfo
// with a default connect_timeout, so that no connection attempt waits forever
// on a server that accepts TCP and never answers (libpq's own default is to
// wait as long as TCP keeps the connection open).
//
// Every connection the library opens goes through connect_params_for: the
// blocking ones (riverqueue::connection::open, hence the client's pool, the
// migrator's callers, the CLI) and the asynchronous driver's.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace riverqueue::libpq {

// libpq's connect_timeout (seconds) when neither the conninfo nor
// PGCONNECT_TIMEOUT sets one. Documented in docs/deployment.md.
inline constexpr int default_connect_timeout_seconds = 10;

// Where the connect_timeout in effect comes from, in libpq's precedence.
enum class connect_timeout_source { conninfo, environment, library_default };

struct connect_params {
    // For PQconnectdbParams / PQconnectStartParams with expand_dbname =
    // expand_dbname: the library's connect_timeout (when it adds one) first,
    // then the caller's conninfo as "dbname", which libpq expands and whose
    // settings override the entries before it. The caller's text reaches
    // libpq untouched, so it is read exactly as PQconnectdb would read it.
    std::vector<std::string> keywords;
    std::vector<std::string> values;
    static constexpr int expand_dbname = 1;

    // The connect_timeout in effect, as written where it was found.
    std::string connect_timeout;
    connect_timeout_source source = connect_timeout_source::library_default;

    // The same as libpq reads it: std::nullopt when the attempt may wait
    // forever (zero or negative); 1 reads as 2, libpq's minimum. libpq
    // enforces it only in its blocking connect: a driver that connects with
    // PQconnectPoll must enforce it itself, per host attempt.
    std::optional<std::chrono::seconds> timeout() const;

    // "connect_timeout=10 s, the library's default" and the like: appended
    // to a connection error that is a timeout, so that the user learns which
    // setting gave up and where to change it.
    std::string describe_timeout() const;

    // NUL-terminated keyword and value arrays pointing into this object,
    // valid while it lives unchanged.
    struct c_arrays {
        std::vector<const char*> keywords;
        std::vector<const char*> values;
    };
    c_arrays arrays() const;
};

// `conninfo` (key=value pairs, a postgres:// or postgresql:// URI, or empty
// for libpq's PG* variables) with connect_timeout defaulted: added only when
// neither the conninfo nor `pgconnect_timeout` (PGCONNECT_TIMEOUT's value, or
// nullptr when unset) sets one; an empty value counts as unset, as libpq
// ignores an empty entry. Throws connection_error, passwords redacted, when
// libpq cannot parse the conninfo or its connect_timeout is not an integer.
connect_params connect_params_for(const std::string& conninfo, const char* pgconnect_timeout);

// The same with PGCONNECT_TIMEOUT read from the environment.
connect_params connect_params_for(const std::string& conninfo);

}  // namespace riverqueue::libpq
