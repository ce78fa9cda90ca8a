// Internal: the ids of one file's records, to find repeats.
//
// A file of a million records makes a million ids, and a node-based set
// (std::unordered_set<std::string>) costs several cache misses per insert
// at that size: a quarter of the BAI2 parse and a sixth of the NDJSON
// parse, per perf. IdSet probes a flat table of 64-bit hashes and compares
// the id text, kept in one arena, only when two hashes agree. Each id
// carries the line it was first seen on, for the message about a repeat.
//
// Example:
//   IdSet ids;
//   uint32_t first_line = 0;
//   if (!ids.Insert(payment_id, line, &first_line)) { /* repeat of first_line */ }
//
// Thread safety: none; one per parse.
// Invariants: (1) at most half the slots are used, so a probe always ends;
// (2) every id is stored once, and a used slot's text in the arena hashes
// to the slot's hash.
#pragma once

#include <algorithm>
#include <bit>
#include <cassert>
#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

namespace cashmatch::io {

class IdSet {
 public:
  // Makes room for `count` ids without growing.
  void Reserve(size_t count) {
    if (count * 2 > slots_.size()) Rehash(std::bit_ceil(count * 2));
  }

  // Adds `id`, first seen on `line`. Returns false when it was there
  // already, and then sets `*first_line` (when given) to its line.
  bool Insert(std::string_view id, uint32_t line = 0, uint32_t* first_line = nullptr) {
    if ((count_ + 1) * 2 > slots_.size()) Rehash(std::max<size_t>(kSlotsCountMin, slots_.size() * 2));
    const uint64_t hash = std::hash<std::string_view>()(id);
    const size_t mask = slots_.size() - 1;
    for (size_t i = hash & mask;; i = (i + 1) & mask) {  // ends at a free slot (invariant 1)
      Slot& slot = slots_[i];
      if (slot.offset == kFree) {
        slot = Slot{hash, arena_.size(), id.size(), line};
        arena_.append(id);
        ++count_;
        return true;
      }
      if (slot.hash == hash && std::string_view(arena_).substr(slot.offset, slot.size) == id) {
        if (first_line != nullptr) *first_line = slot.line;
        return false;
      }
    }
  }

  size_t size() const { return count_; }

 private:
  static constexpr size_t kFree = std::numeric_limits<size_t>::max();
  static constexpr size_t kSlotsCountMin = 16;
  struct Slot {
    uint64_t hash = 0;
    size_t offset = kFree;  // of the id's text in arena_; kFree: unused
    size_t size = 0;
    uint32_t line = 0;
  };

  // `slots_count` is a power of two.
  void Rehash(size_t slots_count) {
    assert(std::has_single_bit(slots_count));
    assert(slots_count >= count_ * 2);
    std::vector<Slot> old = std::move(slots_);
    slots_.assign(slots_count, Slot());
    const size_t mask = slots_count - 1;
    for (const Slot& slot : old) {
      if (slot.offset == kFree) continue;
      size_t i = slot.hash & mask;
      while (slots_[i].offset != kFree) i = (i + 1) & mask;
      slots_[i] = slot;
    }
  }

  std::vector<Slot> slots_;
  std::string arena_;
  size_t count_ = 0;
};

}  // namespace cashmatch::io
