// Stripe's payout reconciliation report (payout_reconciliation.itemized.N
// and .by_id.itemized.N): one row per balance transaction settled in
// automatic payouts. Columns are found by header name (the report lets the
// user choose them); gross, fee and net are decimal strings in MAJOR units
// ("12.34", JPY "500"), unlike the API's integer minor units.
//
// A row means what its reporting_category says, as in stripe_json.cc:
// charge -> payment at gross with its fee (invoice_number becomes a
// structured reference, invoice_id the Stripe invoice link); refund and
// dispute -> returns of charge_id; fee-like categories -> fees. When every
// row belongs to one automatic_payout_id, the file is that payout's
// listing: the batch is keyed by the payout, whose amount is the rows' net.
#include <map>
#include <set>

#include "cashmatch/io/csv.h"
#include "cashmatch/io/settlement.h"
#include "id_set.h"
#include "parsers.h"

namespace cashmatch::io {
namespace {

bool IsOneOf(std::string_view s, std::initializer_list<std::string_view> values) {
  for (std::string_view v : values) {
    if (s == v) return true;
  }
  return false;
}

// "2026-11-24 17:03:09" (or just the date) -> the date.
Result<Date> DatePart(std::string_view text) { return ParseIsoDate(text.substr(0, 10)); }

class ReportRows {
 public:
  ReportRows(const CsvTable& t, ParsedSettlement* out) : t_(t), out_(out) {}

  Status Row(size_t i) {
    const std::string category(t_.Get(i, "reporting_category"));
    const Currency* ccy = Currency::Find(t_.Get(i, "currency"));
    if (ccy == nullptr) {
      return Status::InvalidInput(t_.Where(i, "currency") + ": unknown currency '" +
                                  std::string(t_.Get(i, "currency")) + "'");
    }
    int64_t gross = 0, fee = 0, net = 0;
    CASHMATCH_RETURN_IF_ERROR(Amount(i, "gross", ccy, &gross));
    CASHMATCH_RETURN_IF_ERROR(Amount(i, "fee", ccy, &fee));
    CASHMATCH_RETURN_IF_ERROR(Amount(i, "net", ccy, &net));
    if (gross - fee != net) {
      return Status::InvalidInput(t_.Where(i, "net") + ": gross " + FormatAmountMinor(gross, ccy->exponent()) +
                                  " - fee " + FormatAmountMinor(fee, ccy->exponent()) + " is not net " +
                                  FormatAmountMinor(net, ccy->exponent()));
    }
    Date when;
    std::string_view created = t_.Get(i, t_.HasColumn("created_utc") ? "created_utc" : "created");
    if (!created.empty()) {
      auto d = DatePart(created);
      if (!d.ok()) return d.status().WithContext(t_.Where(i, "created_utc"));
      when = d.value();
    }
    payout_ids_.insert(std::string(t_.Get(i, "automatic_payout_id")));
    net_[std::string(ccy->code())] += net;
    currency_ = ccy;
    if (IsOneOf(category, {"charge", "payment"})) return Charge(i, ccy, gross, fee, when);
    if (IsOneOf(category, {"refund", "dispute", "payment_refund"})) return Return(i, category, ccy, gross, fee, when);
    if (IsOneOf(category, {"fee", "stripe_fee", "application_fee", "tax", "platform_earning"})) {
      out_->batch.standalone_fees_minor[std::string(ccy->code())] += -net;
      return Status::Ok();
    }
    out_->warnings.push_back(t_.Where(i, "reporting_category") + ": '" + category +
                             "' is not cash application; not applied");
    return Status::Ok();
  }

  // One automatic payout in the whole file: the batch is that payout.
  void Finish() {
    if (payout_ids_.size() != 1 || payout_ids_.begin()->empty() || net_.size() != 1) return;
    PayoutInfo p;
    p.payout_id = *payout_ids_.begin();
    p.currency = currency_;
    p.amount_minor = net_.begin()->second;
    out_->batch.payout = p;
  }

 private:
  Status Amount(size_t i, const char* col, const Currency* ccy, int64_t* out) {
    std::string_view text = t_.Get(i, col);
    if (text.empty() && std::string_view(col) == "fee") return Status::Ok();
    auto r = ParseAmountMinor(text, ccy->exponent());
    if (!r.ok()) return r.status().WithContext(t_.Where(i, col));
    *out = r.value();
    return Status::Ok();
  }

