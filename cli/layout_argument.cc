#include "cli/layout_argument.h"

namespace stowage::cli {

LayoutArgument parse_layout_argument(std::string_view text) {
  if (!text.starts_with("oci:"))
    return {std::string(text), {}};
  text.remove_prefix(4);
  auto colon = text.rfind(':');
  auto slash = text.rfind('/');
  if (colon != std::string_view::npos && (slash == std::string_view::npos || colon > slash)) {
    return {std::string(text.substr(0, colon)), std::string(text.substr(colon + 1))};
  }
  return {std::string(text), {}};
}

}  // namespace stowage::cli
