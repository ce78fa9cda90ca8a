#include "book_index.h"

#include <algorithm>
#include <bit>
#include <chrono>
#include <functional>

#include "codec.h"
#include "keys.h"

namespace cashmatch::io {
namespace {

// The group hash of a key kind: std::hash of the bytes (libstdc++'s
// 64-bit Murmur-style hash), the kind mixed in and the result finalized
// (SplitMix64's) so that its top bits, which the directory reads, are
// uniform.
uint64_t KeyHash(char kind, std::string_view group) {
  uint64_t h = std::hash<std::string_view>()(group) ^ (static_cast<uint64_t>(static_cast<uint8_t>(kind)) << 56);
  h ^= h >> 30;
  h *= 0xbf58476d1ce4e5b9ULL;
  h ^= h >> 27;
  h *= 0x94d049bb133111ebULL;
  h ^= h >> 31;
  return h;
}

// The second, independent hash of a key (FNV-1a, 32 bits).
uint32_t CheckHash(std::string_view group) {
  uint32_t h = 2166136261u;
  for (char c : group) {
    h ^= static_cast<uint8_t>(c);
    h *= 16777619u;
  }
  return h;
}

constexpr char kIdKind = '\x01';  // the hash kind of record ids (no index key kind)

Status FromRocks(const rocksdb::Status& s) {
  if (s.ok()) return Status::Ok();
  return Status::IOError("ledger scan for the resident book index: " + s.ToString());
}

// The key kinds whose value is an invoice id.
constexpr char kValueKinds[] = {kIndexNumber, kIndexStripeInvoice};

// Splits "<kind>\0<group>\0<id>" (kind already checked).
bool SplitKey(std::string_view key, std::string_view* group, std::string_view* id) {
  key.remove_prefix(2);
  const size_t sep = key.find('\0');
  if (sep == std::string_view::npos) return false;
  *group = key.substr(0, sep);
  *id = key.substr(sep + 1);
  return true;
}

}  // namespace

void HashPostings::Build(std::vector<Entry> entries, bool keep_check) {
  std::sort(entries.begin(), entries.end(),
            [](const Entry& a, const Entry& b) { return a.hash != b.hash ? a.hash < b.hash : a.row < b.row; });
  hashes_.resize(entries.size());
  rows_.resize(entries.size());
  checks_.clear();
  if (keep_check) checks_.resize(entries.size());
  for (size_t i = 0; i < entries.size(); ++i) {
    hashes_[i] = entries[i].hash;
    rows_[i] = entries[i].row;
    if (keep_check) checks_[i] = entries[i].check;
  }
  // About two entries per directory slot.
  const int bits = entries.size() < 4 ? 1 : std::bit_width(entries.size()) - 1;
  shift_ = 64 - bits;
  const size_t slots = size_t{1} << bits;
  dir_.assign(slots + 1, static_cast<uint32_t>(entries.size()));
  size_t i = 0;
  for (size_t b = 0; b < slots; ++b) {
    while (i < hashes_.size() && (hashes_[i] >> shift_) < b) ++i;
    dir_[b] = static_cast<uint32_t>(i);
  }
}

std::pair<size_t, size_t> HashPostings::Find(uint64_t h) const {
  if (hashes_.empty()) return {0, 0};
  const size_t b = h >> shift_;
  size_t first = dir_[b];
  const size_t end = dir_[b + 1];
  while (first < end && hashes_[first] < h) ++first;
  size_t last = first;
  while (last < end && hashes_[last] == h) ++last;
  return {first, last};
}

size_t HashPostings::bytes() const {
  return hashes_.capacity() * sizeof(uint64_t) +
         (rows_.capacity() + checks_.capacity() + dir_.capacity()) * sizeof(uint32_t);
}

void BookIndex::Rows::Add(std::string_view record) {
  offset.push_back(arena.size());
  size.push_back(static_cast<uint32_t>(record.size()));
  arena.append(record);
}

void BookIndex::Rows::Replace(uint32_t row, std::string_view record) {
  if (record.size() <= size[row]) {
    arena.replace(offset[row], record.size(), record);
    garbage += size[row] - record.size();
  } else {
    garbage += size[row];
    offset[row] = arena.size();
    arena.append(record);
  }
  size[row] = static_cast<uint32_t>(record.size());
  // Rewritten records leave their old bytes behind: once they are half the
  // arena, it is written anew (a batch rewrites its invoices, so this is
  // amortised over many batches).
  if (garbage > (1u << 20) && garbage * 2 > arena.size()) {
    std::string fresh;
    fresh.reserve(arena.size() - garbage);
    for (size_t r = 0; r < offset.size(); ++r) {
      const uint64_t at = fresh.size();
      fresh.append(Record(static_cast<uint32_t>(r)));
      offset[r] = at;
    }
    arena = std::move(fresh);
    garbage = 0;
  }
}

size_t BookIndex::Rows::bytes() const {
  return arena.capacity() + offset.capacity() * sizeof(uint64_t) + size.capacity() * sizeof(uint32_t);
}

Result<std::unique_ptr<BookIndex>> BookIndex::Build(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* invoices,
                                                    rocksdb::ColumnFamilyHandle* customers,
                                                    rocksdb::ColumnFamilyHandle* index) {
  const auto start = std::chrono::steady_clock::now();
  auto out = std::unique_ptr<BookIndex>(new BookIndex());
  BookIndex& b = *out;
  rocksdb::ReadOptions ro;
  ro.fill_cache = false;  // one pass over everything: keep the block cache for the batches
  std::vector<HashPostings::Entry> entries;
  // The records, in id order, and their ids.
  for (auto [cf, rows, by_id] : {std::tuple(customers, &b.customers_, &b.customer_by_id_),
                                 std::tuple(invoices, &b.invoices_, &b.invoice_by_id_)}) {
    entries.clear();
    std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(ro, cf));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      const uint32_t row = static_cast<uint32_t>(rows->offset.size());
      const std::string_view id = it->key().ToStringView();
      entries.push_back({KeyHash(kIdKind, id), row, 0});
      rows->Add(it->value().ToStringView());
    }
    CASHMATCH_RETURN_IF_ERROR(FromRocks(it->status()));
    if (rows->offset.size() >= UINT32_MAX) return Status::Unsupported("book too large for the resident index");
    by_id->Build(std::move(entries));
    entries = {};
  }
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(ro, index));
  std::string prefix;
  auto scan = [&](char kind, const std::function<Status(std::string_view key, std::string_view value)>& fn) {
    prefix.assign({kind, '\0'});
    for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
      CASHMATCH_RETURN_IF_ERROR(fn(it->key().ToStringView(), it->value().ToStringView()));
    }
    return FromRocks(it->status());
  };
  auto corrupt = [](std::string_view key, const char* what, std::string_view id) {
    std::string k(key);
    std::replace(k.begin(), k.end(), '\0', '/');
    return Status::LedgerCorrupt("index key '" + k + "' names " + what + " '" + std::string(id) +
                                 "' which is not stored");
  };
  // 'n', 's': "<kind>\0<group>" -> invoice id.
  for (char kind : kValueKinds) {
    entries.clear();
    CASHMATCH_RETURN_IF_ERROR(scan(kind, [&](std::string_view key, std::string_view id) {
      uint32_t row = 0;
      if (!b.InvoiceRow(id, &row)) return corrupt(key, "invoice", id);
      const std::string_view group = key.substr(2);
      entries.push_back({KeyHash(kind, group), row, CheckHash(group)});
      return Status::Ok();
    }));
    (kind == kIndexNumber ? b.by_number_ : b.by_stripe_invoice_).Build(std::move(entries), true);
    entries = {};
  }
  // 'c': customer, invoice; the keys are in customer order, and so are the
  // customer rows.
  b.first_invoice_.assign(b.customers_.offset.size() + 1, 0);
  {
    uint32_t next_customer = 0;  // customer rows before it have their first_invoice_ set
    CASHMATCH_RETURN_IF_ERROR(scan(kIndexCustomerInvoice, [&](std::string_view key, std::string_view) {
      std::string_view group, id;
      if (!SplitKey(key, &group, &id)) return Status::LedgerCorrupt("malformed customer-invoice index key");
      uint32_t crow = 0, irow = 0;
      if (!b.CustomerRow(group, &crow)) return corrupt(key, "customer", group);
      if (!b.InvoiceRow(id, &irow)) return corrupt(key, "invoice", id);
      if (crow + 1 < next_customer) return Status::LedgerCorrupt("customer-invoice index out of order");
      while (next_customer <= crow) b.first_invoice_[next_customer++] = static_cast<uint32_t>(b.invoices_of_.size());
      b.invoices_of_.push_back(irow);
      return Status::Ok();
    }));
    while (next_customer < b.first_invoice_.size()) {
      b.first_invoice_[next_customer++] = static_cast<uint32_t>(b.invoices_of_.size());
    }
  }
  // "<kind>\0<group>\0<id>" of invoices and of customers.
  for (char kind :
       {kIndexTolerant, kIndexPurchaseOrder, kIndexAccount, kIndexStripeCustomer, kIndexNameToken, kIndexChild}) {
    const bool of_invoice = kind == kIndexTolerant || kind == kIndexPurchaseOrder;
    entries.clear();
    CASHMATCH_RETURN_IF_ERROR(scan(kind, [&](std::string_view key, std::string_view) {
      std::string_view group, id;
      if (!SplitKey(key, &group, &id)) return Status::LedgerCorrupt("malformed index key");
      uint32_t row = 0;
      if (of_invoice ? !b.InvoiceRow(id, &row) : !b.CustomerRow(id, &row)) {
        return corrupt(key, of_invoice ? "invoice" : "customer", id);
      }
      entries.push_back({KeyHash(kind, group), row, CheckHash(group)});
      return Status::Ok();
    }));
    b.MutablePostingsOf(kind)->Build(std::move(entries), true);
    entries = {};
  }
  b.build_seconds_ = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return out;
}

