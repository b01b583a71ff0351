#include "core/sha256.hpp"

#include <openssl/evp.h>

#include <memory>

#include <riverqueue/errors.hpp>

namespace riverqueue::core {
namespace {

[[noreturn]] void failed() { throw error("SHA-256 computation failed in OpenSSL"); }

// OpenSSL 3 looks the algorithm up by name on every use of EVP_sha256(), and
// EVP_Digest allocates a context each call: together more than half of the
// work of hashing a unique key. The algorithm is fetched once for the
// process, a context kept per thread.
const EVP_MD* sha256_algorithm() {
    static EVP_MD* const algorithm = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    if (algorithm == nullptr) failed();
    return algorithm;
}

struct context_deleter {
    void operator()(EVP_MD_CTX* context) const noexcept { EVP_MD_CTX_free(context); }
};
using context_ptr = std::unique_ptr<EVP_MD_CTX, context_deleter>;

}  // namespace

sha256_digest sha256(std::string_view data) {
    thread_local const context_ptr context{EVP_MD_CTX_new()};
    sha256_digest digest{};
    unsigned int length = 0;
    if (!context || EVP_DigestInit_ex2(context.get(), sha256_algorithm(), nullptr) != 1 ||
        EVP_DigestUpdate(context.get(), data.data(), data.size()) != 1 ||
        EVP_DigestFinal_ex(context.get(), digest.data(), &length) != 1 || length != digest.size()) {
        failed();
    }
    return digest;
}

struct sha256_stream::state {
    context_ptr context{EVP_MD_CTX_new()};
};

sha256_stream::sha256_stream() : state_(std::make_unique<state>()) {
    if (!state_->context || EVP_DigestInit_ex2(state_->context.get(), sha256_algorithm(), nullptr) != 1) failed();
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
