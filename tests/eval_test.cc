// eval: the figures `cashmatch eval` reports, on a hand-built answer key and
// hand-built ledger events where every count is known.
#include <gtest/gtest.h>

#include "cashmatch/datasets/eval.h"

namespace cashmatch::datasets {
namespace {

Event Ev(EventType type, const std::string& payment, const std::string& invoice, int64_t amount_minor,
         ExceptionReason reason = ExceptionReason::kNone) {
  Event e;
  e.type = type;
  e.payment_id = payment;
  e.invoice_id = invoice;
  e.amount_minor = amount_minor;
  e.reason = reason;
  if (type == EventType::kReversed) e.from = invoice.empty() ? CashBucket::kReview : CashBucket::kApplied;
  return e;
}

// Three payments the key expects applied:
//   P1 -> I1 100.00: the ledger applies I1 100.00           (right)
//   P2 -> I2 200.00: the ledger applies I3 200.00           (wrong, and I2 missed)
//   P3 -> I4 300.00: the ledger raises an exception         (missed)
// plus P4, expected an `ambiguous` exception, which the ledger raises;
// P5 applied and then returned in full, as the key expects.
// Made 2 allocations (P1, P2), 1 right; expected 3: precision 1/2, recall
// 1/3; straight-through 2 of 3 (P1 and P2 applied without an exception).
TEST(EvalTest, ScoresRightWrongAndMissedAllocationsExactly) {
  Evaluator ev;
  for (
      const char* line : {
          R"({"payment_id":"P1","scenario":"exact_reference","outcome":"applied","allocations":[{"invoice_id":"I1","amount":10000}]})",
          R"({"payment_id":"P2","scenario":"no_remittance_single","outcome":"applied","allocations":[{"invoice_id":"I2","amount":20000}]})",
          R"({"payment_id":"P3","scenario":"typo_reference","outcome":"applied","allocations":[{"invoice_id":"I4","amount":30000}]})",
          R"({"payment_id":"P4","scenario":"ambiguous","outcome":"exception","reason":"ambiguous","allocations":[]})",
          R"({"payment_id":"P5","scenario":"returned","outcome":"returned","allocations":[]})",
      }) {
    ASSERT_TRUE(ev.AddTruthLine(line).ok()) << line;
  }
  for (const Event& e : {Ev(EventType::kPaymentReceived, "P1", "", 10000), Ev(EventType::kApplied, "P1", "I1", 10000),
                         Ev(EventType::kPaymentReceived, "P2", "", 20000), Ev(EventType::kApplied, "P2", "I3", 20000),
                         Ev(EventType::kPaymentReceived, "P3", "", 30000),
                         Ev(EventType::kException, "P3", "", 30000, ExceptionReason::kUnknownInvoice),
                         Ev(EventType::kPaymentReceived, "P4", "", 40000),
                         Ev(EventType::kException, "P4", "", 40000, ExceptionReason::kAmbiguous),
                         Ev(EventType::kPaymentReceived, "P5", "", 5000), Ev(EventType::kApplied, "P5", "I5", 5000),
                         Ev(EventType::kReversed, "P5", "I5", 5000)}) {
    ev.AddEvent(e);
  }
  EvalReport r = ev.Finish();
  EXPECT_EQ(r.truth_payments_count, 5u);
  EXPECT_EQ(r.ledger_payments_count, 5u);
  EXPECT_EQ(r.missing_payments_count, 0u);
  EXPECT_EQ(r.unexpected_payments_count, 0u);
  EXPECT_EQ(r.allocations_got_count, 2u);
  EXPECT_EQ(r.allocations_right_count, 1u);
  EXPECT_EQ(r.allocations_expected_count, 3u);
  EXPECT_DOUBLE_EQ(r.precision(), 0.5);
  EXPECT_DOUBLE_EQ(r.recall(), 1.0 / 3.0);
  EXPECT_EQ(r.matchable_count, 3u);
  EXPECT_EQ(r.straight_through_count, 2u);
  EXPECT_EQ(r.straight_through_right_count, 1u);
  EXPECT_DOUBLE_EQ(r.straight_through_rate(), 2.0 / 3.0);
  EXPECT_EQ(r.exceptions_by_reason.at("unknown_invoice"), 1u);
  EXPECT_EQ(r.exceptions_by_reason.at("ambiguous"), 1u);
  ASSERT_EQ(r.by_scenario.size(), 5u);
  EXPECT_EQ(r.by_scenario.at("exact_reference").correct_count, 1u);
  EXPECT_EQ(r.by_scenario.at("no_remittance_single").correct_count, 0u);  // applied, but to the wrong invoice
  EXPECT_EQ(r.by_scenario.at("no_remittance_single").counts.at("applied").at("applied"), 1u);
  EXPECT_EQ(r.by_scenario.at("typo_reference").counts.at("applied").at("exception:unknown_invoice"), 1u);
  EXPECT_EQ(r.by_scenario.at("ambiguous").correct_count, 1u);
  EXPECT_EQ(r.by_scenario.at("ambiguous").counts.at("exception:ambiguous").at("exception:ambiguous"), 1u);
  EXPECT_EQ(r.by_scenario.at("returned").correct_count, 1u);
}

// Payments the ledger never saw are `missing`; ledger payments the key does
// not list count as unexpected, and their allocations as made but not right.
TEST(EvalTest, MissingAndUnexpectedPayments) {
  Evaluator ev;
  ASSERT_TRUE(
      ev.AddTruthLine(
            R"({"payment_id":"P1","scenario":"exact_reference","outcome":"applied","allocations":[{"invoice_id":"I1","amount":1}]})")
          .ok());
  ev.AddEvent(Ev(EventType::kApplied, "X9", "I1", 1));
  EvalReport r = ev.Finish();
  EXPECT_EQ(r.missing_payments_count, 1u);
  EXPECT_EQ(r.unexpected_payments_count, 1u);
  EXPECT_EQ(r.allocations_got_count, 1u);
  EXPECT_EQ(r.allocations_right_count, 0u);
  EXPECT_EQ(r.by_scenario.at("exact_reference").counts.at("applied").at("missing"), 1u);
}

// Every allocation made that is not right gets one cause, in total and
// under the scenario of its payment (the key's customer against the
// customer the applied event names):
//   T1 (typo_names_other_invoice, C1 -> I1): applied to I9 of C2     other_customer
//   T2 (typo_names_own_invoice, C1 -> I2): applied to I3 of C1       same_customer_wrong_invoice
//   T3 (exact_reference, C1 -> I4 500): applied to I4, 400           wrong_amount
//   T4 (ambiguous exception): applied to I5                          applied_should_not
//   T5 (stripe_payout_bank_line, payout): linked, nothing applied    right (outcome payout)
//   X1 (not in the key): applied to I6                               not_in_key
// and the JSON carries them.
TEST(EvalTest, ClassifiesWrongApplicationsByCause) {
  Evaluator ev;
  for (
      const char* line : {
          R"({"payment_id":"T1","scenario":"typo_names_other_invoice","outcome":"applied","allocations":[{"invoice_id":"I1","amount":100}],"customer_id":"C1"})",
          R"({"payment_id":"T2","scenario":"typo_names_own_invoice","outcome":"applied","allocations":[{"invoice_id":"I2","amount":200}],"customer_id":"C1"})",
          R"({"payment_id":"T3","scenario":"exact_reference","outcome":"applied","allocations":[{"invoice_id":"I4","amount":500}],"customer_id":"C1"})",
          R"({"payment_id":"T4","scenario":"ambiguous","outcome":"exception","reason":"ambiguous","allocations":[],"customer_id":"C1"})",
          R"({"payment_id":"T5","scenario":"stripe_payout_bank_line","outcome":"payout","allocations":[],"customer_id":null})",
      }) {
    ASSERT_TRUE(ev.AddTruthLine(line).ok()) << line;
  }
  auto applied = [](const std::string& payment, const std::string& invoice, int64_t amount, const char* customer) {
    Event e = Ev(EventType::kApplied, payment, invoice, amount);
    e.customer_id = customer;
    return e;
  };
  Event payout = Ev(EventType::kPayoutMatched, "T5", "", 900);
  for (const Event& e : {applied("T1", "I9", 100, "C2"), applied("T2", "I3", 200, "C1"), applied("T3", "I4", 400, "C1"),
                         applied("T4", "I5", 50, "C1"), payout, applied("X1", "I6", 10, "C3")}) {
    ev.AddEvent(e);
  }
  EvalReport r = ev.Finish();
  EXPECT_EQ(r.allocations_got_count, 5u);
  EXPECT_EQ(r.allocations_right_count, 0u);
  const std::map<std::string, uint64_t> want = {{"other_customer", 1},
                                                {"same_customer_wrong_invoice", 1},
                                                {"wrong_amount", 1},
                                                {"applied_should_not", 1},
                                                {"not_in_key", 1}};
  EXPECT_EQ(r.wrong_by_cause, want);
  EXPECT_EQ(r.by_scenario.at("typo_names_other_invoice").wrong_by_cause.at("other_customer"), 1u);
  EXPECT_EQ(r.by_scenario.at("typo_names_own_invoice").wrong_by_cause.at("same_customer_wrong_invoice"), 1u);
  EXPECT_EQ(r.by_scenario.at("exact_reference").wrong_by_cause.at("wrong_amount"), 1u);
  EXPECT_EQ(r.by_scenario.at("ambiguous").wrong_by_cause.at("applied_should_not"), 1u);
  EXPECT_TRUE(r.by_scenario.at("stripe_payout_bank_line").wrong_by_cause.empty());
  EXPECT_EQ(r.by_scenario.at("stripe_payout_bank_line").correct_count, 1u);  // outcome payout
  const std::string json = FormatEvalReport(r, EvalFormat::kJson);
  EXPECT_NE(json.find(R"("wrong_applications_by_cause":{"applied_should_not":1,"not_in_key":1,"other_customer":1,)"),
            std::string::npos)
      << json;
  EXPECT_NE(json.find(R"("typo_names_other_invoice":{"payments":1,"correct":0,"outcomes":{"applied":{"applied":1}},)"
                      R"("wrong_by_cause":{"other_customer":1}})"),
            std::string::npos)
      << json;
  EXPECT_NE(FormatEvalReport(r, EvalFormat::kTable).find("other_customer"), std::string::npos);
}

// Allocations read from a CSV name no customer: a wrong invoice is
// `wrong_invoice`, not guessed to be the customer's or another's.
TEST(EvalTest, WrongInvoiceWithoutCustomer) {
  Evaluator ev;
  ASSERT_TRUE(
      ev.AddTruthLine(
            R"({"payment_id":"P1","scenario":"exact_reference","outcome":"applied","allocations":[{"invoice_id":"I1","amount":1}],"customer_id":"C1"})")
          .ok());
  ev.AddEvent(Ev(EventType::kApplied, "P1", "I2", 1));
  EXPECT_EQ(ev.Finish().wrong_by_cause.at("wrong_invoice"), 1u);
}

// A key line that is not what gen writes is refused with the field named.
TEST(EvalTest, RejectsBadTruthLines) {
  Evaluator ev;
  EXPECT_NE(ev.AddTruthLine("{").message().find("not valid JSON"), std::string::npos);
  EXPECT_NE(ev.AddTruthLine(R"({"scenario":"x","outcome":"applied"})").message().find("payment_id"), std::string::npos);
  EXPECT_NE(ev.AddTruthLine(R"({"payment_id":"P","scenario":"x","outcome":"paid"})").message().find("outcome"),
            std::string::npos);
  EXPECT_NE(
      ev.AddTruthLine(
            R"({"payment_id":"P","scenario":"x","outcome":"applied","allocations":[{"invoice_id":"I","amount":"1.00"}]})")
          .message()
          .find("minor units"),
      std::string::npos);
  ASSERT_TRUE(ev.AddTruthLine(R"({"payment_id":"P","scenario":"x","outcome":"applied"})").ok());
  EXPECT_NE(ev.AddTruthLine(R"({"payment_id":"P","scenario":"x","outcome":"applied"})").message().find("twice"),
            std::string::npos);
}

}  // namespace
}  // namespace cashmatch::datasets
