#include "recipes/recipe.h"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <limits>
#include <regex>
#include <sstream>
#include <system_error>

#include "core/file.h"
#include "recipes/did_you_mean.h"
#include "recipes/names.h"
#include "recipes/quantity.h"
#include "recipes/reference_syntax.h"
#include "recipes/yaml_value.h"

namespace stowage::recipes {
namespace fs = std::filesystem;
namespace {

// The recipe's keys. The parser may read only these, unknown keys are refused against them,
// and docs/stowage.schema.json is tested to list exactly these.
constexpr KeySpec kFrameworkKeys[] = {{"name"}, {"version"}};
constexpr KeySpec kContentKeys[] = {{"src"}, {"dst"}, {"class"}};
constexpr KeySpec kServeKeys[] = {
    {"command"}, {"port"}, {"health"}, {"ready"}, {"startup_seconds"}};
constexpr KeySpec kResourceKeys[] = {{"cpu"}, {"memory"}};
constexpr KeySpec kAutoscaleKeys[] = {{"min"}, {"max"}, {"cpu"}};
constexpr KeySpec kDeployKeys[] = {{"namespace"},
                                   {"replicas"},
                                   {"gpu"},
                                   {"gpu_resource"},
                                   {"resources", kResourceKeys},
                                   {"shm"},
                                   {"autoscale", kAutoscaleKeys},
                                   {"image_pull_secrets"},
                                   {"node_selector"},
                                   {"service_type"},
                                   {"kserve"}};
constexpr KeySpec kLayeringKeys[] = {{"budget"}, {"own_layer_threshold"}};
constexpr KeySpec kRecipeKeys[] = {
    {"name"},
    {"base"},
    {"python"},
    {"cuda"},
    {"framework", kFrameworkKeys},
    {"python_requirements"},
    {"python_index"},
    {"system_packages"},
    {"model", kContentKeys, true},
    {"code", kContentKeys, true},
    {"env"},
    {"user"},
    {"workdir"},
    {"labels"},
    {"serve", kServeKeys},
    {"deploy", kDeployKeys},
    {"layering", kLayeringKeys},
};

// Keys that parse but whose feature is not built yet: a recipe using one is refused, never
// half-built. Lifting one is deleting its line here.
struct NotSupportedYet {
  std::string_view key;
  std::string_view hint;
};
constexpr NotSupportedYet kNotSupportedYet[] = {
    {"system_packages",
     "stowage does not install OS packages yet; pick a base image that has them and remove "
     "system_packages"},
};

constexpr std::int64_t kInt32Max = std::numeric_limits<std::int32_t>::max();

std::string in_quotes(std::string_view s) {
  return "\"" + std::string(s) + "\"";
}

bool matches(const std::string& text, const char* pattern) {
  return std::regex_match(text, std::regex(pattern));
}

// Whether `path` is `base` or below it, comparing path components.
bool is_within(const fs::path& path, const fs::path& base) {
  fs::path rel = path.lexically_relative(base);
  return !rel.empty() && *rel.begin() != "..";
}

bool has_dot_dot(const fs::path& path) {
  return std::any_of(path.begin(), path.end(), [](const fs::path& part) { return part == ".."; });
}

// A path inside the recipe's directory, as written in `value`: refused when absolute, when it
// leaves the directory through "..", when it does not exist, or when a symlink takes it out.
// Returns the resolved path, with symlinks resolved.
fs::path resolve_inside(const YamlValue& value, const std::string& text, const fs::path& dir) {
  const std::string field = in_quotes(value.path());
  if (text.empty())
    value.fail(field + " is empty", "give a path relative to " + dir.string());
  fs::path written(text);
  if (written.is_absolute()) {
    value.fail(field + " must be relative to the recipe's directory: " + text,
               "write the path relative to " + dir.string());
  }
  fs::path lexical = (dir / written).lexically_normal();
  if (!lexical.has_filename())
    lexical = lexical.parent_path();  // "models/" names "models"
  if (!is_within(lexical, dir)) {
    value.fail(field + " leaves the recipe's directory: " + text,
               "content must be inside " + dir.string() + "; move it there, or move the recipe up");
  }
  std::error_code ec;
  if (!fs::exists(lexical, ec)) {
    std::string hint = "looked for " + lexical.string();
    std::vector<std::string> siblings;
    for (const auto& entry : fs::directory_iterator(lexical.parent_path(), ec)) {
      siblings.push_back(entry.path().filename().string());
    }
    std::vector<std::string_view> names(siblings.begin(), siblings.end());
    if (auto guess = did_you_mean(lexical.filename().string(), names)) {
      hint = "did you mean " +
             in_quotes((lexical.parent_path() / *guess).lexically_relative(dir).string()) + "?";
    }
    value.fail(field + " does not exist: " + text, hint);
  }
  fs::path real = fs::canonical(lexical, ec);
  if (ec)
    value.fail(field + " cannot be resolved: " + ec.message(), "check its permissions");
  fs::path real_dir = fs::weakly_canonical(dir, ec);
  if (!is_within(real, real_dir)) {
    value.fail(field + " leaves the recipe's directory through a symlink: " + text + " -> " +
                   real.string(),
               "copy the content into " + dir.string() + " instead of linking to it");
  }
  return real;
}

// An absolute path in the image, without "..".
std::string image_path(const YamlValue& value) {
  std::string text = value.string();
  const std::string field = in_quotes(value.path());
  if (text.empty() || text[0] != '/') {
    value.fail(field + " must be an absolute path in the image: " + in_quotes(text),
               "did you mean " + in_quotes("/" + text) + "?");
  }
  if (has_dot_dot(fs::path(text))) {
    value.fail(field + " must not contain \"..\": " + text,
               "write the path in the image without \"..\": " +
                   fs::path(text).lexically_normal().string());
  }
  return text;
}

std::string dns_label(const YamlValue& value) {
  std::string text = value.string();
  if (!is_dns1123_label(text)) {
    std::string hint =
        "use at most 63 lowercase letters, digits and '-', starting and ending "
        "with a letter or digit";
    if (std::string fixed = to_dns1123_label(text); !fixed.empty() && fixed != text) {
      hint += "; did you mean " + in_quotes(fixed) + "?";
    }
    value.fail(in_quotes(value.path()) + " is not a valid Kubernetes name: " + in_quotes(text),
               hint);
  }
  return text;
}

// A Kubernetes quantity that must be positive. `memory` picks the hint's examples.
std::string quantity(const YamlValue& value, bool memory) {
  std::string text = value.string_or_number();
  auto parsed = parse_quantity(text);
  if (!parsed) {
    std::string suggestion = suggest_quantity(text);
    value.fail(in_quotes(value.path()) + " is not a Kubernetes quantity: " + in_quotes(text),
               !suggestion.empty() ? "did you mean " + in_quotes(suggestion) + "?"
               : memory            ? "write bytes with a unit: 512Mi, 16Gi, 1.5G"
                                   : "write cores as 4, 0.5 or 500m");
  }
  if (*parsed <= 0) {
    value.fail(in_quotes(value.path()) + " must be greater than zero: " + text,
               memory ? "for example 16Gi" : "for example 500m or 2");
  }
  return text;
}

std::string version(const YamlValue& value, const char* pattern, const std::string& example) {
  std::string text = value.string();
  if (!matches(text, pattern)) {
    value.fail(in_quotes(value.path()) + " is not a version like " + in_quotes(example) + ": " +
                   in_quotes(text),
               "write it as " + value.written(in_quotes(example)));
  }
  return text;
}

BaseSpec parse_base(const YamlValue& value, const std::string& text, const fs::path& dir) {
  BaseSpec base;
  const std::string field = in_quotes(value.path());
  auto local_path = [&](std::string_view p) {
    if (p.empty())
      value.fail(field + " names no path: " + in_quotes(text), "write oci:DIR or rootfs:FILE.tar");
    fs::path path(p);
    return (path.is_absolute() ? path : dir / path).lexically_normal();
  };
  if (text == "scratch") {
    base.kind = BaseSpec::Kind::scratch;
  } else if (text.starts_with("oci:")) {
    std::string_view rest = std::string_view(text).substr(4);
    std::size_t colon = rest.rfind(':');
    if (colon != std::string_view::npos && rest.substr(colon).find('/') == std::string_view::npos) {
      base.tag = std::string(rest.substr(colon + 1));
      rest = rest.substr(0, colon);
      if (base.tag.empty())
        value.fail(field + " has an empty tag: " + in_quotes(text), "write oci:DIR or oci:DIR:TAG");
    }
    base.kind = BaseSpec::Kind::oci_layout;
    base.path = local_path(rest);
    std::error_code ec;
    if (!fs::is_directory(base.path, ec)) {
      value.fail(field + " names an OCI layout that does not exist: " + base.path.string(),
                 "oci:DIR is relative to the recipe's directory; check the path");
    }
    if (!fs::exists(base.path / "oci-layout", ec)) {
      value.fail(field + " is not an OCI image layout (no oci-layout file): " + base.path.string(),
                 "make one with skopeo copy docker://IMAGE oci:DIR:TAG");
    }
  } else if (text.starts_with("rootfs:")) {
    base.kind = BaseSpec::Kind::rootfs;
    base.path = local_path(std::string_view(text).substr(7));
    std::error_code ec;
    if (!fs::is_regular_file(base.path, ec)) {
      value.fail(
          field + " names a root filesystem tarball that does not exist: " + base.path.string(),
          "rootfs:FILE.tar is relative to the recipe's directory; check the path");
    }
  } else {
    ReferenceProblem problem = check_reference_syntax(text);
    if (!problem.what.empty()) {
      value.fail(field + ": " + problem.what,
                 problem.hint + " (or use scratch, oci:DIR[:TAG] or rootfs:FILE.tar)");
    }
    base.kind = BaseSpec::Kind::registry;
    base.reference = text;
  }
  return base;
}

ContentEntry parse_entry(const YamlValue& value, const fs::path& dir) {
  YamlMap entry = value.map(kContentKeys);
  ContentEntry out;
  YamlValue src = entry.require("src", "add src: PATH, relative to the recipe's directory");
  out.src = src.string();
  out.source = resolve_inside(src, out.src, dir);
  out.dst = image_path(entry.require("dst", "add dst: /path/in/the/image"));
  if (auto cls = entry.get("class")) {
    std::string name = cls->string();
    constexpr std::array<std::string_view, 6> kAllowed{"system",       "accelerator", "framework",
                                                       "dependencies", "model",       "code"};
    std::string allowed;
    for (std::string_view a : kAllowed)
      allowed += (allowed.empty() ? "" : ", ") + std::string(a);
    if (name == "base" || name == "meta") {
      cls->fail(in_quotes(cls->path()) + ": the " + name + " class is reserved for " +
                    (name == "base" ? "the base image's layers" : "generated build information"),
                "use one of " + allowed);
    }
    auto parsed = parse_layer_class(name);
    if (!parsed) {
      std::string hint = "the classes are " + allowed;
      if (auto guess = did_you_mean(name, kAllowed))
        hint = "did you mean " + in_quotes(*guess) + "? " + hint;
      cls->fail(in_quotes(cls->path()) + " is not a layer class: " + in_quotes(name), hint);
    }
    out.class_override = parsed;
  }
  return out;
}

std::vector<ContentEntry> parse_content(const YamlValue& value, const fs::path& dir) {
  std::vector<ContentEntry> out;
  if (value.is_map()) {  // a single entry, read as a one-item list
    out.push_back(parse_entry(
        YamlValue(value.context(), value.node(), value.path() + "[0]", value.where()), dir));
    return out;
  }
  if (!value.is_list()) {
    value.fail(
        in_quotes(value.path()) + " must be a list of {src, dst} entries, not " + value.describe(),
        "write it as " + value.key() + ": [{src: DIR/, dst: /" + value.key() + "}]");
  }
  for (const YamlValue& item : value.items())
    out.push_back(parse_entry(item, dir));
  return out;
}

std::map<std::string, std::string> string_map(const YamlValue& value) {
  std::map<std::string, std::string> out;
  for (const auto& [key, item] : value.entries())
    out[key] = item.string();
  return out;
}

std::map<std::string, std::string> parse_env(const YamlValue& value) {
  std::map<std::string, std::string> out;
  for (const auto& [key, item] : value.entries()) {
    bool printable = std::all_of(key.begin(), key.end(), [](char c) {
      return std::isgraph(static_cast<unsigned char>(c)) && c != '=';
    });
    if (!printable) {
      item.fail("environment variable name " + in_quotes(key) + " is not valid",
                "names are printable characters without spaces or '='; for example MODEL_DIR");
    }
    out[key] = item.string();
  }
  return out;
}

std::string shell_word(const std::string& word) {
  static const std::regex kPlain(R"([A-Za-z_/.][A-Za-z0-9_./:=@+-]*|-[A-Za-z0-9_./:=@+-]+)");
  bool plain = std::regex_match(word, kPlain) && word.find(": ") == std::string::npos;
  return plain ? word : in_quotes(word);
}

std::vector<std::string> parse_command(const YamlValue& value) {
  if (value.is_string()) {
    std::string text = value.string();
    std::string list;
    std::size_t start = 0;
    while ((start = text.find_first_not_of(" \t", start)) != std::string::npos) {
      std::size_t end = text.find_first_of(" \t", start);
      list += (list.empty() ? "" : ", ") + shell_word(text.substr(start, end - start));
      start = end;
    }
    value.fail(in_quotes(value.path()) + " must be a list of arguments, not a string",
               "stowage runs no shell; write it as command: [" + list + "]");
  }
  std::vector<std::string> command = value.strings();
  if (command.empty()) {
    value.fail(in_quotes(value.path()) + " is empty",
               "give the program and its arguments: command: [python3, -m, app]");
  }
  return command;
}

std::string http_path(const YamlValue& value) {
  std::string text = value.string();
  if (text.empty() || text[0] != '/') {
    value.fail(
        in_quotes(value.path()) + " must be an HTTP path starting with '/': " + in_quotes(text),
        "did you mean " + in_quotes("/" + text) + "?");
  }
  return text;
}

Serve parse_serve(const YamlValue& value) {
  YamlMap serve = value.map(kServeKeys);
  Serve out;
  if (auto v = serve.get("command"))
    out.command = parse_command(*v);
  if (auto v = serve.get("port"))
    out.port = static_cast<int>(v->integer(1, 65535));
  for (const char* probe : {"health", "ready"}) {
    auto v = serve.get(probe);
    if (!v)
      continue;
    (probe == std::string_view("health") ? out.health : out.ready) = http_path(*v);
    if (out.port == 0) {
      v->fail(in_quotes(v->path()) + " needs serve.port: the probe has no port to call",
              "add port: 8080 (the port the server listens on) under serve");
    }
  }
  if (out.ready.empty())
    out.ready = out.health;
  if (auto v = serve.get("startup_seconds")) {
    out.startup_seconds = static_cast<int>(v->integer(1, 86400));
  }
  return out;
}

Deploy parse_deploy(const YamlValue& value) {
  YamlMap deploy = value.map(kDeployKeys);
  Deploy out;
  if (auto v = deploy.get("namespace"))
    out.namespace_ = dns_label(*v);
  if (auto v = deploy.get("replicas"))
    out.replicas = static_cast<int>(v->integer(0, kInt32Max));
  if (auto v = deploy.get("gpu"))
    out.gpu = static_cast<int>(v->integer(0, 64));
  if (auto v = deploy.get("gpu_resource")) {
    out.gpu_resource = v->string();
    if (out.gpu_resource.find('/') == std::string::npos || !is_label_key(out.gpu_resource)) {
      v->fail(in_quotes(v->path()) +
                  " is not an extended resource name: " + in_quotes(out.gpu_resource),
              "write DOMAIN/NAME as the device plugin registers it, e.g. nvidia.com/gpu or "
              "amd.com/gpu");
    }
  }
  if (auto v = deploy.get("resources")) {
    YamlMap resources = v->map(kResourceKeys);
    if (auto cpu = resources.get("cpu"))
      out.cpu = quantity(*cpu, false);
    if (auto memory = resources.get("memory"))
      out.memory = quantity(*memory, true);
  }
  if (auto v = deploy.get("shm"))
    out.shm = quantity(*v, true);
  if (auto v = deploy.get("autoscale")) {
    YamlMap autoscale = v->map(kAutoscaleKeys);
    Autoscale a;
    YamlValue max = autoscale.require("max", "add max: N, the most replicas to scale to");
    a.max = static_cast<int>(max.integer(1, kInt32Max));
    if (auto min = autoscale.get("min")) {
      a.min = static_cast<int>(min->integer(1, kInt32Max));
      if (a.min > a.max) {
        min->fail(in_quotes(min->path()) + " (" + std::to_string(a.min) + ") is greater than " +
                      in_quotes(max.path()) + " (" + std::to_string(a.max) + ")",
                  "make min at most max");
      }
    }
    if (auto cpu = autoscale.get("cpu"))
      a.cpu = static_cast<int>(cpu->integer(1, 1000));
    out.autoscale = a;
  }
  if (auto v = deploy.get("image_pull_secrets")) {
    for (const YamlValue& item : v->items()) {
      std::string name = item.string();
      if (!is_dns1123_subdomain(name)) {
        item.fail(in_quotes(item.path()) + " is not a valid Secret name: " + in_quotes(name),
                  "Secret names are lowercase letters, digits, '-' and '.'");
      }
      out.image_pull_secrets.push_back(name);
    }
  }
  if (auto v = deploy.get("node_selector")) {
    for (const auto& [key, item] : v->entries()) {
      if (!is_label_key(key)) {
        item.fail("node label key " + in_quotes(key) + " is not valid",
                  "write [PREFIX/]NAME, NAME being up to 63 letters, digits, '-', '_' and '.'");
      }
      std::string label = item.string();
      if (!is_label_value(label)) {
        item.fail(in_quotes(item.path()) + " is not a valid label value: " + in_quotes(label),
                  "up to 63 letters, digits, '-', '_' and '.', starting and ending with a letter "
                  "or digit");
      }
      out.node_selector[key] = label;
    }
  }
  if (auto v = deploy.get("service_type")) {
    out.service_type = v->string();
    constexpr std::array<std::string_view, 3> kTypes{"ClusterIP", "NodePort", "LoadBalancer"};
    if (std::find(kTypes.begin(), kTypes.end(), out.service_type) == kTypes.end()) {
      std::string hint = "use ClusterIP, NodePort or LoadBalancer";
      if (auto guess = did_you_mean(out.service_type, kTypes))
        hint = "did you mean " + in_quotes(*guess) + "?";
      v->fail(in_quotes(v->path()) + " is not a Service type: " + in_quotes(out.service_type),
              hint);
    }
  }
  if (auto v = deploy.get("kserve"))
    out.kserve = v->boolean();
  return out;
}

Layering parse_layering(const YamlValue& value) {
  YamlMap layering = value.map(kLayeringKeys);
  Layering out;
  if (auto v = layering.get("budget"))
    out.budget = static_cast<int>(v->integer(1, kMaxLayers));
  if (auto v = layering.get("own_layer_threshold")) {
    std::string text = v->string_or_number();
    auto bytes = quantity_bytes(text);
    if (!bytes || *bytes == 0) {
      std::string suggestion = suggest_quantity(text);
      v->fail(in_quotes(v->path()) + " is not a size: " + in_quotes(text),
              suggestion.empty() ? "write bytes with a unit, e.g. 64Mi or 1Gi"
                                 : "did you mean " + in_quotes(suggestion) + "?");
    }
    out.own_layer_threshold = *bytes;
  }
  return out;
}

void add_keys(std::span<const KeySpec> keys, const std::string& prefix,
              std::vector<std::string>& out) {
  for (const KeySpec& k : keys) {
    std::string path = prefix.empty() ? std::string(k.name) : prefix + "." + std::string(k.name);
    out.push_back(path);
    add_keys(k.children, k.list ? path + "[]" : path, out);
  }
}

// Where each document of a YAML stream starts, read with yaml-cpp's event parser and at most
// `limit` documents. YAML::LoadAll cannot be used: on a stray top-level flow indicator (",")
// it returns empty documents at the same position forever, allocating as it goes (found by
// fuzz/recipe_fuzz). A document that starts where the previous one did is that case, and a
// syntax error.
class DocumentMarks : public YAML::EventHandler {
 public:
  std::vector<YAML::Mark> starts;  // the first node of each document
  bool stuck = false;

