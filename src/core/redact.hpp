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

}  // namespace riverqueue::core
