// docs/stowage.schema.json agrees with the parser: the same keys, and it accepts the recipes
// the parser accepts and refuses the typical mistakes the parser refuses. Validation is done by
// the jsonschema Python package (Debian's python3-jsonschema), not by code written here.
#include <algorithm>
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "core/file.h"
#include "recipes/recipe.h"
#include "tests/support/process.h"
#include "tests/support/recipe_dir.h"
#include "tests/support/temp_dir.h"

namespace fs = std::filesystem;
using nlohmann::json;
using stowage::InputError;
using stowage::recipes::recipe_keys;
using stowage::recipes::testing::example;
using stowage::recipes::testing::RecipeDir;
using stowage::testing::source_dir;

namespace {

json load_schema() {
  return json::parse(stowage::read_file(source_dir() / "docs/stowage.schema.json"));
}

// "model[].src" → "model.src": a content key may be one mapping or a list of them.
std::string without_list_marks(std::string path) {
  for (std::size_t at; (at = path.find("[]")) != std::string::npos;)
    path.erase(at, 2);
  return path;
}

const json& resolve(const json& root, const json& node) {
  if (node.contains("$ref")) {
    std::string ref = node["$ref"];
    REQUIRE(ref.starts_with("#/$defs/"));
    return root["$defs"][ref.substr(8)];
  }
  return node;
}

// Every property path the schema describes, the way recipe_keys() spells them.
void collect(const json& root, const json& node, const std::string& prefix,
             std::set<std::string>& out) {
  const json& n = resolve(root, node);
  if (n.contains("properties")) {
    for (const auto& [key, sub] : n["properties"].items()) {
      std::string path = prefix.empty() ? key : prefix + "." + key;
      out.insert(path);
      collect(root, sub, path, out);
    }
  }
  if (n.contains("items") && n["items"].is_object())
    collect(root, n["items"], prefix, out);
  for (const char* alternatives : {"oneOf", "anyOf"}) {
    if (!n.contains(alternatives))
      continue;
    for (const json& alt : n[alternatives])
      collect(root, alt, prefix, out);
  }
}

// The YAML block under the "## A complete example" heading of docs/recipe.md.
std::string documented_example() {
  std::string doc = stowage::read_file(source_dir() / "docs/recipe.md");
  std::size_t heading = doc.find("## A complete example");
  REQUIRE(heading != std::string::npos);
  std::size_t start = doc.find("```yaml\n", heading);
  REQUIRE(start != std::string::npos);
  start += 8;
  std::size_t end = doc.find("```", start);
  REQUIRE(end != std::string::npos);
  return doc.substr(start, end - start);
}

// Runs the jsonschema validator on each recipe text; one verdict line per recipe.
std::vector<std::string> validate(const std::vector<std::string>& recipes) {
  stowage::testing::TempDir tmp;
  std::vector<std::string> argv{"python3",
                                (source_dir() / "tests/recipes/validate_schema.py").string(),
                                (source_dir() / "docs/stowage.schema.json").string()};
  for (std::size_t i = 0; i < recipes.size(); ++i) {
    fs::path file = tmp / ("recipe" + std::to_string(i) + ".yaml");
    stowage::testing::write_text(file, recipes[i]);
    argv.push_back(file.string());
  }
  std::istringstream out(stowage::testing::run_ok(argv));
  std::vector<std::string> verdicts;
  for (std::string line; std::getline(out, line);)
    verdicts.push_back(line);
  REQUIRE(verdicts.size() == recipes.size());
  return verdicts;
}

}  // namespace

TEST_CASE("the schema's properties are exactly the parser's keys") {
  json schema = load_schema();
  std::set<std::string> from_schema;
  collect(schema, schema, "", from_schema);
  std::set<std::string> from_parser;
  for (const std::string& key : recipe_keys())
    from_parser.insert(without_list_marks(key));
  CHECK(from_schema == from_parser);
  CHECK(from_parser.size() > 40);
}

TEST_CASE("the documented complete example is a valid recipe") {
  RecipeDir dir;
  stowage::recipes::Recipe r = dir.parse(documented_example());
  CHECK(r.name == "sentiment-api");
  CHECK(r.has_deploy);
}

TEST_CASE("the schema accepts the recipes the parser accepts") {
  std::vector<std::string> recipes{example("full.yaml"), example("minimal.yaml"),
                                   example("cpu.yaml"), documented_example()};
  for (const std::string& verdict : validate(recipes))
    CHECK(verdict == "valid");
}

TEST_CASE("the schema refuses the mistakes the parser refuses") {
  std::vector<std::string> mistakes{
      "base: scratch\n",                                         // no name
      "name: demo\nmodle: []\n",                                 // unknown key
      "name: Demo_API\n",                                        // not DNS-1123
      "name: demo\ndeploy: {resources: {memory: 16GB}}\n",       // not a quantity
      "name: demo\nserve: {command: python3 app.py}\n",          // command as a string
      "name: demo\nserve: {port: 70000}\n",                      // port out of range
      "name: demo\nenv: {DEBUG: yes}\n",                         // env value not a string
      "name: demo\npython: 3.10\n",                              // version as a number
      "name: demo\ncode: [{src: app/, dst: app}]\n",             // relative dst
      "name: demo\ncode: [{src: app/, dst: /a/../b}]\n",         // dst with ..
      "name: demo\ncode: [{dst: /app}]\n",                       // no src
      "name: demo\nmodel: {src: models/, dst: /m, class: x}\n",  // unknown class
      "name: demo\ndeploy: {service_type: clusterip}\n",         // unknown Service type
      "name: demo\ndeploy: {autoscale: {min: 1}}\n",             // autoscale without max
      "name: demo\nlayering: {own_layer_threshold: 64MB}\n",     // not a size
      "name: demo\nuser: app\n",                                 // non-numeric user
  };
  std::vector<std::string> verdicts = validate(mistakes);
  RecipeDir dir;
  for (std::size_t i = 0; i < mistakes.size(); ++i) {
    CAPTURE(mistakes[i]);
    CHECK(verdicts[i].starts_with("invalid: "));
    CHECK_THROWS_AS(dir.parse(mistakes[i]), InputError);
  }
}
