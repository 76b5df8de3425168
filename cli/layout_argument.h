// Command-line names of OCI layouts: "oci:DIR[:TAG]", as skopeo spells them.
#pragma once

#include <string>
#include <string_view>

namespace stowage::cli {

struct LayoutArgument {
  std::string dir;
  std::string tag;  // empty = the layout's only image
};

// "oci:DIR:TAG" → {DIR, TAG}; "oci:DIR" or "DIR" → {DIR, ""}. A ':' before the last '/' is
// part of the directory name.
LayoutArgument parse_layout_argument(std::string_view text);

}  // namespace stowage::cli
