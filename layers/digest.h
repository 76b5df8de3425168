// Content digests ("sha256:<64 hex>") and the streaming SHA-256 that produces them.
#pragma once

#include <compare>
#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <string_view>

namespace stowage::layers {

// A validated OCI content digest. Only sha256 is produced; parse() accepts only sha256 too,
// since every registry and runtime stowage targets uses it.
class Digest {
 public:
  // Throws InputError for anything that is not "sha256:" followed by 64 lowercase hex digits.
  static Digest parse(std::string_view text);
  // From 32 raw bytes.
  static Digest from_bytes(std::span<const unsigned char, 32> bytes);
  // The SHA-256 digest of `data`.
  static Digest of(std::string_view data);
  // True when `text` is a well-formed digest.
  static bool valid(std::string_view text);

  const std::string& str() const { return text_; }  // "sha256:abcd…"
  std::string_view hex() const { return std::string_view(text_).substr(7); }
  std::string_view algorithm() const { return "sha256"; }

  auto operator<=>(const Digest&) const = default;

 private:
  explicit Digest(std::string text) : text_(std::move(text)) {}
  std::string text_;
};

// Incremental SHA-256 over OpenSSL's EVP interface (uses SHA-NI where the CPU has it).
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(Sha256&&) noexcept;
  Sha256& operator=(Sha256&&) noexcept;

  void update(std::span<const std::byte> data);
  void update(std::string_view data) { update(std::as_bytes(std::span(data))); }
  // Finishes the hash; the object must not be updated afterwards.
  Digest finish();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace stowage::layers

template <>
struct std::hash<stowage::layers::Digest> {
  std::size_t operator()(const stowage::layers::Digest& d) const noexcept {
    return std::hash<std::string>{}(d.str());
  }
};
