// Stripe balance transactions (BTs), as the API list object
// ({"object":"list","data":[…]}), as single objects, or as NDJSON, read with
// simdjson On-Demand (iterate_many over the file's documents).
//
// What each BT becomes (reporting_category first, then type):
//   charge / payment          -> Payment at its gross amount, fee_minor = fee,
//                                payment_id = the BT's source (ch_…, py_…)
//   refund / payment_refund   -> Reversal (stripe_refund) of the refunded charge
//   dispute (adjustment)      -> Reversal (stripe_dispute) of the disputed charge;
//                                its dispute fee is a standalone fee
//   fee, stripe_fee, application_fee, tax -> standalone fees
//   payout                    -> the batch's PayoutInfo; the listing is then
//                                checked: Σ net of the other BTs = payout amount
//   anything else             -> a warning, never an error (Stripe adds types)
// InvoicePayment objects in the same file (the basil-and-later link) and
// expanded sources carrying `invoice` (the older link) both set the
// payment's stripe_invoice_id.
//
// Amounts are integers in Stripe's minor unit, which is not always ISO's:
// ISK is two-decimal at Stripe and zero-decimal in ISO 4217.
#include "simdjson_release.h"

#include <algorithm>
#include <cctype>
#include <ctime>
#include <map>
#include <type_traits>
#include <unordered_map>
#include <unordered_set>

#include "cashmatch/io/settlement.h"
#include "parsers.h"

namespace cashmatch::io {
namespace {

namespace od = simdjson::ondemand;

// Stripe's exponent where it differs from ISO 4217 (docs.stripe.com/currencies).
int StripeExponent(const Currency* c) {
  if (c->code() == "ISK") return 2;
  return c->exponent();
}

// Stripe minor units -> ISO minor units, exactly or not at all.
Result<int64_t> ToIsoMinor(int64_t stripe_minor, const Currency* c) {
  int diff = StripeExponent(c) - c->exponent();
  int64_t factor = 1;
  for (int i = 0; i < diff; ++i) factor *= 10;
  if (stripe_minor % factor != 0) {
    return Status::InvalidInput("amount " + std::to_string(stripe_minor) + " is not a whole number of " +
                                std::string(c->code()) + " minor units");
  }
  return stripe_minor / factor;
}

// Where an object is, for messages: "file:line", then ": data[i]" for each
// list it sits in. Built only when a message needs it.
struct Where {
  const std::string& name;
  uint32_t line = 0;
  const Where* list = nullptr;  // the object whose data[] holds this one
  size_t index = 0;             // its position there

