#include "registry/push.h"

#include <nlohmann/json.hpp>
#include <set>

#include "core/error.h"
#include "core/thread_pool.h"
#include "layers/media_type.h"
#include "net/url.h"
#include "registry/pull.h"
#include "registry/transport/error.h"

namespace stowage::registry {
namespace {

namespace mt = layers::media_type;
using net::Request;
using net::Response;

// The config, which the caller hands over as bytes.
class MemoryBlobSource final : public BlobSource {
 public:
  MemoryBlobSource(const std::string& data, layers::Digest digest)
      : data_(data), digest_(std::move(digest)) {}
  std::string describe() const override { return "image config"; }
  bool has(const layers::Descriptor& blob) const override { return blob.digest == digest_; }
  std::unique_ptr<net::ByteReader> open(const layers::Descriptor&, std::int64_t offset,
                                        std::int64_t length) override {
    return std::make_unique<net::StringReader>(std::string_view(data_).substr(
        static_cast<std::size_t>(offset), static_cast<std::size_t>(length)));
  }

 private:
  const std::string& data_;
  layers::Digest digest_;
};

// The digest the registry holds under `identifier` (tag or digest), if any.
std::optional<layers::Digest> remote_manifest_digest(transport::RegistryTransport& t,
                                                     const Reference& target,
                                                     const std::string& identifier) {
  Request req;
  req.method = "HEAD";
  req.url = "/v2/" + target.repository() + "/manifests/" + identifier;
  req.headers.emplace_back("Accept", manifest_accept_header());
  Response r = t.send(req, {transport::push_scope(target.repository())});
  if (r.status == 404)
    return std::nullopt;
  if (!r.ok())
    throw transport::registry_error(r, "checking for " + target.name() + ":" + identifier);
  std::string digest = r.header("Docker-Content-Digest");
  if (!layers::Digest::valid(digest))
    return std::nullopt;
  return layers::Digest::parse(digest);
}

bool blob_present(transport::RegistryTransport& t, const Reference& target,
                  const layers::Descriptor& blob) {
  Request req;
  req.method = "HEAD";
  req.url = "/v2/" + target.repository() + "/blobs/" + blob.digest.str();
  req.follow_redirects = true;
  Response r = t.send(req, {transport::push_scope(target.repository())});
  if (r.status == 404)
    return false;
  if (!r.ok()) {
    throw transport::registry_error(
        r, "checking for blob " + blob.digest.str() + " in " + target.name());
  }
  return true;
}

// Outcome of a mount attempt: mounted, or an upload session the registry opened instead.
struct MountResult {
  bool mounted = false;
  std::optional<std::string> session;
};

MountResult try_mount(transport::RegistryTransport& t, const Reference& target,
                      const Reference& from, const layers::Descriptor& blob) {
  Request req;
  req.method = "POST";
  req.url = "/v2/" + target.repository() + "/blobs/uploads/?mount=" + blob.digest.str() +
            "&from=" + from.repository();
  Response r = t.send(
      req, {transport::push_scope(target.repository()), transport::pull_scope(from.repository())});
  if (r.status == 201)
    return {true, std::nullopt};
  if (r.status == 202 && !r.header("Location").empty()) {
    return {false, net::resolve_url(r.url, r.header("Location"))};
  }
  // Anything else (no pull access to the source, mounts not supported) just means uploading.
  return {};
}

void put_manifest(transport::RegistryTransport& t, const Reference& target,
                  const std::string& identifier, const std::string& raw,
                  const std::string& media_type, const layers::Digest& digest) {
  Request req;
  req.method = "PUT";
  req.url = "/v2/" + target.repository() + "/manifests/" + identifier;
  req.headers.emplace_back("Content-Type", media_type);
  req.body_size = static_cast<std::int64_t>(raw.size());
  req.body = [&raw] { return std::make_unique<net::StringReader>(raw); };
  Response r = t.send(req, {transport::push_scope(target.repository())});
  if (r.status != 201 && r.status != 200) {
    throw transport::registry_error(r,
                                    "pushing the manifest of " + target.name() + ":" + identifier);
  }
  std::string served = r.header("Docker-Content-Digest");
  if (layers::Digest::valid(served) && layers::Digest::parse(served) != digest) {
    throw Error("the registry stored the manifest of " + target.name() + " under digest " + served +
                    " instead of " + digest.str(),
                "the registry rewrote the manifest; stowage cannot pin the image");
  }
}

// Where a manifest goes: the target's digest when it names one (and it must be this manifest's),
// else its tag.
std::string put_identifier(const Reference& target, const layers::Digest& digest) {
  if (target.digest()) {
    if (*target.digest() != digest) {
      throw InputError("cannot push to " + target.str() + ": the image's digest is " + digest.str(),
                       "push to a tag, or drop the @sha256:… part");
    }
    return digest.str();
  }
  return target.tag();
}

}  // namespace

std::string_view outcome_name(BlobOutcome outcome) {
  switch (outcome) {
    case BlobOutcome::uploaded:
      return "uploaded";
    case BlobOutcome::present:
      return "present";
    case BlobOutcome::mounted:
      return "mounted";
  }
  return "unknown";
}

BlobReport push_blob(Client& client, const Reference& target, const layers::Descriptor& blob,
                     const std::vector<std::shared_ptr<BlobSource>>& sources,
                     const PushOptions& options) {
  auto& t = client.transport(target);
  BlobReport report{blob, BlobOutcome::present, 0, {}};
  if (blob_present(t, target, blob))
    return report;

  std::optional<std::string> session;
  for (const auto& source : sources) {
    auto from = source->mount_from();
    if (!from || from->registry() != target.registry() ||
        from->repository() == target.repository()) {
      continue;
    }
    MountResult m = try_mount(t, target, *from, blob);
    if (m.mounted) {
      report.outcome = BlobOutcome::mounted;
      report.mounted_from = from->repository();
      return report;
    }
    session = std::move(m.session);
    break;
  }

  // Local copies first: reading a disk beats streaming from another registry.
  for (bool remote : {false, true}) {
    for (const auto& source : sources) {
      if (source->mount_from().has_value() != remote || !source->has(blob))
        continue;
      report.outcome = BlobOutcome::uploaded;
      report.bytes_uploaded = upload_blob(t, target.repository(), blob, *source, session,
                                          UploadOptions{options.chunk_size, options.progress});
      return report;
    }
  }
  if (session) {
    // The mount attempt's session would otherwise linger until the registry purges it.
    Request cancel;
    cancel.method = "DELETE";
    cancel.url = *session;
    try {
      t.send(cancel, {transport::push_scope(target.repository())});
    } catch (const Error&) {
      // Cancelling is a courtesy; the error below is the one that matters.
    }
  }
  std::string searched;
  for (const auto& s : sources)
    searched += (searched.empty() ? "" : ", ") + s->describe();
  throw Error(
      "blob " + blob.digest.str() + " of the image is in none of its sources (" + searched + ")",
      "rebuild the image, or check that its base image is still available");
}

std::int64_t PushReport::bytes_uploaded() const {
  std::int64_t total = 0;
  for (const auto& b : blobs)
    total += b.bytes_uploaded;
  return total;
}

std::string to_json(const PushReport& report) {
  nlohmann::json blobs = nlohmann::json::array();
  for (const auto& b : report.blobs) {
    nlohmann::json j = {{"digest", b.blob.digest.str()},
                        {"size", b.blob.size},
                        {"media_type", b.blob.media_type},
                        {"outcome", outcome_name(b.outcome)},
                        {"bytes_uploaded", b.bytes_uploaded}};
    if (!b.mounted_from.empty())
      j["mounted_from"] = b.mounted_from;
    blobs.push_back(std::move(j));
  }
  nlohmann::json j = {{"reference", report.reference.str()},
                      {"digest", report.manifest_digest.str()},
                      {"manifest_present", report.manifest_present},
                      {"bytes_uploaded", report.bytes_uploaded()},
                      {"blobs", std::move(blobs)}};
  return j.dump();
}

PushReport push_image(Client& client, const Reference& target, const ImageToPush& image,
                      const std::vector<std::shared_ptr<BlobSource>>& sources,
                      const PushOptions& options, const std::vector<BlobReport>& pushed_ahead) {
  std::string media_type = layers::media_type_of(image.raw_manifest);
  if (!mt::is_manifest(media_type)) {
    throw InputError("cannot push to " + target.str() + ": the manifest's media type is \"" +
                     media_type + "\", not an image manifest");
  }
  layers::Manifest manifest = layers::parse_manifest(image.raw_manifest);
  if (layers::Digest::of(image.raw_config) != manifest.config.digest ||
      static_cast<std::int64_t>(image.raw_config.size()) != manifest.config.size) {
    throw InputError("cannot push to " + target.str() +
                     ": the config does not match the manifest's config descriptor");
  }
  layers::Digest digest = layers::Digest::of(image.raw_manifest);
  std::string identifier = put_identifier(target, digest);
  auto& t = client.transport(target);
  PushReport report{target.with_digest(digest), digest, false, {}};

  std::vector<layers::Descriptor> blobs = {manifest.config};
  std::set<layers::Digest> seen = {manifest.config.digest};
  for (const auto& layer : manifest.layers) {
    if (seen.insert(layer.digest).second)
      blobs.push_back(layer);
  }

  // What was pushed ahead is reported as it happened; every other blob starts as present.
  auto ahead = [&](const layers::Descriptor& b) -> const BlobReport* {
    for (const auto& r : pushed_ahead) {
      if (r.blob.digest == b.digest)
        return &r;
    }
    return nullptr;
  };
  for (const auto& b : blobs) {
    const BlobReport* r = ahead(b);
    report.blobs.push_back(r ? *r : BlobReport{b, BlobOutcome::present, 0, {}});
  }
  if (remote_manifest_digest(t, target, identifier) == digest) {
    report.manifest_present = pushed_ahead.empty();
    return report;
  }
  if (identifier == digest.str() || !remote_manifest_digest(t, target, digest.str())) {
    auto all_sources = sources;
    all_sources.insert(all_sources.begin(), std::make_shared<MemoryBlobSource>(
                                                image.raw_config, manifest.config.digest));
    std::vector<std::size_t> todo;
    for (std::size_t i = 0; i < blobs.size(); ++i) {
      if (!ahead(blobs[i]))
        todo.push_back(i);
    }
    parallel_for(todo.size(), options.parallelism, [&](std::size_t k) {
      report.blobs[todo[k]] = push_blob(client, target, blobs[todo[k]], all_sources, options);
    });
  }
  // Otherwise the image is there by digest; only the tag is new.
  put_manifest(t, target, identifier, image.raw_manifest, media_type, digest);
  return report;
}

Reference push_index(Client& client, const Reference& target, const std::string& raw_index) {
  std::string media_type = layers::media_type_of(raw_index);
  if (!mt::is_index(media_type)) {
    throw InputError("cannot push to " + target.str() + ": the document's media type is \"" +
                     media_type + "\", not an image index");
  }
  layers::Digest digest = layers::Digest::of(raw_index);
  put_manifest(client.transport(target), target, put_identifier(target, digest), raw_index,
               media_type, digest);
  return target.with_digest(digest);
}

}  // namespace stowage::registry
