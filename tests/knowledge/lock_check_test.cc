// Lock checks against the recipe's CUDA, and the layer class of Python distributions.
#include <catch2/catch.hpp>

#include "knowledge/python_packages.h"

using namespace stowage;
using namespace stowage::recipes;
using namespace stowage::knowledge;

namespace {

Pin pin(std::string name, std::string version, std::optional<std::uint64_t> size = std::nullopt,
        int line = 0) {
  Pin p{std::move(name), std::move(version), size, std::nullopt};
  if (line > 0)
    p.where = SourceLocation{"requirements.lock", line, 1};
  return p;
}

std::string input_error(const std::vector<Pin>& pins, std::string_view cuda, bool in_base) {
  try {
    check_lock(pins, cuda, in_base);
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("a torch build for another CUDA is refused at its lock line") {
  const std::vector<Pin> lock = {pin("numpy", "2.1.0"), pin("torch", "2.5.1+cu121", {}, 7)};
  CHECK(input_error(lock, "12.4", false) ==
        "requirements.lock:7:1: the lock pins torch==2.5.1+cu121, a CUDA 12.1 build, but the "
        "recipe's cuda is 12.4 (re-lock against the index for CUDA 12.4, or change cuda: to "
        "match the lock)");
  CHECK(input_error(lock, "12.1", false).empty());
  CHECK_THAT(input_error({pin("TorchVision", "0.20.1+cpu")}, "12.4", false),
             Catch::Contains("a CPU build"));
  CHECK_THAT(input_error({pin("torch", "2.5.1+cu124")}, "cpu", false),
             Catch::Contains("a CUDA 12.4 build, but the recipe's cuda is cpu"));
  CHECK(input_error({pin("torch", "2.5.1+cpu")}, "cpu", false).empty());
  // A major-only CUDA (minor-compatible builds) accepts any build of that major.
  CHECK(input_error({pin("torch", "2.8.0+cu128")}, "12", false).empty());
  CHECK_FALSE(input_error({pin("torch", "2.8.0+cu118")}, "12", false).empty());
  // Without a local version the lock does not say which build it is.
  CHECK(input_error({pin("torch", "2.5.1")}, "11.8", false).empty());
}

TEST_CASE("nvidia-* wheels of another CUDA major are refused") {
  CHECK(input_error({pin("nvidia-cublas-cu11", "11.11.3.6", {}, 3)}, "12.4", false) ==
        "requirements.lock:3:1: the lock pins nvidia-cublas-cu11==11.11.3.6, a CUDA 11 library, "
        "but the recipe's cuda is 12.4 (re-lock so every nvidia-* wheel is a CUDA 12 one, or "
        "change cuda: to match)");
  CHECK(input_error({pin("nvidia_cudnn_cu12", "9.1.0.70")}, "12.4", false).empty());
  // CUDA 13 runtime wheels carry no suffix; their version is the CUDA version.
  CHECK_THAT(input_error({pin("nvidia-cuda-runtime", "13.0.96")}, "12.8", false),
             Catch::Contains("a CUDA 13 library"));
  CHECK(input_error({pin("nvidia-cuda-runtime", "13.0.96")}, "13.0", false).empty());
  // cuDNN's own version says nothing about CUDA.
  CHECK(input_error({pin("nvidia-cudnn-cu13", "9.13.0.50")}, "13.0", false).empty());
}

TEST_CASE("CUDA twice: the warning states the bytes wasted") {
  const std::vector<Pin> lock = {
      pin("torch", "2.5.1+cu124", 900000000), pin("nvidia-cublas-cu12", "12.4.5.8", 363400000),
      pin("nvidia-cudnn-cu12", "9.1.0.70", 664800000), pin("nvidia-ml-py", "12.560.30", 40000)};
  auto warnings = check_lock(lock, "12.4", true);
  REQUIRE(warnings.size() == 1);
  CHECK_THAT(warnings[0], Catch::Contains("CUDA is installed twice"));
  // 363400000 + 664800000 bytes; nvidia-ml-py is Python bindings, not CUDA.
  CHECK_THAT(warnings[0], Catch::Contains("2 nvidia-* CUDA wheels"));
  CHECK_THAT(warnings[0], Catch::Contains("980.6 MiB (1028200000 bytes)"));
  CHECK(check_lock(lock, "12.4", false).empty());

  auto partly = check_lock(
      {pin("nvidia-nccl-cu12", "2.21.5", 201300000), pin("nvidia-cufft-cu12", "11.2.1.3")}, "12.4",
      true);
  REQUIRE(partly.size() == 1);
  CHECK_THAT(partly[0], Catch::Contains("at least 192.0 MiB (201300000 bytes; 1 sizes unknown)"));
  auto unknown = check_lock({pin("nvidia-nccl-cu12", "2.21.5")}, "12.4", true);
  CHECK_THAT(unknown[0], Catch::Contains("an unknown number of bytes"));

  auto cpu = check_lock({pin("nvidia-nccl-cu12", "2.21.5", 1048576)}, "cpu", false);
  REQUIRE(cpu.size() == 1);
  CHECK_THAT(cpu[0], Catch::Contains("CPU-only"));
}

TEST_CASE("distributions are classified by layer class") {
  struct Row {
    const char* name;
    LayerClass want;
  };
  const Row rows[] = {
      {"nvidia-cublas-cu12", LayerClass::accelerator},
      {"nvidia_cudnn_cu12", LayerClass::accelerator},
      {"NVIDIA.NCCL-cu12", LayerClass::accelerator},
      {"nvidia-cuda-runtime", LayerClass::accelerator},
      {"cuda-bindings", LayerClass::accelerator},
      {"nvidia-ml-py", LayerClass::dependencies},
      {"torch", LayerClass::framework},
      {"TorchVision", LayerClass::framework},
      {"torchaudio", LayerClass::framework},
      {"triton", LayerClass::framework},
      {"tensorflow", LayerClass::framework},
      {"tensorflow_io_gcs_filesystem", LayerClass::framework},
      {"jax", LayerClass::framework},
      {"jaxlib", LayerClass::framework},
      {"jax-cuda12-plugin", LayerClass::framework},
      {"jax_cuda13_pjrt", LayerClass::framework},
      {"onnxruntime-gpu", LayerClass::framework},
      {"onnxruntime", LayerClass::framework},
      {"numpy", LayerClass::dependencies},
      {"jax-cudax-plugin", LayerClass::dependencies},
      {"torchmetrics", LayerClass::dependencies},
      {"tensorboard", LayerClass::dependencies},
  };
  for (const auto& row : rows) {
    INFO(row.name);
    CHECK(classify_distribution(row.name) == row.want);
  }
}

TEST_CASE("names are normalised per PEP 503") {
  CHECK(normalize_distribution_name("Friendly-Bard") == "friendly-bard");
  CHECK(normalize_distribution_name("FRIENDLY_BARD") == "friendly-bard");
  CHECK(normalize_distribution_name("friendly.bard") == "friendly-bard");
  CHECK(normalize_distribution_name("friendly--._bard") == "friendly-bard");
  CHECK(normalize_distribution_name("torch") == "torch");
}