  std::string str() const {
    if (list == nullptr) return name + ":" + std::to_string(line);
    return list->str() + ": data[" + std::to_string(index) + "]";
  }
  std::string Field(std::string_view key) const { return str() + ": field '" + std::string(key) + "'"; }
};

// The fields of one BT we use, read in one pass (key order is free). The
// views point into simdjson's string buffer: valid until the next document.
struct RawBt {
  std::string_view id, type, category, currency, source_id, description, status;
  std::optional<int64_t> amount, fee, net;
  int64_t created = 0, available_on = 0;
  // From an expanded source object:
  std::string_view source_customer, source_invoice, source_charge, source_payment_intent, payer_name;
  std::optional<int64_t> source_amount;
  std::string_view source_currency;
  bool has_exchange_rate = false;
};

// After a structural error an On-Demand iterator must not be used again:
// only a missing field or a value of another type may be stepped over.
bool Recoverable(simdjson::error_code e) {
  return e == simdjson::SUCCESS || e == simdjson::NO_SUCH_FIELD || e == simdjson::INCORRECT_TYPE;
}

Status Malformed(const std::string& where, simdjson::error_code e) {
  return Status::InvalidInput(where + ": not valid JSON (" + simdjson::error_message(e) + ")");
}

// The message's subject: a std::string as is, or a callable that builds it
// (so that a message costs nothing until there is an error).
template <typename At>
std::string Text(const At& at) {
  if constexpr (std::is_invocable_v<At>) {
    return at();
  } else {
    return at;
  }
}

// obj[key] as a string when it is one; absent or another type leaves *out.
template <typename At>
Status OptionalString(od::object obj, const char* key, const At& at, std::string_view* out) {
  std::string_view s;
  auto e = obj.find_field_unordered(key).get_string().get(s);
  if (e == simdjson::SUCCESS) *out = s;
  return Recoverable(e) ? Status::Ok() : Malformed(Text(at), e);
}

// A value that may be an id string or an expanded object with an id.
template <typename At>
Status IdOrObjectId(od::value v, const At& at, std::string_view* out) {
  od::json_type t;
  if (auto e = v.type().get(t)) return Malformed(Text(at), e);
  if (t == od::json_type::string) {
    if (auto e = v.get_string().get(*out)) return Malformed(Text(at), e);
  } else if (t == od::json_type::object) {
    od::object o;
    if (auto e = v.get_object().get(o)) return Malformed(Text(at), e);
    return OptionalString(o, "id", at, out);
  }
  return Status::Ok();
}

template <typename At>
Status ReadInt(od::value v, const At& at, std::optional<int64_t>* out) {
  int64_t n = 0;
  if (v.get_int64().get(n)) return Status::InvalidInput(Text(at) + ": expected an integer amount in minor units");
  *out = n;
  return Status::Ok();
}

template <typename At>
Status ReadString(od::value v, const At& at, std::string_view* out) {
  bool is_null = false;
  if (v.is_null().get(is_null) == simdjson::SUCCESS && is_null) return Status::Ok();
  if (v.get_string().get(*out)) return Status::InvalidInput(Text(at) + ": expected a string");
  return Status::Ok();
}

// Fields read the same way wherever they appear, by key.
template <typename T>
using Field = std::pair<std::string_view, T RawBt::*>;

template <typename T, size_t N>
T RawBt::*FindField(const Field<T> (&table)[N], std::string_view key) {
  for (const auto& [name, member] : table) {
    if (name == key) return member;
  }
  return nullptr;
}

// An expanded `source` (charge, refund, dispute, payment …). `at` names
// the source itself ("file:1: field 'source'"); fields add ".key".
template <typename At>
Status ReadSource(od::object obj, const At& at, RawBt* bt) {
  // Linked objects may be ids or expanded objects: either way, their id.
  static constexpr Field<std::string_view> kLinks[] = {{"customer", &RawBt::source_customer},
                                                       {"invoice", &RawBt::source_invoice},
                                                       {"charge", &RawBt::source_charge},
                                                       {"payment_intent", &RawBt::source_payment_intent}};
  for (auto field : obj) {
    std::string_view key;
    if (field.unescaped_key().get(key)) return Status::InvalidInput(Text(at) + ": malformed key");
    od::value v = field.value();
    auto sub = [&] { return Text(at) + "." + std::string(key); };
    if (auto link = FindField(kLinks, key)) {
      CASHMATCH_RETURN_IF_ERROR(IdOrObjectId(v, sub, &(bt->*link)));
    } else if (key == "id") {
      CASHMATCH_RETURN_IF_ERROR(ReadString(v, sub, &bt->source_id));
    } else if (key == "amount") {
      CASHMATCH_RETURN_IF_ERROR(ReadInt(v, sub, &bt->source_amount));
    } else if (key == "currency") {
      CASHMATCH_RETURN_IF_ERROR(ReadString(v, sub, &bt->source_currency));
    } else if (key == "billing_details") {
      od::object bd;
      auto e = v.get_object().get(bd);
      if (e == simdjson::SUCCESS) {
        CASHMATCH_RETURN_IF_ERROR(OptionalString(bd, "name", sub, &bt->payer_name));
      } else if (!Recoverable(e)) {
        return Malformed(sub(), e);
      }
    }
  }
  return Status::Ok();
}

Status ReadBt(od::object obj, const Where& where, RawBt* bt) {
  static constexpr Field<std::string_view> kStrings[] = {{"id", &RawBt::id},
                                                         {"type", &RawBt::type},
                                                         {"reporting_category", &RawBt::category},
                                                         {"currency", &RawBt::currency},
                                                         {"description", &RawBt::description},
                                                         {"status", &RawBt::status}};
  static constexpr Field<std::optional<int64_t>> kAmounts[] = {
      {"amount", &RawBt::amount}, {"fee", &RawBt::fee}, {"net", &RawBt::net}};
  for (auto field : obj) {
    std::string_view key;
    if (field.unescaped_key().get(key)) return Status::InvalidInput(where.str() + ": malformed key");
    auto at = [&] { return where.Field(key); };
    od::value v = field.value();
    if (auto text = FindField(kStrings, key)) {
      CASHMATCH_RETURN_IF_ERROR(ReadString(v, at, &(bt->*text)));
    } else if (auto amount = FindField(kAmounts, key)) {
      CASHMATCH_RETURN_IF_ERROR(ReadInt(v, at, &(bt->*amount)));
    } else if (key == "created" || key == "available_on") {
      std::optional<int64_t> t;
      CASHMATCH_RETURN_IF_ERROR(ReadInt(v, at, &t));
      (key == "created" ? bt->created : bt->available_on) = *t;
    } else if (key == "exchange_rate") {
      bool is_null = false;
      if (auto e = v.is_null().get(is_null)) return Malformed(at(), e);
      bt->has_exchange_rate = !is_null;
    } else if (key == "source") {
      od::json_type t;
      if (v.type().get(t)) return Status::InvalidInput(at() + ": malformed value");
      if (t == od::json_type::object) {
        od::object src;
        if (v.get_object().get(src)) return Status::InvalidInput(at() + ": malformed object");
        CASHMATCH_RETURN_IF_ERROR(ReadSource(src, at, bt));
      } else {
        CASHMATCH_RETURN_IF_ERROR(ReadString(v, at, &bt->source_id));
      }
    }
  }
  return Status::Ok();
}

Date DateOf(int64_t unix_seconds) {
  int64_t days = unix_seconds / 86400;
  if (unix_seconds < 0 && unix_seconds % 86400 != 0) --days;
  return Date{static_cast<int32_t>(days)};
}

// "Chargeback withdrawal for ch_…": the disputed charge when the source is
// not expanded.
std::string ChargeIdIn(std::string_view text) {
  for (std::string_view prefix : {"ch_", "py_"}) {
    size_t at = text.find(prefix);
    if (at == std::string_view::npos) continue;
    size_t end = at;
    while (end < text.size() && (std::isalnum(static_cast<unsigned char>(text[end])) || text[end] == '_')) ++end;
    return std::string(text.substr(at, end - at));
  }
  return {};
}

bool IsOneOf(std::string_view s, std::initializer_list<std::string_view> values) {
  for (std::string_view v : values) {
    if (s == v) return true;
  }
  return false;
}

class StripeBuilder {
 public:
  StripeBuilder(const std::string& name, ParsedSettlement* out) : name_(name), out_(out) {}

