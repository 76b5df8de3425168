#include "python/wheel_member_source.h"

#include "core/error.h"
#include "core/file.h"
#include "layers/digest.h"
#include "python/wheel_install.h"

namespace stowage::python {

WheelMemberSource::WheelMemberSource(std::shared_ptr<const ZipArchive> zip, std::size_t index,
                                     std::string expected, bool from_record,
                                     const std::string& wheel_sha256,
                                     std::shared_ptr<WheelVerification> verification)
    : zip_(std::move(zip)),
      index_(index),
      expected_(std::move(expected)),
      from_record_(from_record),
      verification_(std::move(verification)) {
  identity_ = "wheel " + (wheel_sha256.empty() ? zip_->label() : "sha256:" + wheel_sha256) +
              " member " + zip_->members().at(index_).name + " " + expected_;
}

std::int64_t WheelMemberSource::stream(
    const std::function<void(std::span<const std::byte>)>& out) const {
  const ZipMember& member = zip_->members()[index_];
  if (verification_->done)
    return static_cast<std::int64_t>(zip_->read(member, out));
  layers::Sha256 hash;
  std::uint64_t read = zip_->read(member, [&](std::span<const std::byte> block) {
    hash.update(block);
    out(block);
  });
  std::string found = record_hash(hash.finish());
  if (found != expected_) {
    if (from_record_) {
      throw Error(zip_->label() + ": " + member.name + " does not match the wheel's RECORD (" +
                      expected_ + " recorded, " + found + " found)",
                  "the wheel is damaged or was altered after it was built");
    }
    throw Error(zip_->label() + ": " + member.name + " changed since the wheel was read (" +
                    expected_ + " then, " + found + " now)",
                "do not modify the wheel cache during a build");
  }
  if (verification_->left.fetch_sub(1) == 1 && !verification_->marker.empty()) {
    std::filesystem::create_directories(verification_->marker.parent_path());
    write_file_atomically(verification_->marker, "RECORD verified\n");
  }
  return static_cast<std::int64_t>(read);
}

}  // namespace stowage::python