const HashPostings* BookIndex::PostingsOf(char kind) const {
  switch (kind) {
    case kIndexNumber: return &by_number_;
    case kIndexStripeInvoice: return &by_stripe_invoice_;
    case kIndexTolerant: return &by_tolerant_;
    case kIndexPurchaseOrder: return &by_po_;
    case kIndexAccount: return &by_account_;
    case kIndexStripeCustomer: return &by_stripe_customer_;
    case kIndexNameToken: return &by_token_;
    case kIndexChild: return &by_parent_;
    default: return nullptr;
  }
}

bool BookIndex::InvoiceRow(std::string_view id, uint32_t* row) const {
  auto [first, last] = invoice_by_id_.Find(KeyHash(kIdKind, id));
  for (size_t i = first; i < last; ++i) {
    std::string_view stored, number, customer;
    const uint32_t r = invoice_by_id_.row(i);
    if (codec::PeekInvoiceHead(invoices_.Record(r), &stored, &number, &customer).ok() && stored == id) {
      *row = r;
      return true;
    }
  }
  return false;
}

bool BookIndex::CustomerRow(std::string_view id, uint32_t* row) const {
  auto [first, last] = customer_by_id_.Find(KeyHash(kIdKind, id));
  for (size_t i = first; i < last; ++i) {
    std::string_view stored;
    const uint32_t r = customer_by_id_.row(i);
    if (codec::PeekCustomerId(customers_.Record(r), &stored).ok() && stored == id) {
      *row = r;
      return true;
    }
  }
  return false;
}

