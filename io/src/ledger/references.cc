// The ledger's side of tolerant, typo and PO lookups (keys in ledger/keys.h,
// rules in engine/src/references.h): LoadBook brings every invoice a hint
// could name by a looser key into the OpenBook, and the matcher decides.
// Each lookup is a prefix seek over one index kind, bounded in how many
// invoices it loads; nothing scans the invoices.
#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <cassert>
#include <set>

#include "cashmatch/engine/invoice_keys.h"
#include "cashmatch/io/ledger.h"
#include "book_index.h"
#include "codec.h"
#include "customer_keys.h"
#include "commit_writer.h"
#include "keys.h"

namespace cashmatch::io {
namespace {

// Most invoices loaded for one tolerant key: two already make it ambiguous.
constexpr size_t kTolerantLoadMax = 8;
// Most index entries read for one string of a typo neighbourhood or one PO
// number. Past it the lookup is "crowded": no one invoice can be the one
// meant, and reading them all would let one payment pull in a whole book.
constexpr size_t kNeighbourLoadMax = 64;
// Invoices indexed per write during the schema-3 backfill.
constexpr size_t kBackfillBatchInvoices = 50000;

}  // namespace

// Appends the invoice ids under "<kind>\0<key>\0", reading at most
// `scan_max` entries (`crowded` when there are more). With `near_body`, a
// 'd' entry is kept only when the body stored in it is within one edit of
// `near_body`: neighbourhoods also meet for bodies two edits apart, and
// those are dropped before anything is loaded.
Status Ledger::ScanLooseKey(rocksdb::Iterator* it, char kind, const std::string& key, size_t scan_max,
                            std::string_view near_body, std::vector<std::string>* invoice_ids, bool* crowded) const {
  *crowded = false;
  if (resident_ != nullptr && kind != kIndexTypo) {
    std::vector<std::string> ids;
    CASHMATCH_RETURN_IF_ERROR(resident_->Scan(kind, key, scan_max, &ids, crowded));
    invoice_ids->insert(invoice_ids->end(), std::make_move_iterator(ids.begin()), std::make_move_iterator(ids.end()));
    return Status::Ok();
  }
  std::string prefix = Key2(kind, key);
  prefix.push_back('\0');
  size_t scanned = 0;
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    if (++scanned > scan_max) {
      *crowded = true;
      break;
    }
    if (!near_body.empty() && EditDistanceUpToOne(it->value().ToStringView(), near_body) > 1) continue;
    invoice_ids->push_back(it->key().ToString().substr(prefix.size()));
  }
  return FromRocksStatus(it->status());
}

// For each number hint its strict key did not find: the invoices sharing
// its tolerant key; if none, the invoices whose body is within one edit of
// its body (the deletion neighbourhoods of the two meet). Then the PO
// numbers. A crowded neighbourhood is marked in the book so the matcher
// does not take the one open invoice it happened to load for the only one.
Status Ledger::LoadLooseReferences(const BookRequest& req, const std::set<std::string>& missing_numbers, OpenBook& book,
                                   std::set<std::string>* loaded_invoices, std::set<std::string>* customer_ids) const {
  std::set<NumberKeys> done;
  std::vector<std::string> ids;
  std::vector<std::string> to_load;  // read together at the end
  bool crowded = false;
  if (missing_numbers.empty() && req.po_numbers.empty()) return Status::Ok();
  // One iterator for every scan: creating one costs more than a seek.
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), index_));
  for (const NumberKeys& keys : req.number_fallbacks) {
    if (missing_numbers.count(keys.strict) == 0 || !done.insert(keys).second) continue;
    ids.clear();
    if (!keys.tolerant.empty()) {
      CASHMATCH_RETURN_IF_ERROR(
          ScanLooseKey(it.get(), kIndexTolerant, keys.tolerant, kTolerantLoadMax, {}, &ids, &crowded));
    }
    if (ids.empty()) {
      const std::string_view body = TypoBodyKey(keys.strict);
      if (body.size() >= kTypoQueryLengthMin) {
        for (const std::string& v : DeletionNeighbourhood(body)) {
          const size_t before = ids.size();
          CASHMATCH_RETURN_IF_ERROR(ScanLooseKey(it.get(), kIndexTypo, v, kNeighbourLoadMax, body, &ids, &crowded));
          if (crowded) {
            book.MarkTypoCrowded(std::string(body));
            ids.resize(before);
            break;
          }
        }
      }
    }
    to_load.insert(to_load.end(), ids.begin(), ids.end());
  }
  for (const std::string& po : req.po_numbers) {
    ids.clear();
    CASHMATCH_RETURN_IF_ERROR(ScanLooseKey(it.get(), kIndexPurchaseOrder, po, kNeighbourLoadMax, {}, &ids, &crowded));
    if (crowded) continue;  // a blanket PO names no one invoice
    to_load.insert(to_load.end(), ids.begin(), ids.end());
  }
  return LoadInvoicesById(std::move(to_load), /*open_only=*/false, book, loaded_invoices, customer_ids);
}

// Schema 3: puts the index keys `add` gives for every record of `source`,
// in writes of kBackfillBatchInvoices records, each in key order (see
// UpsertBook). Puts are idempotent, so an interrupted backfill is simply
// done again at the next open.
Status Ledger::BackfillIndex(rocksdb::ColumnFamilyHandle* source, const char* what,
                             const std::function<Status(std::string_view value, PutList& entries)>& add) {
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), source));
  rocksdb::WriteOptions wo;
  wo.sync = options_.sync;
  PutList entries;
  size_t pending = 0;
  auto flush = [&]() -> Status {
    rocksdb::WriteBatch wb;
    entries.PutSorted(&wb, index_);
    entries.Clear();
    pending = 0;
    return FromRocksStatus(db_->Write(wo, &wb))
        .WithContext(std::string("cannot index ") + what + " for schema " + std::to_string(kSchemaVersion));
  };
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    CASHMATCH_RETURN_IF_ERROR(add(it->value().ToStringView(), entries));
    if (++pending == kBackfillBatchInvoices) CASHMATCH_RETURN_IF_ERROR(flush());
  }
  CASHMATCH_RETURN_IF_ERROR(FromRocksStatus(it->status()));
  if (pending > 0) CASHMATCH_RETURN_IF_ERROR(flush());
  return Status::Ok();
}

// The looser keys of every stored invoice (tolerant, typo, PO).
Status Ledger::BackfillLooseIndex() {
  return BackfillIndex(invoices_, "invoices", [](std::string_view value, PutList& entries) {
    Invoice inv;
    CASHMATCH_RETURN_IF_ERROR(codec::DecodeInvoice(value, &inv));
    for (const IndexEntry& e : LooseIndexEntries(inv)) {
      entries.Key().append(e.key);
      entries.Value().append(e.value);
    }
    return Status::Ok();
  });
}

// The keys UpsertBook now writes for every stored customer: name tokens,
// Stripe customer ids, parent -> child.
Status Ledger::BackfillCustomerIndex() {
  return BackfillIndex(customers_, "customers", [](std::string_view value, PutList& entries) {
    Customer c;
    CASHMATCH_RETURN_IF_ERROR(codec::DecodeCustomer(value, &c));
    for (const std::string& key : CustomerIndexKeys(c)) {
      entries.Key().append(key);
      entries.Value();
    }
    return Status::Ok();
  });
}

}  // namespace cashmatch::io
