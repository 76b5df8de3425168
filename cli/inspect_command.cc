#include <fmt/format.h>

#include <memory>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/flag_limits.h"
#include "cli/layout_argument.h"
#include "cli/registry_flags.h"
#include "cli/report.h"
#include "core/printable.h"
#include "layers/media_type.h"
#include "layers/oci_layout.h"
#include "registry/pull.h"
#include "registry/reference.h"

namespace stowage::cli {
namespace {

struct InspectFlags {
  std::string image;
  std::string platform = "linux/amd64";
  RegistryFlags registry;
};

// What inspect shows, wherever the image came from.
struct Inspected {
  std::string name;  // the reference or layout as given, pinned
  layers::Descriptor manifest;
  std::string raw_manifest;
  std::string raw_config;
};

Inspected from_layout(const LayoutArgument& arg, const layers::Platform& platform) {
  auto layout = layers::OciLayout::open(arg.dir);
  layers::Descriptor desc = layout.find(arg.tag);
  std::string raw = layout.read_document(desc);
  if (layers::media_type::is_index(desc.media_type)) {
    for (const auto& m : layers::parse_index(raw).manifests) {
      if (m.platform && m.platform->os == platform.os &&
          m.platform->architecture == platform.architecture) {
        desc = m;
        raw = layout.read_document(desc);
        break;
      }
    }
  }
  auto manifest = layers::parse_manifest(raw);
  return {"oci:" + arg.dir + (arg.tag.empty() ? "" : ":" + arg.tag), desc, raw,
          layout.read_document(manifest.config)};
}

Inspected from_registry(const std::string& text, const layers::Platform& platform,
                        const RegistryFlags& flags) {
  registry::Client client(client_options(flags));
  auto image = registry::fetch_image(client, registry::Reference::parse(text), platform);
  return {image.reference.str(), image.manifest_document.descriptor, image.manifest_document.raw,
          image.raw_config};
}

void run_inspect(const InspectFlags& f, const GlobalFlags& g) {
  if (g.json)
    check_json_text("IMAGE", f.image);
  auto platform = layers::Platform::parse(f.platform);
  Inspected image = f.image.starts_with("oci:")
                        ? from_layout(parse_layout_argument(f.image), platform)
                        : from_registry(f.image, platform, f.registry);
  auto manifest = layers::parse_manifest(image.raw_manifest);
  auto config = layers::parse_config(image.raw_config);
  if (g.json) {
    nlohmann::json j = {{"name", image.name},
                        {"digest", image.manifest.digest.str()},
                        {"mediaType", image.manifest.media_type},
                        {"manifest", nlohmann::json::parse(image.raw_manifest)},
                        {"config", nlohmann::json::parse(image.raw_config)}};
    // JSON escapes control characters itself.
    fmt::print("{}\n", j.dump(2));
    return;
  }
  // Everything below comes from the image, which its publisher wrote: printed as printable().
  const auto& c = config.config;
  auto join = [](const std::vector<std::string>& v) {
    std::string s;
    for (const auto& x : v)
      s += (s.empty() ? "" : " ") + x;
    return printable(s);
  };
  fmt::print("image:       {}\n", printable(image.name));
  fmt::print("digest:      {}\n", image.manifest.digest.str());
  fmt::print("platform:    {}\n", printable(config.platform.str()));
  if (!config.created.empty())
    fmt::print("created:     {}\n", printable(config.created));
  if (!c.entrypoint.empty())
    fmt::print("entrypoint:  {}\n", join(c.entrypoint));
  if (!c.cmd.empty())
    fmt::print("cmd:         {}\n", join(c.cmd));
  if (!c.user.empty())
    fmt::print("user:        {}\n", printable(c.user));
  if (!c.working_dir.empty())
    fmt::print("workdir:     {}\n", printable(c.working_dir));
  for (const auto& e : c.env)
    fmt::print("env:         {}\n", printable(e));
  for (const auto& p : c.exposed_ports)
    fmt::print("port:        {}\n", printable(p));
  for (const auto& [k, v] : c.labels)
    fmt::print("label:       {}={}\n", printable(k), printable(v));
  for (const auto& [k, v] : manifest.annotations)
    fmt::print("annotation:  {}={}\n", printable(k), printable(v));
  std::int64_t total = 0;
  fmt::print("\n{:>3}  {:>10}  {:<6}  {:<19}  {}\n", "#", "SIZE", "COMPR", "DIGEST", "CREATED BY");
  // History entries with empty_layer do not correspond to a layer.
  std::vector<std::string> created_by;
  for (const auto& h : config.history) {
    if (!h.empty_layer)
      created_by.push_back(h.created_by);
  }
  for (std::size_t i = 0; i < manifest.layers.size(); ++i) {
    const auto& l = manifest.layers[i];
    total += l.size;
    std::string compression = l.media_type.ends_with("zstd")   ? "zstd"
                              : l.media_type.ends_with("gzip") ? "gzip"
                                                               : "none";
    fmt::print("{:>3}  {:>10}  {:<6}  {:<19}  {}\n", i + 1, human_bytes(l.size), compression,
               l.digest.str().substr(0, 19), i < created_by.size() ? printable(created_by[i]) : "");
  }
  fmt::print("\n{} layers, {}\n", manifest.layers.size(), human_bytes(total));
}

}  // namespace

void add_inspect_command(CLI::App& app, GlobalFlags& global) {
  auto flags = std::make_shared<InspectFlags>();
  auto* cmd = app.add_subcommand("inspect", "Show an image's layers, sizes and config");
  cmd->add_option("image", flags->image, "REF, or oci:DIR[:TAG]")->required();
  cmd->add_option("--platform", flags->platform, "Platform to pick from an index")
      ->capture_default_str();
  add_registry_flags(cmd, flags->registry);
  cmd->add_flag("--json", global.json, "Print manifest and config as JSON");
  cmd->callback([flags, &global] { run_inspect(*flags, global); });
}

}  // namespace stowage::cli
