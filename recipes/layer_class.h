// The layer classes, ordered from the least to the most often changed content.
#pragma once

#include <optional>
#include <string_view>

namespace stowage::recipes {

enum class LayerClass {
  base,          // base image layers, referenced by digest
  system,        // OS packages
  accelerator,   // CUDA / cuDNN / NCCL libraries
  framework,     // torch, tensorflow, jax, onnxruntime
  dependencies,  // every other third-party Python package
  model,         // weights, model config, tokenizer
  code,          // serving code
  meta,          // generated build information
};

std::string_view layer_class_name(LayerClass c);
// "model" → LayerClass::model; nullopt for an unknown name.
std::optional<LayerClass> parse_layer_class(std::string_view name);

}  // namespace stowage::recipes
