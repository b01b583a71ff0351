// SHA-256 through OpenSSL, kept behind one function so nothing else sees OpenSSL.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace riverqueue::core {

std::array<std::uint8_t, 32> sha256(std::string_view data);

}  // namespace riverqueue::core
