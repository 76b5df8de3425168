#include "recipes/layer_class.h"

#include <array>

namespace stowage::recipes {
namespace {

constexpr std::array<std::pair<LayerClass, std::string_view>, 8> kNames{{
    {LayerClass::base, "base"},
    {LayerClass::system, "system"},
    {LayerClass::accelerator, "accelerator"},
    {LayerClass::framework, "framework"},
    {LayerClass::dependencies, "dependencies"},
    {LayerClass::model, "model"},
    {LayerClass::code, "code"},
    {LayerClass::meta, "meta"},
}};

}  // namespace

std::string_view layer_class_name(LayerClass c) {
  for (const auto& [value, name] : kNames) {
    if (value == c)
      return name;
  }
  return "unknown";
}

std::optional<LayerClass> parse_layer_class(std::string_view name) {
  for (const auto& [value, n] : kNames) {
    if (n == name)
      return value;
  }
  return std::nullopt;
}

}  // namespace stowage::recipes
