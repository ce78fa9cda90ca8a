// cashmatch verify: the ledger's invariants (DESIGN.md §5), checked by
// folding the events and comparing the fold with the stored state.
//
// Per payment P:
//   received(P) = applied(P) + unapplied(P) + held(P) + in_review(P) + returned(P)
//   where applied is net of returns to invoices, held net of releases, in
//   review is what its exceptions hold (ExceptionHoldsCash) net of returns,
//   and returned is every `reversed` amount, taken from the bucket the
//   event names (`from`); each term equals the stored PaymentRecord.
//   A bank line that carried a Stripe payout receives nothing: its amount
//   is what its `payout_matched` event (or, while it waits, its
//   `payout_pending` exception) says. Fees are their own flow, never
//   negative.
// Per invoice I, over events after the invoice was last loaded:
//   loaded_open(I) - open(I) = applied(I) + written_off(I) - reversed(I),  open(I) >= 0.
// Sequence numbers are gapless from 1 to the stored counter, and every
// committed batch's range lies inside it.
#include <rocksdb/db.h>

#include "cashmatch/io/ledger.h"
#include "codec.h"
#include "keys.h"

namespace cashmatch::io {
namespace {

std::string Fmt(int64_t minor, const Currency* c) { return FormatAmountMinor(minor, c->exponent()); }

// The amount a `reversed` event takes back, from the bucket it names.
template <typename Buckets>
Status TakeBack(const Event& e, Buckets& b) {
  switch (e.from) {
    case CashBucket::kApplied: b.applied -= e.amount_minor; return Status::Ok();
    case CashBucket::kUnapplied: b.unapplied -= e.amount_minor; return Status::Ok();
    case CashBucket::kHeld: b.held -= e.amount_minor; return Status::Ok();
    case CashBucket::kReview: b.in_review -= e.amount_minor; return Status::Ok();
    case CashBucket::kNone: break;
  }
  return Status::InvariantViolated("event " + std::to_string(e.seq) + " returns cash from no bucket");
}

struct PaymentFold {
  int64_t received = 0, applied = 0, unapplied = 0, held = 0, in_review = 0, returned = 0;
  int64_t payout_line = 0;  // a Stripe payout's bank line: linked or waiting
  Status Add(const Event& e) {
    switch (e.type) {
      case EventType::kPaymentReceived: received += e.amount_minor; break;
      case EventType::kApplied: applied += e.amount_minor; break;
      case EventType::kReversed: returned += e.amount_minor; return TakeBack(e, *this);
      case EventType::kUnapplied: unapplied += e.amount_minor; break;
      case EventType::kHeld: held += e.amount_minor; break;
      // A released hold is applied (or left unapplied) by the events after it.
      case EventType::kReleased: held -= e.amount_minor; break;
      case EventType::kException:
        if (ExceptionHoldsCash(e)) in_review += e.amount_minor;
        if (e.reason == ExceptionReason::kPayoutPending) payout_line = e.amount_minor;
        break;
      case EventType::kPayoutMatched: payout_line = e.amount_minor; break;
      case EventType::kWrittenOff:
      case EventType::kSuppression:
      case EventType::kFee: break;
    }
    return Status::Ok();
  }
};

Status Violation(const std::string& what) { return Status::InvariantViolated(what); }

// Currencies never mix: an event that moves money between a payment and an
// invoice is in the currency of both.
bool MovesMoney(EventType t) {
  switch (t) {
    case EventType::kApplied:
    case EventType::kWrittenOff:
    case EventType::kHeld:
    case EventType::kReleased:
    case EventType::kReversed: return true;
    default: return false;
  }
}
Status CheckCurrency(const Event& e, const Currency* subject_currency, const std::string& who) {
  if (!MovesMoney(e.type) || e.currency == subject_currency) return Status::Ok();
  return Violation(who + "event " + std::to_string(e.seq) + " (" + EventTypeName(e.type) + ") is in " +
                   std::string(e.currency->code()) + " but the " + who.substr(0, who.find(' ')) + " is in " +
                   std::string(subject_currency->code()));
}

}  // namespace

Status Ledger::VerifyEvents(VerifyReport* report, ProgressCounter* checked) const {
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), events_));
  uint64_t expected = 1;
  Event e;
  for (it->SeekToFirst(); it->Valid(); it->Next(), ++expected) {
    std::string_view key = it->key().ToStringView();
    if (key.size() != 8 || codec::FromBigEndian64(key) != expected) {
      return Violation("event sequence has a gap: expected seq " + std::to_string(expected));
    }
    e = Event();
    Status s = codec::DecodeEvent(it->value().ToStringView(), &e);
    if (!s.ok()) return s.WithContext("event " + std::to_string(expected));
    if (e.seq != expected)
      return Violation("event stored at seq " + std::to_string(expected) + " says seq " + std::to_string(e.seq));
    if (e.currency == nullptr) return Violation("event " + std::to_string(e.seq) + " has no currency");
    if (e.amount_minor < 0) return Violation("event " + std::to_string(e.seq) + " has a negative amount");
    CurrencySummary& t = report->totals[std::string(e.currency->code())];
    // The buckets a return takes back from, under TakeBack's names.
    struct {
      int64_t& applied;
      int64_t& unapplied;
      int64_t& held;
      int64_t& in_review;
    } buckets{t.applied_minor, t.unapplied_minor, t.held_minor, t.exceptions_minor};
    switch (e.type) {
      case EventType::kPaymentReceived:
        t.received_minor += e.amount_minor;
        ++t.payments_count;
        break;
      case EventType::kApplied: t.applied_minor += e.amount_minor; break;
      case EventType::kReversed:
        CASHMATCH_RETURN_IF_ERROR(TakeBack(e, buckets));
        t.reversed_minor += e.amount_minor;
        break;
      case EventType::kFee:
        t.fees_minor += e.rule == RuleName(Rule::kStripeFeeRefund) ? -e.amount_minor : e.amount_minor;
        break;
      case EventType::kPayoutMatched: t.payout_lines_minor += e.amount_minor; break;
      case EventType::kUnapplied: t.unapplied_minor += e.amount_minor; break;
      case EventType::kHeld: t.held_minor += e.amount_minor; break;
      case EventType::kReleased: t.held_minor -= e.amount_minor; break;
      case EventType::kWrittenOff: t.written_off_minor += e.amount_minor; break;
      case EventType::kException:
        if (ExceptionHoldsCash(e)) {
          t.exceptions_minor += e.amount_minor;
          ++t.exceptions_count;
        }
        break;
      case EventType::kSuppression: break;
    }
    ++report->events_checked;
    checked->Add();
  }
  CASHMATCH_RETURN_IF_ERROR(FromRocksStatus(it->status()));
  if (expected != next_seq_) {
    return Violation("the sequence counter says the next event is " + std::to_string(next_seq_) +
                     " but the last stored event is " + std::to_string(expected - 1));
  }
  for (const auto& [code, t] : report->totals) {
    const Currency* c = Currency::Find(code);
    int64_t accounted = t.applied_minor + t.unapplied_minor + t.held_minor + t.exceptions_minor + t.reversed_minor;
    if (accounted != t.received_minor) {
      return Violation(code + ": received " + Fmt(t.received_minor, c) +
                       " but applied + unapplied + held + in review + returned = " + Fmt(accounted, c));
    }
  }
  return Status::Ok();
}

