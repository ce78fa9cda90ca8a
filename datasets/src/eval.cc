// `cashmatch eval`: the fold of a ledger's events per payment and its
// comparison with the answer key. See eval.h for the figures' definitions.
#include "cashmatch/datasets/eval.h"

#include <fmt/format.h>

// simdjson as io/ reads it: one definition of its inline functions per
// binary (readers/simdjson_release.h; tools/check-includes guards it).
#include "readers/simdjson_release.h"

#include <set>

namespace cashmatch::datasets {
namespace {

// Outcomes a truth line may expect (docs/datasets.md).
const std::set<std::string, std::less<>> kOutcomes = {"applied",   "held",     "unapplied",
                                                      "exception", "returned", "payout"};

Status TruthError(std::string_view field, std::string_view what) {
  return Status::InvalidInput("field '" + std::string(field) + "': " + std::string(what));
}

Status ReadAllocations(simdjson::dom::array list, TruthPayment* t) {
  for (simdjson::dom::element a : list) {
    std::string_view invoice;
    int64_t amount = 0;
    if (a["invoice_id"].get(invoice) != simdjson::SUCCESS) return TruthError("allocations", "invoice_id: a string");
    if (a["amount"].get(amount) != simdjson::SUCCESS || amount <= 0) {
      return TruthError("allocations", "amount: a positive integer (minor units)");
    }
    t->allocations.emplace_back(std::string(invoice), amount);
  }
  return Status::Ok();
}

const std::vector<std::pair<std::string, int64_t>> kNoAllocations;

double Ratio(uint64_t num, uint64_t den) {
  return den == 0 ? 0.0 : static_cast<double>(num) / static_cast<double>(den);
}

}  // namespace

Result<TruthPayment> ParseTruthLine(std::string_view line) {
  thread_local simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (auto e = parser.parse(line.data(), line.size()).get(doc)) {
    return Status::InvalidInput(std::string("not valid JSON (") + simdjson::error_message(e) + ")");
  }
  TruthPayment t;
  std::string_view s;
  if (doc["payment_id"].get(s) != simdjson::SUCCESS || s.empty()) return TruthError("payment_id", "a non-empty string");
  t.payment_id = s;
  if (doc["scenario"].get(s) != simdjson::SUCCESS) return TruthError("scenario", "a string");
  t.scenario = s;
  if (doc["outcome"].get(s) != simdjson::SUCCESS || kOutcomes.find(s) == kOutcomes.end()) {
    return TruthError("outcome", "one of applied, held, unapplied, exception, returned, payout");
  }
  t.outcome = s;
  if (doc["reason"].get(s) == simdjson::SUCCESS) t.reason = s;
  if (doc["customer_id"].get(s) == simdjson::SUCCESS) t.customer_id = s;  // null: nobody
  simdjson::dom::array list;
  if (doc["allocations"].get(list) == simdjson::SUCCESS) CASHMATCH_RETURN_IF_ERROR(ReadAllocations(list, &t));
  return t;
}

double EvalReport::precision() const { return Ratio(allocations_right_count, allocations_got_count); }
double EvalReport::recall() const { return Ratio(allocations_right_count, allocations_expected_count); }
double EvalReport::straight_through_rate() const { return Ratio(straight_through_count, matchable_count); }

Status Evaluator::AddTruthLine(std::string_view line) {
  auto t = ParseTruthLine(line);
  if (!t.ok()) return t.status();
  if (truth_index_.count(t.value().payment_id) != 0) {
    return Status::InvalidInput("payment_id '" + t.value().payment_id + "' appears twice");
  }
  AddTruth(std::move(t).value());
  return Status::Ok();
}

void Evaluator::AddTruth(TruthPayment t) {
  truth_index_.emplace(t.payment_id, truth_.size());
  truth_.push_back(std::move(t));
}

void Evaluator::AddEvent(const Event& e) {
  // Fees allocate nothing to invoices; the bank line of a Stripe payout
  // only says it carried the payout.
  if (e.payment_id.empty() || e.type == EventType::kFee) return;
  if (e.type == EventType::kPayoutMatched) {
    folds_[e.payment_id].payout = true;
    return;
  }
  // A resubmitted payment id is about the resubmission, not the payment.
  if (e.type == EventType::kException && e.reason == ExceptionReason::kDuplicatePayment) {
    exceptions_seen_[ExceptionReasonName(e.reason)] += 1;
    return;
  }
  Fold& f = folds_[e.payment_id];
  switch (e.type) {
    case EventType::kPaymentReceived: f.received = true; break;
    case EventType::kApplied:
      f.applied_minor[e.invoice_id] += e.amount_minor;
      if (!e.customer_id.empty()) f.invoice_customer[e.invoice_id] = e.customer_id;
      break;
    case EventType::kReversed:
      if (e.from == CashBucket::kApplied) f.applied_minor[e.invoice_id] -= e.amount_minor;
      f.returned = true;
      break;
    case EventType::kHeld: f.held = true; break;
    case EventType::kReleased: f.held = false; break;
    case EventType::kUnapplied: f.unapplied = true; break;
    case EventType::kException:
      f.exception = true;
      f.reason = ExceptionReasonName(e.reason);
      exceptions_seen_[f.reason] += 1;
      break;
    case EventType::kWrittenOff:
    case EventType::kSuppression:
    case EventType::kFee:  // returned above
    case EventType::kPayoutMatched: break;
  }
}

std::string Evaluator::OutcomeOf(const Fold& f) {
  for (const auto& [invoice, amount] : f.applied_minor) {
    if (amount > 0) return "applied";
  }
  if (f.held) return "held";
  if (f.returned) return "returned";
  if (f.payout) return "payout";
  if (f.exception) return "exception";
  if (f.unapplied) return "unapplied";
  return "received";
}

const char* Evaluator::WrongCause(const TruthPayment* t, const Fold& f, const std::string& invoice) {
  if (t == nullptr) return "not_in_key";
  if (t->outcome != "applied") return "applied_should_not";
  for (const auto& [want_invoice, want_amount] : t->allocations) {
    if (want_invoice == invoice) return "wrong_amount";
  }
  auto c = f.invoice_customer.find(invoice);
  if (c == f.invoice_customer.end()) return "wrong_invoice";
  return c->second == t->customer_id ? "same_customer_wrong_invoice" : "other_customer";
}

EvalReport Evaluator::Finish() const {
  EvalReport r;
  r.truth_payments_count = truth_.size();
  r.ledger_payments_count = folds_.size();
  r.exceptions_by_reason = exceptions_seen_;
  // Allocations the ledger made, right or not, over every payment it holds.
  for (const auto& [payment_id, f] : folds_) {
    auto t = truth_index_.find(payment_id);
    if (t == truth_index_.end()) r.unexpected_payments_count += 1;
    const TruthPayment* truth = t == truth_index_.end() ? nullptr : &truth_[t->second];
    for (const auto& [invoice, amount] : f.applied_minor) {
      if (amount <= 0) continue;
      r.allocations_got_count += 1;
      bool right = false;
      for (const auto& [want_invoice, want_amount] : truth != nullptr ? truth->allocations : kNoAllocations) {
        right = right || (want_invoice == invoice && want_amount == amount);
      }
      if (right) {
        r.allocations_right_count += 1;
        continue;
      }
      const char* cause = WrongCause(truth, f, invoice);
      r.wrong_by_cause[cause] += 1;
      if (truth != nullptr) r.by_scenario[truth->scenario].wrong_by_cause[cause] += 1;
    }
  }
  static const Fold kNothing;
  for (const TruthPayment& t : truth_) {
    r.allocations_expected_count += t.allocations.size();
    auto it = folds_.find(t.payment_id);
    const Fold& f = it == folds_.end() ? kNothing : it->second;
    std::string got = it == folds_.end() ? "missing" : OutcomeOf(f);
    if (it == folds_.end()) r.missing_payments_count += 1;
    // Exactly right: same outcome (and reason), same allocations.
    bool right = got == t.outcome && (t.outcome != "exception" || f.reason == t.reason);
    size_t got_allocations = 0;
    for (const auto& [invoice, amount] : f.applied_minor) got_allocations += amount > 0 ? 1 : 0;
    right = right && got_allocations == t.allocations.size();
    for (const auto& [invoice, amount] : t.allocations) {
      auto a = f.applied_minor.find(invoice);
      right = right && a != f.applied_minor.end() && a->second == amount;
    }
    if (t.outcome == "applied") {
      r.matchable_count += 1;
      if (got == "applied" && !f.exception) {
        r.straight_through_count += 1;
        if (right) r.straight_through_right_count += 1;
      }
    }
    ScenarioConfusion& c = r.by_scenario[t.scenario];
    c.payments_count += 1;
    c.correct_count += right ? 1 : 0;
    std::string expected = t.outcome == "exception" ? "exception:" + t.reason : t.outcome;
    if (got == "exception") got += ":" + f.reason;
    c.counts[expected][got] += 1;
  }
  return r;
}

namespace {

std::string Percent(double x) { return fmt::format("{:.2f}%", 100.0 * x); }

std::string TableReport(const EvalReport& r) {
  std::string out;
  auto line = [&](std::string_view label, const std::string& value) {
    fmt::format_to(std::back_inserter(out), "{:<34} {}\n", label, value);
  };
  line("payments in the answer key", std::to_string(r.truth_payments_count));
  line("payments in the ledger", fmt::format("{} ({} not in the key, {} of the key missing)", r.ledger_payments_count,
                                             r.unexpected_payments_count, r.missing_payments_count));
  line("precision (right / made)",
       fmt::format("{} ({} / {})", Percent(r.precision()), r.allocations_right_count, r.allocations_got_count));
  line("recall (right / expected)",
       fmt::format("{} ({} / {})", Percent(r.recall()), r.allocations_right_count, r.allocations_expected_count));
  line("straight-through (of matchable)",
       fmt::format("{} ({} / {}; {} with every allocation right)", Percent(r.straight_through_rate()),
                   r.straight_through_count, r.matchable_count, r.straight_through_right_count));
  out += "\nexceptions by reason\n";
  for (const auto& [reason, n] : r.exceptions_by_reason)
    fmt::format_to(std::back_inserter(out), "  {:<24} {}\n", reason, n);
  out += "\nwrong applications by cause (allocations made that are not right)\n";
  for (const auto& [cause, n] : r.wrong_by_cause) fmt::format_to(std::back_inserter(out), "  {:<28} {}\n", cause, n);
  for (const auto& [scenario, c] : r.by_scenario) {
    if (c.wrong_by_cause.empty()) continue;
    std::string cells;
    for (const auto& [cause, n] : c.wrong_by_cause) {
      fmt::format_to(std::back_inserter(cells), "{}{} {}", cells.empty() ? "" : ", ", cause, n);
    }
    fmt::format_to(std::back_inserter(out), "  in {:<25} {}\n", scenario, cells);
  }
  out += "\nper scenario: expected outcome -> what the ledger did\n";
  fmt::format_to(std::back_inserter(out), "  {:<22} {:>8} {:>8} {:>8}  {}\n", "scenario", "payments", "correct", "rate",
                 "expected -> got (count)");
  for (const auto& [scenario, c] : r.by_scenario) {
    std::string cells;
    for (const auto& [expected, gots] : c.counts) {
      for (const auto& [got, n] : gots) {
        fmt::format_to(std::back_inserter(cells), "{}{} -> {} ({})", cells.empty() ? "" : "; ", expected, got, n);
      }
    }
    fmt::format_to(std::back_inserter(out), "  {:<22} {:>8} {:>8} {:>8}  {}\n", scenario, c.payments_count,
                   c.correct_count, Percent(Ratio(c.correct_count, c.payments_count)), cells);
  }
  return out;
}

// {"name":n,...}: the keys are fixed names (causes), never user text.
void AppendCounts(std::string* out, const std::map<std::string, uint64_t>& counts) {
  out->push_back('{');
  for (const auto& [name, n] : counts) {
    fmt::format_to(std::back_inserter(*out), "{}\"{}\":{}", out->back() == '{' ? "" : ",", name, n);
  }
  out->push_back('}');
}

std::string JsonReport(const EvalReport& r) {
  std::string out = "{";
  fmt::format_to(std::back_inserter(out),
                 "\"truth_payments\":{},\"ledger_payments\":{},\"unexpected_payments\":{},\"missing_payments\":{},"
                 "\"allocations_made\":{},\"allocations_right\":{},\"allocations_expected\":{},"
                 "\"precision\":{:.6f},\"recall\":{:.6f},\"matchable\":{},\"straight_through\":{},"
                 "\"straight_through_right\":{},\"straight_through_rate\":{:.6f},\"exceptions_by_reason\":{{",
                 r.truth_payments_count, r.ledger_payments_count, r.unexpected_payments_count, r.missing_payments_count,
                 r.allocations_got_count, r.allocations_right_count, r.allocations_expected_count, r.precision(),
                 r.recall(), r.matchable_count, r.straight_through_count, r.straight_through_right_count,
                 r.straight_through_rate());
  bool first = true;
  for (const auto& [reason, n] : r.exceptions_by_reason) {
    fmt::format_to(std::back_inserter(out), "{}\"{}\":{}", first ? "" : ",", reason, n);
    first = false;
  }
  out += "},\"scenarios\":{";
  first = true;
  for (const auto& [scenario, c] : r.by_scenario) {
    fmt::format_to(std::back_inserter(out), "{}\"{}\":{{\"payments\":{},\"correct\":{},\"outcomes\":{{",
                   first ? "" : ",", scenario, c.payments_count, c.correct_count);
    first = false;
    bool first_expected = true;
    for (const auto& [expected, gots] : c.counts) {
      fmt::format_to(std::back_inserter(out), "{}\"{}\":{{", first_expected ? "" : ",", expected);
      first_expected = false;
      bool first_got = true;
      for (const auto& [got, n] : gots) {
        fmt::format_to(std::back_inserter(out), "{}\"{}\":{}", first_got ? "" : ",", got, n);
        first_got = false;
      }
      out += "}";
    }
    out += "},\"wrong_by_cause\":";
    AppendCounts(&out, c.wrong_by_cause);
    out += "}";
  }
  out += "},\"wrong_applications_by_cause\":";
  AppendCounts(&out, r.wrong_by_cause);
  out += "}\n";
  return out;
}

}  // namespace

std::string FormatEvalReport(const EvalReport& r, EvalFormat format) {
  return format == EvalFormat::kJson ? JsonReport(r) : TableReport(r);
}

}  // namespace cashmatch::datasets