void BookIndex::GetRecords(const Rows& rows, bool (BookIndex::*row_of)(std::string_view, uint32_t*) const,
                           const std::vector<std::string>& ids, std::vector<std::string>* values,
                           std::vector<char>* found) const {
  values->assign(ids.size(), std::string());
  found->assign(ids.size(), 0);
  uint32_t row = 0;
  for (size_t i = 0; i < ids.size(); ++i) {
    if (!(this->*row_of)(ids[i], &row)) continue;
    (*found)[i] = 1;
    (*values)[i].assign(rows.Record(row));
  }
}

void BookIndex::GetInvoiceRecords(const std::vector<std::string>& ids, std::vector<std::string>* values,
                                  std::vector<char>* found) const {
  GetRecords(invoices_, &BookIndex::InvoiceRow, ids, values, found);
}

void BookIndex::GetCustomerRecords(const std::vector<std::string>& ids, std::vector<std::string>* values,
                                   std::vector<char>* found) const {
  GetRecords(customers_, &BookIndex::CustomerRow, ids, values, found);
}

Status BookIndex::FindInvoiceId(char kind, std::string_view group, std::string* id, bool* found) const {
  *found = false;
  const HashPostings* p = PostingsOf(kind);
  assert(kind == kIndexNumber || kind == kIndexStripeInvoice);
  auto [first, last] = p->Find(KeyHash(kind, group));
  const uint32_t check = CheckHash(group);
  for (size_t i = first; i < last; ++i) {
    if (p->check(i) != check) continue;
    std::string_view stored, number, customer;
    CASHMATCH_RETURN_IF_ERROR(codec::PeekInvoiceHead(invoices_.Record(p->row(i)), &stored, &number, &customer));
    id->assign(stored);
    *found = true;
    return Status::Ok();
  }
  return Status::Ok();
}

