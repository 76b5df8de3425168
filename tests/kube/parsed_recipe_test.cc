// Recipes read by the real parser (recipes/), then turned into manifests: the fields and
// locations the parser records are the ones kube/ reads and reports.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "kube/manifests.h"
#include "recipes/recipe.h"
#include "tests/support/kube_fixtures.h"
#include "tests/support/temp_dir.h"

namespace fs = std::filesystem;
using nlohmann::json;
using namespace stowage::kube;
using namespace stowage::kube::testing;
using stowage::testing::TempDir;

namespace {

constexpr const char* kRecipe = R"(name: sentiment-api
python: "3.11"
cuda: "12.4"
model:
  - {src: models/, dst: /models}
code:
  - {src: app/, dst: /app}
user: "1000"
serve:
  command: [python3, -m, uvicorn, app.main:app, --host, 0.0.0.0, --port, "8080"]
  port: 8080
  health: /healthz
deploy:
  namespace: ml-serving
  replicas: 2
  gpu: 1
  resources: {cpu: "4", memory: 16Gi}
  shm: SHM
  autoscale: {min: 1, max: 4, cpu: 70}
  image_pull_secrets: [regcred]
  kserve: true
)";

stowage::recipes::Recipe parse(const TempDir& dir, const std::string& shm) {
  stowage::testing::write_text(dir / "models/weights.safetensors", "weights");
  stowage::testing::write_text(dir / "app/main.py", "app = None\n");
  std::string text = kRecipe;
  text.replace(text.find("SHM"), 3, shm);
  stowage::testing::write_text(dir / "stowage.yaml", text);
  return stowage::recipes::load_recipe(dir / "stowage.yaml");
}

}  // namespace

TEST_CASE("a parsed recipe gives valid manifests") {
  TempDir project, out;
  const auto recipe = parse(project, "2Gi");
  const auto files = generate_manifests(recipe, gpu_inputs(), Format::yaml, out / "k8s");
  std::vector<fs::path> paths;
  for (const auto& f : files)
    paths.push_back(out / "k8s" / f.name);
  const auto result = validate(paths);
  INFO(result.out << result.err);
  CHECK(result.exit_code == 0);

  const auto json_files = render_manifests(recipe, gpu_inputs(), Format::json);
  const auto deployment =
      std::find_if(json_files.begin(), json_files.end(),
                   [](const ManifestFile& f) { return f.name == "deployment.json"; });
  REQUIRE(deployment != json_files.end());
  const json pod = json::parse(deployment->content)["spec"]["template"]["spec"];
  CHECK(pod["containers"][0]["readinessProbe"]["httpGet"]["path"] == "/healthz");
  CHECK(pod["containers"][0]["resources"]["limits"]["nvidia.com/gpu"] == 1);
  CHECK(pod["imagePullSecrets"][0]["name"] == "regcred");
}

TEST_CASE("a problem only kube/ sees is reported at the recipe's line") {
  TempDir project;
  const auto recipe = parse(project, "32Gi");  // larger than the 16Gi memory limit
  try {
    render_manifests(recipe, gpu_inputs(), Format::yaml);
    FAIL("accepted");
  } catch (const stowage::InputError& e) {
    const std::string expected = (project / "stowage.yaml").string() + ":18:";
    INFO(e.what());
    CHECK(std::string(e.what()).rfind(expected, 0) == 0);
    CHECK(std::string(e.what()).find("deploy.shm") != std::string::npos);
  }
}