Status Ledger::VerifyPayments(VerifyReport* report, ProgressCounter* checked) const {
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), payments_));
  PaymentRecord p;
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    p = PaymentRecord();
    CASHMATCH_RETURN_IF_ERROR(codec::DecodePayment(it->value().ToStringView(), &p));
    PaymentFold fold;
    Status folded;
    const std::string who = "payment " + p.payment_id + ": ";
    CASHMATCH_RETURN_IF_ERROR(ForEachEventOf(Subject::kPayment, p.payment_id, [&](const Event& e) {
      folded = CheckCurrency(e, p.currency, who);
      if (folded.ok()) folded = fold.Add(e);
      return folded.ok();
    }));
    CASHMATCH_RETURN_IF_ERROR(folded);
    const Currency* c = p.currency;
    if (p.status == PaymentStatus::kPayout || p.reason == ExceptionReason::kPayoutPending) {
      if (fold.received != 0 || fold.payout_line != p.amount_minor) {
        return Violation(who + "bank line of a Stripe payout for " + Fmt(p.amount_minor, c) + " but its events say " +
                         Fmt(fold.payout_line, c) + " (and received " + Fmt(fold.received, c) + ")");
      }
      ++report->payments_checked;
      checked->Add();
      continue;
    }
    if (fold.received != p.amount_minor) {
      return Violation(who + "amount " + Fmt(p.amount_minor, c) + " but events received " + Fmt(fold.received, c));
    }
    if (fold.applied != p.applied_minor || fold.unapplied != p.unapplied_minor || fold.held != p.held_minor ||
        fold.in_review != p.exception_minor || fold.returned != p.returned_minor) {
      return Violation(who + "stored state (applied " + Fmt(p.applied_minor, c) + ", unapplied " +
                       Fmt(p.unapplied_minor, c) + ", held " + Fmt(p.held_minor, c) + ", in review " +
                       Fmt(p.exception_minor, c) + ", returned " + Fmt(p.returned_minor, c) +
                       ") differs from its events (applied " + Fmt(fold.applied, c) + ", unapplied " +
                       Fmt(fold.unapplied, c) + ", held " + Fmt(fold.held, c) + ", in review " +
                       Fmt(fold.in_review, c) + ", returned " + Fmt(fold.returned, c) + ")");
    }
    if (fold.applied + fold.unapplied + fold.held + fold.in_review + fold.returned != fold.received) {
      return Violation(who + "received " + Fmt(fold.received, c) + " is not fully accounted for");
    }
    ++report->payments_checked;
    checked->Add();
  }
  return FromRocksStatus(it->status());
}

