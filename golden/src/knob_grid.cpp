// The --grid parser of esact-eval (see esact/knob_grid.hpp).
#include "esact/knob_grid.hpp"

#include <map>
#include <sstream>
#include <stdexcept>

#include <fmt/format.h>

namespace esact {
namespace {

constexpr size_t kMaxGridPoints = 10000;  // each setting is a full SPLS run per sequence


std::vector<int> parse_list(const std::string& key, const std::string& v) {
  std::vector<int> out;
  std::stringstream ss(v);
  std::string item;
  while (std::getline(ss, item, ',')) {
    if (key == "ffn_reuse") {
      if (item == "on" || item == "1") out.push_back(1);
      else if (item == "off" || item == "0") out.push_back(0);
      else throw std::invalid_argument(fmt::format("--grid: ffn_reuse value '{}' is not on/off", item));
      continue;
    }
    size_t pos = 0;
    int x = 0;
    try {
      x = std::stoi(item, &pos);
    } catch (const std::exception&) {
      pos = 0;
    }
    if (pos == 0 || pos != item.size()) throw std::invalid_argument(fmt::format("--grid: '{}' in {} is not an integer", item, key));
    out.push_back(x);
  }
  if (out.empty()) throw std::invalid_argument(fmt::format("--grid: {} has no values", key));
  return out;
}

}  // namespace

std::vector<SplsKnobs> parse_grid(const std::string& g) {
  std::map<std::string, std::vector<int>> v{{"k", {}}, {"window", {}}, {"threshold", {}}, {"ffn_reuse", {}}};
  std::stringstream ss(g);
  std::string part;
  while (std::getline(ss, part, ';')) {
    if (part.empty()) continue;
    const auto eq = part.find('=');
    if (eq == std::string::npos) throw std::invalid_argument(fmt::format("--grid: '{}' is not key=v1,v2,...", part));
    const std::string key = part.substr(0, eq);
    if (!v.count(key)) throw std::invalid_argument(fmt::format("--grid: unknown key '{}' (k, window, threshold, ffn_reuse)", key));
    if (!v[key].empty()) throw std::invalid_argument(fmt::format("--grid: key '{}' given twice", key));
    v[key] = parse_list(key, part.substr(eq + 1));
  }
  for (auto& [key, vals] : v)
    if (vals.empty()) throw std::invalid_argument(fmt::format("--grid: missing {}", key));
  size_t points = 1;
  for (auto& [key, vals] : v) {
    points *= vals.size();
    if (points > kMaxGridPoints)
      throw std::invalid_argument(fmt::format("--grid: more than {} settings in the cross product", kMaxGridPoints));
  }
  std::vector<SplsKnobs> out;
  for (int k : v["k"])
    for (int w : v["window"])
      for (int t : v["threshold"])
        for (int f : v["ffn_reuse"]) out.push_back(SplsKnobs{k, w, t, f != 0});
  return out;
}

}  // namespace esact