Status BookIndex::Scan(char kind, std::string_view group, size_t count_max, std::vector<std::string>* ids,
                       bool* more) const {
  ids->clear();
  *more = false;
  auto add = [&](bool of_invoice, uint32_t row) -> Status {
    if (ids->size() == count_max) {
      *more = true;
      return Status::Ok();
    }
    std::string_view id, number, customer;
    if (of_invoice) {
      CASHMATCH_RETURN_IF_ERROR(codec::PeekInvoiceHead(invoices_.Record(row), &id, &number, &customer));
    } else {
      CASHMATCH_RETURN_IF_ERROR(codec::PeekCustomerId(customers_.Record(row), &id));
    }
    ids->emplace_back(id);
    return Status::Ok();
  };
  if (kind == kIndexCustomerInvoice) {
    uint32_t crow = 0;
    if (!CustomerRow(group, &crow)) return Status::Ok();
    for (uint32_t i = first_invoice_[crow]; i < first_invoice_[crow + 1] && !*more; ++i) {
      CASHMATCH_RETURN_IF_ERROR(add(true, invoices_of_[i]));
    }
    return Status::Ok();
  }
  const HashPostings* p = PostingsOf(kind);
  assert(p != nullptr && kind != kIndexNumber && kind != kIndexStripeInvoice);
  const bool of_invoice = kind == kIndexTolerant || kind == kIndexPurchaseOrder;
  auto [first, last] = p->Find(KeyHash(kind, group));
  const uint32_t check = CheckHash(group);
  for (size_t i = first; i < last && !*more; ++i) {
    if (p->check(i) == check) CASHMATCH_RETURN_IF_ERROR(add(of_invoice, p->row(i)));
  }
  return Status::Ok();
}

Status BookIndex::UpdateInvoices(const std::vector<Invoice>& invoices) {
  std::string record;
  uint32_t row = 0;
  for (const Invoice& inv : invoices) {
    if (!InvoiceRow(inv.invoice_id, &row)) {
      return Status::InvariantViolated("commit rewrote invoice '" + inv.invoice_id + "' the resident book index lacks");
    }
    std::string_view id, number, customer;
    CASHMATCH_RETURN_IF_ERROR(codec::PeekInvoiceHead(invoices_.Record(row), &id, &number, &customer));
    // A commit changes amounts and states, never what the index is keyed on.
    if (number != inv.number || customer != inv.customer_id) {
      return Status::InvariantViolated("commit changed the number or customer of invoice '" + inv.invoice_id + "'");
    }
    record.clear();
    codec::AppendInvoice(inv, &record);
    invoices_.Replace(row, record);
  }
  return Status::Ok();
}

Status BookIndex::CheckAgainst(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* invoices,
                               rocksdb::ColumnFamilyHandle* customers, rocksdb::ColumnFamilyHandle* index) const {
  Result<std::unique_ptr<BookIndex>> fresh = Build(db, invoices, customers, index);
  if (!fresh.ok()) return fresh.status();
  const BookIndex& f = *fresh.value();
  auto differ = [](const std::string& what) {
    return Status::InvariantViolated("the resident book index differs from the ledger: " + what);
  };
  for (auto [mine, theirs, what] :
       {std::tuple(&invoices_, &f.invoices_, "invoice"), std::tuple(&customers_, &f.customers_, "customer")}) {
    if (mine->offset.size() != theirs->offset.size()) {
      return differ(std::string(what) + " count " + std::to_string(mine->offset.size()) + " against " +
                    std::to_string(theirs->offset.size()));
    }
    for (uint32_t r = 0; r < mine->offset.size(); ++r) {
      if (mine->Record(r) != theirs->Record(r)) return differ(std::string(what) + " record " + std::to_string(r));
    }
  }
  if (first_invoice_ != f.first_invoice_ || invoices_of_ != f.invoices_of_) return differ("customer invoices ('c')");
  for (char kind : {kIndexNumber, kIndexStripeInvoice, kIndexTolerant, kIndexPurchaseOrder, kIndexAccount,
                    kIndexStripeCustomer, kIndexNameToken, kIndexChild}) {
    const HashPostings& a = *PostingsOf(kind);
    const HashPostings& c = *f.PostingsOf(kind);
    bool same = a.size() == c.size();
    for (size_t i = 0; same && i < a.size(); ++i) same = a.row(i) == c.row(i) && a.check(i) == c.check(i);
    if (!same) return differ(std::string("the '") + kind + "' keys");
  }
  return Status::Ok();
}

BookIndexStats BookIndex::stats() const {
  BookIndexStats s;
  s.invoices_count = invoices_.offset.size();
  s.customers_count = customers_.offset.size();
  s.bytes = invoices_.bytes() + customers_.bytes() + invoice_by_id_.bytes() + customer_by_id_.bytes() +
            (first_invoice_.capacity() + invoices_of_.capacity()) * sizeof(uint32_t);
  s.postings_count = invoices_of_.size();
  for (char kind : {kIndexNumber, kIndexStripeInvoice, kIndexTolerant, kIndexPurchaseOrder, kIndexAccount,
                    kIndexStripeCustomer, kIndexNameToken, kIndexChild}) {
    s.bytes += PostingsOf(kind)->bytes();
    s.postings_count += PostingsOf(kind)->size();
  }
  s.build_seconds = build_seconds_;
  return s;
}

}  // namespace cashmatch::io
