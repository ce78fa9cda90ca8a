// Ledger::UpsertBook: the `load` command's write of customers and open
// invoices, streamed so that a book of ten million invoices needs neither
// the whole file nor one WriteBatch of it in memory.
//
// Pass 1 reads every row and checks it against the others and the ledger,
// writing nothing: ids unique, customers and parents known, invoice numbers
// unique once normalized (in the load and against the ledger, where a
// number may move only if its owner is renumbered in the same load). To
// stay small it keeps a 64-bit hash per invoice id and number, not the
// strings; two equal hashes send the load through a confirming pass that
// compares the strings themselves, so a collision is never reported as a
// duplicate.
//
// Pass 2 writes. A load of at most load_chunk_rows rows is one WriteBatch,
// atomic as a settlement batch is. A larger one is written in chunks: the
// meta key "load_pending" is put (synced) before the first and deleted by
// the last (synced, which also makes the unsynced chunks before it
// durable). While the key is there, the ledger refuses to match or release
// anything (CheckBookComplete): an interrupted load is finished by running
// it again, since every row is an upsert by id. The key's value names the
// load by a hash of its rows (pass 1 computes it), so only that load, run
// to its end, clears it; any other load is refused while it is there.
//
// Then, once the last write is durable, the load compacts the column
// families it wrote (CompactLoadedFamilies), so that the first apply does
// not pay for that compaction in the background.
#include <rocksdb/db.h>
#include <rocksdb/options.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <charconv>
#include <functional>
#include <optional>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "cashmatch/io/ledger.h"
#include "book_index.h"
#include "codec.h"
#include "commit_writer.h"
#include "customer_keys.h"
#include "keys.h"