  void OnDocumentStart(const YAML::Mark& mark) override {
    stuck = !starts.empty() && mark.pos <= last_start_;
    last_start_ = mark.pos;
    node_seen_ = false;
  }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& mark, YAML::anchor_t) override { node(mark); }
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t) override { node(mark); }
  void OnScalar(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                const std::string&) override {
    node(mark);
  }
  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {
    node(mark);
  }
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {
    node(mark);
  }
  void OnMapEnd() override {}

 private:
  void node(const YAML::Mark& mark) {
    if (!node_seen_)
      starts.push_back(mark);
    node_seen_ = true;
  }
  int last_start_ = -1;
  bool node_seen_ = false;
};

YAML::Node load_document(std::string_view text, const std::string& file) {
  std::vector<YAML::Node> documents;
  try {
    DocumentMarks marks;
    std::istringstream in{std::string(text)};
    YAML::Parser parser(in);
    while (marks.starts.size() < 2 && parser.HandleNextDocument(marks)) {
      if (marks.stuck) {
        throw InputError("YAML syntax error: unexpected text where a document should start",
                         "a recipe is one mapping of keys; remove the stray ',', ']' or '}'",
                         location_of(file, marks.starts.back()));
      }
    }
    if (marks.starts.size() > 1) {
      throw InputError("the recipe holds more than one YAML document",
                       "keep one recipe per file; remove the \"---\" separator",
                       location_of(file, marks.starts[1]));
    }
    if (!marks.starts.empty())
      documents.push_back(YAML::Load(std::string(text)));
  } catch (const YAML::ParserException& e) {
    throw InputError("YAML syntax error: " + e.msg,
                     "check the indentation (spaces, not tabs) and quote values that hold "
                     "': ', '#', '{' or '['",
                     location_of(file, e.mark));
  }
  if (documents.empty() || documents[0].IsNull()) {
    throw InputError("the recipe is empty", "start with name: my-model",
                     SourceLocation{file, 1, 1});
  }
  return documents[0];
}

}  // namespace

