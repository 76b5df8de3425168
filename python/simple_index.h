// Listing the files of a project: PEP 503 (HTML) and PEP 691 (JSON) simple indexes, and
// find-links (a local directory, or an HTML page of links).
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "net/http_client.h"

namespace stowage::python {

// One downloadable file, as a listing shows it.
struct IndexFile {
  std::string filename;               // "pip-23.0.1-py3-none-any.whl"
  std::string url;                    // absolute URL, or empty for a local file
  std::filesystem::path path;         // a local file (find-links directory), or empty
  std::optional<std::string> sha256;  // lowercase hex, when the listing states it
  std::string requires_python;        // data-requires-python / requires-python, as given
  bool yanked = false;
  std::string source;  // the listing it came from (redacted URL or directory)
};

// The files of `project` (any spelling; normalised per PEP 503) on the simple index at
// `index_url`. Asks for PEP 691 JSON and accepts HTML. nullopt when the index answers 404
// (it does not have the project). Throws Error for other failures, naming the redacted URL.
std::optional<std::vector<IndexFile>> list_project(net::HttpClient& http,
                                                   const std::string& index_url,
                                                   const std::string& project);

// Parses a PEP 503 page; relative links are resolved against `page_url`.
std::vector<IndexFile> parse_simple_html(std::string_view html, const std::string& page_url);
// Parses a PEP 691 JSON page.
std::vector<IndexFile> parse_simple_json(std::string_view json, const std::string& page_url);

// The wheels of a find-links location: the files of a local directory, or the links on an
// HTML page. Throws InputError for a directory that does not exist.
std::vector<IndexFile> list_find_links(net::HttpClient& http, const std::string& location);

}  // namespace stowage::python