namespace cashmatch::io {
namespace {

std::string NumberKey(const Invoice& inv) { return Key2(kIndexNumber, NormalizeInvoiceNumber(inv.number)); }

uint64_t Hash64(std::string_view s) { return std::hash<std::string_view>()(s); }

std::string At(const std::string& source, uint32_t line, const char* field) {
  return source + ":" + std::to_string(line) + ": field '" + field + "'";
}

// The hashes that occur more than once in `hashes` (sorted in place).
std::unordered_set<uint64_t> RepeatedHashes(std::vector<uint64_t>* hashes) {
  std::sort(hashes->begin(), hashes->end());
  std::unordered_set<uint64_t> repeated;
  for (size_t i = 1; i < hashes->size(); ++i) {
    if ((*hashes)[i] == (*hashes)[i - 1]) repeated.insert((*hashes)[i]);
  }
  return repeated;
}

// The index key a claim is about, as the invoice `inv` of the load has it.
std::string StripeKeyOf(const Invoice& inv) {
  return inv.stripe_invoice_id.empty() ? std::string() : Key2(kIndexStripeInvoice, inv.stripe_invoice_id);
}

constexpr uint64_t kFnvOffset = 14695981039346656037ULL;
constexpr uint64_t kFnvPrime = 1099511628211ULL;

// The load_pending mark: "<load id> <what>" (a mark written before load ids
// existed is only "<what>", and any load may finish it).
std::string MarkValue(const std::string& load_id, const std::string& what) { return load_id + " " + what; }
std::string_view MarkLoadId(std::string_view mark) {
  if (mark.size() < 17 || mark[16] != ' ') return {};
  return mark.substr(0, 16);
}

// Invoices whose looser index keys are sorted together before they enter
// the WriteBatch: the memtable then places each key near the one before.
constexpr size_t kLooseRunInvoices = 65536;

}  // namespace

// A number (or Stripe invoice id) taken by another invoice in the ledger:
// allowed only if that invoice takes another one in the same load.
struct Ledger::KeyClaim {
  std::string owner;  // the invoice holding the key in the ledger
  std::string key;    // the index key (kIndexNumber or kIndexStripeInvoice)
  std::string text;   // the number or Stripe id as written in the load
  uint32_t line = 0;
};

struct Ledger::LoadCheck {
  size_t customers_count = 0;
  size_t invoices_count = 0;
  uint64_t rows_hash = kFnvOffset;  // FNV-1a over the encoded rows, in file order
  // 16 hex digits of rows_hash: the load's name in the load_pending mark.
  std::string LoadId() const {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string id(16, '0');
    for (int i = 0; i < 16; ++i) id[i] = kHex[(rows_hash >> (60 - 4 * i)) & 0xf];
    return id;
  }
  void Hash(std::string_view bytes) {
    for (unsigned char b : bytes) rows_hash = (rows_hash ^ b) * kFnvPrime;
    rows_hash = (rows_hash ^ 0xff) * kFnvPrime;  // the end of a row
  }
};

Status Ledger::UpsertBook(const std::vector<Customer>& customers, const std::vector<Invoice>& invoices,
                          const std::string& customers_source, const std::string& invoices_source) {
  BookRows rows;
  rows.customers = [&](const std::function<Status(Customer &&)>& sink) {
    for (const Customer& c : customers) CASHMATCH_RETURN_IF_ERROR(sink(Customer(c)));
    return Status::Ok();
  };
  rows.invoices = [&](const std::function<Status(Invoice &&)>& sink) {
    for (const Invoice& inv : invoices) CASHMATCH_RETURN_IF_ERROR(sink(Invoice(inv)));
    return Status::Ok();
  };
  rows.customers_source = customers_source;
  rows.invoices_source = invoices_source;
  return UpsertBook(rows);
}

Status Ledger::UpsertBook(const BookRows& rows, BookLoadStats* stats, OtherUnfinishedLoad other_unfinished) {
  // The resident book is built again from what the load leaves; while the
  // load writes, LoadBook would read the ledger itself.
  const bool resident = resident_ != nullptr;
  resident_.reset();
  Status s = WriteBook(rows, stats, other_unfinished);
  if (resident && s.ok()) CASHMATCH_RETURN_IF_ERROR(EnableResidentBook());
  return s;
}

Status Ledger::WriteBook(const BookRows& rows, BookLoadStats* stats, OtherUnfinishedLoad other_unfinished) {
  assert(!options_.read_only);
  assert(!options_.follow);
  CASHMATCH_RETURN_IF_ERROR(write_error_);
  LoadCheck check;
  CASHMATCH_RETURN_IF_ERROR(CheckBookRows(rows, &check).WithContext("nothing was written"));
  const std::string_view unfinished_id = MarkLoadId(interrupted_load_);
  if (!unfinished_id.empty() && unfinished_id != check.LoadId() && other_unfinished == OtherUnfinishedLoad::kRefuse) {
    return Status::InvalidInput("ledger " + dir_ + ": " + UnfinishedLoad() + "; this is another load (load " +
                                check.LoadId() +
                                "); run the unfinished one again to its end first, or, if its files have changed "
                                "since, load these with `cashmatch load --abandon-unfinished`; nothing was written");
  }
  // With kAbandon the write below takes the mark over: a chunked load puts
  // its own before its first chunk, and the end of either kind deletes it.
  BookLoadStats local;
  if (stats == nullptr) stats = &local;
  if (!unfinished_id.empty() && unfinished_id != check.LoadId()) stats->abandoned_load = UnfinishedLoad();
  Status s = WriteBookRows(rows, check, stats);
  if (s.ok()) {
    const uint64_t rows_count = check.customers_count + check.invoices_count;
    return rows_count >= options_.compact_after_load_rows_min ? CompactLoadedFamilies(rows) : s;
  }
  (void)LatchWriteError(s);
  if (interrupted_load_.empty()) return s.WithContext("nothing was written");
  return s.WithContext(
      "part of the book was written; apply and release refuse this ledger until the same load is "
      "run again");
}

// A load writes through the memtables: a large one leaves level-0 files
// and a level 1 that overlaps them, and RocksDB merges them in the
// background during whatever comes next (the first apply, which then also
// reads through all of them). Compacting here merges each family once,
// now, into one sorted run on the last level: the first commits' level-0
// files then compact into an empty level 1 instead of rewriting the book
// with them. kForceOptimized also rewrites what earlier compactions left
// on the last level (the old keys and tombstones of a reload go), but not
// the files this compaction has just written. RocksDB 7.8 moves the
// output down (change_level) when the levels in between are empty, as
// they are after a full CompactRange.
//
// Not a correctness step: every row is already durable and the
// load_pending mark gone. A process killed during it leaves a valid
// ledger: RocksDB installs a compaction's output only in one MANIFEST
// write when it is complete, and deletes unfinished outputs at the next
// open; the ledger is then only less compacted.
Status Ledger::CompactLoadedFamilies(const BookRows& rows) {
  std::vector<rocksdb::ColumnFamilyHandle*> families;
  if (rows.customers) families.push_back(customers_);
  if (rows.invoices) families.push_back(invoices_);
  families.push_back(index_);  // both write index keys
  if (options_.on_load_compacting) options_.on_load_compacting();
  rocksdb::CompactRangeOptions cro;
  cro.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForceOptimized;
  cro.change_level = true;
  for (rocksdb::ColumnFamilyHandle* cf : families) {
    cro.target_level = db_->NumberLevels(cf) - 1;
    rocksdb::Status s = db_->CompactRange(cro, cf, nullptr, nullptr);
    if (!s.ok()) {
      const std::string what = "compacting " + cf->GetName() + " in " + dir_;
      return FromRocksStatus(s).WithContext(what + " after the load failed; the load itself is complete and durable");
    }
  }
  return Status::Ok();
}

std::optional<uint64_t> Ledger::FamilyProperty(std::string_view family, const std::string& property) const {
  for (rocksdb::ColumnFamilyHandle* h : handles_) {
    if (h->GetName() != family) continue;
    uint64_t value = 0;
    if (db_->GetIntProperty(h, property, &value)) return value;
    // Some figures (rocksdb.num-files-at-levelN) are only strings.
    std::string text;
    if (!db_->GetProperty(h, property, &text)) return std::nullopt;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
    return value;
  }
  return std::nullopt;
}

std::string Ledger::UnfinishedLoad() const {
  if (interrupted_load_.empty()) return {};
  const std::string_view id = MarkLoadId(interrupted_load_);
  if (id.empty()) return "a load of " + interrupted_load_ + " is unfinished";
  return "a load of " + interrupted_load_.substr(17) + " (load " + std::string(id) + ") is unfinished";
}

Status Ledger::CheckBookComplete() const {
  if (interrupted_load_.empty()) return Status::Ok();
  return Status::InvalidInput("ledger " + dir_ + ": " + UnfinishedLoad() +
                              ": it stopped before its last chunk was written; run the same load again to finish it "
                              "(or, if its files have changed, load the new ones with `cashmatch load "
                              "--abandon-unfinished`)");
}

Status Ledger::CheckBookRows(const BookRows& rows, LoadCheck* check) const {
  const std::string& cs = rows.customers_source;
  const std::string& is = rows.invoices_source;
  // Customers: ids in the load (kept whole: there are far fewer customers
  // than invoices), and parents to look for once every id is known.
  std::unordered_map<std::string, uint32_t> customer_lines;
  std::vector<std::pair<std::string, uint32_t>> parents;  // parent id, line of the child
  if (rows.customers) {
    CASHMATCH_RETURN_IF_ERROR(rows.customers([&](Customer&& c) -> Status {
      auto [it, inserted] = customer_lines.emplace(c.customer_id, c.source_line);
      if (!inserted) {
        return Status::InvalidInput(At(cs, c.source_line, "customer_id") + ": duplicate id '" + c.customer_id +
                                    "' (first on line " + std::to_string(it->second) + ")");
      }
      if (!c.parent_id.empty()) parents.emplace_back(c.parent_id, c.source_line);
      check->Hash(codec::EncodeCustomer(c));
      ++check->customers_count;
      return Status::Ok();
    }));
  }
  std::string value;
  bool found = false;
  for (const auto& [parent, line] : parents) {
    if (customer_lines.count(parent) != 0) continue;
    CASHMATCH_RETURN_IF_ERROR(Get(customers_, parent, &value, &found));
    if (!found) return Status::InvalidInput(At(cs, line, "parent_id") + ": no customer '" + parent + "'");
  }

  std::vector<uint64_t> id_hashes;
  std::vector<uint64_t> number_hashes;
  std::vector<uint64_t> stripe_hashes;
  std::vector<KeyClaim> claims;
  std::string known_customer;  // the last customer found in the ledger
  if (rows.invoices) {
    CASHMATCH_RETURN_IF_ERROR(rows.invoices([&](Invoice&& inv) -> Status {
      if (inv.customer_id != known_customer && customer_lines.count(inv.customer_id) == 0) {
        CASHMATCH_RETURN_IF_ERROR(Get(customers_, inv.customer_id, &value, &found));
        if (!found) {
          return Status::InvalidInput(At(is, inv.source_line, "customer_id") + ": no customer '" + inv.customer_id +
                                      "'");
        }
        known_customer = inv.customer_id;
      }
      id_hashes.push_back(Hash64(inv.invoice_id));
      number_hashes.push_back(Hash64(NumberKey(inv)));
      if (!inv.stripe_invoice_id.empty()) stripe_hashes.push_back(Hash64(inv.stripe_invoice_id));
      CASHMATCH_RETURN_IF_ERROR(CheckInvoiceAgainstLedger(inv, is, &claims));
      check->Hash(codec::EncodeInvoice(inv));
      ++check->invoices_count;
      return Status::Ok();
    }));
  }

  // Equal hashes: compare the strings of just those rows, in file order.
  const std::unordered_set<uint64_t> repeated_ids = RepeatedHashes(&id_hashes);
  const std::unordered_set<uint64_t> repeated_numbers = RepeatedHashes(&number_hashes);
  const std::unordered_set<uint64_t> repeated_stripe_ids = RepeatedHashes(&stripe_hashes);
  std::vector<uint64_t>().swap(id_hashes);
  std::vector<uint64_t>().swap(number_hashes);
  std::vector<uint64_t>().swap(stripe_hashes);
  if (!repeated_ids.empty() || !repeated_numbers.empty() || !repeated_stripe_ids.empty()) {
    std::unordered_map<std::string, uint32_t> id_lines;
    struct FirstNumber {
      std::string invoice_id, number;
      uint32_t line;
    };
    std::unordered_map<std::string, FirstNumber> numbers;
    std::unordered_map<std::string, FirstNumber> stripe_ids;
    CASHMATCH_RETURN_IF_ERROR(rows.invoices([&](Invoice&& inv) -> Status {
      if (!inv.stripe_invoice_id.empty() && repeated_stripe_ids.count(Hash64(inv.stripe_invoice_id)) != 0) {
        auto [it, inserted] =
            stripe_ids.emplace(inv.stripe_invoice_id, FirstNumber{inv.invoice_id, inv.number, inv.source_line});
        if (!inserted) {
          return Status::InvalidInput(At(is, inv.source_line, "stripe_invoice_id") + ": duplicate Stripe invoice id '" +
                                      inv.stripe_invoice_id + "' (first on line " + std::to_string(it->second.line) +
                                      ", invoice '" + it->second.invoice_id + "')");
        }
      }
      if (repeated_ids.count(Hash64(inv.invoice_id)) != 0) {
        auto [it, inserted] = id_lines.emplace(inv.invoice_id, inv.source_line);
        if (!inserted) {
          return Status::InvalidInput(At(is, inv.source_line, "invoice_id") + ": duplicate id '" + inv.invoice_id +
                                      "' (first on line " + std::to_string(it->second) + ")");
        }
      }
      const std::string number_key = NumberKey(inv);
      if (repeated_numbers.count(Hash64(number_key)) != 0) {
        auto [it, inserted] = numbers.emplace(number_key, FirstNumber{inv.invoice_id, inv.number, inv.source_line});
        if (!inserted) {
          const FirstNumber& first = it->second;
          if (first.number == inv.number) {
            return Status::InvalidInput(At(is, inv.source_line, "number") + ": duplicate number '" + inv.number +
                                        "' (first on line " + std::to_string(first.line) + ")");
          }
          return Status::InvalidInput(At(is, inv.source_line, "number") + ": '" + inv.number +
                                      "' is the same number as invoice '" + first.invoice_id + "' (line " +
                                      std::to_string(first.line) + ") once spaces and punctuation are ignored");
        }
      }
      return Status::Ok();
    }));
  }

  return CheckKeyClaims(rows, claims);
}

// Numbers and Stripe invoice ids held by other invoices in the ledger:
// their owners must take another one in this load.
Status Ledger::CheckKeyClaims(const BookRows& rows, const std::vector<KeyClaim>& claims) const {
  if (claims.empty()) return Status::Ok();
  // owner -> its number key and Stripe key in the load (both "" when the
  // owner is not in the load: it keeps its keys)
  std::unordered_map<std::string, std::pair<std::string, std::string>> new_keys;
  for (const KeyClaim& c : claims) new_keys.emplace(c.owner, std::pair<std::string, std::string>());
  CASHMATCH_RETURN_IF_ERROR(rows.invoices([&](Invoice&& inv) -> Status {
    auto it = new_keys.find(inv.invoice_id);
    if (it != new_keys.end()) it->second = {NumberKey(inv), StripeKeyOf(inv)};
    return Status::Ok();
  }));
  for (const KeyClaim& c : claims) {
    const bool stripe = c.key[0] == kIndexStripeInvoice;
    const auto& [number_key, stripe_key] = new_keys.at(c.owner);
    const bool in_load = !number_key.empty();
    const bool moved = in_load && (stripe ? stripe_key : number_key) != c.key;
    if (!moved) {
      return Status::InvalidInput(At(rows.invoices_source, c.line, stripe ? "stripe_invoice_id" : "number") + ": '" +
                                  c.text + "' already belongs to invoice '" + c.owner + "'");
    }
  }
  return Status::Ok();
}

// One invoice row against the ledger: the number and Stripe id it claims,
// and, when the invoice is stored and has events, that its currency stays
// (its applications and returns are in the stored currency: another would
// mix them).
Status Ledger::CheckInvoiceAgainstLedger(const Invoice& inv, const std::string& source,
                                         std::vector<KeyClaim>* claims) const {
  std::string value;
  bool found = false;
  const std::string number_key = NumberKey(inv);
  CASHMATCH_RETURN_IF_ERROR(Get(index_, number_key, &value, &found));
  if (found && value != inv.invoice_id) claims->push_back({value, number_key, inv.number, inv.source_line});
  const std::string stripe_key = StripeKeyOf(inv);
  if (!stripe_key.empty()) {
    CASHMATCH_RETURN_IF_ERROR(Get(index_, stripe_key, &value, &found));
    if (found && value != inv.invoice_id)
      claims->push_back({value, stripe_key, inv.stripe_invoice_id, inv.source_line});
  }
  CASHMATCH_RETURN_IF_ERROR(Get(invoices_, inv.invoice_id, &value, &found));
  if (!found) return Status::Ok();
  Invoice stored;
  CASHMATCH_RETURN_IF_ERROR(codec::DecodeInvoice(value, &stored));
  assert(stored.currency != nullptr);
  assert(inv.currency != nullptr);
  if (stored.currency == inv.currency) return Status::Ok();
  bool has_events = false;
  CASHMATCH_RETURN_IF_ERROR(ForEachEventOf(Subject::kInvoice, inv.invoice_id, [&](const Event&) {
    has_events = true;
    return false;
  }));
  if (!has_events) return Status::Ok();
  return Status::InvalidInput(At(source, inv.source_line, "currency") + ": invoice '" + inv.invoice_id + "' is in " +
                              std::string(stored.currency->code()) +
                              " in the ledger and has events; it cannot become " + std::string(inv.currency->code()) +
                              " (load it as a new invoice instead)");
}

Status Ledger::WriteBookRows(const BookRows& rows, const LoadCheck& check, BookLoadStats* stats) {
  const size_t chunk_rows = std::max<size_t>(1, options_.load_chunk_rows);
  const size_t rows_total = check.customers_count + check.invoices_count;
  const bool chunked = rows_total > chunk_rows;
  const std::string what = (rows.customers ? rows.customers_source : std::string()) +
                           (rows.customers && rows.invoices ? " and " : "") +
                           (rows.invoices ? rows.invoices_source : std::string());
  rocksdb::WriteOptions wo;
  if (chunked) {
    wo.sync = true;
    const std::string mark = MarkValue(check.LoadId(), what);
    CASHMATCH_RETURN_IF_ERROR(
        FromRocksStatus(db_->Put(wo, meta_, kMetaLoadPending, mark)).WithContext("cannot start the load"));
    interrupted_load_ = mark;
  }
  // An unfinished earlier run of this load: this run, complete, finishes it
  // (even when it is small enough for one write).
  const bool clears_mark = !interrupted_load_.empty();

  rocksdb::WriteBatch wb;
  PutList loose;  // looser invoice keys, sorted per run
  size_t loose_invoices = 0;
  size_t rows_in_chunk = 0;
  size_t rows_written = 0;
  // Number keys this chunk puts: a renumbered invoice must not delete its
  // old number's key when an invoice earlier in the same chunk took it.
  std::unordered_set<std::string> chunk_numbers;
  auto flush_loose = [&]() {
    loose.PutSorted(&wb, index_);
    loose.Clear();
    loose_invoices = 0;
  };
  auto write = [&](bool last) -> Status {
    flush_loose();
    if (last && clears_mark) wb.Delete(meta_, kMetaLoadPending);
    wo.sync = last && options_.sync;
    rocksdb::Status s = db_->Write(wo, &wb);
    if (!s.ok()) {
      return FromRocksStatus(s).WithContext("cannot commit the load to " + dir_ + " after " +
                                            std::to_string(rows_written) + " of " + std::to_string(rows_total) +
                                            " rows");
    }
    ++stats->writes_count;
    rows_written += rows_in_chunk;
    rows_in_chunk = 0;
    wb.Clear();
    chunk_numbers.clear();
    return Status::Ok();
  };
  auto row_done = [&]() -> Status {
    ++rows_in_chunk;
    // The last chunk is written below, with the end of the load.
    if (rows_in_chunk < chunk_rows || rows_written + rows_in_chunk == rows_total) return Status::Ok();
    return write(false);
  };

  std::string old_value;
  bool found = false;
  if (rows.customers) {
    CASHMATCH_RETURN_IF_ERROR(rows.customers([&](Customer&& c) -> Status {
      CASHMATCH_RETURN_IF_ERROR(Get(customers_, c.customer_id, &old_value, &found));
      if (found) {
        Customer old;
        CASHMATCH_RETURN_IF_ERROR(codec::DecodeCustomer(old_value, &old));
        for (const std::string& key : CustomerIndexKeys(old)) wb.Delete(index_, key);
      }
      // After the deletes: a key both records own is put back.
      for (const std::string& key : CustomerIndexKeys(c)) wb.Put(index_, key, "");
      wb.Put(customers_, c.customer_id, codec::EncodeCustomer(c));
      ++stats->customers_count;
      return row_done();
    }));
  }
  if (rows.invoices) {
    std::string owner;
    CASHMATCH_RETURN_IF_ERROR(rows.invoices([&](Invoice&& inv) -> Status {
      const std::string number_key = NumberKey(inv);
      CASHMATCH_RETURN_IF_ERROR(Get(invoices_, inv.invoice_id, &old_value, &found));
      if (found) {
        Invoice old;
        CASHMATCH_RETURN_IF_ERROR(codec::DecodeInvoice(old_value, &old));
        const std::string old_key = NumberKey(old);
        if (old_key != number_key && chunk_numbers.count(old_key) == 0) {
          // Delete the old number's key unless another invoice of this load
          // already took it (in an earlier chunk: the index names it).
          CASHMATCH_RETURN_IF_ERROR(Get(index_, old_key, &owner, &found));
          if (found && owner == inv.invoice_id) wb.Delete(index_, old_key);
        }
        if (old.customer_id != inv.customer_id) {
          wb.Delete(index_, Key3(kIndexCustomerInvoice, old.customer_id, old.invoice_id));
        }
        const std::string old_stripe_key = StripeKeyOf(old);
        if (!old_stripe_key.empty() && old_stripe_key != StripeKeyOf(inv) && chunk_numbers.count(old_stripe_key) == 0) {
          // Its old Stripe id's key, unless another invoice of this load took it.
          CASHMATCH_RETURN_IF_ERROR(Get(index_, old_stripe_key, &owner, &found));
          if (found && owner == inv.invoice_id) wb.Delete(index_, old_stripe_key);
        }
        // Before the new keys are put: a key both have is deleted, then put.
        for (const IndexEntry& e : LooseIndexEntries(old)) wb.Delete(index_, e.key);
      }
      for (const IndexEntry& e : LooseIndexEntries(inv)) {
        loose.Key().append(e.key);
        loose.Value().append(e.value);
      }
      if (++loose_invoices == kLooseRunInvoices) flush_loose();
      wb.Put(index_, number_key, inv.invoice_id);
      chunk_numbers.insert(number_key);
      wb.Put(index_, Key3(kIndexCustomerInvoice, inv.customer_id, inv.invoice_id), "");
      const std::string stripe_key = StripeKeyOf(inv);
      if (!stripe_key.empty()) {
        wb.Put(index_, stripe_key, inv.invoice_id);
        chunk_numbers.insert(stripe_key);
      }
      // The ERP's figure is the new baseline: events after this seq explain
      // every later change of the open amount.
      inv.loaded_open_minor = inv.amount_open_minor;
      inv.loaded_at_seq = next_seq_ - 1;
      wb.Put(invoices_, inv.invoice_id, codec::EncodeInvoice(inv));
      ++stats->invoices_count;
      return row_done();
    }));
  }
  CASHMATCH_RETURN_IF_ERROR(write(true));
  interrupted_load_.clear();
  return Status::Ok();
}

}  // namespace cashmatch::io
