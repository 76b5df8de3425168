// PEP 425 compatibility tags: which wheels run on the target interpreter and platform.
//
// The target is a CPython version and a Linux platform: glibc (manylinux_2_X, manylinux2014,
// manylinux2010, manylinux1, linux_ARCH) or musl (musllinux_1_X). Tags are ranked the way
// pip ranks them (packaging.tags.sys_tags): the interpreter's own ABI first, then abi3 of
// this and older versions, then pure-Python tags; within each, the newest platform first,
// then "any".
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace stowage::python {

// A wheel file name taken apart (PEP 427): name-version[-build]-python-abi-platform.whl.
// Compressed tag sets ("py2.py3") are split.
struct WheelName {
  std::string distribution;  // as in the file name ("torch_vision")
  std::string version;
  std::string build;
  std::vector<std::string> python;
  std::vector<std::string> abi;
  std::vector<std::string> platform;
};

// nullopt when `filename` is not a well-formed wheel name.
std::optional<WheelName> parse_wheel_name(std::string_view filename);

struct TagTarget {
  int python_major = 3;
  int python_minor = 11;
  std::string arch = "x86_64";  // uname -m: x86_64, aarch64, ...
  int glibc_major = 0;          // 0 = not a glibc system
  int glibc_minor = 0;
  int musl_major = 0;  // 0 = not a musl system
  int musl_minor = 0;
};

// The supported tags, best first, as "python-abi-platform" strings.
std::vector<std::string> supported_tags(const TagTarget& target);

class TagRanker {
 public:
  explicit TagRanker(const TagTarget& target);
  // The rank of the best tag of `wheel` (0 = best), or nullopt when none is supported.
  std::optional<std::size_t> rank(const WheelName& wheel) const;
  const TagTarget& target() const { return target_; }
  // A one-line description for messages: "CPython 3.11, manylinux_2_36_x86_64".
  std::string describe() const;

 private:
  TagTarget target_;
  std::unordered_map<std::string, std::size_t> ranks_;
};

// The uname -m machine of an OCI architecture ("amd64" → "x86_64", "arm64" → "aarch64").
std::string machine_of_architecture(std::string_view oci_architecture);

}  // namespace stowage::python
