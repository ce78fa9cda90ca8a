// File: cashmatch/datasets/eval.h
//
// Scores a ledger's decisions against a generator answer key
// (truth.ndjson, see docs/datasets.md) — the engine behind `cashmatch eval`.
//
// The ledger's events are folded per payment: `applied` adds to the
// allocation of (payment, invoice), `reversed` takes away from it; `held`,
// `unapplied`, `exception` and `reversed` decide the outcome when nothing
// stays applied. Then, against the key:
//   precision   right allocations / allocations the ledger made, where an
//               allocation is right when payment, invoice and amount agree;
//   recall      right allocations / allocations the key expects;
//   straight-through  payments the key expects `applied` that the ledger
//               applied without any exception event, over those payments;
//   exceptions by reason, and per scenario the expected-vs-got outcomes;
//   wrong applications by cause: every allocation the ledger made that is
//   not right, in the first class that fits it —
//     not_in_key                  the payment is not in the key;
//     applied_should_not          the key expects no application (held,
//                                 unapplied, an exception, returned, payout);
//     wrong_amount                an invoice the key expects, another amount;
//     other_customer              an invoice of a customer other than the
//                                 key's (the worst: two books wrong at once);
//     same_customer_wrong_invoice another invoice of the key's customer;
//     wrong_invoice               another invoice, whose customer the events
//                                 do not say (an --allocations CSV);
//   in total and per scenario.
//
// Thread safety: an Evaluator is used from one thread.
//
// Example:
//   Evaluator ev;
//   ev.AddTruthLine(R"({"payment_id":"P1","scenario":"exact_reference",...})");
//   ledger.ForEachEvent(0, [&](const Event& e) { ev.AddEvent(e); return true; });
//   EvalReport r = ev.Finish();
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "cashmatch/engine/event.h"
#include "cashmatch/engine/status.h"

namespace cashmatch::datasets {

// One line of truth.ndjson, as eval needs it.
struct TruthPayment {
  std::string payment_id;
  std::string scenario;
  std::string outcome;                                       // applied | held | unapplied | exception | returned
  std::string reason;                                        // for outcome exception: ambiguous, no_customer, ...
  std::vector<std::pair<std::string, int64_t>> allocations;  // invoice id, minor units
  std::string customer_id;                                   // expected customer; empty: nobody (null)
};

// Parses one truth line; kInvalidInput naming the field when it is wrong.
Result<TruthPayment> ParseTruthLine(std::string_view line);

// Expected vs got outcome counts for one scenario.
struct ScenarioConfusion {
  uint64_t payments_count = 0;
  uint64_t correct_count = 0;  // outcome (and reason) agree and allocations exactly right
  std::map<std::string, std::map<std::string, uint64_t>> counts;  // expected -> got -> n
  std::map<std::string, uint64_t> wrong_by_cause;                 // wrong allocations, see above
};

struct EvalReport {
  uint64_t truth_payments_count = 0;
  uint64_t ledger_payments_count = 0;      // payments with events in the ledger
  uint64_t unexpected_payments_count = 0;  // in the ledger, not in the key (returns, strays)
  uint64_t missing_payments_count = 0;     // in the key, never reached the ledger
  uint64_t allocations_got_count = 0;
  uint64_t allocations_right_count = 0;
  uint64_t allocations_expected_count = 0;
  uint64_t matchable_count = 0;                          // key outcome `applied`
  uint64_t straight_through_count = 0;                   // of those: applied, no exception event
  uint64_t straight_through_right_count = 0;             // ... and every allocation right
  std::map<std::string, uint64_t> exceptions_by_reason;  // what the ledger raised
  std::map<std::string, ScenarioConfusion> by_scenario;  // "(not in key)" for not_in_key
  std::map<std::string, uint64_t> wrong_by_cause;        // allocations_got - allocations_right, by cause

  // Ratios of the counts above; 0 when the denominator is 0.
  double precision() const;
  double recall() const;
  double straight_through_rate() const;
};

class Evaluator {
 public:
  Status AddTruthLine(std::string_view line);
  void AddTruth(TruthPayment t);
  void AddEvent(const Event& e);
  EvalReport Finish() const;

 private:
  // What the events say about one payment.
  struct Fold {
    std::map<std::string, int64_t> applied_minor;         // invoice -> net applied
    std::map<std::string, std::string> invoice_customer;  // invoice -> its customer, as the applied event says
    bool received = false, held = false, unapplied = false, returned = false;
    bool payout = false;  // the bank line of a Stripe payout
    bool exception = false;
    std::string reason;  // of the last exception
  };
  static std::string OutcomeOf(const Fold& f);
  static const char* WrongCause(const TruthPayment* t, const Fold& f, const std::string& invoice);

  std::vector<TruthPayment> truth_;
  std::unordered_map<std::string, size_t> truth_index_;
  std::unordered_map<std::string, Fold> folds_;
  std::map<std::string, uint64_t> exceptions_seen_;  // every exception event, by reason
};

enum class EvalFormat : uint8_t { kTable = 0, kJson = 1 };
std::string FormatEvalReport(const EvalReport& r, EvalFormat format);

}  // namespace cashmatch::datasets