Status Ledger::VerifyInvoices(VerifyReport* report, ProgressCounter* checked) const {
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), invoices_));
  Invoice inv;
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    inv = Invoice();
    CASHMATCH_RETURN_IF_ERROR(codec::DecodeInvoice(it->value().ToStringView(), &inv));
    const std::string who = "invoice " + inv.invoice_id + " (" + inv.number + "): ";
    const Currency* c = inv.currency;
    if (inv.amount_open_minor < 0)
      return Violation(who + "open amount " + Fmt(inv.amount_open_minor, c) + " is below zero");
    CASHMATCH_RETURN_IF_ERROR(VerifyInvoiceKeys(inv, who));
    int64_t settled = 0;
    Status mixed;
    CASHMATCH_RETURN_IF_ERROR(ForEachEventOf(Subject::kInvoice, inv.invoice_id, [&](const Event& e) {
      mixed = CheckCurrency(e, c, who);
      if (!mixed.ok()) return false;
      if (e.seq <= inv.loaded_at_seq) return true;
      if (e.type == EventType::kApplied || e.type == EventType::kWrittenOff) settled += e.amount_minor;
      if (e.type == EventType::kReversed && e.from == CashBucket::kApplied) settled -= e.amount_minor;
      return true;
    }));
    CASHMATCH_RETURN_IF_ERROR(mixed);
    if (inv.loaded_open_minor - inv.amount_open_minor != settled) {
      return Violation(who + "open amount went from " + Fmt(inv.loaded_open_minor, c) + " at load to " +
                       Fmt(inv.amount_open_minor, c) + " but its events settle " + Fmt(settled, c));
    }
    ++report->invoices_checked;
    checked->Add();
  }
  return FromRocksStatus(it->status());
}

