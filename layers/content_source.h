// Content that a tar entry streams from something other than a host file or memory: for
// example a member of a verified wheel, inflated and checked while it goes into the layer, so
// that nothing is unpacked to disk first.
//
// The tar writer stays the only place that writes headers and decides order, modes and
// times; a source only produces an entry's bytes.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>

namespace stowage::layers {

class ContentSource {
 public:
  virtual ~ContentSource() = default;

  // Produces the entry's content, in order and in blocks, by calling `out`. Must produce
  // exactly the size the entry declares (the tar writer checks). Throws Error when the bytes
  // cannot be produced or prove wrong (a hash that does not match); the entry's layer is then
  // abandoned and nothing of it is committed. Returns the bytes read from storage to produce
  // the content (it counts as content read, as a host file's bytes do). May be called from
  // any thread, once per layer the entry is in.
  virtual std::int64_t stream(const std::function<void(std::span<const std::byte>)>& out) const = 0;

  // A description that identifies the content: two sources with the same identity produce the
  // same bytes (for cache keys, e.g. "wheel <sha256> member <name>").
  virtual std::string identity() const = 0;
};

}  // namespace stowage::layers
