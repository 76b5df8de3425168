// The knowledge base: published facts, resolution, refusal and reports.
//
// Expected values are copied from the published tables, not from this code's output; each
// block cites the table row it checks.
#include "knowledge/knowledge.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "core/file.h"
#include "knowledge/knowledge_data.h"
#include "knowledge/knowledge_report.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

using namespace stowage;
using namespace stowage::recipes;
using namespace stowage::knowledge;

namespace {

const KnowledgeBase& kb() {
  return KnowledgeBase::builtin();
}

std::vector<std::string> v(std::initializer_list<const char*> items) {
  return {items.begin(), items.end()};
}

// The message an InputError carries, or "" when none was thrown.
template <typename F>
std::string input_error(F&& f) {
  try {
    f();
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("toolkit driver minimums match NVIDIA's Table 3") {
  // NVIDIA CUDA Toolkit Release Notes, Table 3 "CUDA Toolkit and Corresponding Driver
  // Versions", Linux x86_64 column (https://docs.nvidia.com/cuda/cuda-toolkit-release-notes/):
  struct Row {
    const char* cuda;
    const char* linux_driver;
  };
  const Row rows[] = {
      {"11.8", "520.61.05"},  // "CUDA 11.8 GA | >=520.61.05"
      {"12.0", "525.60.13"},  // "CUDA 12.0 GA | >=525.60.13"
      {"12.1", "530.30.02"},  // "CUDA 12.1 GA | >=530.30.02"
      {"12.2", "535.54.03"},  // "CUDA 12.2 GA | >=535.54.03"
      {"12.3", "545.23.06"},  // "CUDA 12.3 GA | >=545.23.06"
      {"12.4", "550.54.14"},  // "CUDA 12.4 GA | >=550.54.14"
      {"12.5", "555.42.02"},  // "CUDA 12.5 GA | >=555.42.02"
      {"12.6", "560.28.03"},  // "CUDA 12.6 GA | >=560.28.03"
      {"12.8", "570.26"},     // "CUDA 12.8 GA | >=570.26"
      {"12.9", "575.51.03"},  // "CUDA 12.9 GA | >=575.51.03"
      {"13.0", "580.65.06"},  // "CUDA 13.0 GA | >=580.65.06"
  };
  for (const auto& row : rows) {
    INFO("CUDA " << row.cuda);
    DriverRequirement d = kb().driver_requirement(row.cuda);
    CHECK(d.toolkit_minimum == row.linux_driver);
    CHECK(d.cuda == row.cuda);
  }
  CHECK(kb().driver_requirement("12.4").toolkit_minimum_major == 550);
}

TEST_CASE("minor-version-compatibility minimums match NVIDIA's Table 2") {
  // Release notes Table 2 / CUDA Compatibility guide: "CUDA 12.x >=525.60.13",
  // "CUDA 11.x >= 450.80.02" (Tesla Recommended Driver, footnote), "CUDA 13.x >= 580".
  CHECK(kb().driver_requirement("12.4").minimum == "525.60.13");
  CHECK(kb().driver_requirement("12.9").minimum == "525.60.13");
  CHECK(kb().driver_requirement("11.8").minimum == "450.80.02");
  CHECK(kb().driver_requirement("13.0").minimum == "580");
  CHECK(kb().driver_requirement("12.4").minimum_major == 525);
  DriverRequirement major_only = kb().driver_requirement("12");
  CHECK(major_only.minimum == "525.60.13");
  CHECK(major_only.toolkit_minimum.empty());
}

TEST_CASE("PyTorch CUDA builds match PyTorch's published tables") {
  // PyTorch RELEASE.md "Release Compatibility Matrix" (stable + experimental CUDA columns) and
  // https://pytorch.org/get-started/previous-versions/ ("# CUDA 11.8 ... --index-url .../cu118"):
  //   2.4 | CUDA 11.8, CUDA 12.1 | CUDA 12.4
  CHECK(kb().cuda_builds("pytorch", "2.4.1") == v({"11.8", "12.1", "12.4", "cpu"}));
  //   2.5 | CUDA 11.8, CUDA 12.1, CUDA 12.4 | None
  CHECK(kb().cuda_builds("pytorch", "2.5.1") == v({"11.8", "12.1", "12.4", "cpu"}));
  //   2.6 | CUDA 11.8, CUDA 12.4 | CUDA 12.6
  CHECK(kb().cuda_builds("pytorch", "2.6.0") == v({"11.8", "12.4", "12.6", "cpu"}));
  //   2.7 | CUDA 11.8, CUDA 12.6 | CUDA 12.8
  CHECK(kb().cuda_builds("pytorch", "2.7.1") == v({"11.8", "12.6", "12.8", "cpu"}));
  //   2.8 | CUDA 12.6, CUDA 12.8 | CUDA 12.9
  CHECK(kb().cuda_builds("torch", "2.8.0") == v({"12.6", "12.8", "12.9", "cpu"}));
  //   2.9 | CUDA 12.6, CUDA 12.8 | CUDA 13.0  (previous-versions v2.9.1: cu126, cu128, cu130)
  CHECK(kb().cuda_builds("pytorch", "2.9.1") == v({"12.6", "12.8", "13.0", "cpu"}));
  //   previous-versions v2.5.1: "pip install torch==2.5.1 torchvision==0.20.1 torchaudio==2.5.1
  //   --index-url https://download.pytorch.org/whl/cu124"
  CHECK(kb().wheel_index("pytorch", "2.5.1", "12.4") == "https://download.pytorch.org/whl/cu124");
  Resolution r = kb().resolve("pytorch", "2.5.1", "12.4", "3.11");
  CHECK(r.companions ==
        std::map<std::string, std::string>{{"torchaudio", "2.5.1"}, {"torchvision", "0.20.1"}});
  //   previous-versions v2.9.1: torchvision==0.24.1 torchaudio==2.9.1, cu130 index
  CHECK(kb().wheel_index("pytorch", "2.9.1", "13.0") == "https://download.pytorch.org/whl/cu130");
  // RELEASE.md Python column: 2.9 ">=3.10, <=(3.14, ...)", 2.4 ">=3.8, <=3.12".
  CHECK(kb().python_supported("pytorch", "2.9.1", "3.14"));
  CHECK_FALSE(kb().python_supported("pytorch", "2.9.1", "3.9"));
  CHECK(kb().python_supported("pytorch", "2.4.1", "3.8"));
  CHECK_FALSE(kb().python_supported("pytorch", "2.4.1", "3.13"));
}

TEST_CASE("other frameworks match their published tables") {
  // tensorflow.org/install/source#gpu: "tensorflow-2.17.0 | 3.9-3.12 | ... | 8.9 | 12.3",
  // "tensorflow-2.14.0 | 3.9-3.11 | ... | 8.7 | 11.8".
  Resolution tf = kb().resolve("tensorflow", "2.17.0", "", "");
  CHECK(tf.cuda == "12.3");
  CHECK(tf.cudnn == "8.9");
  CHECK(kb().cuda_builds("tensorflow", "2.14.0") == v({"11.8"}));
  // onnxruntime.ai CUDA EP requirements: "1.20.x | 12.x | 9.x" and CUDA 11.x table "1.18.x |
  // 11.8 | 8.x | Available in PyPI."
  CHECK(kb().wheel_index("onnxruntime", "1.20.1", "12.4") == "https://pypi.org/simple");
  CHECK(kb().resolve("onnxruntime-gpu", "1.20.1", "12.6", "").cudnn == "9.x");
  CHECK(kb().cuda_builds("onnxruntime", "1.18.0") == v({"11.8"}));
}

TEST_CASE("resolution picks what the tables allow") {
  struct Case {
    const char* framework;
    const char* version;
    const char* cuda;
    const char* python;
    const char* want_cuda;
    const char* want_python;
    const char* want_index;
  };
  const Case cases[] = {
      // No cuda: the newest stable build (2.5: 12.4; 2.9: 12.8, since 13.0 is experimental).
      {"pytorch", "2.5.1", "", "", "12.4", "3.11", "https://download.pytorch.org/whl/cu124"},
      {"pytorch", "2.9.1", "", "", "12.8", "3.11", "https://download.pytorch.org/whl/cu128"},
      {"pytorch", "2.11.0", "", "3.12", "13.0", "3.12", "https://download.pytorch.org/whl/cu130"},
      {"pytorch", "2.4.1", "cpu", "", "cpu", "3.11", "https://download.pytorch.org/whl/cpu"},
      {"pytorch", "2.6.0", "11.8", "3.9", "11.8", "3.9", "https://download.pytorch.org/whl/cu118"},
      // The default Python clamps to the supported range.
      {"tensorflow", "2.12.0", "", "", "11.8", "3.11", "https://pypi.org/simple"},
      // Minor-compatible builds: "12.x" accepts any 12 minor; without cuda only the major.
      {"onnxruntime", "1.19.2", "12.4", "", "12.4", "3.11", "https://pypi.org/simple"},
      {"onnxruntime", "1.19.2", "", "", "12", "3.11", "https://pypi.org/simple"},
      {"jax", "0.4.30", "", "3.12", "12", "3.12", "https://pypi.org/simple"},
  };
  for (const auto& c : cases) {
    INFO(c.framework << " " << c.version << " cuda=" << c.cuda << " python=" << c.python);
    Resolution r = kb().resolve(c.framework, c.version, c.cuda, c.python);
    CHECK(r.cuda == c.want_cuda);
    CHECK(r.cuda_chosen == (std::string(c.cuda).empty()));
    CHECK(r.python == c.want_python);
    CHECK(r.wheel_index == c.want_index);
    CHECK(r.base_image == "docker.io/library/python:" + r.python + "-slim");
    CHECK(r.driver.has_value() == (r.cuda != "cpu"));
  }
  // onnxruntime 1.19 without cuda: only the minor-compatibility floor is known.
  Resolution ort = kb().resolve("onnxruntime", "1.19.2", "", "");
  CHECK(ort.driver->minimum == "525.60.13");
  CHECK(ort.driver->toolkit_minimum.empty());
}

TEST_CASE("impossible combinations are refused with the alternatives") {
  struct Case {
    const char* framework;
    const char* version;
    const char* cuda;
    const char* python;
    const char* expect;
  };
  const Case cases[] = {
      {"pytorch", "2.4.1", "12.6", "",
       "pytorch 2.4.1 has no CUDA 12.6 build (choose 11.8, 12.1, 12.4 or cpu)"},
      {"pytorch", "2.8.0", "11.8", "",
       "pytorch 2.8.0 has no CUDA 11.8 build (choose 12.6, 12.8, "
       "12.9 or cpu)"},
      {"tensorflow", "2.17.0", "12.4", "",
       "tensorflow 2.17.0 has no CUDA 12.4 build (choose 12.3)"},
      {"tensorflow", "2.17.0", "cpu", "", "tensorflow 2.17.0 has no CPU build (choose 12.3)"},
      {"onnxruntime", "1.20.0", "11.8", "",
       "onnxruntime 1.20.0 has no CUDA 11.8 build (choose 12.x)"},
      {"pytorch", "2.9.1", "12.8", "3.9",
       "pytorch 2.9.1 does not support Python 3.9 (choose a Python from 3.10 to 3.14)"},
      {"pytorch", "1.0.0", "", "", "pytorch 1.0.0 is not in the knowledge base (known versions: "},
      {"mxnet", "1.9.1", "", "",
       "unknown framework \"mxnet\" (choose pytorch, tensorflow, jax or "
       "onnxruntime)"},
      {"", "", "12.7", "",
       "unknown CUDA version \"12.7\" (known CUDA versions: 11.8, 12.0, 12.1, "},
  };
  for (const auto& c : cases) {
    INFO(c.framework << " " << c.version << " cuda=" << c.cuda << " python=" << c.python);
    std::string message =
        input_error([&] { kb().resolve(c.framework, c.version, c.cuda, c.python); });
    CHECK_THAT(message, Catch::Contains(c.expect));
  }
}

TEST_CASE("a recipe resolves its base image and carries field locations into errors") {
  Recipe recipe;
  recipe.file = "stowage.yaml";
  recipe.framework = Framework{"pytorch", "2.4.1"};
  recipe.cuda = "12.4";
  recipe.deploy.gpu = 2;
  recipe.locations["cuda"] = SourceLocation{"stowage.yaml", 4, 7};
  recipe.locations["framework.version"] = SourceLocation{"stowage.yaml", 5, 33};

  SECTION("no base: a slim Python image, CUDA from wheels") {
    Resolution r = kb().resolve(recipe);
    CHECK(r.base_image == "docker.io/library/python:3.11-slim");
    CHECK(r.base_chosen);
    CHECK_FALSE(r.cuda_in_base);
    CHECK(r.gpus == 2);
    CHECK(r.driver->toolkit_minimum == "550.54.14");
  }
  SECTION("base nvidia/cuda: the runtime image of the CUDA version") {
    // nvidia/cuda tag 12.4.1-runtime-ubuntu22.04 ships CUDA 12.4 Update 1; Table 3:
    // "CUDA 12.4 Update 1 | >=550.54.15".
    recipe.base = "nvidia/cuda";
    Resolution r = kb().resolve(recipe);
    CHECK(r.base_image == "docker.io/nvidia/cuda:12.4.1-runtime-ubuntu22.04");
    CHECK(r.cuda_in_base);
    CHECK(r.driver->toolkit_minimum == "550.54.15");
    recipe.base = "docker.io/nvidia/cuda:cudnn-runtime";
    CHECK(kb().resolve(recipe).base_image ==
          "docker.io/nvidia/cuda:12.4.1-cudnn-runtime-ubuntu22.04");
  }
  SECTION("base nvidia/cuda without an image for the CUDA version") {
    recipe.cuda = "12.1";
    recipe.framework = Framework{"pytorch", "2.5.1"};
    recipe.base = "nvidia/cuda:base";
    CHECK(kb().resolve(recipe).base_image == "docker.io/nvidia/cuda:12.1.1-base-ubuntu22.04");
    recipe.cuda = "12.2";
    recipe.framework.reset();
    recipe.locations["base"] = SourceLocation{"stowage.yaml", 2, 7};
    CHECK_THAT(input_error([&] { kb().resolve(recipe); }),
               Catch::StartsWith("stowage.yaml:2:7: no nvidia/cuda image is known for CUDA 12.2"));
  }
  SECTION("an explicit base is kept") {
    recipe.base = "ghcr.io/acme/base:1";
    Resolution r = kb().resolve(recipe);
    CHECK(r.base_image == "ghcr.io/acme/base:1");
    CHECK_FALSE(r.base_chosen);
  }
  SECTION("errors point at the field") {
    recipe.cuda = "12.6";
    CHECK_THAT(input_error([&] { kb().resolve(recipe); }),
               Catch::StartsWith("stowage.yaml:4:7: pytorch 2.4.1 has no CUDA 12.6 build"));
    recipe.cuda = "";
    recipe.framework = Framework{"pytorch", "0.1"};
    CHECK_THAT(input_error([&] { kb().resolve(recipe); }),
               Catch::StartsWith("stowage.yaml:5:33: pytorch 0.1 is not in the knowledge base"));
  }
}

TEST_CASE("the embedded document is the data file in the source tree") {
  const std::string on_disk = read_file(testing::source_dir() / "knowledge/data/frameworks.json");
  CHECK(embedded_frameworks_json() == on_disk);
  CHECK(kb().schema_version() == 1);
}

TEST_CASE("a malformed document is refused") {
  CHECK_THROWS_AS(KnowledgeBase::parse("{"), Error);
  CHECK_THROWS_WITH(KnowledgeBase::parse(R"({"schema_version": 2})"),
                    Catch::Contains("schema_version 2 is not supported"));
  CHECK_THROWS_WITH(KnowledgeBase::parse(R"({"schema_version": 1})"),
                    Catch::Contains("has no \"sources\""));
}

TEST_CASE("frameworks and doctor reports") {
  const std::string all = frameworks_text(kb());
  CHECK_THAT(all, Catch::Contains("  2.4.1: cuda 11.8, cuda 12.1, cuda 12.4 [experimental], cpu; "
                                  "python 3.8-3.12; torchaudio 2.4.1; torchvision 0.19.1\n"));
  CHECK_THAT(all, Catch::Contains("  12.4: >= 550.54.14 / >= 525.60.13; image "
                                  "nvidia/cuda:12.4.1-runtime-ubuntu22.04\n"));
  const std::string one = frameworks_text(kb(), "torch");
  CHECK_THAT(one, Catch::StartsWith("pytorch (torch)\n"));
  CHECK_THAT(one, !Catch::Contains("tensorflow"));
  CHECK_THAT(input_error([] { frameworks_text(kb(), "caffe"); }),
             Catch::Contains("unknown framework \"caffe\""));

  nlohmann::json j = frameworks_json(kb(), "onnxruntime");
  REQUIRE(j["frameworks"].size() == 1);
  CHECK(j["frameworks"][0]["package"] == "onnxruntime-gpu");
  CHECK_FALSE(j.contains("cuda"));
  CHECK(frameworks_json(kb())["cuda"].size() == kb().cuda_versions().size());

  Recipe recipe;
  recipe.file = "stowage.yaml";
  recipe.framework = Framework{"pytorch", "2.5.1"};
  recipe.deploy.gpu = 1;
  Resolution r = kb().resolve(recipe);
  const std::string text = doctor_text(r);
  CHECK_THAT(text, Catch::Contains("framework:   pytorch 2.5.1 (torch)\n"));
  CHECK_THAT(text, Catch::Contains("cuda:        12.4 (chosen)\n"));
  CHECK_THAT(text, Catch::Contains("wheel index: https://download.pytorch.org/whl/cu124\n"));
  CHECK_THAT(text, Catch::Contains("base image:  docker.io/library/python:3.11-slim (chosen)\n"));
  CHECK_THAT(text, Catch::Contains("node:        NVIDIA driver >= 525.60.13 (minor-version "
                                   "compatibility), >= 550.54.14 for full CUDA 12.4; 1 GPU\n"));
  nlohmann::json d = doctor_json(r);
  CHECK(d["driver"]["minimum_major"] == 525);
  CHECK(d["wheel_index"] == "https://download.pytorch.org/whl/cu124");
  CHECK(d["gpus"] == 1);
}

TEST_CASE("versions compare numerically") {
  CHECK(compare_versions("2.10.0", "2.9.1") > 0);
  CHECK(compare_versions("570.26", "570.124.06") < 0);
  CHECK(compare_versions("12.4", "12.4.0") == 0);
}

TEST_CASE("scripts/check-knowledge rejects a broken data file") {
  testing::TempDir dir;
  std::string text = read_file(testing::source_dir() / "knowledge/data/frameworks.json");
  // A build that names a CUDA version with no driver entry breaks a consistency rule.
  REQUIRE(text.find("\"cuda\": \"12.9\"") != std::string::npos);
  text.replace(text.find("\"cuda\": \"12.9\""), 14, "\"cuda\": \"12.7\"");
  testing::write_text(dir / "frameworks.json", text);
  const std::string script = (testing::source_dir() / "scripts/check-knowledge").string();
  auto bad = testing::run({"python3", script, (dir / "frameworks.json").string()});
  CHECK(bad.exit_code == 1);
  CHECK_THAT(bad.err, Catch::Contains("12.7"));
  auto good = testing::run({"python3", script});
  CHECK(good.exit_code == 0);
}