  // Turns one BT into what it means; an error names the BT.
  Status Add(const RawBt& bt, const Where& where) {
    if (bt.id.empty()) return Status::InvalidInput(where.str() + ": field 'id': required");
    auto at = [&] { return where.str() + ": balance transaction " + std::string(bt.id); };
    if (!bt.amount) return Status::InvalidInput(at() + ": field 'amount': required");
    const Currency* ccy = currencies_.Find(bt.currency);
    if (ccy == nullptr) {
      return Status::InvalidInput(at() + ": field 'currency': unknown currency '" + std::string(bt.currency) + "'");
    }
    auto amount = ToIsoMinor(*bt.amount, ccy);
    if (!amount.ok()) return amount.status().WithContext(at() + ": field 'amount'");
    auto fee = ToIsoMinor(bt.fee.value_or(0), ccy);
    if (!fee.ok()) return fee.status().WithContext(at() + ": field 'fee'");
    // A balance transaction's net is its amount less its fee, by Stripe's
    // definition: anything else is a corrupted or hand-edited listing.
    int64_t net_stripe = 0;
    if (__builtin_sub_overflow(*bt.amount, bt.fee.value_or(0), &net_stripe)) {
      return Status::InvalidInput(at() + ": field 'fee': amount minus fee is out of range");
    }
    if (bt.net.has_value() && *bt.net != net_stripe) {
      return Status::InvalidInput(at() + ": field 'net': " + std::to_string(*bt.net) + " is not amount " +
                                  std::to_string(*bt.amount) + " minus fee " + std::to_string(bt.fee.value_or(0)) +
                                  " (Stripe minor units)");
    }
    const std::string_view kind = bt.category.empty() ? bt.type : bt.category;

    if (bt.type == "payout" || kind == "payout") {
      if (out_->batch.payout.has_value()) return Status::InvalidInput(at() + ": a second payout in one listing");
      PayoutInfo p;
      p.payout_id = bt.source_id.empty() ? bt.id : bt.source_id;
      p.amount_minor = -amount.value();
      p.currency = ccy;
      p.arrival_date = DateOf(bt.available_on != 0 ? bt.available_on : bt.created);
      out_->batch.payout = p;
      payout_stripe_minor_ = -*bt.amount;
      return Status::Ok();
    }
    net_sum_stripe_[ccy] += net_stripe;
    if (IsOneOf(kind, {"charge", "payment"})) return AddCharge(bt, ccy, amount.value(), fee.value(), at);
    if (IsOneOf(kind, {"refund", "payment_refund", "dispute"})) {
      Reversal r;
      r.reversal_id = bt.source_id.empty() ? bt.id : bt.source_id;
      r.kind = kind == "dispute" ? ReversalKind::kStripeDispute : ReversalKind::kStripeRefund;
      r.original_payment_id = !bt.source_charge.empty() ? std::string(bt.source_charge) : ChargeIdIn(bt.description);
      r.amount_minor = -amount.value();
      r.currency = ccy;
      r.value_date = DateOf(bt.created);
      r.reason_code = kind;
      r.text = bt.description;
      if (r.amount_minor <= 0) {
        return Status::InvalidInput(at() + ": field 'amount': a " + std::string(kind) + " must be negative");
      }
      out_->batch.reversals.push_back(std::move(r));
      // A dispute's own fee is Stripe's, not the customer's.
      if (fee.value() != 0) out_->batch.standalone_fees_minor[std::string(ccy->code())] += fee.value();
      return Status::Ok();
    }
    if (IsOneOf(kind, {"fee", "stripe_fee", "application_fee", "tax", "stripe_fx_fee", "tax_fee"})) {
      out_->batch.standalone_fees_minor[std::string(ccy->code())] += -amount.value() + fee.value();
      return Status::Ok();
    }
    out_->warnings.push_back(at() + ": type '" + std::string(bt.type) + "' (" + std::string(kind) +
                             ") is not cash application; not applied");
    return Status::Ok();
  }

