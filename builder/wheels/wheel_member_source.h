// A file of a verified wheel, streamed into a layer straight from the wheel's zip: inflated,
// checked against the hash the wheel's RECORD gives for it in the same pass, never unpacked.
#pragma once

#include <memory>
#include <string>

#include "builder/wheels/zip_archive.h"
#include "layers/content_source.h"

namespace stowage::builder::wheels {

class WheelMemberSource final : public layers::ContentSource {
 public:
  // Member `index` of `zip`, whose content must hash to `expected` (RECORD's notation,
  // "sha256=<urlsafe base64>"). `from_record` says whether that hash is the wheel's own
  // RECORD's (else stowage computed it when it first read the wheel), for the error message.
  // `wheel_sha256` (hex) names the wheel in identity(); the zip's path is used when empty.
  WheelMemberSource(std::shared_ptr<const ZipArchive> zip, std::size_t index, std::string expected,
                    bool from_record, const std::string& wheel_sha256);

  // Inflates the member into `out` while hashing it. Throws Error naming the wheel and the
  // member when the inflated bytes do not hash to the expected value (after all of them went
  // to `out`: the caller's layer must then be abandoned), or when ZipArchive::read does.
  std::int64_t stream(const std::function<void(std::span<const std::byte>)>& out) const override;
  std::string identity() const override { return identity_; }

 private:
  std::shared_ptr<const ZipArchive> zip_;
  std::size_t index_;
  std::string expected_;
  bool from_record_;
  std::string identity_;
};

}  // namespace stowage::builder::wheels
