// SHA-256 through OpenSSL, kept behind this header so nothing else sees OpenSSL.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string_view>

namespace riverqueue::core {

using sha256_digest = std::array<std::uint8_t, 32>;

sha256_digest sha256(std::string_view data);

// The digest of data given in pieces, for text too large to hold twice
// (core/jsonb_text.hpp hashes a rendering it never stores).
class sha256_stream {
public:
    sha256_stream();
    ~sha256_stream();
    sha256_stream(const sha256_stream&) = delete;
    sha256_stream& operator=(const sha256_stream&) = delete;

    void update(std::string_view data);
    // The digest of everything given; the stream is spent afterwards.
    sha256_digest finish();

private:
    struct state;
    std::unique_ptr<state> state_;
};

}  // namespace riverqueue::core
