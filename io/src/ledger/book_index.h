// Internal: the resident book index. A process that applies many batches
// (`cashmatch apply` of a day's files, a long-running apply) builds it once
// when it starts, from one scan of the ledger's invoice and customer
// records, deriving from each record the index keys `cashmatch load` wrote
// for it (the same functions); LoadBook then answers those
// reads from memory instead of from RocksDB, and CommitBatch updates the
// invoice records it rewrites after each durable commit. RocksDB stays the
// source of truth: the index is never written, a process that dies loses
// it, and the next one builds it again (Ledger::EnableResidentBook).
//
// What it holds, and what it answers exactly as RocksDB would on a ledger
// that verifies (the same records, the same ids in the same key order, the
// same "more than N"; tests/resident_book_test.cc compares every key):
//   - every invoice and customer record, encoded as in the ledger
//     (codec.h), in one byte arena each, in id order;
//   - invoice number ('n') and Stripe invoice id ('s') -> invoice;
//   - customer -> its invoices ('c'), as ranges of one array;
//   - tolerant number key ('t'), PO key ('o') -> invoices;
//   - account fingerprint ('a'), Stripe customer id ('u'), payer-name
//     token ('m'), parent ('h') -> customers;
//   - whole normalized name ('N') -> customers, sorted by name, so a cut
//     name's prefix is one range (ScanNameText).
// What stays in RocksDB (small per batch, or rewritten by every commit):
// payment ids, return keys, settled payments and their trails, payout
// halves, holds, and the typo neighbourhoods ('d', a dozen keys per
// invoice, read only for numbers whose strict and tolerant keys miss).
//
// Layout: a key kind is a sorted array of (64-bit hash of the group,
// row, 32-bit second hash of the group) with a directory on the first
// hash's top bits, so a lookup is one directory read and a short scan,
// whatever the book's size. Every entry of the group's hash is looked at,
// so none is hidden; one is taken only when its second, independent hash
// agrees too (a false hit needs both to collide: about once in 10^20
// lookups at ten million keys). Records are found by id exactly: the id is
// read back from the record. 'c' is exact (ranges by customer row).
//
// Thread safety: const methods may run on any number of threads while no
// Update runs (LoadBook and CommitBatch never overlap).
#pragma once

#include <rocksdb/db.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "cashmatch/engine/domain.h"
#include "cashmatch/engine/status.h"

namespace cashmatch::io {

// Rows sharing a 64-bit hash, found through a directory on its top bits.
class HashPostings {
 public:
  struct Entry {
    uint64_t hash = 0;
    uint32_t row = 0;
    uint32_t check = 0;  // a second hash of the key, kept with `keep_check`
  };
  // Any order, repeats kept; entries of one hash end up in row order.
  void Build(std::vector<Entry> entries, bool keep_check = false);
  // The positions [first, last) of the entries whose hash is `h`.
  std::pair<size_t, size_t> Find(uint64_t h) const;
  uint32_t row(size_t i) const { return rows_[i]; }
  uint32_t check(size_t i) const { return checks_[i]; }
  size_t size() const { return rows_.size(); }
  size_t bytes() const;

 private:
  std::vector<uint64_t> hashes_;
  std::vector<uint32_t> rows_;
  std::vector<uint32_t> checks_;
  std::vector<uint32_t> dir_;  // dir_[b]: the first entry whose hash >> shift_ is >= b
  int shift_ = 63;
};

struct BookIndexStats {
  size_t invoices_count = 0;
  size_t customers_count = 0;
  size_t postings_count = 0;
  size_t bytes = 0;  // what the index holds on the heap
  double build_seconds = 0;
};

class BookIndex {
 public:
  // Reads every invoice and customer record, and derives from each the
  // keys `cashmatch load` gave it (keys.h, customer_keys.h).
  static Result<std::unique_ptr<BookIndex>> Build(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* invoices,
                                                  rocksdb::ColumnFamilyHandle* customers);

