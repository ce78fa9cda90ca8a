// The checks every reader's output goes through before anyone uses it
// (ParseSettlement and ParsePaymentsNdjson call CheckParsedBatch), so that a
// format cannot forget one:
// - ids are printable UTF-8 (reader_util.h IdProblem): a NUL or a control
//   byte in an id would become part of a ledger key and an export field;
// - names and free text are valid UTF-8 (invalid bytes become U+FFFD), so
//   the export stays valid JSON for strict parsers;
// - a remitted amount per reference is positive (the matcher applies it);
// - a Stripe payout is a credit to the bank account (the ledger keys the
//   bank line it waits for by a non-negative amount).
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "cashmatch/engine/money.h"
#include "parsers.h"
#include "reader_util.h"

namespace cashmatch::io {

// LineText and TextRepairs are outside the anonymous namespace: BatchChecker
// (parsers.h) holds them.

// The text of 1-based line `line` of `data` ("" past the end), for a
// reject: the lines are indexed once, on the first reject.
class LineText {
 public:
  explicit LineText(std::string_view data) : data_(data) {}

  std::string At(uint32_t line) {
    if (starts_.empty()) {
      starts_.push_back(0);
      for (size_t i = 0; i < data_.size(); ++i) {
        if (data_[i] == '\n') starts_.push_back(i + 1);
      }
    }
    if (line == 0 || line > starts_.size()) return {};
    const size_t begin = starts_[line - 1];
    const size_t end = line < starts_.size() ? starts_[line] - 1 : data_.size();
    return std::string(TrimRight(data_.substr(begin, end - begin)));
  }

 private:
  std::string_view data_;
  std::vector<size_t> starts_;
};

// Counts the text fields whose invalid UTF-8 was replaced, for one warning.
struct TextRepairs {
  size_t count = 0;
  uint32_t first_line = 0;
  std::string first_field;

