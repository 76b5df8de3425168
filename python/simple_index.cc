#include "python/simple_index.h"

#include <charconv>
#include <map>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/strings.h"
#include "knowledge/python_packages.h"
#include "net/url.h"
#include "python/index_fetch.h"

namespace stowage::python {
namespace fs = std::filesystem;

namespace {

// The code point of a numeric character reference ("#233", "#xE9"), or nullopt when it is not
// one or names no valid character (pages are untrusted: "&#x;" or "&#99999999999;" stay text).
std::optional<std::uint32_t> character_reference(std::string_view entity) {
  if (!entity.starts_with('#'))
    return std::nullopt;
  int base = 10;
  entity.remove_prefix(1);
  if (entity.starts_with('x') || entity.starts_with('X')) {
    base = 16;
    entity.remove_prefix(1);
  }
  std::uint32_t code = 0;
  auto [end, ec] = std::from_chars(entity.data(), entity.data() + entity.size(), code, base);
  if (entity.empty() || ec != std::errc() || end != entity.data() + entity.size() || code == 0 ||
      code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) {
    return std::nullopt;
  }
  return code;
}

void append_utf8(std::string& out, std::uint32_t code) {
  if (code < 0x80) {
    out += static_cast<char>(code);
  } else if (code < 0x800) {
    out += static_cast<char>(0xC0 | (code >> 6));
    out += static_cast<char>(0x80 | (code & 0x3F));
  } else if (code < 0x10000) {
    out += static_cast<char>(0xE0 | (code >> 12));
    out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (code >> 18));
    out += static_cast<char>(0x80 | ((code >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code & 0x3F));
  }
}

std::string html_unescape(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '&') {
      out += s[i];
      continue;
    }
    auto end = s.find(';', i);
    if (end == std::string_view::npos || end - i > 10) {
      out += s[i];
      continue;
    }
    std::string_view entity = s.substr(i + 1, end - i - 1);
    if (entity == "amp")
      out += '&';
    else if (entity == "lt")
      out += '<';
    else if (entity == "gt")
      out += '>';
    else if (entity == "quot")
      out += '"';
    else if (entity == "apos")
      out += '\'';
    else if (auto code = character_reference(entity)) {
      append_utf8(out, *code);
    } else {
      out += s.substr(i, end - i + 1);
    }
    i = end;
  }
  return out;
}

// Splits "https://h/f.whl#sha256=ab…" into the URL and a sha256 from its fragment.
std::pair<std::string, std::optional<std::string>> split_fragment(const std::string& href) {
  auto hash = href.find('#');
  if (hash == std::string::npos)
    return {href, std::nullopt};
  std::string fragment = href.substr(hash + 1);
  std::optional<std::string> sha;
  if (fragment.starts_with("sha256="))
    sha = fragment.substr(7);
  return {href.substr(0, hash), sha};
}

std::string filename_of(const std::string& url) {
  std::string path = url.substr(0, url.find_first_of("?#"));
  return percent_decode(path.substr(path.rfind('/') + 1));
}

bool name_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
}

// The attributes of one tag ("href", "data-yanked"), names lower-cased, values unescaped.
// A bare attribute has an empty value.
std::map<std::string, std::string> attributes(std::string_view s) {
  std::map<std::string, std::string> out;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && !name_char(s[i]))
      ++i;
    std::size_t start = i;
    while (i < s.size() && name_char(s[i]))
      ++i;
    if (start == i)
      break;
    std::string name = to_lower(s.substr(start, i - start));
    while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i])))
      ++i;
    std::string value;
    if (i < s.size() && s[i] == '=') {
      ++i;
      while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i])))
        ++i;
      if (i < s.size() && (s[i] == '"' || s[i] == '\'')) {
        char quote = s[i++];
        std::size_t end = s.find(quote, i);
        if (end == std::string_view::npos)
          end = s.size();
        value = html_unescape(s.substr(i, end - i));
        i = end + 1;
      } else {
        std::size_t v = i;
        while (i < s.size() && !std::isspace(static_cast<unsigned char>(s[i])))
          ++i;
        value = html_unescape(s.substr(v, i - v));
      }
    }
    out.emplace(std::move(name), std::move(value));
  }
  return out;
}

// Calls `each` with the attribute text of every <TAG ...> in `html` (case-insensitive).
template <typename F>
void for_each_tag(std::string_view html, std::string_view tag, F&& each) {
  std::string lowered = to_lower(html);
  std::string open = "<" + std::string(tag);
  for (auto pos = lowered.find(open); pos != std::string::npos; pos = lowered.find(open, pos + 1)) {
    std::size_t after = pos + open.size();
    if (after >= lowered.size() || !std::isspace(static_cast<unsigned char>(lowered[after]))) {
      continue;
    }
    auto close = lowered.find('>', after);
    if (close == std::string::npos)
      break;
    each(html.substr(after, close - after));
  }
}

}  // namespace

