#include "registry/pull.h"

#include "layers/media_type.h"
#include "registry/transport/error.h"

namespace stowage::registry {
namespace {

namespace mt = layers::media_type;
using net::Request;
using net::Response;

// Checks `raw` against the digest and size that pointed at it.
void verify(const std::string& raw, const layers::Descriptor& expected, const std::string& what) {
  if (static_cast<std::int64_t>(raw.size()) != expected.size) {
    throw Error(what + " is " + std::to_string(raw.size()) + " bytes, but " +
                    std::to_string(expected.size) + " were expected",
                "the registry served different content than the image refers to");
  }
  if (layers::Digest::of(raw) != expected.digest) {
    throw Error(what + " does not match its digest " + expected.digest.str(),
                "the registry served different content than the image refers to");
  }
}

// The document `digest` names, from `cache` when it holds it and its bytes tell their media
// type (a manifest without "mediaType" needs the registry's Content-Type header).
std::optional<RemoteDocument> cached_document(const layers::BlobStore* cache,
                                              const layers::Digest& digest) {
  if (cache == nullptr || !cache->has(digest))
    return std::nullopt;
  RemoteDocument doc;
  doc.raw = cache->read(digest);
  doc.descriptor.media_type = layers::media_type_of(doc.raw);
  if (!mt::is_index(doc.descriptor.media_type) && !mt::is_manifest(doc.descriptor.media_type))
    return std::nullopt;
  doc.descriptor.digest = digest;
  doc.descriptor.size = static_cast<std::int64_t>(doc.raw.size());
  return doc;
}

// fetch_manifest() through `cache` (see fetch_image()).
RemoteDocument fetch_document(Client& client, const Reference& ref,
                              const layers::BlobStore* cache) {
  if (ref.digest()) {
    if (auto doc = cached_document(cache, *ref.digest()))
      return *std::move(doc);
  }
  RemoteDocument doc = fetch_manifest(client, ref);
  if (cache != nullptr)
    cache->put(doc.raw);
  return doc;
}

// The config blob's bytes, verified against `config`, through `cache`.
std::string fetch_config(Client& client, const Reference& ref, const layers::Descriptor& config,
                         const layers::BlobStore* cache) {
  if (cache != nullptr && cache->has(config.digest)) {
    std::string raw = cache->read(config.digest);
    verify(raw, config, "the config of " + ref.str());
    return raw;
  }
  Request req;
  req.url = "/v2/" + ref.repository() + "/blobs/" + config.digest.str();
  req.follow_redirects = true;
  Response r = client.transport(ref).send(req, {transport::pull_scope(ref.repository())});
  if (!r.ok())
    throw transport::registry_error(r, "fetching the config of " + ref.str());
  verify(r.body, config, "the config of " + ref.str());
  if (cache != nullptr)
    cache->put(r.body);
  return std::move(r.body);
}

bool platform_matches(const layers::Platform& have, const layers::Platform& want) {
  return have.os == want.os && have.architecture == want.architecture &&
         (want.variant.empty() || have.variant == want.variant);
}

}  // namespace

std::string manifest_accept_header() {
  return std::string(mt::kOciIndex) + ", " + std::string(mt::kOciManifest) + ", " +
         std::string(mt::kDockerManifestList) + ", " + std::string(mt::kDockerManifest);
}

RemoteDocument fetch_manifest(Client& client, const Reference& ref) {
  auto& t = client.transport(ref);
  Request req;
  req.url = "/v2/" + ref.repository() + "/manifests/" + ref.identifier();
  req.headers.emplace_back("Accept", manifest_accept_header());
  Response r = t.send(req, {transport::pull_scope(ref.repository())});
  if (!r.ok())
    throw transport::registry_error(r, "fetching the manifest of " + ref.str());

  RemoteDocument doc;
  doc.raw = std::move(r.body);
  doc.descriptor.digest = layers::Digest::of(doc.raw);
  doc.descriptor.size = static_cast<std::int64_t>(doc.raw.size());
  if (ref.digest() && *ref.digest() != doc.descriptor.digest) {
    throw Error("the registry served a manifest for " + ref.str() + " whose digest is " +
                doc.descriptor.digest.str());
  }
  if (std::string served = r.header("Docker-Content-Digest");
      !served.empty() && layers::Digest::valid(served) &&
      layers::Digest::parse(served) != doc.descriptor.digest) {
    throw Error("the manifest of " + ref.str() + " does not match the digest the registry sent (" +
                served + ")");
  }
  doc.descriptor.media_type = layers::media_type_of(doc.raw);
  if (doc.descriptor.media_type.empty()) {
    // Old registries omit mediaType in the body; the Content-Type header carries it.
    std::string ct = r.header("Content-Type");
    doc.descriptor.media_type = ct.substr(0, ct.find(';'));
  }
  if (!mt::is_index(doc.descriptor.media_type) && !mt::is_manifest(doc.descriptor.media_type)) {
    throw Error(
        ref.str() + " is a \"" + doc.descriptor.media_type + "\", not an image manifest or index",
        "stowage reads OCI and Docker schema 2 images");
  }
  return doc;
}

RemoteImage fetch_image(Client& client, const Reference& ref, const layers::Platform& platform,
                        const layers::BlobStore* cache) {
  RemoteImage image{ref, std::nullopt, fetch_document(client, ref, cache), {}, {}, {}};
  if (mt::is_index(image.manifest_document.descriptor.media_type)) {
    image.index = std::move(image.manifest_document);
    layers::Index index = layers::parse_index(image.index->raw);
    const layers::Descriptor* chosen = nullptr;
    std::string available;
    for (const auto& m : index.manifests) {
      if (!m.platform)
        continue;
      available += (available.empty() ? "" : ", ") + m.platform->str();
      if (!chosen && mt::is_manifest(m.media_type) && platform_matches(*m.platform, platform)) {
        chosen = &m;
      }
    }
    if (chosen == nullptr) {
      throw Error(ref.str() + " has no image for " + platform.str(),
                  available.empty() ? "its index lists no platforms"
                                    : "it has: " + available + " (choose one with --platform)");
    }
    image.manifest_document = fetch_document(client, ref.with_digest(chosen->digest), cache);
    verify(image.manifest_document.raw, *chosen,
           "the " + platform.str() + " manifest of " + ref.str());
  }
  if (!mt::is_manifest(image.manifest_document.descriptor.media_type)) {
    throw Error("the index " + ref.str() + " points at another index",
                "nested indexes are not supported");
  }
  image.manifest = layers::parse_manifest(image.manifest_document.raw);
  image.reference = ref.with_digest(image.manifest_document.descriptor.digest);

  image.raw_config = fetch_config(client, ref, image.manifest.config, cache);
  image.config = layers::parse_config(image.raw_config);
  return image;
}

}  // namespace stowage::registry