// What the matcher finds an invoice by: its number ('n'), its customer
// ('c'), its Stripe invoice id ('s') and, from schema 4, its tolerant, PO
// and (while open) typo keys. A missing or stray key would make an invoice
// silently unfindable, or found as another.
Status Ledger::VerifyInvoiceKeys(const Invoice& inv, const std::string& who) const {
  std::string value;
  bool found = false;
  auto expect_names = [&](const std::string& key, const char* what) -> Status {
    CASHMATCH_RETURN_IF_ERROR(Get(index_, key, &value, &found));
    if (!found) return Violation(who + "no " + what + " index key");
    if (value != inv.invoice_id) return Violation(who + "its " + what + " index key names invoice '" + value + "'");
    return Status::Ok();
  };
  CASHMATCH_RETURN_IF_ERROR(expect_names(Key2(kIndexNumber, NormalizeInvoiceNumber(inv.number)), "number"));
  if (!inv.stripe_invoice_id.empty()) {
    CASHMATCH_RETURN_IF_ERROR(expect_names(Key2(kIndexStripeInvoice, inv.stripe_invoice_id), "Stripe invoice id"));
  }
  CASHMATCH_RETURN_IF_ERROR(Get(index_, Key3(kIndexCustomerInvoice, inv.customer_id, inv.invoice_id), &value, &found));
  if (!found) return Violation(who + "missing from customer " + inv.customer_id + "'s invoice index");
  // Not indexed by this schema's loose keys yet (below 3: none; 3: the
  // tolerant rule before look-alikes): done when first opened for writing.
  if (schema_version_ < kSchemaVersion) return Status::Ok();
  for (const IndexEntry& e : LooseIndexEntries(inv)) {
    CASHMATCH_RETURN_IF_ERROR(Get(index_, e.key, &value, &found));
    if (!found || value != e.value) {
      const char* kind = e.key[0] == kIndexTolerant ? "tolerant-number" : e.key[0] == kIndexTypo ? "typo" : "PO";
      return Violation(who + (found ? "wrong value under a " : "missing a ") + kind + " index key");
    }
  }
  return Status::Ok();
}

uint64_t Ledger::EstimatedKeysCount(rocksdb::ColumnFamilyHandle* cf) const {
  uint64_t n = 0;
  return db_->GetIntProperty(cf, rocksdb::DB::Properties::kEstimateNumKeys, &n) ? n : 0;
}

Status Ledger::Verify(VerifyReport* report, const ProgressHook& progress) const {
  // The records to check: every event (the sequence counter says how many,
  // and a gap fails verify), then every payment and invoice, estimated by
  // RocksDB (overwrites not yet compacted count more than once) until its
  // scan has counted them.
  auto tell_total = [&](uint64_t total) {
    if (progress.on_total) progress.on_total(total);
  };
  ProgressCounter checked(progress.on_done);
  tell_total(last_seq() + EstimatedKeysCount(payments_) + EstimatedKeysCount(invoices_));
  CASHMATCH_RETURN_IF_ERROR(VerifyEvents(report, &checked));
  CASHMATCH_RETURN_IF_ERROR(VerifyPayments(report, &checked));
  checked.Flush();
  tell_total(checked.count() + EstimatedKeysCount(invoices_));
  CASHMATCH_RETURN_IF_ERROR(VerifyInvoices(report, &checked));
  checked.Flush();
  tell_total(checked.count());
  // Every committed batch's events exist.
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), meta_));
  const std::string prefix("b\0", 2);
  CommittedBatch b;
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    CASHMATCH_RETURN_IF_ERROR(codec::DecodeBatch(it->value().ToStringView(), &b));
    if (b.first_seq == 0 || b.last_seq + 1 < b.first_seq || b.last_seq >= next_seq_) {
      return Violation("batch " + b.batch_id + " claims events " + std::to_string(b.first_seq) + ".." +
                       std::to_string(b.last_seq) + " outside the ledger's 1.." + std::to_string(next_seq_ - 1));
    }
  }
  CASHMATCH_RETURN_IF_ERROR(FromRocksStatus(it->status()));
  if (!interrupted_load_.empty()) {
    return Violation("ledger " + dir_ + ": " + UnfinishedLoad() +
                     " (run it again to finish it, or load its changed files with "
                     "`cashmatch load --abandon-unfinished`)");
  }
  return Status::Ok();
}

}  // namespace cashmatch::io