std::vector<IndexFile> parse_simple_html(std::string_view html, const std::string& page_url) {
  std::vector<IndexFile> files;
  // PEP 503 pages may name a <base href>, against which links resolve.
  std::string base = page_url;
  for_each_tag(html, "base", [&](std::string_view attrs) {
    auto a = attributes(attrs);
    if (auto it = a.find("href"); it != a.end())
      base = net::resolve_url(page_url, it->second);
  });
  for_each_tag(html, "a", [&](std::string_view attrs) {
    auto a = attributes(attrs);
    auto href = a.find("href");
    if (href == a.end() || href->second.empty())
      return;
    auto [link, sha] = split_fragment(href->second);
    IndexFile f;
    f.url = net::resolve_url(base, link);
    f.filename = filename_of(f.url);
    if (f.filename.empty())
      return;
    f.sha256 = sha;
    if (auto rp = a.find("data-requires-python"); rp != a.end())
      f.requires_python = rp->second;
    f.yanked = a.contains("data-yanked");
    f.source = net::redact_url(page_url);
    files.push_back(std::move(f));
  });
  return files;
}

std::vector<IndexFile> parse_simple_json(std::string_view json, const std::string& page_url) {
  std::vector<IndexFile> files;
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(json);
  } catch (const nlohmann::json::exception& e) {
    throw Error("the index page " + net::redact_url(page_url) + " is not valid JSON: " + e.what());
  }
  if (!doc.contains("files") || !doc["files"].is_array()) {
    throw Error("the index page " + net::redact_url(page_url) + " has no \"files\" list",
                "is this a PEP 691 simple index?");
  }
  // The page is untrusted: entries and fields of the wrong type are skipped, never thrown on.
  auto text = [](const nlohmann::json& object, const char* key) {
    auto it = object.find(key);
    return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  for (const auto& entry : doc["files"]) {
    if (!entry.is_object())
      continue;
    IndexFile f;
    f.filename = text(entry, "filename");
    std::string url = text(entry, "url");
    if (f.filename.empty() || url.empty())
      continue;
    auto [link, sha] = split_fragment(url);
    f.url = net::resolve_url(page_url, link);
    if (entry.contains("hashes") && entry["hashes"].is_object() &&
        entry["hashes"].contains("sha256") && entry["hashes"]["sha256"].is_string()) {
      f.sha256 = entry["hashes"]["sha256"].get<std::string>();
    } else {
      f.sha256 = sha;
    }
    if (entry.contains("requires-python") && entry["requires-python"].is_string()) {
      f.requires_python = entry["requires-python"];
    }
    if (entry.contains("yanked")) {
      const auto& y = entry["yanked"];
      f.yanked = y.is_string() || (y.is_boolean() && y.get<bool>());
    }
    f.source = net::redact_url(page_url);
    files.push_back(std::move(f));
  }
  return files;
}

std::optional<std::vector<IndexFile>> list_project(net::HttpClient& http,
                                                   const std::string& index_url,
                                                   const std::string& project) {
  std::string base = index_url;
  if (!base.ends_with('/'))
    base += '/';
  std::string url = base + knowledge::normalize_distribution_name(project) + "/";
  auto response = fetch_page(
      http, url,
      {{"Accept",
        "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.2, "
        "text/html;q=0.01"}});
  if (response.status == 404 || response.status == 410)
    return std::nullopt;
  if (response.status != 200) {
    throw Error("the index " + net::redact_url(index_url) + " answered HTTP " +
                    std::to_string(response.status) + " for " + project,
                response.status == 401 || response.status == 403
                    ? "the index wants credentials: put them in ~/.netrc (or $NETRC)"
                    : "check the index URL");
  }
  if (response.header("Content-Type").starts_with("application/vnd.pypi.simple.v1+json")) {
    return parse_simple_json(response.body, response.url);
  }
  return parse_simple_html(response.body, response.url);
}

std::vector<IndexFile> list_find_links(net::HttpClient& http, const std::string& location) {
  if (location.find("://") != std::string::npos) {
    auto response = fetch_page(http, location);
    if (response.status != 200) {
      throw Error("find-links " + net::redact_url(location) + " answered HTTP " +
                  std::to_string(response.status));
    }
    return parse_simple_html(response.body, response.url);
  }
  fs::path dir = location;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    throw InputError("find-links directory " + location + " does not exist",
                     "--find-links in the lock names a directory relative to the lock");
  }
  std::vector<IndexFile> files;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (!e.is_regular_file())
      continue;
    IndexFile f;
    f.filename = e.path().filename().string();
    f.path = fs::absolute(e.path());
    f.source = dir.string();
    files.push_back(std::move(f));
  }
  std::sort(files.begin(), files.end(),
            [](const IndexFile& a, const IndexFile& b) { return a.filename < b.filename; });
  return files;
}

}  // namespace stowage::python
