// Internal: builds the one RocksDB WriteBatch of a settlement batch for
// Ledger::CommitBatch.
//
// A commit writes tens of thousands of keys, and nearly all of RocksDB's
// cost for it is inserting each key into its column family's skiplist
// memtable (the WAL write and its sync are a few percent). Three things keep
// that cost down:
//   - fewer keys: an audit trail gets one key per subject and batch, whose
//     value lists that batch's events of the subject, instead of one key per
//     event (an applied payment's three events touch its payment three
//     times, its invoice twice and its customer three times);
//   - key order: each column family's keys enter the WriteBatch sorted. The
//     memtable remembers where its last insert went, so a key just after
//     the previous one is placed in a few comparisons instead of a search
//     from the top of the skiplist;
//   - no string per key: keys and values are encoded into a few buffers
//     that a Ledger reuses from commit to commit, and the WriteBatch is
//     reserved to its final size.
//
// Thread safety: none; a Ledger has one and uses it from its one thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "cashmatch/engine/event.h"
#include "cashmatch/engine/match.h"

namespace rocksdb {
class ColumnFamilyHandle;
class WriteBatch;
}  // namespace rocksdb

namespace cashmatch::io {

// The key/value entries bound for one column family, encoded back to back
// in one buffer.
class PutList {
 public:
  void Clear();
  // Starts an entry: append its key to the returned buffer, then call Value().
  std::string& Key();
  // Ends the key: append the value to the returned buffer. The entry ends
  // where the next Key() begins.
  std::string& Value();

  size_t count() const { return entries_.size(); }
  // Bytes this list adds to a WriteBatch (keys, values and per-entry framing).
  size_t batch_bytes() const;

  // Puts every entry into `wb` under `cf`, in the order they were added.
  // The caller knows they are in key order.
  void PutInOrder(rocksdb::WriteBatch* wb, rocksdb::ColumnFamilyHandle* cf);
  // Puts every entry into `wb` under `cf` in key order. The sort is stable,
  // so of two entries with the same key the one added last still wins.
  void PutSorted(rocksdb::WriteBatch* wb, rocksdb::ColumnFamilyHandle* cf);
  // Orders the entries by key, stably: of two entries with the same key the
  // one added last stays last, so it still wins. Then key(i)/value(i) walk
  // them in key order.
  void Sort();
  // Ends the last entry, so key(i)/value(i) see it whole (Sort and the
  // Put* methods do it themselves).
  void CloseLast();
  std::string_view key(size_t i) const { return KeyOf(entries_[i]); }
  std::string_view value(size_t i) const { return ValueOf(entries_[i]); }

 private:
  struct Entry {
    size_t begin = 0;    // offset of the key in bytes_
    size_t key_end = 0;  // offset of the value
    size_t end = 0;      // one past the value; set when the entry is closed
  };
  std::string_view KeyOf(const Entry& e) const { return {bytes_.data() + e.begin, e.key_end - e.begin}; }
  std::string_view ValueOf(const Entry& e) const { return {bytes_.data() + e.key_end, e.end - e.key_end}; }

  std::string bytes_;
  std::vector<Entry> entries_;
  bool open_ = false;  // the last entry has not been closed yet
};

// The puts of one settlement batch, per column family.
class CommitWriter {
 public:
  // Forgets the previous batch; the buffers keep their capacity.
  void Clear();
  // Events (seq already assigned, ascending), their audit trails and the
  // review-queue keys of exceptions.
  void AddEvents(const std::vector<Event>& events);
  // Current state of the invoices a batch touched. An invoice a return
  // reopened (a `reversed` event among AddEvents' events) gets its typo keys
  // back: a reload may have dropped them when it found the invoice settled.
  void AddInvoices(const std::vector<Invoice>& invoices);
  // Payment records, customer -> payment and reference -> payment keys.
  void AddPayments(const std::vector<PaymentRecord>& payments);
  // Stripe payout halves: a waiting half under its own key; a link under
  // the keys of both halves, so neither is offered again.
  void AddPayoutLinks(const std::vector<PayoutLink>& links);

  // What the WriteBatch needs, so it can be reserved once.
  size_t batch_bytes() const;
  // Keys written, all column families (BENCHMARKS.md reports it per event).
  size_t keys_count() const;

  // Ascending big-endian seqs: already in key order.
  PutList events;
  // Audit-trail groups, built in key order.
  PutList trails;
  // Review queue, customer -> payment and reference keys: sorted on put.
  PutList index;
  PutList invoices;
  PutList payments;
  // The batch record and the sequence counter, put by the Ledger itself.
  PutList meta;

 private:
  void AddTrails(const std::vector<Event>& events);

  // One event's membership in one subject's trail; ids point into the
  // batch's events, which outlive the commit.
  struct TrailRef {
    char kind;
    std::string_view id;
    uint64_t seq;
  };
  std::vector<TrailRef> refs_;
  // Invoices with a `reversed` event in the batch (AddEvents), for AddInvoices.
  std::vector<std::string_view> reopened_;
  std::vector<uint64_t> group_seqs_;
};

}  // namespace cashmatch::io