  std::string FirstOf(size_t i, std::initializer_list<const char*> cols) const {
    for (const char* c : cols) {
      if (!t_.Get(i, c).empty()) return std::string(t_.Get(i, c));
    }
    return {};
  }

  Status Charge(size_t i, const Currency* ccy, int64_t gross, int64_t fee, Date when) {
    if (gross <= 0) return Status::InvalidInput(t_.Where(i, "gross") + ": a charge must be positive");
    Payment p;
    p.payment_id = FirstOf(i, {"charge_id", "source_id", "payment_intent_id", "balance_transaction_id"});
    if (p.payment_id.empty()) {
      return Status::InvalidInput(t_.Where(i, "charge_id") + ": no charge_id, source_id or balance_transaction_id");
    }
    p.source = PaymentSource::kStripe;
    p.amount_minor = gross;
    p.fee_minor = fee;
    p.currency = ccy;
    p.value_date = when;
    p.stripe_charge_id = std::string(t_.Get(i, "charge_id"));
    p.stripe_customer_id = std::string(t_.Get(i, "customer_id"));
    p.stripe_invoice_id = std::string(t_.Get(i, "invoice_id"));
    p.payer_name = std::string(t_.Get(i, "customer_name"));
    p.remittance = std::string(t_.Get(i, "description"));
    p.bank_reference = std::string(t_.Get(i, "balance_transaction_id"));
    p.source_line = t_.record(i).line;
    if (!t_.Get(i, "invoice_number").empty()) {
      p.references.push_back(RemittanceRef{std::string(t_.Get(i, "invoice_number")), std::nullopt});
    }
    if (!ids_.Insert(p.payment_id, t_.record(i).line)) {
      return Status::InvalidInput(t_.Where(i, "charge_id") + ": charge " + p.payment_id + " appears twice");
    }
    out_->batch.payments.push_back(std::move(p));
    return Status::Ok();
  }

  Status Return(size_t i, const std::string& category, const Currency* ccy, int64_t gross, int64_t fee, Date when) {
    if (gross >= 0) return Status::InvalidInput(t_.Where(i, "gross") + ": a " + category + " must be negative");
    Reversal r;
    r.reversal_id = FirstOf(i, {"source_id", "balance_transaction_id"});
    r.kind = category == "dispute" ? ReversalKind::kStripeDispute : ReversalKind::kStripeRefund;
    r.original_payment_id = FirstOf(i, {"charge_id", "payment_intent_id"});
    r.amount_minor = -gross;
    r.currency = ccy;
    r.value_date = when;
    r.reason_code = category;
    r.text = std::string(t_.Get(i, "description"));
    r.source_line = t_.record(i).line;
    out_->batch.reversals.push_back(std::move(r));
    if (fee != 0) out_->batch.standalone_fees_minor[std::string(ccy->code())] += fee;
    return Status::Ok();
  }

  const CsvTable& t_;
  ParsedSettlement* out_;
  std::set<std::string> payout_ids_;
  std::map<std::string, int64_t> net_;
  const Currency* currency_ = nullptr;
  IdSet ids_;
};

}  // namespace

Result<ParsedSettlement> ParseStripeCsv(const std::string& name, std::string_view data, const Fingerprinter& fp,
                                        const ParseOptions& options) {
  (void)fp;  // the report carries no bank account numbers
  // The report has dozens of optional columns: unknown ones are not worth a warning.
  auto table = CsvTable::Parse(
      name, data, {"currency", "gross", "net", "reporting_category"},
      {"fee", "balance_transaction_id", "automatic_payout_id", "source_id", "charge_id", "payment_intent_id",
       "invoice_id", "invoice_number", "customer_id", "customer_name", "description", "created_utc", "created"},
      nullptr);
  if (!table.ok()) return table.status();
  ParsedSettlement out;
  out.batch.source_name = name;
  ReportRows rows(table.value(), &out);
  for (size_t i = 0; i < table.value().size(); ++i) {
    Status s = rows.Row(i);
    if (s.ok()) continue;
    if (!options.skip_bad_records) return s;
    std::string raw;
    for (const std::string& f : table.value().record(i).fields) raw += (raw.empty() ? "" : ",") + f;
    out.rejects.push_back(Reject{table.value().record(i).line, raw, s.message()});
  }
  rows.Finish();
  return out;
}

}  // namespace cashmatch::io
