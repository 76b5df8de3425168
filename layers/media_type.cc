#include "layers/media_type.h"

namespace stowage::layers::media_type {

bool is_index(std::string_view mt) {
  return mt == kOciIndex || mt == kDockerManifestList;
}

bool is_manifest(std::string_view mt) {
  return mt == kOciManifest || mt == kDockerManifest;
}

bool is_layer(std::string_view mt) {
  return mt == kOciLayerTar || mt == kOciLayerGzip || mt == kOciLayerZstd ||
         mt == kDockerLayerGzip || mt == kDockerForeignLayerGzip ||
         mt == kOciNondistributableLayerGzip;
}

}  // namespace stowage::layers::media_type
