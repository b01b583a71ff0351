#include "core/sha256.hpp"

#include <openssl/evp.h>

#include <riverqueue/errors.hpp>

namespace riverqueue::core {
namespace {

[[noreturn]] void failed() { throw error("SHA-256 computation failed in OpenSSL"); }

}  // namespace

sha256_digest sha256(std::string_view data) {
    sha256_digest digest{};
    unsigned int length = 0;
    if (EVP_Digest(data.data(), data.size(), digest.data(), &length, EVP_sha256(), nullptr) != 1 ||
        length != digest.size()) {
        failed();
    }
    return digest;
}

struct sha256_stream::state {
    struct context_deleter {
        void operator()(EVP_MD_CTX* context) const noexcept { EVP_MD_CTX_free(context); }
    };
    std::unique_ptr<EVP_MD_CTX, context_deleter> context{EVP_MD_CTX_new()};
};

sha256_stream::sha256_stream() : state_(std::make_unique<state>()) {
    if (!state_->context || EVP_DigestInit_ex(state_->context.get(), EVP_sha256(), nullptr) != 1) failed();
}

sha256_stream::~sha256_stream() = default;

void sha256_stream::update(std::string_view data) {
    if (EVP_DigestUpdate(state_->context.get(), data.data(), data.size()) != 1) failed();
}

sha256_digest sha256_stream::finish() {
    sha256_digest digest{};
    unsigned int length = 0;
    if (EVP_DigestFinal_ex(state_->context.get(), digest.data(), &length) != 1 || length != digest.size()) failed();
    return digest;
}

}  // namespace riverqueue::core