  void LinkInvoice(std::string_view payment_ref, std::string_view invoice_id) {
    invoice_by_payment_[std::string(payment_ref)] = invoice_id;
  }

  // After the last BT: the payout's net check and the InvoicePayment links.
  Status Finish() {
    for (Payment& p : out_->batch.payments) {
      if (!p.stripe_invoice_id.empty()) continue;
      auto it = invoice_by_payment_.find(p.stripe_charge_id);
      if (it == invoice_by_payment_.end()) {
        auto intent = payment_intent_of_.find(p.payment_id);
        // A payment without an intent looks up the empty id, as it always has.
        it = invoice_by_payment_.find(intent == payment_intent_of_.end() ? std::string() : intent->second);
      }
      if (it != invoice_by_payment_.end()) p.stripe_invoice_id = it->second;
    }
    if (!out_->batch.payout.has_value()) return Status::Ok();
    const PayoutInfo& po = *out_->batch.payout;
    const auto sum = net_sum_stripe_.find(po.currency);
    const int64_t net = sum == net_sum_stripe_.end() ? 0 : sum->second;
    if (net != payout_stripe_minor_) {
      int exp = StripeExponent(po.currency);
      return Status::InvalidInput(name_ + ": payout " + po.payout_id + " pays " +
                                  FormatAmountMinor(payout_stripe_minor_, exp) + " " +
                                  std::string(po.currency->code()) + " but the net of its balance transactions is " +
                                  FormatAmountMinor(net, exp));
    }
    return Status::Ok();
  }

