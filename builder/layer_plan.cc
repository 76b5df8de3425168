#include "builder/layer_plan.h"

#include <algorithm>
#include <array>
#include <map>
#include <set>

#include "core/error.h"
#include "core/strings.h"

namespace stowage::builder {
namespace {

using layers::TarEntry;
using recipes::LayerClass;

bool is_file(const ContentItem& item) {
  return item.entry.type == TarEntry::Type::file;
}

// Every directory that content declares, so that a directory appearing as a parent in several
// layers is written with the same attributes each time.
std::map<std::string, ContentItem> declared_directories(const std::vector<ContentItem>& items) {
  std::map<std::string, ContentItem> dirs;
  for (const auto& item : items) {
    if (item.entry.type == TarEntry::Type::directory)
      dirs.emplace(item.entry.path, item);
  }
  return dirs;
}

// Adds the parent directories of every item (declared ones as declared, others 0755) and
// sorts bytewise by path, which puts parents first.
void complete_and_sort(std::vector<ContentItem>& items,
                       const std::map<std::string, ContentItem>& declared) {
  std::set<std::string> present;
  for (const auto& item : items)
    present.insert(item.entry.path);
  std::vector<ContentItem> parents;
  for (const auto& item : items) {
    std::string_view path = item.entry.path;
    for (auto slash = path.rfind('/'); slash != std::string_view::npos;
         slash = path.rfind('/', slash - 1)) {
      std::string parent(path.substr(0, slash));
      if (present.insert(parent).second) {
        if (auto it = declared.find(parent); it != declared.end()) {
          parents.push_back(it->second);
        } else {
          ContentItem dir;
          dir.layer_class = item.layer_class;
          dir.origin = item.origin;
          dir.entry.type = TarEntry::Type::directory;
          dir.entry.path = parent;
          dir.entry.mode = 0755;
          parents.push_back(dir);
        }
      }
      if (slash == 0)
        break;
    }
  }
  items.insert(items.end(), parents.begin(), parents.end());
  std::sort(items.begin(), items.end(),
            [](const ContentItem& a, const ContentItem& b) { return a.entry.path < b.entry.path; });
}

void summarise(PlannedLayer& layer) {
  layer.bytes = 0;
  layer.files = 0;
  for (const auto& item : layer.items) {
    if (is_file(item)) {
      layer.bytes += item.entry.size;
      ++layer.files;
    }
  }
}

layers::Compression choose_compression(const PlannedLayer& layer,
                                       const std::optional<layers::Compression>& forced) {
  if (forced)
    return *forced;
  std::int64_t dense = 0;
  for (const auto& item : layer.items) {
    if (is_file(item) && is_incompressible_name(item.entry.path))
      dense += item.entry.size;
  }
  // Mostly weights: compressing would burn CPU on both ends to save almost nothing.
  return layer.bytes > 0 && dense * 10 >= layer.bytes * 9 ? layers::Compression::none
                                                          : layers::Compression::zstd;
}

}  // namespace

bool is_incompressible_name(std::string_view filename) {
  static constexpr std::array<std::string_view, 17> kSuffixes{
      ".safetensors", ".bin", ".pt", ".pth", ".gguf", ".ggml", ".ckpt",   ".onnx",   ".h5",
      ".npz",         ".zip", ".gz", ".zst", ".xz",   ".bz2",  ".tflite", ".msgpack"};
  for (auto suffix : kSuffixes) {
    if (iends_with(filename, suffix))
      return true;
  }
  return false;
}

std::vector<PlannedLayer> plan_layers(std::vector<ContentItem> items, const PlanOptions& options) {
  auto declared = declared_directories(items);
  std::map<LayerClass, std::vector<ContentItem>> by_class;
  for (auto& item : items)
    by_class[item.layer_class].push_back(std::move(item));

  std::vector<PlannedLayer> plan;
  for (auto& [cls, class_items] : by_class) {
    // A unit is one item, or every item of a group (one wheel).
    struct Unit {
      std::string name;
      std::vector<ContentItem> items;
      std::int64_t bytes = 0;
      bool has_file = false;
    };
    std::vector<Unit> units;
    std::map<std::string, std::size_t> group_unit;
    for (auto& item : class_items) {
      Unit* unit = nullptr;
      if (item.group.empty()) {
        unit = &units.emplace_back(Unit{item.entry.path, {}, 0, false});
      } else {
        auto [it, inserted] = group_unit.emplace(item.group, units.size());
        if (inserted)
          units.push_back(Unit{item.group, {}, 0, false});
        unit = &units[it->second];
      }
      if (is_file(item)) {
        unit->bytes += item.entry.size;
        unit->has_file = true;
      }
      unit->items.push_back(std::move(item));
    }
    std::vector<Unit> big;
    std::vector<ContentItem> small;
    for (auto& unit : units) {
      if (unit.has_file && unit.bytes >= options.own_layer_threshold) {
        big.push_back(std::move(unit));
      } else {
        small.insert(small.end(), std::make_move_iterator(unit.items.begin()),
                     std::make_move_iterator(unit.items.end()));
      }
    }
    std::sort(big.begin(), big.end(), [](const Unit& a, const Unit& b) {
      return a.bytes != b.bytes ? a.bytes > b.bytes : a.name < b.name;
    });
    std::set<std::string> big_paths;
    for (auto& unit : big) {
      PlannedLayer layer;
      layer.layer_class = cls;
      layer.description = std::string(recipes::layer_class_name(cls)) + ": " + unit.name;
      for (const auto& item : unit.items)
        big_paths.insert(item.entry.path);
      layer.items = std::move(unit.items);
      plan.push_back(std::move(layer));
    }
    // A directory that is a parent of a big item is written in that item's layer anyway;
    // a bundle of nothing but such directories would be an empty-looking extra layer.
    std::erase_if(small, [&](const ContentItem& item) {
      if (item.entry.type != TarEntry::Type::directory)
        return false;
      std::string prefix = item.entry.path + "/";
      auto it = big_paths.lower_bound(prefix);
      return it != big_paths.end() && it->starts_with(prefix);
    });
    if (!small.empty()) {
      PlannedLayer layer;
      layer.layer_class = cls;
      layer.items = std::move(small);
      plan.push_back(std::move(layer));
    }
  }

  // Merge within a class until the budget holds.
  int budget_for_content = options.budget - options.base_layers - (options.reserve_meta ? 1 : 0);
  while (static_cast<int>(plan.size()) > std::max(budget_for_content, 0)) {
    std::size_t best_a = 0, best_b = 0;
    std::int64_t best_cost = -1;
    for (std::size_t i = 0; i < plan.size(); ++i) {
      for (std::size_t j = i + 1; j < plan.size(); ++j) {
        if (plan[i].layer_class != plan[j].layer_class)
          continue;
        std::int64_t cost = 0;
        for (const auto* l : {&plan[i], &plan[j]}) {
          for (const auto& item : l->items)
            cost += is_file(item) ? item.entry.size : 0;
        }
        if (best_cost < 0 || cost < best_cost) {
          best_cost = cost;
          best_a = i;
          best_b = j;
        }
      }
    }
    if (best_cost < 0) {
      throw InputError(
          "the image needs " +
              std::to_string(plan.size() + options.base_layers + (options.reserve_meta ? 1 : 0)) +
              " layers but the layer budget is " + std::to_string(options.budget),
          "raise layering.budget in the recipe (containerd accepts up to " +
              std::to_string(recipes::kMaxLayers) +
              "), or "
              "use a base image with fewer layers");
    }
    auto& into = plan[best_a];
    auto& from = plan[best_b];
    into.items.insert(into.items.end(), std::make_move_iterator(from.items.begin()),
                      std::make_move_iterator(from.items.end()));
    into.description.clear();
    plan.erase(plan.begin() + static_cast<std::ptrdiff_t>(best_b));
  }

  for (auto& layer : plan) {
    complete_and_sort(layer.items, declared);
    summarise(layer);
    if (layer.description.empty()) {
      layer.description = std::string(recipes::layer_class_name(layer.layer_class)) + " (" +
                          std::to_string(layer.files) + (layer.files == 1 ? " file)" : " files)");
    }
    layer.compression = choose_compression(layer, options.forced_compression);
  }
  return plan;
}

}  // namespace stowage::builder
