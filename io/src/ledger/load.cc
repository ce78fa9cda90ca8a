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
// it again, since every row is an upsert by id.
#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <functional>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include "cashmatch/io/ledger.h"
#include "codec.h"
#include "commit_writer.h"
#include "customer_keys.h"
#include "keys.h"

namespace cashmatch::io {
namespace {

std::string NumberKey(const Invoice& inv) { return Key2('n', NormalizeInvoiceNumber(inv.number)); }

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

// A number taken by another invoice in the ledger: allowed only if that
// invoice is renumbered in the same load.
struct NumberClaim {
  std::string owner;  // the invoice holding the number in the ledger
  std::string number_key;
  std::string number;  // as written in the load
  uint32_t line = 0;
};

// Invoices whose looser index keys are sorted together before they enter
// the WriteBatch: the memtable then places each key near the one before.
constexpr size_t kLooseRunInvoices = 65536;

}  // namespace

struct Ledger::LoadCheck {
  size_t customers_count = 0;
  size_t invoices_count = 0;
};

Status Ledger::UpsertBook(const std::vector<Customer>& customers, const std::vector<Invoice>& invoices,
                          const std::string& customers_source, const std::string& invoices_source) {
  BookRows rows;
  rows.customers = [&](const std::function<Status(Customer&&)>& sink) {
    for (const Customer& c : customers) CASHMATCH_RETURN_IF_ERROR(sink(Customer(c)));
    return Status::Ok();
  };
  rows.invoices = [&](const std::function<Status(Invoice&&)>& sink) {
    for (const Invoice& inv : invoices) CASHMATCH_RETURN_IF_ERROR(sink(Invoice(inv)));
    return Status::Ok();
  };
  rows.customers_source = customers_source;
  rows.invoices_source = invoices_source;
  return UpsertBook(rows);
}

Status Ledger::UpsertBook(const BookRows& rows, BookLoadStats* stats) {
  assert(!options_.read_only);
  assert(!options_.follow);
  LoadCheck check;
  CASHMATCH_RETURN_IF_ERROR(CheckBookRows(rows, &check).WithContext("nothing was written"));
  BookLoadStats local;
  Status s = WriteBookRows(rows, check, stats != nullptr ? stats : &local);
  if (s.ok()) return s;
  if (interrupted_load_.empty()) return s.WithContext("nothing was written");
  return s.WithContext("part of the book was written; apply and release refuse this ledger until the same load is "
                       "run again");
}

Status Ledger::CheckBookComplete() const {
  if (interrupted_load_.empty()) return Status::Ok();
  return Status::InvalidInput("ledger " + dir_ + ": a load of " + interrupted_load_ +
                              " stopped before its last chunk was written; run the same load again to finish it");
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
  std::vector<NumberClaim> claims;
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
      const std::string number_key = NumberKey(inv);
      id_hashes.push_back(Hash64(inv.invoice_id));
      number_hashes.push_back(Hash64(number_key));
      CASHMATCH_RETURN_IF_ERROR(Get(index_, number_key, &value, &found));
      if (found && value != inv.invoice_id) claims.push_back({value, number_key, inv.number, inv.source_line});
      ++check->invoices_count;
      return Status::Ok();
    }));
  }

  // Equal hashes: compare the strings of just those rows, in file order.
  const std::unordered_set<uint64_t> repeated_ids = RepeatedHashes(&id_hashes);
  const std::unordered_set<uint64_t> repeated_numbers = RepeatedHashes(&number_hashes);
  std::vector<uint64_t>().swap(id_hashes);
  std::vector<uint64_t>().swap(number_hashes);
  if (!repeated_ids.empty() || !repeated_numbers.empty()) {
    std::unordered_map<std::string, uint32_t> id_lines;
    struct FirstNumber {
      std::string invoice_id, number;
      uint32_t line;
    };
    std::unordered_map<std::string, FirstNumber> numbers;
    CASHMATCH_RETURN_IF_ERROR(rows.invoices([&](Invoice&& inv) -> Status {
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

  // Numbers held by other invoices in the ledger: their owners must take
  // another number in this load.
  if (!claims.empty()) {
    std::unordered_map<std::string, std::string> new_numbers;  // owner -> its number key in the load
    for (const NumberClaim& c : claims) new_numbers.emplace(c.owner, std::string());
    CASHMATCH_RETURN_IF_ERROR(rows.invoices([&](Invoice&& inv) -> Status {
      auto it = new_numbers.find(inv.invoice_id);
      if (it != new_numbers.end()) it->second = NumberKey(inv);
      return Status::Ok();
    }));
    for (const NumberClaim& c : claims) {
      const std::string& renumbered_to = new_numbers.at(c.owner);
      if (renumbered_to.empty() || renumbered_to == c.number_key) {
        return Status::InvalidInput(At(is, c.line, "number") + ": '" + c.number + "' already belongs to invoice '" +
                                    c.owner + "'");
      }
    }
  }
  return Status::Ok();
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
    CASHMATCH_RETURN_IF_ERROR(
        FromRocksStatus(db_->Put(wo, meta_, kMetaLoadPending, what)).WithContext("cannot start the load"));
    interrupted_load_ = what;
  }

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
    if (last && chunked) wb.Delete(meta_, kMetaLoadPending);
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
        if (old.customer_id != inv.customer_id) wb.Delete(index_, Key3('c', old.customer_id, old.invoice_id));
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
      wb.Put(index_, Key3('c', inv.customer_id, inv.invoice_id), "");
      if (!inv.stripe_invoice_id.empty()) wb.Put(index_, Key2('s', inv.stripe_invoice_id), inv.invoice_id);
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