 private:
  // The payment is built in place at the end of the batch, and taken back
  // off it when it turns out bad.
  template <typename At>
  Status AddCharge(const RawBt& bt, const Currency* ccy, int64_t amount, int64_t fee, const At& at) {
    Payment& p = out_->batch.payments.emplace_back();
    Status s = FillCharge(bt, ccy, amount, fee, at, &p);
    if (!s.ok()) out_->batch.payments.pop_back();
    return s;
  }

  template <typename At>
  Status FillCharge(const RawBt& bt, const Currency* ccy, int64_t amount, int64_t fee, const At& at, Payment* out) {
    Payment& p = *out;
    p.payment_id = bt.source_id.empty() ? bt.id : bt.source_id;
    p.source = PaymentSource::kStripe;
    p.currency = ccy;
    p.amount_minor = amount;
    p.fee_minor = fee;
    // A converted charge pays invoices in its presentment currency.
    if (bt.has_exchange_rate && bt.source_amount && !bt.source_currency.empty()) {
      const Currency* presentment = Currency::Find(bt.source_currency);
      if (presentment == nullptr) {
        return Status::InvalidInput(at() + ": field 'source.currency': unknown currency '" +
                                    std::string(bt.source_currency) + "'");
      }
      auto a = ToIsoMinor(*bt.source_amount, presentment);
      if (!a.ok()) return a.status().WithContext(at() + ": field 'source.amount'");
      p.currency = presentment;
      p.amount_minor = a.value();
      p.fee_minor = 0;  // the fee is in the settlement currency: booked with the payout
      out_->batch.standalone_fees_minor[std::string(ccy->code())] += fee;
    }
    if (p.amount_minor <= 0) return Status::InvalidInput(at() + ": field 'amount': a charge must be positive");
    p.value_date = DateOf(bt.created);
    p.stripe_charge_id = bt.source_id;
    p.stripe_customer_id = bt.source_customer;
    p.stripe_invoice_id = bt.source_invoice;
    p.payer_name = bt.payer_name;
    p.remittance = bt.description;
    p.bank_reference = bt.id;
    if (!bt.source_payment_intent.empty()) payment_intent_of_[p.payment_id] = bt.source_payment_intent;
    if (!seen_.insert(p.payment_id).second) {
      return Status::InvalidInput(at() + ": field 'source': charge " + p.payment_id + " appears twice");
    }
    return Status::Ok();
  }

