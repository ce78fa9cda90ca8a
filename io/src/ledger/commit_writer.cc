#include "commit_writer.h"

#include <rocksdb/write_batch.h>

#include <algorithm>
#include <cassert>

#include "codec.h"
#include "keys.h"

namespace cashmatch::io {
namespace {

// A WriteBatch entry's framing beyond its key and value: a type byte, the
// column family id and two lengths (varints, at most 5 bytes each).
constexpr size_t kEntryFramingBytesMax = 1 + 5 + 5 + 5;

}  // namespace

void PutList::Clear() {
  bytes_.clear();
  entries_.clear();
  open_ = false;
}

std::string& PutList::Key() {
  CloseLast();
  entries_.push_back(Entry{bytes_.size(), bytes_.size(), bytes_.size()});
  open_ = true;
  return bytes_;
}

std::string& PutList::Value() {
  assert(open_);
  entries_.back().key_end = bytes_.size();
  return bytes_;
}

void PutList::CloseLast() {
  if (!open_) return;
  Entry& last = entries_.back();
  assert(last.key_end >= last.begin);
  last.end = bytes_.size();
  open_ = false;
}

size_t PutList::batch_bytes() const { return bytes_.size() + entries_.size() * kEntryFramingBytesMax; }

void PutList::PutInOrder(rocksdb::WriteBatch* wb, rocksdb::ColumnFamilyHandle* cf) {
  CloseLast();
  for (const Entry& e : entries_) {
    rocksdb::Status s = wb->Put(cf, KeyOf(e), ValueOf(e));
    assert(s.ok());  // fails only past WriteBatch's 4 GiB limit
    (void)s;
  }
}

void PutList::Sort() {
  CloseLast();
  // string_view orders bytes as unsigned, as RocksDB's bytewise comparator does.
  std::stable_sort(entries_.begin(), entries_.end(),
                   [this](const Entry& a, const Entry& b) { return KeyOf(a) < KeyOf(b); });
}

void PutList::PutSorted(rocksdb::WriteBatch* wb, rocksdb::ColumnFamilyHandle* cf) {
  Sort();
  PutInOrder(wb, cf);
}

void CommitWriter::Clear() {
  for (PutList* list : {&events, &trails, &index, &invoices, &payments, &meta}) list->Clear();
  refs_.clear();
  reopened_.clear();
}

void CommitWriter::AddEvents(const std::vector<Event>& batch_events) {
  // Checked before they are written (verify checks the same on disk): the
  // batch's seqs are consecutive, and every event has a currency and an
  // amount that is not negative.
  uint64_t previous_seq = 0;
  for (const Event& e : batch_events) {
    assert(e.seq > 0);
    assert(previous_seq == 0 || e.seq == previous_seq + 1);
    assert(e.currency != nullptr);
    assert(e.amount_minor >= 0);
    previous_seq = e.seq;
    codec::AppendBigEndian64(e.seq, &events.Key());
    codec::AppendEvent(e, &events.Value());
    if (e.type == EventType::kException) {
      AppendExceptionKey(&index.Key(), e);
      index.Value();
    }
    if (e.type == EventType::kReversed && !e.invoice_id.empty()) reopened_.push_back(e.invoice_id);
    if (e.type == EventType::kHeld) {  // found again when the invoice's usage is final
      AppendIndexKey(&index.Key(), kIndexHold, e.invoice_id, e.payment_id);
      index.Value();
    }
  }
  AddTrails(batch_events);
}

void CommitWriter::AddTrails(const std::vector<Event>& batch_events) {
  refs_.clear();
  for (const Event& e : batch_events) {
    if (!e.invoice_id.empty()) refs_.push_back(TrailRef{TrailKind(Subject::kInvoice), e.invoice_id, e.seq});
    if (!e.payment_id.empty()) refs_.push_back(TrailRef{TrailKind(Subject::kPayment), e.payment_id, e.seq});
    if (!e.customer_id.empty()) refs_.push_back(TrailRef{TrailKind(Subject::kCustomer), e.customer_id, e.seq});
  }
  // Key order: kind, id, then seq, which also lists each group's events in
  // order. Kinds and ids compare as unsigned bytes, as the keys will.
  std::sort(refs_.begin(), refs_.end(), [](const TrailRef& a, const TrailRef& b) {
    if (a.kind != b.kind) return static_cast<unsigned char>(a.kind) < static_cast<unsigned char>(b.kind);
    int c = a.id.compare(b.id);
    return c != 0 ? c < 0 : a.seq < b.seq;
  });
  for (size_t i = 0; i < refs_.size();) {
    const TrailRef& first = refs_[i];
    group_seqs_.clear();
    for (; i < refs_.size() && refs_[i].kind == first.kind && refs_[i].id == first.id; ++i) {
      group_seqs_.push_back(refs_[i].seq);
    }
    AppendTrailKey(&trails.Key(), first.kind, first.id, group_seqs_.front());
    codec::AppendTrailSeqs(group_seqs_.data(), group_seqs_.size(), &trails.Value());
  }
}

void CommitWriter::AddInvoices(const std::vector<Invoice>& batch_invoices) {
  for (const Invoice& inv : batch_invoices) {
    assert(!inv.invoice_id.empty());
    assert(inv.currency != nullptr);
    assert(inv.amount_open_minor >= 0);  // never below zero (verify's invariant)
    invoices.Key().append(inv.invoice_id);
    codec::AppendInvoice(inv, &invoices.Value());
    if (inv.is_open() && std::find(reopened_.begin(), reopened_.end(), inv.invoice_id) != reopened_.end()) {
      for (const IndexEntry& e : LooseIndexEntries(inv)) {
        if (e.key[0] != kIndexTypo) continue;  // the others do not depend on the open amount
        index.Key().append(e.key);
        index.Value().append(e.value);
      }
    }
  }
}

void CommitWriter::AddPayments(const std::vector<PaymentRecord>& batch_payments) {
  for (const PaymentRecord& p : batch_payments) {
    payments.Key().append(p.payment_id);
    codec::AppendPayment(p, &payments.Value());
    if (!p.customer_id.empty()) {
      AppendIndexKey(&index.Key(), kIndexCustomerPayment, p.customer_id, p.payment_id);
      index.Value();
    }
    // Returns name the bank's reference, or the payer's end-to-end id, as
    // often as our id.
    for (const std::string* ref : {&p.bank_reference, &p.end_to_end_id}) {
      if (ref->empty() || *ref == p.payment_id) continue;
      AppendIndexKey(&index.Key(), kIndexReference, *ref);
      index.Value().append(p.payment_id);
    }
  }
}

void CommitWriter::AddPayoutLinks(const std::vector<PayoutLink>& links) {
  for (const PayoutLink& l : links) {
    const std::string_view ccy = l.currency->code();
    if (!l.payout_id.empty()) {
      AppendPayoutKey(&index.Key(), kIndexPayout, ccy, l.amount_minor, l.payout_id);
      codec::AppendPayoutLink(l, &index.Value());
    }
    if (!l.bank_payment_id.empty()) {
      AppendPayoutKey(&index.Key(), kIndexPayoutBankLine, ccy, l.amount_minor, l.bank_payment_id);
      codec::AppendPayoutLink(l, &index.Value());
    }
  }
}

size_t CommitWriter::batch_bytes() const {
  size_t total = 0;
  for (const PutList* list : {&events, &trails, &index, &invoices, &payments, &meta}) total += list->batch_bytes();
  return total;
}

size_t CommitWriter::keys_count() const {
  size_t total = 0;
  for (const PutList* list : {&events, &trails, &index, &invoices, &payments, &meta}) total += list->count();
  return total;
}

}  // namespace cashmatch::io
