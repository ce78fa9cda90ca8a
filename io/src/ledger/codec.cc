#include "codec.h"

#include <cassert>

namespace cashmatch::io::codec {
namespace {

// Record tags: the first byte of every stored value.
enum Tag : uint8_t {
  kEvent = 'E',
  kInvoice = 'I',
  kCustomer = 'C',
  kPayment = 'P',
  kBatch = 'B',
  kTrail = 'T',
  kPayoutLink = 'L',
};
// Every record is written at its tag's newest version; older versions that
// a reader still understands are listed in CheckHeader's callers.
// Events: version 2 adds the reversed cash's bucket (`from`).
constexpr uint8_t kVersion = 1;
constexpr uint8_t kEventVersion = 2;

void Header(Writer& w, Tag tag, uint8_t version = kVersion) {
  w.U8(tag);
  w.U8(version);
}

// Reads the tag and version; accepts versions oldest..newest.
Status CheckHeader(Reader& r, Tag tag, const char* what, uint8_t* version = nullptr, uint8_t oldest = kVersion,
                   uint8_t newest = kVersion) {
  uint8_t t = 0, v = 0;
  if (!r.U8(&t) || !r.U8(&v) || t != tag) {
    return Status::LedgerCorrupt(std::string("stored ") + what + " has an unknown record tag");
  }
  if (v < oldest || v > newest) {
    return Status::Unsupported(std::string("stored ") + what + " has encoding version " + std::to_string(v) +
                               "; this build reads versions " + std::to_string(oldest) + " to " +
                               std::to_string(newest));
  }
  if (version != nullptr) *version = v;
  return Status::Ok();
}

Status Corrupt(const char* what) {
  return Status::LedgerCorrupt(std::string("stored ") + what + " is truncated or malformed");
}

void Ccy(Writer& w, const Currency* c) { w.U64(c == nullptr ? 0 : static_cast<uint64_t>(c->index()) + 1); }
bool Ccy(Reader& r, const Currency** c) {
  uint64_t v = 0;
  if (!r.U64(&v)) return false;
  if (v == 0) {
    *c = nullptr;
    return true;
  }
  *c = Currency::FromIndex(static_cast<uint16_t>(v - 1));
  return *c != nullptr && v - 1 < Currency::Count();
}

void Strings(Writer& w, const std::vector<std::string>& v) {
  w.U64(v.size());
  for (const auto& s : v) w.Str(s);
}
bool Strings(Reader& r, std::vector<std::string>* v) {
  uint64_t n = 0;
  if (!r.U64(&n) || n > (1u << 20)) return false;
  v->resize(n);
  for (auto& s : *v) {
    if (!r.Str(&s)) return false;
  }
  return true;
}

template <typename E>
bool Enum(Reader& r, E* e, uint8_t max) {
  uint8_t v = 0;
  if (!r.U8(&v) || v > max) return false;
  *e = static_cast<E>(v);
  return true;
}

}  // namespace

std::string BigEndian64(uint64_t v) {
  std::string s;
  AppendBigEndian64(v, &s);
  return s;
}

void AppendBigEndian64(uint64_t v, std::string* out) {
  char bytes[8];
  for (int i = 7; i >= 0; --i) {
    bytes[i] = static_cast<char>(v & 0xff);
    v >>= 8;
  }
  out->append(bytes, sizeof(bytes));
}

uint64_t FromBigEndian64(std::string_view s) {
  assert(s.size() == 8);
  uint64_t v = 0;
  for (char c : s) v = (v << 8) | static_cast<uint8_t>(c);
  return v;
}

std::string EncodeEvent(const Event& e) {
  std::string out;
  AppendEvent(e, &out);
  return out;
}

void AppendEvent(const Event& e, std::string* out) {
  Writer w(out);
  Header(w, kEvent, kEventVersion);
  w.U64(e.seq);
  w.U8(static_cast<uint8_t>(e.type));
  w.Str(e.batch_id);
  w.Str(e.payment_id);
  w.Str(e.invoice_id);
  w.Str(e.customer_id);
  w.I64(e.amount_minor);
  Ccy(w, e.currency);
  w.Str(e.rule);
  w.I64(e.score_milli);
  w.U8(static_cast<uint8_t>(e.action));
  w.U8(static_cast<uint8_t>(e.reason));
  w.U8(static_cast<uint8_t>(e.from));
  Strings(w, e.signals);
  w.Str(e.detail);
}

Status DecodeEvent(std::string_view in, Event* e) {
  Reader r(in);
  uint8_t version = 0;
  CASHMATCH_RETURN_IF_ERROR(CheckHeader(r, kEvent, "event", &version, 1, kEventVersion));
  int64_t score = 0;
  uint8_t type = 0;
  bool ok = r.U64(&e->seq) && r.U8(&type) && type >= 1 && type <= 11 && r.Str(&e->batch_id) && r.Str(&e->payment_id) &&
            r.Str(&e->invoice_id) && r.Str(&e->customer_id) && r.I64(&e->amount_minor) && Ccy(r, &e->currency) &&
            r.Str(&e->rule) && r.I64(&score) && Enum(r, &e->action, 4) && Enum(r, &e->reason, 12) &&
            (version < 2 || Enum(r, &e->from, 4)) && Strings(r, &e->signals) && r.Str(&e->detail) && r.done();
  if (!ok) return Corrupt("event");
  e->type = static_cast<EventType>(type);
  if (version < 2) {
    // Version 1 returned cash only from invoices or from review.
    e->from = e->type != EventType::kReversed ? CashBucket::kNone
              : e->invoice_id.empty()         ? CashBucket::kReview
                                              : CashBucket::kApplied;
  }
  e->score_milli = static_cast<int32_t>(score);
  return Status::Ok();
}

void AppendPayoutLink(const PayoutLink& l, std::string* out) {
  Writer w(out);
  Header(w, kPayoutLink);
  w.Str(l.payout_id);
  w.Str(l.bank_payment_id);
  Ccy(w, l.currency);
  w.I64(l.amount_minor);
  w.I64(l.date.days);
  w.Str(l.batch_id);
}

Status DecodePayoutLink(std::string_view in, PayoutLink* l) {
  Reader r(in);
  CASHMATCH_RETURN_IF_ERROR(CheckHeader(r, kPayoutLink, "payout link"));
  int64_t date = 0;
  bool ok = r.Str(&l->payout_id) && r.Str(&l->bank_payment_id) && Ccy(r, &l->currency) && l->currency != nullptr &&
            r.I64(&l->amount_minor) && r.I64(&date) && r.Str(&l->batch_id) && r.done() &&
            (!l->payout_id.empty() || !l->bank_payment_id.empty());
  if (!ok) return Corrupt("payout link");
  l->date.days = static_cast<int32_t>(date);
  return Status::Ok();
}

std::string EncodeInvoice(const Invoice& inv) {
  std::string out;
  AppendInvoice(inv, &out);
  return out;
}

void AppendInvoice(const Invoice& inv, std::string* out) {
  Writer w(out);
  Header(w, kInvoice);
  w.Str(inv.invoice_id);
  w.Str(inv.number);
  w.Str(inv.customer_id);
  Ccy(w, inv.currency);
  w.I64(inv.amount_total_minor);
  w.I64(inv.amount_open_minor);
  w.I64(inv.disputed_minor);
  w.I64(inv.issue_date.days);
  w.I64(inv.due_date.days);
  w.Str(inv.po_number);
  w.U8(static_cast<uint8_t>(inv.billing_model));
  w.U8(static_cast<uint8_t>(inv.usage_status));
  w.Str(inv.stripe_invoice_id);
  w.I64(inv.loaded_open_minor);
  w.U64(inv.loaded_at_seq);
}

Status DecodeInvoice(std::string_view in, Invoice* inv) {
  Reader r(in);
  CASHMATCH_RETURN_IF_ERROR(CheckHeader(r, kInvoice, "invoice"));
  int64_t issue = 0, due = 0;
  bool ok = r.Str(&inv->invoice_id) && r.Str(&inv->number) && r.Str(&inv->customer_id) && Ccy(r, &inv->currency) &&
            inv->currency != nullptr && r.I64(&inv->amount_total_minor) && r.I64(&inv->amount_open_minor) &&
            r.I64(&inv->disputed_minor) && r.I64(&issue) && r.I64(&due) && r.Str(&inv->po_number) &&
            Enum(r, &inv->billing_model, 3) && Enum(r, &inv->usage_status, 1) && r.Str(&inv->stripe_invoice_id) &&
            r.I64(&inv->loaded_open_minor) && r.U64(&inv->loaded_at_seq) && r.done();
  if (!ok) return Corrupt("invoice");
  inv->issue_date.days = static_cast<int32_t>(issue);
  inv->due_date.days = static_cast<int32_t>(due);
  return Status::Ok();
}

Status PeekInvoiceHead(std::string_view in, std::string_view* invoice_id, std::string_view* number,
                       std::string_view* customer_id) {
  Reader r(in);
  CASHMATCH_RETURN_IF_ERROR(CheckHeader(r, kInvoice, "invoice"));
  if (!r.StrView(invoice_id) || !r.StrView(number) || !r.StrView(customer_id)) return Corrupt("invoice");
  return Status::Ok();
}

Status PeekCustomerId(std::string_view in, std::string_view* customer_id) {
  Reader r(in);
  CASHMATCH_RETURN_IF_ERROR(CheckHeader(r, kCustomer, "customer"));
  if (!r.StrView(customer_id)) return Corrupt("customer");
  return Status::Ok();
}

std::string EncodeCustomer(const Customer& c) {
  std::string out;
  Writer w(&out);
  Header(w, kCustomer);
  w.Str(c.customer_id);
  w.Str(c.name);
  Strings(w, c.aliases);
  Strings(w, c.bank_account_fps);
  Strings(w, c.stripe_customer_ids);
  w.Str(c.parent_id);
  w.Str(c.tier);
  return out;
}

Status DecodeCustomer(std::string_view in, Customer* c) {
  Reader r(in);
  CASHMATCH_RETURN_IF_ERROR(CheckHeader(r, kCustomer, "customer"));
  bool ok = r.Str(&c->customer_id) && r.Str(&c->name) && Strings(r, &c->aliases) && Strings(r, &c->bank_account_fps) &&
            Strings(r, &c->stripe_customer_ids) && r.Str(&c->parent_id) && r.Str(&c->tier) && r.done();
  return ok ? Status::Ok() : Corrupt("customer");
}

std::string EncodePayment(const PaymentRecord& p) {
  std::string out;
  AppendPayment(p, &out);
  return out;
}

void AppendPayment(const PaymentRecord& p, std::string* out) {
  Writer w(out);
  Header(w, kPayment);
  w.Str(p.payment_id);
  w.Str(p.batch_id);
  w.Str(p.customer_id);
  w.U8(static_cast<uint8_t>(p.source));
  w.I64(p.amount_minor);
  Ccy(w, p.currency);
  w.I64(p.value_date.days);
  w.Str(p.payer_name);
  w.Str(p.payer_account_mask);
  w.U8(static_cast<uint8_t>(p.status));
  w.I64(p.applied_minor);
  w.I64(p.unapplied_minor);
  w.I64(p.held_minor);
  w.I64(p.exception_minor);
  w.I64(p.returned_minor);
  w.U8(static_cast<uint8_t>(p.reason));
  w.Str(p.bank_reference);
  w.Str(p.end_to_end_id);
}

Status DecodePayment(std::string_view in, PaymentRecord* p) {
  Reader r(in);
  CASHMATCH_RETURN_IF_ERROR(CheckHeader(r, kPayment, "payment"));
  int64_t value_date = 0;
  bool ok = r.Str(&p->payment_id) && r.Str(&p->batch_id) && r.Str(&p->customer_id) && Enum(r, &p->source, 5) &&
            r.I64(&p->amount_minor) && Ccy(r, &p->currency) && p->currency != nullptr && r.I64(&value_date) &&
            r.Str(&p->payer_name) && r.Str(&p->payer_account_mask) && Enum(r, &p->status, 6) &&
            r.I64(&p->applied_minor) && r.I64(&p->unapplied_minor) && r.I64(&p->held_minor) &&
            r.I64(&p->exception_minor) && r.I64(&p->returned_minor) && Enum(r, &p->reason, 12) &&
            r.Str(&p->bank_reference) && r.Str(&p->end_to_end_id) && r.done();
  if (!ok) return Corrupt("payment");
  p->value_date.days = static_cast<int32_t>(value_date);
  return Status::Ok();
}

std::string EncodeBatch(const CommittedBatch& b) {
  std::string out;
  Writer w(&out);
  Header(w, kBatch);
  w.Str(b.batch_id);
  w.Str(b.source_name);
  w.U64(b.first_seq);
  w.U64(b.last_seq);
  w.U64(b.payment_count);
  return out;
}

Status DecodeBatch(std::string_view in, CommittedBatch* b) {
  Reader r(in);
  CASHMATCH_RETURN_IF_ERROR(CheckHeader(r, kBatch, "batch record"));
  uint64_t count = 0;
  bool ok = r.Str(&b->batch_id) && r.Str(&b->source_name) && r.U64(&b->first_seq) && r.U64(&b->last_seq) &&
            r.U64(&count) && r.done();
  if (!ok) return Corrupt("batch record");
  b->payment_count = static_cast<uint32_t>(count);
  return Status::Ok();
}

void AppendTrailSeqs(const uint64_t* seqs, size_t count, std::string* out) {
  assert(count >= 1);
  Writer w(out);
  Header(w, kTrail);
  w.U64(count);
  for (size_t i = 1; i < count; ++i) {
    assert(seqs[i] > seqs[i - 1]);
    w.U64(seqs[i] - seqs[i - 1]);
  }
}

Status DecodeTrailSeqs(std::string_view in, uint64_t first_seq, std::vector<uint64_t>* seqs) {
  seqs->clear();
  seqs->push_back(first_seq);
  if (in.empty()) return Status::Ok();  // schema 1: one key per event
  Reader r(in);
  CASHMATCH_RETURN_IF_ERROR(CheckHeader(r, kTrail, "audit-trail entry"));
  uint64_t count = 0;
  // A group never holds more events than its value has bytes for gaps.
  if (!r.U64(&count) || count == 0 || count - 1 > in.size()) return Corrupt("audit-trail entry");
  for (uint64_t i = 1; i < count; ++i) {
    uint64_t gap = 0;
    if (!r.U64(&gap) || gap == 0 || gap > UINT64_MAX - seqs->back()) return Corrupt("audit-trail entry");
    seqs->push_back(seqs->back() + gap);
  }
  if (!r.done()) return Corrupt("audit-trail entry");
  return Status::Ok();
}

}  // namespace cashmatch::io::codec