  // RocksDB's MultiGet over the invoices (customers) column family:
  // values[i], found[i] for ids[i].
  void GetInvoiceRecords(const std::vector<std::string>& ids, std::vector<std::string>* values,
                         std::vector<char>* found) const;
  void GetCustomerRecords(const std::vector<std::string>& ids, std::vector<std::string>* values,
                          std::vector<char>* found) const;
  // The invoice id under "<kind>\0<group>" ('n' or 's'), if any.
  Status FindInvoiceId(char kind, std::string_view group, std::string* id, bool* found) const;
  // The ids under "<kind>\0<group>\0" in key order, at most `count_max`;
  // `more` when there are more ('c', 't', 'o', 'a', 'u', 'm', 'h', 'N').
  Status Scan(char kind, std::string_view group, size_t count_max, std::vector<std::string>* ids, bool* more) const;
  // The customer ids under "N\0<text>\0" (or, with `prefix`, under
  // "N\0<text>": every name starting with `text`) in key order, at most
  // `count_max`; `more` when there are more.
  Status ScanNameText(std::string_view text, bool prefix, size_t count_max, std::vector<std::string>* ids,
                      bool* more) const;

  // After a durable commit: the invoice records it wrote.
  Status UpdateInvoices(const std::vector<Invoice>& invoices);

  // Whether every record and key the index holds is the ledger's, and the
  // ledger holds no record or key of these kinds the index lacks
  // (kInvariantViolated naming the first difference).
  Status CheckAgainst(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* invoices,
                      rocksdb::ColumnFamilyHandle* customers) const;

  BookIndexStats stats() const;

 private:
  struct Rows {
    std::string arena;             // the records, back to back
    std::vector<uint64_t> offset;  // row -> start in arena; offset[row + 1] is not its end (see size)
    std::vector<uint32_t> size;
    size_t garbage = 0;  // arena bytes no row points at (records rewritten since)
    std::string_view Record(uint32_t row) const { return std::string_view(arena).substr(offset[row], size[row]); }
    void Add(std::string_view record);
    void Replace(uint32_t row, std::string_view record);
    void Shrink();  // gives back what the vectors reserved beyond their size
    size_t bytes() const;
  };
  // The row of the invoice (customer) with this id; false when none.
  bool InvoiceRow(std::string_view id, uint32_t* row) const;
  bool CustomerRow(std::string_view id, uint32_t* row) const;
  void GetRecords(const Rows& rows, bool (BookIndex::*row_of)(std::string_view, uint32_t*) const,
                  const std::vector<std::string>& ids, std::vector<std::string>* values,
                  std::vector<char>* found) const;
  const HashPostings* PostingsOf(char kind) const;
  // 'N': a customer's normalized name texts in one arena, entries sorted
  // by (text, row) once all are added.
  struct NameText {
    uint64_t offset = 0;
    uint32_t size = 0;
    uint32_t row = 0;
  };
  void AddNameText(std::string_view text, uint32_t row);
  void SortNameTexts();
  std::string_view TextOf(const NameText& e) const { return std::string_view(name_arena_).substr(e.offset, e.size); }
  HashPostings* MutablePostingsOf(char kind) { return const_cast<HashPostings*>(PostingsOf(kind)); }

  Rows invoices_;
  Rows customers_;
  HashPostings invoice_by_id_;
  HashPostings customer_by_id_;
  HashPostings by_number_;           // 'n'
  HashPostings by_stripe_invoice_;   // 's'
  HashPostings by_tolerant_;         // 't'
  HashPostings by_po_;               // 'o'
  HashPostings by_account_;          // 'a'
  HashPostings by_stripe_customer_;  // 'u'
  HashPostings by_token_;            // 'm', with a second hash of the token
  HashPostings by_parent_;           // 'h'
  std::string name_arena_;           // 'N'
  std::vector<NameText> name_texts_;
  // 'c': the invoice rows of customer row r are
  // invoices_of_[first_invoice_[r] .. first_invoice_[r + 1]), in id order.
  std::vector<uint32_t> first_invoice_;
  std::vector<uint32_t> invoices_of_;
  double build_seconds_ = 0;
};

}  // namespace cashmatch::io
