#include "book_index.h"

#include <algorithm>
#include <bit>
#include <chrono>
#include <functional>

#include "cashmatch/engine/invoice_keys.h"
#include "codec.h"
#include "customer_keys.h"
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

void BookIndex::Rows::Shrink() {
  arena.shrink_to_fit();
  offset.shrink_to_fit();
  size.shrink_to_fit();
}

size_t BookIndex::Rows::bytes() const {
  return arena.capacity() + offset.capacity() * sizeof(uint64_t) + size.capacity() * sizeof(uint32_t);
}

Result<std::unique_ptr<BookIndex>> BookIndex::Build(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* invoices,
                                                    rocksdb::ColumnFamilyHandle* customers) {
  const auto start = std::chrono::steady_clock::now();
  auto out = std::unique_ptr<BookIndex>(new BookIndex());
  BookIndex& b = *out;
  rocksdb::ReadOptions ro;
  ro.fill_cache = false;  // one pass over everything: keep the block cache for the batches
  ro.readahead_size = 2 << 20;
  using Entries = std::vector<HashPostings::Entry>;
  auto add = [](Entries& to, char kind, std::string_view group, uint32_t row) {
    to.push_back({KeyHash(kind, group), row, CheckHash(group)});
  };
  // Customers, in id order, with the keys load gave them (CustomerIndexKeys).
  Entries ids, accounts, stripe_customers, tokens, parents;
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(ro, customers));
  Customer c;
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    const uint32_t row = static_cast<uint32_t>(b.customers_.offset.size());
    CASHMATCH_RETURN_IF_ERROR(codec::DecodeCustomer(it->value().ToStringView(), &c));
    if (c.customer_id != it->key().ToStringView()) return Status::LedgerCorrupt("customer record under another id");
    b.customers_.Add(it->value().ToStringView());
    ids.push_back({KeyHash(kIdKind, c.customer_id), row, 0});
    for (const std::string& key : CustomerIndexKeys(c)) {
      // "<kind>\0<group>\0<customer id>"
      const std::string_view group = std::string_view(key).substr(2, key.size() - 3 - c.customer_id.size());
      if (key[0] == kIndexNameText) {
        b.AddNameText(group, row);
        continue;
      }
      Entries& to = key[0] == kIndexAccount          ? accounts
                    : key[0] == kIndexStripeCustomer ? stripe_customers
                    : key[0] == kIndexNameToken      ? tokens
                                                     : parents;
      add(to, key[0], group, row);
    }
  }
  CASHMATCH_RETURN_IF_ERROR(FromRocks(it->status()));
  b.customer_by_id_.Build(std::move(ids));
  b.by_account_.Build(std::move(accounts), true);
  b.by_stripe_customer_.Build(std::move(stripe_customers), true);
  b.by_token_.Build(std::move(tokens), true);
  b.by_parent_.Build(std::move(parents), true);
  b.SortNameTexts();
  // Invoices, in id order, with the keys load gave them: number ('n'),
  // Stripe invoice id ('s'), customer ('c'), tolerant key and PO (keys.h).
  ids = {};
  Entries numbers, stripe_invoices, tolerant, pos;
  std::vector<std::pair<uint32_t, uint32_t>> by_customer;  // (customer row, invoice row)
  it.reset(db->NewIterator(ro, invoices));
  Invoice inv;
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    const uint32_t row = static_cast<uint32_t>(b.invoices_.offset.size());
    if (row == UINT32_MAX) return Status::Unsupported("book too large for the resident index");
    CASHMATCH_RETURN_IF_ERROR(codec::DecodeInvoice(it->value().ToStringView(), &inv));
    if (inv.invoice_id != it->key().ToStringView()) return Status::LedgerCorrupt("invoice record under another id");
    b.invoices_.Add(it->value().ToStringView());
    ids.push_back({KeyHash(kIdKind, inv.invoice_id), row, 0});
    add(numbers, kIndexNumber, NormalizeInvoiceNumber(inv.number), row);
    if (!inv.stripe_invoice_id.empty()) add(stripe_invoices, kIndexStripeInvoice, inv.stripe_invoice_id, row);
    const std::string t = TolerantGroup(inv);
    if (!t.empty()) add(tolerant, kIndexTolerant, t, row);
    const std::string po = PurchaseOrderGroup(inv);
    if (!po.empty()) add(pos, kIndexPurchaseOrder, po, row);
    uint32_t crow = 0;
    if (!b.CustomerRow(inv.customer_id, &crow)) {
      return Status::LedgerCorrupt("invoice '" + inv.invoice_id + "' names customer '" + inv.customer_id +
                                   "' which is not stored");
    }
    by_customer.emplace_back(crow, row);
  }
  CASHMATCH_RETURN_IF_ERROR(FromRocks(it->status()));
  b.invoice_by_id_.Build(std::move(ids));
  b.by_number_.Build(std::move(numbers), true);
  b.by_stripe_invoice_.Build(std::move(stripe_invoices), true);
  b.by_tolerant_.Build(std::move(tolerant), true);
  b.by_po_.Build(std::move(pos), true);
  // 'c': by customer row, then invoice row (= invoice id order).
  std::sort(by_customer.begin(), by_customer.end());
  b.first_invoice_.assign(b.customers_.offset.size() + 1, 0);
  b.invoices_of_.reserve(by_customer.size());
  size_t at = 0;
  for (uint32_t crow = 0; crow < b.customers_.offset.size(); ++crow) {
    b.first_invoice_[crow] = static_cast<uint32_t>(b.invoices_of_.size());
    for (; at < by_customer.size() && by_customer[at].first == crow; ++at)
      b.invoices_of_.push_back(by_customer[at].second);
  }
  b.first_invoice_.back() = static_cast<uint32_t>(b.invoices_of_.size());
  for (Rows* rows : {&b.customers_, &b.invoices_}) rows->Shrink();
  b.build_seconds_ = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return out;
}

