// Hexadecimal, both ways: the one encoder (digests, bytea literals,
// statement names) and the one digit reader (JSON \u escapes, URI
// percent-decoding) of the library.
#pragma once

#include <cstdint>
#include <span>
#include <string>

namespace riverqueue::core {

// Lower-case hex, two digits a byte.
std::string to_hex(std::span<const std::uint8_t> bytes);

// 0 to 15 for a hex digit of either case, -1 for anything else.
int hex_digit_value(char c) noexcept;

}  // namespace riverqueue::core
