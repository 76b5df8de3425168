#include "layers/digest.h"

#include <openssl/evp.h>

#include "core/error.h"

namespace stowage::layers {

namespace {
constexpr std::string_view kPrefix = "sha256:";
}

bool Digest::valid(std::string_view text) {
  if (text.size() != kPrefix.size() + 64 || !text.starts_with(kPrefix))
    return false;
  for (char c : text.substr(kPrefix.size())) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
      return false;
  }
  return true;
}

Digest Digest::parse(std::string_view text) {
  if (!valid(text)) {
    throw InputError("invalid digest \"" + std::string(text) + "\"",
                     "expected sha256: followed by 64 lowercase hex digits");
  }
  return Digest(std::string(text));
}

Digest Digest::from_bytes(std::span<const unsigned char, 32> bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string text(kPrefix);
  for (unsigned char b : bytes) {
    text += kHex[b >> 4];
    text += kHex[b & 0xf];
  }
  return Digest(std::move(text));
}

Digest Digest::of(std::string_view data) {
  Sha256 h;
  h.update(data);
  return h.finish();
}

struct Sha256::State {
  EVP_MD_CTX* ctx = nullptr;
  ~State() { EVP_MD_CTX_free(ctx); }
};

Sha256::Sha256() : state_(std::make_unique<State>()) {
  state_->ctx = EVP_MD_CTX_new();
  if (state_->ctx == nullptr || EVP_DigestInit_ex(state_->ctx, EVP_sha256(), nullptr) != 1) {
    throw Error("cannot initialise SHA-256 (OpenSSL)");
  }
}

Sha256::~Sha256() = default;
Sha256::Sha256(Sha256&&) noexcept = default;
Sha256& Sha256::operator=(Sha256&&) noexcept = default;

void Sha256::update(std::span<const std::byte> data) {
  if (EVP_DigestUpdate(state_->ctx, data.data(), data.size()) != 1) {
    throw Error("SHA-256 update failed (OpenSSL)");
  }
}

Digest Sha256::finish() {
  unsigned char out[32];
  unsigned int len = 0;
  if (EVP_DigestFinal_ex(state_->ctx, out, &len) != 1 || len != 32) {
    throw Error("SHA-256 finish failed (OpenSSL)");
  }
  return Digest::from_bytes(std::span<const unsigned char, 32>(out, 32));
}

}  // namespace stowage::layers
