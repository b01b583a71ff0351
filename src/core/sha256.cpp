#include "core/sha256.hpp"

#include <openssl/evp.h>

#include <riverqueue/errors.hpp>

namespace riverqueue::core {

std::array<std::uint8_t, 32> sha256(std::string_view data) {
    std::array<std::uint8_t, 32> digest{};
    unsigned int length = 0;
    if (EVP_Digest(data.data(), data.size(), digest.data(), &length, EVP_sha256(), nullptr) != 1 ||
        length != digest.size()) {
        throw error("SHA-256 computation failed in OpenSSL");
    }
    return digest;
}

}  // namespace riverqueue::core