SourceLocation Recipe::where(std::string_view path) const {
  std::string p(path);
  while (!p.empty()) {
    if (auto it = locations.find(p); it != locations.end())
      return it->second;
    std::size_t cut = p.find_last_of(".[");
    p.resize(cut == std::string::npos ? 0 : cut);
  }
  return SourceLocation{file.string(), 0, 0};
}

Recipe parse_recipe(std::string_view yaml_text, const fs::path& file) {
  Recipe r;
  r.file = file;
  r.dir = fs::absolute(file).lexically_normal().parent_path();
  const std::string file_name = file.string();
  YAML::Node root = load_document(yaml_text, file_name);

  YamlContext context{file_name, kRecipeKeys, &r.locations};
  YamlValue document(context, root, "", location_of(file_name, root.Mark()));
  if (!document.is_map()) {
    document.fail("the recipe must be a mapping of keys, not " + document.describe(),
                  "start with name: my-model");
  }
  YamlMap top = document.map(kRecipeKeys);

  r.name = dns_label(
      top.require("name",
                  "add name: my-model (lowercase letters, digits and '-'; it names the image and "
                  "the Kubernetes objects)"));
  if (auto v = top.get("base")) {
    r.base = v->string();
    r.base_spec = parse_base(*v, r.base, r.dir);
  }
  if (auto v = top.get("python"))
    r.python = version(*v, R"(\d+\.\d+)", "3.11");
  if (auto v = top.get("cuda")) {
    if (v->is_string() && v->string() == "cpu") {
      r.cuda = "cpu";
    } else {
      r.cuda = version(*v, R"(\d+\.\d+(\.\d+)?)", "12.4");
    }
  }
  if (auto v = top.get("framework")) {
    YamlMap framework = v->map(kFrameworkKeys);
    Framework f;
    YamlValue name =
        framework.require("name", "add name: pytorch (or tensorflow, jax, onnxruntime)");
    f.name = name.string();
    if (f.name.empty())
      name.fail(in_quotes(name.path()) + " is empty", "for example pytorch");
    if (auto ver = framework.get("version"))
      f.version = version(*ver, R"(\d+(\.\d+)*\S*)", "2.5.1");
    r.framework = f;
  }
  if (auto v = top.get("python_requirements")) {
    r.python_requirements = v->string();
    resolve_inside(*v, r.python_requirements, r.dir);
  }
  if (auto v = top.get("python_index")) {
    for (const YamlValue& item : v->items()) {
      std::string url = item.string();
      if (!url.starts_with("https://") && !url.starts_with("http://")) {
        item.fail(in_quotes(item.path()) + " is not an http(s) URL: " + in_quotes(url),
                  "write the index's URL, e.g. https://pypi.org/simple");
      }
      r.python_index.push_back(url);
    }
  }
  if (auto v = top.get("system_packages")) {
    for (const YamlValue& item : v->items()) {
      std::string package = item.string();
      if (!matches(package, R"([a-z0-9][a-z0-9+.-]+(=\S+)?)")) {
        item.fail(in_quotes(item.path()) + " is not a package name: " + in_quotes(package),
                  "write NAME or NAME=VERSION, e.g. libgomp1");
      }
      r.system_packages.push_back(package);
    }
  }
  if (auto v = top.get("model"))
    r.model = parse_content(*v, r.dir);
  if (auto v = top.get("code"))
    r.code = parse_content(*v, r.dir);
  if (auto v = top.get("env"))
    r.env = parse_env(*v);
  if (auto v = top.get("user")) {
    r.user = v->string_or_number();
    if (!matches(r.user, R"(\d+(:\d+)?)")) {
      v->fail(in_quotes(v->path()) + " must be a numeric uid or uid:gid: " + in_quotes(r.user),
              "Kubernetes can only check numeric users against runAsNonRoot; write user: 1000 "
              "or user: \"1000:1000\"");
    }
  }
  if (auto v = top.get("workdir"))
    r.workdir = image_path(*v);
  if (auto v = top.get("labels"))
    r.labels = string_map(*v);
  if (auto v = top.get("serve"))
    r.serve = parse_serve(*v);
  if (auto v = top.get("deploy")) {
    r.deploy = parse_deploy(*v);
    r.has_deploy = true;
  }
  if (auto v = top.get("layering"))
    r.layering = parse_layering(*v);

  if (r.deploy.gpu > 0 && (r.cuda.empty() || r.cuda == "cpu")) {
    throw InputError("deploy.gpu asks for " + std::to_string(r.deploy.gpu) +
                         " GPU(s) but the recipe sets no CUDA version" +
                         (r.cuda == "cpu" ? " (cuda is \"cpu\")" : ""),
                     "set cuda: \"12.4\" (the CUDA version the image is built for), or remove "
                     "deploy.gpu",
                     r.where("deploy.gpu"));
  }
  for (const NotSupportedYet& field : kNotSupportedYet) {
    if (top.has(field.key)) {
      throw InputError(in_quotes(field.key) + " is not supported yet", std::string(field.hint),
                       r.where(field.key));
    }
  }
  r.locations.erase("");
  return r;
}

Recipe load_recipe(const fs::path& file) {
  std::error_code ec;
  fs::path path = fs::is_directory(file, ec) ? file / "stowage.yaml" : file;
  if (!fs::exists(path, ec)) {
    throw InputError("recipe file not found",
                     "run stowage where stowage.yaml is, or give its path: stowage build "
                     "path/to/stowage.yaml",
                     SourceLocation{path.string(), 0, 0});
  }
  std::string text;
  try {
    text = read_file(path);
  } catch (const Error& e) {
    throw InputError("cannot read the recipe: " + e.reason(), "check the file's permissions",
                     SourceLocation{path.string(), 0, 0});
  }
  return parse_recipe(text, path);
}

std::vector<std::string> recipe_keys() {
  std::vector<std::string> out;
  add_keys(kRecipeKeys, "", out);
  return out;
}

}  // namespace stowage::recipes