  const std::string& name_;
  ParsedSettlement* out_;
  CurrencyMemo currencies_;
  // Σ net per settlement currency, in Stripe's minor units.
  std::unordered_map<const Currency*, int64_t> net_sum_stripe_;
  int64_t payout_stripe_minor_ = 0;
  std::unordered_map<std::string, std::string> invoice_by_payment_;
  std::unordered_map<std::string, std::string> payment_intent_of_;
  std::unordered_set<std::string> seen_;
};

// An InvoicePayment: links a charge or payment intent to an invoice.
Status ReadInvoicePayment(od::object obj, const Where& where, StripeBuilder& builder) {
  std::string_view invoice, charge, intent;
  for (auto field : obj) {
    std::string_view key;
    if (auto e = field.unescaped_key().get(key)) return Malformed(where.str(), e);
    od::value v = field.value();
    if (key == "invoice") {
      CASHMATCH_RETURN_IF_ERROR(IdOrObjectId(
          v, [&] { return where.Field("invoice"); }, &invoice));
    } else if (key == "payment") {
      od::object pay;
      auto e = v.get_object().get(pay);
      if (!Recoverable(e)) return Malformed(where.Field("payment"), e);
      if (e != simdjson::SUCCESS) continue;
      for (auto pf : pay) {
        std::string_view pk;
        if (auto pe = pf.unescaped_key().get(pk)) return Malformed(where.Field("payment"), pe);
        if (pk == "charge") {
          CASHMATCH_RETURN_IF_ERROR(IdOrObjectId(
              pf.value(), [&] { return where.Field("payment.charge"); }, &charge));
        }
        if (pk == "payment_intent") {
          CASHMATCH_RETURN_IF_ERROR(IdOrObjectId(
              pf.value(), [&] { return where.Field("payment.payment_intent"); }, &intent));
        }
      }
    }
  }
  if (invoice.empty()) return Status::Ok();
  if (!charge.empty()) builder.LinkInvoice(charge, invoice);
  if (!intent.empty()) builder.LinkInvoice(intent, invoice);
  return Status::Ok();
}

// The document being read: its first line and source text, for rejects.
struct Doc {
  uint32_t line = 0;
  std::string_view raw;
};

// A record that builds cleanly is kept; one that does not fails the file,
// or with skip_bad_records goes to rejects.
Status KeepOrReject(Status s, const Doc& doc, const ParseOptions& options, ParsedSettlement* out) {
  if (s.ok() || !options.skip_bad_records) return s;
  out->rejects.push_back(Reject{doc.line, std::string(doc.raw.substr(0, 512)), s.message()});
  return Status::Ok();
}

Status HandleBt(od::object obj, const Where& where, StripeBuilder& builder, const ParseOptions& options,
                ParsedSettlement* out, const Doc& doc) {
  RawBt bt;
  // Malformed JSON ends the parse even with skip_bad_records: the stream
  // cannot be read past it. A well-formed but bad record can be skipped.
  CASHMATCH_RETURN_IF_ERROR(ReadBt(obj, where, &bt));
  return KeepOrReject(builder.Add(bt, where), doc, options, out);
}

// A bare charge (e.g. from a charge.succeeded webhook): a payment with no
// fee information. Read as the expanded source of a synthetic BT.
Status HandleCharge(od::object obj, const Where& where, StripeBuilder& builder, const ParseOptions& options,
                    ParsedSettlement* out, const Doc& doc) {
  auto at = [&] { return where.str(); };
  RawBt bt;
  CASHMATCH_RETURN_IF_ERROR(ReadSource(obj, at, &bt));
  bt.id = bt.source_id;
  bt.type = "charge";
  bt.amount = bt.source_amount;
  bt.currency = bt.source_currency;
  bt.fee = 0;
  if (obj.reset().error()) return Status::InvalidInput(at() + ": malformed object");
  int64_t c = 0;
  auto e = obj.find_field_unordered("created").get_int64().get(c);
  if (!Recoverable(e)) return Malformed(at(), e);
  if (e == simdjson::SUCCESS) bt.created = c;
  if (obj.reset().error()) return Status::InvalidInput(at() + ": malformed object");
  CASHMATCH_RETURN_IF_ERROR(OptionalString(obj, "description", at, &bt.description));
  return KeepOrReject(builder.Add(bt, where), doc, options, out);
}

// One object of the stream: a BT, an InvoicePayment, or a list of them.
Status ReadObject(od::object obj, const Where& where, StripeBuilder& builder, const ParseOptions& options,
                  ParsedSettlement* out, const Doc& doc) {
  // "object" names the resource; Stripe puts it first, but do not rely on it.
  std::string_view type;
  if (obj.find_field_unordered("object").get_string().get(type)) {
    return Status::InvalidInput(where.str() +
                                ": field 'object': expected a Stripe object (balance_transaction or list)");
  }
  if (obj.reset().error()) return Status::InvalidInput(where.str() + ": malformed object");
  if (type == "balance_transaction") return HandleBt(obj, where, builder, options, out, doc);
  if (type == "invoice_payment") return ReadInvoicePayment(obj, where, builder);
  if (type == "charge") return HandleCharge(obj, where, builder, options, out, doc);
  if (type != "list") {
    out->warnings.push_back(where.str() + ": Stripe object '" + std::string(type) +
                            "' is not a settlement record; ignored");
    return Status::Ok();
  }
  od::array data;
  if (obj.find_field_unordered("data").get_array().get(data)) {
    return Status::InvalidInput(where.str() + ": field 'data': expected the list's array");
  }
  size_t index = 0;
  for (auto element : data) {
    const Where at{where.name, where.line, &where, index++};
    od::object item;
    if (element.get_object().get(item)) return Status::InvalidInput(at.str() + ": expected an object");
    CASHMATCH_RETURN_IF_ERROR(ReadObject(item, at, builder, options, out, doc));
  }
  return Status::Ok();
}

}  // namespace

Result<ParsedSettlement> ParseStripeJson(const std::string& name, std::string_view data, const Fingerprinter& fp,
                                         const ParseOptions& options) {
  (void)fp;  // Stripe gives no bank account numbers
  ParsedSettlement out;
  out.batch.source_name = name;
  StripeBuilder builder(name, &out);
  // A payout listing is one JSON document, so it is parsed from one padded
  // copy of the file (simdjson reads up to SIMDJSON_PADDING bytes past it).
  simdjson::padded_string buffer(data);
  od::parser parser;
#ifdef SIMDJSON_THREADS_ENABLED
  parser.threaded = false;  // one core per parse; there is one window anyway
#endif
  od::document_stream stream;
  // One window holds the largest document: a payout listing is one batch.
  size_t window = std::max<size_t>(buffer.size() + 64, 1 << 20);
  if (auto err = parser.iterate_many(buffer, window).get(stream)) {
    return Status::InvalidInput(name + ": not valid JSON (" + simdjson::error_message(err) + ")");
  }
  size_t docs = 0;
  // Lines are counted incrementally from one document to the next.
  size_t counted_to = 0;
  uint32_t line = 1;
  for (auto it = stream.begin(); it != stream.end(); ++it) {
    const size_t offset = std::min(it.current_index(), data.size());
    line += static_cast<uint32_t>(std::count(data.begin() + counted_to, data.begin() + offset, '\n'));
    counted_to = offset;
    const Where where{name, line};
    od::document_reference doc;
    if (auto err = (*it).get(doc)) {
      return Status::InvalidInput(where.str() + ": not valid JSON (" + simdjson::error_message(err) + ")");
    }
    od::object obj;
    if (doc.get_object().get(obj)) return Status::InvalidInput(where.str() + ": expected a JSON object");
    CASHMATCH_RETURN_IF_ERROR(ReadObject(obj, where, builder, options, &out, Doc{line, it.source()}));
    ++docs;
  }
  if (stream.truncated_bytes() > 0) {
    return Status::InvalidInput(name + ": truncated: the last " + std::to_string(stream.truncated_bytes()) +
                                " bytes are not a complete JSON document");
  }
  if (docs == 0) return Status::InvalidInput(name + ": no Stripe objects in the file");
  CASHMATCH_RETURN_IF_ERROR(builder.Finish());
  return out;
}

}  // namespace cashmatch::io
