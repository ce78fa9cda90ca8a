// Internal: the ids of one file's records, to find repeats.
//
// A file of a million records makes a million ids, and a node-based set
// (std::unordered_set<std::string>) costs several cache misses per insert
// at that size: a quarter of the BAI2 parse and a sixth of the NDJSON
// parse, per perf. IdSet probes a flat table of 8-byte slots (a tag from
// the id's hash and an index) and reads an id's record and text, kept in
// one vector and one arena, only when a tag agrees. Each id carries the
// line it was first seen on, for the message about a repeat.
//
// Example:
//   IdSet ids;
//   uint32_t first_line = 0;
//   if (!ids.Insert(payment_id, line, &first_line)) { /* repeat of first_line */ }
//
// Thread safety: none; one per parse.
// Invariants: (1) at most half the slots are used, so a probe always ends;
// (2) every id is stored once: one entry, one used slot whose tag is the
// high half of the entry's hash; (3) fewer than 2^32 - 1 ids (a file's line
// numbers are 32-bit as well).
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
    entries_.reserve(count);
    if (count * 2 > slots_.size()) Rehash(std::bit_ceil(count * 2));
  }

  // Adds `id`, first seen on `line`. Returns false when it was there
  // already, and then sets `*first_line` (when given) to its line.
  bool Insert(std::string_view id, uint32_t line = 0, uint32_t* first_line = nullptr) {
    if ((entries_.size() + 1) * 2 > slots_.size()) Rehash(std::max<size_t>(kSlotsCountMin, slots_.size() * 2));
    const uint64_t hash = std::hash<std::string_view>()(id);
    const uint32_t tag = Tag(hash);
    const size_t mask = slots_.size() - 1;
    for (size_t i = hash & mask;; i = (i + 1) & mask) {  // ends at a free slot (invariant 1)
      Slot& slot = slots_[i];
      if (slot.entry == kFree) {
        assert(entries_.size() < kFree);
        slot = Slot{tag, static_cast<uint32_t>(entries_.size())};
        entries_.push_back(Entry{hash, arena_.size(), id.size(), line});
        arena_.append(id);
        return true;
      }
      if (slot.tag != tag) continue;
      const Entry& e = entries_[slot.entry];
      if (e.hash == hash && std::string_view(arena_).substr(e.offset, e.size) == id) {
        if (first_line != nullptr) *first_line = e.line;
        return false;
      }
    }
  }

  size_t size() const { return entries_.size(); }

 private:
  static constexpr uint32_t kFree = std::numeric_limits<uint32_t>::max();
  static constexpr size_t kSlotsCountMin = 16;
  // The table holds 8-byte slots, so that a million ids probe a few
  // megabytes instead of a node per id; the rest of an id's record is
  // read only when the slot's tag matches.
  struct Slot {
    uint32_t tag = 0;        // high half of the id's hash
    uint32_t entry = kFree;  // index in entries_; kFree: unused
  };
  struct Entry {
    uint64_t hash = 0;
    size_t offset = 0;  // of the id's text in arena_
    size_t size = 0;
    uint32_t line = 0;
  };

  static uint32_t Tag(uint64_t hash) { return static_cast<uint32_t>(hash >> 32); }

  // `slots_count` is a power of two.
  void Rehash(size_t slots_count) {
    assert(std::has_single_bit(slots_count));
    assert(slots_count >= entries_.size() * 2);
    slots_.assign(slots_count, Slot());
    const size_t mask = slots_count - 1;
    for (size_t k = 0; k < entries_.size(); ++k) {
      size_t i = entries_[k].hash & mask;
      while (slots_[i].entry != kFree) i = (i + 1) & mask;
      slots_[i] = Slot{Tag(entries_[k].hash), static_cast<uint32_t>(k)};
    }
  }

  std::vector<Slot> slots_;
  std::vector<Entry> entries_;
  std::string arena_;
};

}  // namespace cashmatch::io
