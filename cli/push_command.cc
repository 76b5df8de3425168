#include <fmt/format.h>

#include <memory>

#include "cli/commands.h"
#include "cli/flag_limits.h"
#include "cli/layout_argument.h"
#include "cli/registry_flags.h"
#include "cli/report.h"
#include "registry/push.h"
#include "registry/reference.h"

namespace stowage::cli {
namespace {

struct PushFlags {
  std::string layout;
  std::string reference;
  std::string tag;
  std::int64_t chunk_size = 0;
  RegistryFlags registry;
};

void run_push(const PushFlags& f, const GlobalFlags& g) {
  check_chunk_size(f.chunk_size);
  auto layout = parse_layout_argument(f.layout);
  if (layout.tag.empty())
    layout.tag = f.tag;
  auto target = registry::Reference::parse(f.reference);
  registry::Client client(client_options(f.registry));
  registry::PushOptions options;
  options.chunk_size = f.chunk_size;
  options.progress = upload_progress_printer(g.progress);
  auto report = registry::push_layout(client, layout.dir, layout.tag, target, options);
  if (g.json) {
    fmt::print("{}\n", registry::to_json(report));
    return;
  }
  fmt::print(stderr, "stowage: pushed {} uploaded\n", human_bytes(report.bytes_uploaded()));
  fmt::print("{}\n", report.reference.str());
}

}  // namespace

void add_push_command(CLI::App& app, GlobalFlags& global) {
  auto flags = std::make_shared<PushFlags>();
  auto* cmd = app.add_subcommand("push", "Push an image from an OCI layout to a registry");
  cmd->add_option("layout", flags->layout, "OCI layout: DIR, or oci:DIR[:TAG]")->required();
  cmd->add_option("reference", flags->reference, "Where to push: REPO[:TAG]")->required();
  cmd->add_option("--tag", flags->tag,
                  "Ref name of the image in the layout (default: its only "
                  "image)");
  cmd->add_option("--chunk-size", flags->chunk_size,
                  "Upload blobs in requests of at most this many bytes (0: one request; "
                  "else at least 1 MiB)");
  add_registry_flags(cmd, flags->registry);
  cmd->add_flag("--json", global.json, "Print the push report as JSON");
  cmd->add_flag("--progress", global.progress, "Print progress to stderr even when not a TTY");
  cmd->callback([flags, &global] { run_push(*flags, global); });
}

}  // namespace stowage::cli
