// Passwords out of messages. libpq echoes a malformed connection URI or
// conninfo in its error messages, password included; every connection_error
// passes its message through here, whichever driver made it.
#pragma once

#include <string>
#include <string_view>

namespace riverqueue::core {

// `text` with the password of any postgres:// or postgresql:// URI
// (user:PASSWORD@) and the value of any password=... conninfo pair replaced
// by "****".
std::string redact_passwords(std::string_view text);

// The same, and every spelling of the password that `conninfo` carries (as
// written and decoded, in a URI's userinfo or query or a password=... pair)
// replaced by "****" wherever it appears: libpq echoes a password it cannot
// decode bare ("invalid percent-encoded token: \"...\""), with nothing around
// it that marks it as one. For messages about connecting to `conninfo`.
std::string redact_passwords(std::string_view text, std::string_view conninfo);

}  // namespace riverqueue::core