void BookIndex::AddNameText(std::string_view text, uint32_t row) {
  name_texts_.push_back({static_cast<uint64_t>(name_arena_.size()), static_cast<uint32_t>(text.size()), row});
  name_arena_.append(text);
}

void BookIndex::SortNameTexts() {
  // Rows are in customer id order, so (text, row) is the ledger's key order.
  std::sort(name_texts_.begin(), name_texts_.end(), [&](const NameText& a, const NameText& b) {
    const int c = TextOf(a).compare(TextOf(b));
    return c != 0 ? c < 0 : a.row < b.row;
  });
  name_texts_.shrink_to_fit();
  name_arena_.shrink_to_fit();
}

Status BookIndex::ScanNameText(std::string_view text, bool prefix, size_t count_max, std::vector<std::string>* ids,
                               bool* more) const {
  ids->clear();
  *more = false;
  auto it = std::lower_bound(name_texts_.begin(), name_texts_.end(), text,
                             [&](const NameText& e, std::string_view t) { return TextOf(e) < t; });
  for (; it != name_texts_.end(); ++it) {
    const std::string_view stored = TextOf(*it);
    if (prefix ? !stored.starts_with(text) : stored != text) break;
    if (ids->size() == count_max) {
      *more = true;
      break;
    }
    std::string_view id;
    CASHMATCH_RETURN_IF_ERROR(codec::PeekCustomerId(customers_.Record(it->row), &id));
    ids->emplace_back(id);
  }
  return Status::Ok();
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
  if (kind == kIndexNameText) return ScanNameText(group, /*prefix=*/false, count_max, ids, more);
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
                               rocksdb::ColumnFamilyHandle* customers) const {
  Result<std::unique_ptr<BookIndex>> fresh = Build(db, invoices, customers);
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
  bool same_names = name_texts_.size() == f.name_texts_.size();
  for (size_t i = 0; same_names && i < name_texts_.size(); ++i) {
    same_names = name_texts_[i].row == f.name_texts_[i].row && TextOf(name_texts_[i]) == f.TextOf(f.name_texts_[i]);
  }
  if (!same_names) return differ("the 'N' keys");
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
            (first_invoice_.capacity() + invoices_of_.capacity()) * sizeof(uint32_t) + name_arena_.capacity() +
            name_texts_.capacity() * sizeof(NameText);
  s.postings_count = invoices_of_.size() + name_texts_.size();
  for (char kind : {kIndexNumber, kIndexStripeInvoice, kIndexTolerant, kIndexPurchaseOrder, kIndexAccount,
                    kIndexStripeCustomer, kIndexNameToken, kIndexChild}) {
    s.bytes += PostingsOf(kind)->bytes();
    s.postings_count += PostingsOf(kind)->size();
  }
  s.build_seconds = build_seconds_;
  return s;
}

}  // namespace cashmatch::io