  void Fix(std::string* text, uint32_t line, const char* field) {
    if (!MakeValidUtf8(text)) return;
    if (count++ == 0) {
      first_line = line;
      first_field = field;
    }
  }
};

namespace {

std::string Where(const std::string& name, uint32_t line, std::string_view field) {
  return name + ":" + std::to_string(line) + ": field '" + std::string(field) + "'";
}

// The first id of `p` that is not printable UTF-8, as an error.
Status CheckPaymentIds(const std::string& name, const Payment& p) {
  const std::pair<const char*, const std::string*> ids[] = {{"payment_id", &p.payment_id},
                                                            {"bank_reference", &p.bank_reference},
                                                            {"end_to_end_id", &p.end_to_end_id},
                                                            {"batch_id", &p.bank_batch_id},
                                                            {"stripe_customer_id", &p.stripe_customer_id},
                                                            {"stripe_charge_id", &p.stripe_charge_id},
                                                            {"stripe_invoice_id", &p.stripe_invoice_id},
                                                            {"rf_reference", &p.rf_reference}};
  for (const auto& [field, id] : ids) {
    if (const char* why = IdProblem(*id)) return Status::InvalidInput(Where(name, p.source_line, field) + ": " + why);
  }
  for (size_t i = 0; i < p.references.size(); ++i) {
    if (const char* why = IdProblem(p.references[i].invoice_number)) {
      return Status::InvalidInput(Where(name, p.source_line, "references[" + std::to_string(i) + "].invoice_number") +
                                  ": " + why);
    }
  }
  return Status::Ok();
}

Status CheckReversalIds(const std::string& name, const Reversal& r) {
  const std::pair<const char*, const std::string*> ids[] = {{"reversal_id", &r.reversal_id},
                                                            {"original_payment_id", &r.original_payment_id},
                                                            {"original_reference", &r.original_reference},
                                                            {"reason_code", &r.reason_code}};
  for (const auto& [field, id] : ids) {
    if (const char* why = IdProblem(*id)) return Status::InvalidInput(Where(name, r.source_line, field) + ": " + why);
  }
  return Status::Ok();
}

// A remitted amount of zero or less for one reference (a bank's filler
// 0.00, a credit note netted inside the remittance) is dropped with a
// warning and the reference kept, rather than failing the file: the
// reference still says which invoice the payer means, which is what an AR
// team wants used, and a whole day's file should not bounce for one line
// of remittance detail. Without the amount the matcher splits the payment
// as it does for any reference given without one.
void DropNonPositiveRefAmounts(const std::string& name, Payment* p, std::vector<std::string>* warnings) {
  for (RemittanceRef& ref : p->references) {
    if (!ref.amount_minor.has_value() || *ref.amount_minor > 0) continue;
    warnings->push_back(name + ":" + std::to_string(p->source_line) + ": payment " + p->payment_id + ": the amount " +
                        FormatAmountMinor(*ref.amount_minor, p->currency->exponent()) + " given for reference '" +
                        ref.invoice_number + "' is not positive; the reference is kept without an amount");
    ref.amount_minor.reset();
  }
}

// Stripe takes money from the bank account when refunds, disputes or fees
// exceed what it collected: the listing's "payout" is then a debit. There
// is no bank credit to link it to, so the listing is booked without a
// payout (its charges, returns and fees stand as they are) and said so.
void UnlinkDebitPayout(const std::string& name, SettlementBatch* batch, std::vector<std::string>* warnings) {
  if (!batch->payout.has_value() || batch->payout->amount_minor >= 0) return;
  const PayoutInfo& po = *batch->payout;
  warnings->push_back(name + ": Stripe payout " + po.payout_id + " is a debit of " +
                      FormatAmountMinor(-po.amount_minor, po.currency->exponent()) + " " +
                      std::string(po.currency->code()) +
                      " (refunds, disputes or fees exceeded its charges): Stripe takes it from the bank account, so "
                      "there is no bank credit to link; its balance transactions are booked, the payout is not");
  batch->payout.reset();
}

// Keeps the records of `*records` whose ids check out, cleaning each with
// `clean`; a record that fails is the batch's error, or with
// skip_bad_records a reject (its line as read) and dropped.
template <typename T, typename Check, typename Clean>
Status KeepGood(std::vector<T>* records, const ParseOptions& options, LineText& lines, Check check, Clean clean,
                std::vector<Reject>* rejects) {
  std::vector<T> kept;
  kept.reserve(records->size());
  for (T& r : *records) {
    Status s = check(r);
    if (!s.ok()) {
      if (!options.skip_bad_records) return s;
      rejects->push_back(Reject{r.source_line, lines.At(r.source_line), s.message()});
      continue;
    }
    clean(r);
    kept.push_back(std::move(r));
  }
  *records = std::move(kept);
  return Status::Ok();
}

}  // namespace

BatchChecker::BatchChecker(const std::string& name, std::string_view data, const ParseOptions& options)
    : name_(name),
      options_(options),
      lines_(std::make_unique<LineText>(data)),
      repairs_(std::make_unique<TextRepairs>()) {}

BatchChecker::~BatchChecker() = default;

Status BatchChecker::CheckRecords(ParsedSettlement* out) {
  SettlementBatch& batch = out->batch;
  CASHMATCH_RETURN_IF_ERROR(KeepGood(
      &batch.payments, options_, *lines_, [&](const Payment& p) { return CheckPaymentIds(name_, p); },
      [&](Payment& p) {
        repairs_->Fix(&p.payer_name, p.source_line, "payer_name");
        repairs_->Fix(&p.remittance, p.source_line, "remittance");
        DropNonPositiveRefAmounts(name_, &p, &out->warnings);
      },
      &out->rejects));
  return KeepGood(
      &batch.reversals, options_, *lines_, [&](const Reversal& r) { return CheckReversalIds(name_, r); },
      [&](Reversal& r) { repairs_->Fix(&r.text, r.source_line, "text"); }, &out->rejects);
}

Status BatchChecker::Finish(ParsedSettlement* out) {
  CASHMATCH_RETURN_IF_ERROR(CheckRecords(out));
  SettlementBatch& batch = out->batch;
  if (batch.payout.has_value()) {
    if (const char* why = IdProblem(batch.payout->payout_id)) {
      return Status::InvalidInput(name_ + ": payout id: " + why);
    }
  }
  UnlinkDebitPayout(name_, &batch, &out->warnings);
  const TextRepairs& repairs = *repairs_;
  if (repairs.count > 0) {
    out->warnings.push_back(name_ + ": " + std::to_string(repairs.count) +
                            " text field(s) held bytes that are not UTF-8 (first: line " +
                            std::to_string(repairs.first_line) + ", field '" + repairs.first_field +
                            "'); each such byte was replaced by U+FFFD");
  }
  return Status::Ok();
}

Status CheckParsedBatch(const std::string& name, std::string_view data, const ParseOptions& options,
                        ParsedSettlement* out) {
  return BatchChecker(name, data, options).Finish(out);
}

}  // namespace cashmatch::io
