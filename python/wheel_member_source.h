// A file of a verified wheel, streamed into a layer straight from the wheel's zip: inflated,
// checked against the hash the wheel's RECORD gives for it in the same pass, never unpacked.
#pragma once

#include <atomic>
#include <filesystem>
#include <memory>
#include <string>

#include "layers/content_source.h"
#include "python/zip_archive.h"

namespace stowage::python {

// Shared by the sources of one wheel. A wheel is content-addressed (its sha256 was checked
// against the lock), so once all its files have matched RECORD, the same bytes need not be
// hashed again: `marker` records that, and a later build streams them without hashing.
struct WheelVerification {
  std::filesystem::path marker;      // written when the last file matched; empty: never written
  bool done = false;                 // the marker existed when the wheel was read
  std::atomic<std::size_t> left{0};  // files not yet verified
};

class WheelMemberSource final : public layers::ContentSource {
 public:
  // Member `index` of `zip`, whose content must hash to `expected` (RECORD's notation,
  // "sha256=<urlsafe base64>"). `from_record` says whether that hash is the wheel's own
  // RECORD's (else stowage computed it when it first read the wheel), for the error message.
  // `wheel_sha256` (hex) names the wheel in identity(); the zip's path is used when empty.
  // `verification` is shared by every source of the wheel.
  WheelMemberSource(std::shared_ptr<const ZipArchive> zip, std::size_t index, std::string expected,
                    bool from_record, const std::string& wheel_sha256,
                    std::shared_ptr<WheelVerification> verification);

  // Inflates the member into `out` while hashing it (unless the wheel was verified before).
  // Throws Error naming the wheel and the member when the inflated bytes do not hash to the
  // expected value (after all of them went to `out`: the caller's layer must then be
  // abandoned), or when ZipArchive::read does. Writes the verification marker when this was
  // the wheel's last unverified file.
  std::int64_t stream(const std::function<void(std::span<const std::byte>)>& out) const override;
  std::string identity() const override { return identity_; }

 private:
  std::shared_ptr<const ZipArchive> zip_;
  std::size_t index_;
  std::string expected_;
  bool from_record_;
  std::string identity_;
  std::shared_ptr<WheelVerification> verification_;
};

}  // namespace stowage::python
