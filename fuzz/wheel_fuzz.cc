// Installing a wheel (builder/wheels/wheel_install.h) from arbitrary zip bytes: it installs or
// throws Error, and on failure leaves nothing behind; whatever it installs stays inside the
// install root and is made of plain files and directories only.
#include <filesystem>

#include "builder/wheels/wheel_install.h"
#include "core/error.h"
#include "fuzz/fuzz_input.h"

namespace fs = std::filesystem;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace stowage::fuzz;
  MemoryFile wheel(data, size);
  ScratchDir dir;
  stowage::builder::wheels::InstallScheme scheme{"usr/lib/python3/dist-packages",
                                                 "usr/lib/python3/dist-packages",
                                                 "usr/bin",
                                                 "usr/include/python3.11",
                                                 "usr",
                                                 "/usr/bin/python3"};
  fs::path root = dir.path() / "root";
  try {
    stowage::builder::wheels::install_wheel(wheel.path(), "demo-1.0-py3-none-any.whl", scheme,
                                            root);
  } catch (const stowage::Error&) {
    require(!fs::exists(root));  // a failed install must leave nothing
  }
  // Nothing escaped the root: the scratch dir holds only `root`, and root only plain files and
  // directories.
  for (const auto& e : fs::directory_iterator(dir.path()))
    require(e.path() == root);
  if (fs::exists(root)) {
    for (const auto& e : fs::recursive_directory_iterator(root))
      require((e.is_regular_file() || e.is_directory()) && !e.is_symlink());
  }
  return 0;
}
