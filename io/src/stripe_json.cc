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
#include <set>
#include <map>
#include <unordered_map>

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

uint32_t LineOf(std::string_view data, size_t offset) {
  uint32_t line = 1;
  for (size_t i = 0; i < offset && i < data.size(); ++i) line += data[i] == '\n';
  return line;
}

// The fields of one BT we use, read in one pass (key order is free).
struct RawBt {
  std::string id, type, category, currency, source_id, description, status;
  std::optional<int64_t> amount, fee, net;
  int64_t created = 0, available_on = 0;
  // From an expanded source object:
  std::string source_customer, source_invoice, source_charge, source_payment_intent, payer_name;
  std::optional<int64_t> source_amount;
  std::string source_currency;
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

// obj[key] as a string when it is one; absent or another type leaves *out.
Status OptionalString(od::object obj, const char* key, const std::string& where, std::string* out) {
  std::string_view s;
  auto e = obj.find_field_unordered(key).get_string().get(s);
  if (e == simdjson::SUCCESS) *out = std::string(s);
  return Recoverable(e) ? Status::Ok() : Malformed(where, e);
}

// A value that may be an id string or an expanded object with an id.
Status IdOrObjectId(od::value v, const std::string& where, std::string* out) {
  od::json_type t;
  if (auto e = v.type().get(t)) return Malformed(where, e);
  if (t == od::json_type::string) {
    std::string_view s;
    if (auto e = v.get_string().get(s)) return Malformed(where, e);
    *out = std::string(s);
  } else if (t == od::json_type::object) {
    od::object o;
    if (auto e = v.get_object().get(o)) return Malformed(where, e);
    return OptionalString(o, "id", where, out);
  }
  return Status::Ok();
}

Status ReadInt(od::value v, const std::string& where, std::optional<int64_t>* out) {
  int64_t n = 0;
  if (v.get_int64().get(n)) return Status::InvalidInput(where + ": expected an integer amount in minor units");
  *out = n;
  return Status::Ok();
}

Status ReadString(od::value v, const std::string& where, std::string* out) {
  bool is_null = false;
  if (v.is_null().get(is_null) == simdjson::SUCCESS && is_null) return Status::Ok();
  std::string_view s;
  if (v.get_string().get(s)) return Status::InvalidInput(where + ": expected a string");
  *out = std::string(s);
  return Status::Ok();
}

// An expanded `source` (charge, refund, dispute, payment …).
Status ReadSource(od::object obj, const std::string& where, RawBt* bt) {
  for (auto field : obj) {
    std::string_view key;
    if (field.unescaped_key().get(key)) return Status::InvalidInput(where + ": malformed key");
    od::value v = field.value();
    // Linked objects may be ids or expanded objects: either way, their id.
    if (key == "id") CASHMATCH_RETURN_IF_ERROR(ReadString(v, where + ".id", &bt->source_id));
    else if (key == "customer") CASHMATCH_RETURN_IF_ERROR(IdOrObjectId(v, where + ".customer", &bt->source_customer));
    else if (key == "invoice") CASHMATCH_RETURN_IF_ERROR(IdOrObjectId(v, where + ".invoice", &bt->source_invoice));
    else if (key == "charge") CASHMATCH_RETURN_IF_ERROR(IdOrObjectId(v, where + ".charge", &bt->source_charge));
    else if (key == "payment_intent") {
      CASHMATCH_RETURN_IF_ERROR(IdOrObjectId(v, where + ".payment_intent", &bt->source_payment_intent));
    } else if (key == "amount") {
      CASHMATCH_RETURN_IF_ERROR(ReadInt(v, where + ".amount", &bt->source_amount));
    } else if (key == "currency") {
      CASHMATCH_RETURN_IF_ERROR(ReadString(v, where + ".currency", &bt->source_currency));
    } else if (key == "billing_details") {
      od::object bd;
      auto e = v.get_object().get(bd);
      if (e == simdjson::SUCCESS) {
        CASHMATCH_RETURN_IF_ERROR(OptionalString(bd, "name", where + ".billing_details", &bt->payer_name));
      } else if (!Recoverable(e)) {
        return Malformed(where + ".billing_details", e);
      }
    }
  }
  return Status::Ok();
}

Status ReadBt(od::object obj, const std::string& where, RawBt* bt) {
  for (auto field : obj) {
    std::string_view key;
    if (field.unescaped_key().get(key)) return Status::InvalidInput(where + ": malformed key");
    const std::string at = where + ": field '" + std::string(key) + "'";
    od::value v = field.value();
    if (key == "id") CASHMATCH_RETURN_IF_ERROR(ReadString(v, at, &bt->id));
    else if (key == "type") CASHMATCH_RETURN_IF_ERROR(ReadString(v, at, &bt->type));
    else if (key == "reporting_category") CASHMATCH_RETURN_IF_ERROR(ReadString(v, at, &bt->category));
    else if (key == "currency") CASHMATCH_RETURN_IF_ERROR(ReadString(v, at, &bt->currency));
    else if (key == "description") CASHMATCH_RETURN_IF_ERROR(ReadString(v, at, &bt->description));
    else if (key == "status") CASHMATCH_RETURN_IF_ERROR(ReadString(v, at, &bt->status));
    else if (key == "amount") CASHMATCH_RETURN_IF_ERROR(ReadInt(v, at, &bt->amount));
    else if (key == "fee") CASHMATCH_RETURN_IF_ERROR(ReadInt(v, at, &bt->fee));
    else if (key == "net") CASHMATCH_RETURN_IF_ERROR(ReadInt(v, at, &bt->net));
    else if (key == "created" || key == "available_on") {
      std::optional<int64_t> t;
      CASHMATCH_RETURN_IF_ERROR(ReadInt(v, at, &t));
      (key == "created" ? bt->created : bt->available_on) = *t;
    } else if (key == "exchange_rate") {
      bool is_null = false;
      if (auto e = v.is_null().get(is_null)) return Malformed(at, e);
      bt->has_exchange_rate = !is_null;
    } else if (key == "source") {
      od::json_type t;
      if (v.type().get(t)) return Status::InvalidInput(at + ": malformed value");
      if (t == od::json_type::object) {
        od::object src;
        if (v.get_object().get(src)) return Status::InvalidInput(at + ": malformed object");
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

bool IsOneOf(const std::string& s, std::initializer_list<const char*> values) {
  for (const char* v : values) {
    if (s == v) return true;
  }
  return false;
}

class StripeBuilder {
 public:
  StripeBuilder(const std::string& name, ParsedSettlement* out) : name_(name), out_(out) {}

  // Turns one BT into what it means; an error names the BT.
  Status Add(const RawBt& bt, const std::string& where) {
    if (bt.id.empty()) return Status::InvalidInput(where + ": field 'id': required");
    const std::string at = where + ": balance transaction " + bt.id;
    if (!bt.amount) return Status::InvalidInput(at + ": field 'amount': required");
    const Currency* ccy = Currency::Find(bt.currency);
    if (ccy == nullptr) {
      return Status::InvalidInput(at + ": field 'currency': unknown currency '" + bt.currency + "'");
    }
    auto amount = ToIsoMinor(*bt.amount, ccy);
    if (!amount.ok()) return amount.status().WithContext(at + ": field 'amount'");
    auto fee = ToIsoMinor(bt.fee.value_or(0), ccy);
    if (!fee.ok()) return fee.status().WithContext(at + ": field 'fee'");
    const int64_t net_stripe = bt.net.value_or(*bt.amount - bt.fee.value_or(0));
    const std::string kind = bt.category.empty() ? bt.type : bt.category;

    if (bt.type == "payout" || kind == "payout") {
      if (out_->batch.payout.has_value()) return Status::InvalidInput(at + ": a second payout in one listing");
      PayoutInfo p;
      p.payout_id = bt.source_id.empty() ? bt.id : bt.source_id;
      p.amount_minor = -amount.value();
      p.currency = ccy;
      p.arrival_date = DateOf(bt.available_on != 0 ? bt.available_on : bt.created);
      out_->batch.payout = p;
      payout_stripe_minor_ = -*bt.amount;
      return Status::Ok();
    }
    net_sum_stripe_[std::string(ccy->code())] += net_stripe;
    if (IsOneOf(kind, {"charge", "payment"})) return AddCharge(bt, ccy, amount.value(), fee.value(), at);
    if (IsOneOf(kind, {"refund", "payment_refund", "dispute"})) {
      Reversal r;
      r.reversal_id = bt.source_id.empty() ? bt.id : bt.source_id;
      r.kind = kind == "dispute" ? ReversalKind::kStripeDispute : ReversalKind::kStripeRefund;
      r.original_payment_id = !bt.source_charge.empty() ? bt.source_charge : ChargeIdIn(bt.description);
      r.amount_minor = -amount.value();
      r.currency = ccy;
      r.value_date = DateOf(bt.created);
      r.reason_code = kind;
      r.text = bt.description;
      if (r.amount_minor <= 0) return Status::InvalidInput(at + ": field 'amount': a " + kind + " must be negative");
      out_->batch.reversals.push_back(std::move(r));
      // A dispute's own fee is Stripe's, not the customer's.
      if (fee.value() != 0) out_->batch.standalone_fees_minor[std::string(ccy->code())] += fee.value();
      return Status::Ok();
    }
    if (IsOneOf(kind, {"fee", "stripe_fee", "application_fee", "tax", "stripe_fx_fee", "tax_fee"})) {
      out_->batch.standalone_fees_minor[std::string(ccy->code())] += -amount.value() + fee.value();
      return Status::Ok();
    }
    out_->warnings.push_back(at + ": type '" + bt.type + "' (" + kind + ") is not cash application; not applied");
    return Status::Ok();
  }

  void LinkInvoice(const std::string& payment_ref, const std::string& invoice_id) {
    invoice_by_payment_[payment_ref] = invoice_id;
  }

  // After the last BT: the payout's net check and the InvoicePayment links.
  Status Finish() {
    for (Payment& p : out_->batch.payments) {
      if (!p.stripe_invoice_id.empty()) continue;
      auto it = invoice_by_payment_.find(p.stripe_charge_id);
      if (it == invoice_by_payment_.end()) it = invoice_by_payment_.find(payment_intent_of_[p.payment_id]);
      if (it != invoice_by_payment_.end()) p.stripe_invoice_id = it->second;
    }
    if (!out_->batch.payout.has_value()) return Status::Ok();
    const PayoutInfo& po = *out_->batch.payout;
    int64_t net = net_sum_stripe_[std::string(po.currency->code())];
    if (net != payout_stripe_minor_) {
      int exp = StripeExponent(po.currency);
      return Status::InvalidInput(name_ + ": payout " + po.payout_id + " pays " +
                                  FormatAmountMinor(payout_stripe_minor_, exp) + " " + std::string(po.currency->code()) +
                                  " but the net of its balance transactions is " + FormatAmountMinor(net, exp));
    }
    return Status::Ok();
  }

 private:
  Status AddCharge(const RawBt& bt, const Currency* ccy, int64_t amount, int64_t fee, const std::string& at) {
    Payment p;
    p.payment_id = bt.source_id.empty() ? bt.id : bt.source_id;
    p.source = PaymentSource::kStripe;
    p.currency = ccy;
    p.amount_minor = amount;
    p.fee_minor = fee;
    // A converted charge pays invoices in its presentment currency.
    if (bt.has_exchange_rate && bt.source_amount && !bt.source_currency.empty()) {
      const Currency* presentment = Currency::Find(bt.source_currency);
      if (presentment == nullptr) {
        return Status::InvalidInput(at + ": field 'source.currency': unknown currency '" + bt.source_currency + "'");
      }
      auto a = ToIsoMinor(*bt.source_amount, presentment);
      if (!a.ok()) return a.status().WithContext(at + ": field 'source.amount'");
      p.currency = presentment;
      p.amount_minor = a.value();
      p.fee_minor = 0;  // the fee is in the settlement currency: booked with the payout
      out_->batch.standalone_fees_minor[std::string(ccy->code())] += fee;
    }
    if (p.amount_minor <= 0) return Status::InvalidInput(at + ": field 'amount': a charge must be positive");
    p.value_date = DateOf(bt.created);
    p.stripe_charge_id = bt.source_id;
    p.stripe_customer_id = bt.source_customer;
    p.stripe_invoice_id = bt.source_invoice;
    p.payer_name = bt.payer_name;
    p.remittance = bt.description;
    p.bank_reference = bt.id;
    if (!bt.source_payment_intent.empty()) payment_intent_of_[p.payment_id] = bt.source_payment_intent;
    if (!seen_.insert(p.payment_id).second) {
      return Status::InvalidInput(at + ": field 'source': charge " + p.payment_id + " appears twice");
    }
    out_->batch.payments.push_back(std::move(p));
    return Status::Ok();
  }

  const std::string& name_;
  ParsedSettlement* out_;
  std::map<std::string, int64_t> net_sum_stripe_;
  int64_t payout_stripe_minor_ = 0;
  std::unordered_map<std::string, std::string> invoice_by_payment_;
  std::unordered_map<std::string, std::string> payment_intent_of_;
  std::set<std::string> seen_;
};

// An InvoicePayment: links a charge or payment intent to an invoice.
Status ReadInvoicePayment(od::object obj, const std::string& where, StripeBuilder& builder) {
  std::string invoice, charge, intent;
  for (auto field : obj) {
    std::string_view key;
    if (auto e = field.unescaped_key().get(key)) return Malformed(where, e);
    od::value v = field.value();
    if (key == "invoice") {
      CASHMATCH_RETURN_IF_ERROR(IdOrObjectId(v, where + ": field 'invoice'", &invoice));
    } else if (key == "payment") {
      od::object pay;
      auto e = v.get_object().get(pay);
      if (!Recoverable(e)) return Malformed(where + ": field 'payment'", e);
      if (e != simdjson::SUCCESS) continue;
      for (auto pf : pay) {
        std::string_view pk;
        if (auto pe = pf.unescaped_key().get(pk)) return Malformed(where + ": field 'payment'", pe);
        if (pk == "charge") CASHMATCH_RETURN_IF_ERROR(IdOrObjectId(pf.value(), where + ": field 'payment.charge'", &charge));
        if (pk == "payment_intent") {
          CASHMATCH_RETURN_IF_ERROR(IdOrObjectId(pf.value(), where + ": field 'payment.payment_intent'", &intent));
        }
      }
    }
  }
  if (invoice.empty()) return Status::Ok();
  if (!charge.empty()) builder.LinkInvoice(charge, invoice);
  if (!intent.empty()) builder.LinkInvoice(intent, invoice);
  return Status::Ok();
}

// One object of the stream: a BT, an InvoicePayment, or a list of them.
Status ReadObject(od::object obj, const std::string& where, StripeBuilder& builder, const ParseOptions& options,
                  ParsedSettlement* out, uint32_t line, std::string_view raw);

Status HandleBt(od::object obj, const std::string& where, StripeBuilder& builder, const ParseOptions& options,
                ParsedSettlement* out, uint32_t line, std::string_view raw) {
  RawBt bt;
  // Malformed JSON ends the parse even with skip_bad_records: the stream
  // cannot be read past it. A well-formed but bad record can be skipped.
  CASHMATCH_RETURN_IF_ERROR(ReadBt(obj, where, &bt));
  Status s = builder.Add(bt, where);
  if (s.ok()) return s;
  if (!options.skip_bad_records) return s;
  out->rejects.push_back(Reject{line, std::string(raw.substr(0, 512)), s.message()});
  return Status::Ok();
}

Status ReadObject(od::object obj, const std::string& where, StripeBuilder& builder, const ParseOptions& options,
                  ParsedSettlement* out, uint32_t line, std::string_view raw) {
  // "object" names the resource; Stripe puts it first, but do not rely on it.
  std::string_view kind;
  if (obj.find_field_unordered("object").get_string().get(kind)) {
    return Status::InvalidInput(where + ": field 'object': expected a Stripe object (balance_transaction or list)");
  }
  std::string type(kind);
  if (obj.reset().error()) return Status::InvalidInput(where + ": malformed object");
  if (type == "balance_transaction") return HandleBt(obj, where, builder, options, out, line, raw);
  if (type == "invoice_payment") return ReadInvoicePayment(obj, where, builder);
  if (type == "charge") {
    // A bare charge (e.g. from a charge.succeeded webhook): a payment with
    // no fee information. Read as the expanded source of a synthetic BT.
    RawBt bt;
    CASHMATCH_RETURN_IF_ERROR(ReadSource(obj, where, &bt));
    Status s;
    {
      bt.id = bt.source_id;
      bt.type = "charge";
      bt.amount = bt.source_amount;
      bt.currency = bt.source_currency;
      bt.fee = 0;
      if (obj.reset().error()) return Status::InvalidInput(where + ": malformed object");
      int64_t c = 0;
      auto e = obj.find_field_unordered("created").get_int64().get(c);
      if (!Recoverable(e)) return Malformed(where, e);
      if (e == simdjson::SUCCESS) bt.created = c;
      if (obj.reset().error()) return Status::InvalidInput(where + ": malformed object");
      CASHMATCH_RETURN_IF_ERROR(OptionalString(obj, "description", where, &bt.description));
      s = builder.Add(bt, where);
    }
    if (s.ok() || !options.skip_bad_records) return s;
    out->rejects.push_back(Reject{line, std::string(raw.substr(0, 512)), s.message()});
    return Status::Ok();
  }
  if (type != "list") {
    out->warnings.push_back(where + ": Stripe object '" + type + "' is not a settlement record; ignored");
    return Status::Ok();
  }
  od::array data;
  if (obj.find_field_unordered("data").get_array().get(data)) {
    return Status::InvalidInput(where + ": field 'data': expected the list's array");
  }
  size_t index = 0;
  for (auto element : data) {
    std::string at = where + ": data[" + std::to_string(index++) + "]";
    od::object item;
    if (element.get_object().get(item)) return Status::InvalidInput(at + ": expected an object");
    CASHMATCH_RETURN_IF_ERROR(ReadObject(item, at, builder, options, out, line, raw));
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
  simdjson::padded_string buffer(data);
  od::parser parser;
  od::document_stream stream;
  // One window holds the largest document: a payout listing is one batch.
  size_t window = std::max<size_t>(buffer.size() + 64, 1 << 20);
  if (auto err = parser.iterate_many(buffer, window).get(stream)) {
    return Status::InvalidInput(name + ": not valid JSON (" + simdjson::error_message(err) + ")");
  }
  size_t docs = 0;
  for (auto it = stream.begin(); it != stream.end(); ++it) {
    const size_t offset = it.current_index();
    const uint32_t line = LineOf(data, offset);
    const std::string where = name + ":" + std::to_string(line);
    od::document_reference doc;
    if (auto err = (*it).get(doc)) {
      return Status::InvalidInput(where + ": not valid JSON (" + simdjson::error_message(err) + ")");
    }
    od::object obj;
    if (doc.get_object().get(obj)) return Status::InvalidInput(where + ": expected a JSON object");
    CASHMATCH_RETURN_IF_ERROR(ReadObject(obj, where, builder, options, &out, line, it.source()));
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
