// The matcher as a pure function: a batch and a book slice in, events
// and new state out. Each test builds the scenario in memory.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>

#include "cashmatch/engine/match.h"

namespace cashmatch {
namespace {

const Currency* USD() { return Currency::Find("USD"); }

Invoice MakeInvoice(const std::string& id, const std::string& number, int64_t open_minor,
                    const std::string& customer = "C1") {
  Invoice inv;
  inv.invoice_id = id;
  inv.number = number;
  inv.customer_id = customer;
  inv.currency = USD();
  inv.amount_total_minor = open_minor;
  inv.amount_open_minor = open_minor;
  inv.due_date = ParseIsoDate("2026-11-30").value();
  return inv;
}

Payment MakePayment(const std::string& id, int64_t amount_minor, const std::string& remittance,
                    const std::string& date = "2026-11-24") {
  Payment p;
  p.payment_id = id;
  p.amount_minor = amount_minor;
  p.currency = USD();
  p.value_date = ParseIsoDate(date).value();
  p.remittance = remittance;
  return p;
}

class MatchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto ex = HintExtractor::Create(policy_);
    ASSERT_TRUE(ex.ok());
    extractor_ = std::move(ex).value();
    Customer c;
    c.customer_id = "C1";
    c.name = "Acme Corp.";
    c.bank_account_fps = {"fp-acme"};
    book_.AddCustomer(c);
  }

  BatchOutcome Run(const std::vector<Payment>& payments, int threads = 1) {
    if (!sealed_) {
      book_.Seal();
      sealed_ = true;
    }
    batch_.batch_id = "b-test";
    batch_.payments = payments;
    MatchOptions options;
    options.threads = threads;
    auto hints = ExtractAllHints(batch_, *extractor_, options);
    return MatchBatch(batch_, hints, book_, policy_, options);
  }

  static std::vector<const Event*> OfType(const BatchOutcome& out, EventType t) {
    std::vector<const Event*> v;
    for (const Event& e : out.events) {
      if (e.type == t) v.push_back(&e);
    }
    return v;
  }

  Policy policy_;
  std::unique_ptr<HintExtractor> extractor_;
  OpenBook book_;
  SettlementBatch batch_;
  bool sealed_ = false;
};

TEST_F(MatchTest, ExactReferenceInRemittanceAppliesAndCancelsDunning) {
  book_.AddInvoice(MakeInvoice("I1", "INV-2026-004211", 1250000));
  BatchOutcome out = Run({MakePayment("P1", 1250000, "PAYMENT inv 2026-004211 THANKS")});
  ASSERT_EQ(out.events.size(), 3u);
  EXPECT_EQ(out.events[0].type, EventType::kPaymentReceived);
  EXPECT_EQ(out.events[0].customer_id, "C1");
  EXPECT_EQ(out.events[1].type, EventType::kApplied);
  EXPECT_EQ(out.events[1].invoice_id, "I1");
  EXPECT_EQ(out.events[1].amount_minor, 1250000);
  EXPECT_EQ(out.events[1].score_milli, 1000);
  EXPECT_EQ(out.events[2].type, EventType::kSuppression);
  EXPECT_EQ(out.events[2].action, SuppressionAction::kCancel);
  EXPECT_EQ(out.events[2].invoice_id, "I1");
  ASSERT_EQ(out.invoice_updates.size(), 1u);
  EXPECT_EQ(out.invoice_updates[0].amount_open_minor, 0);
  ASSERT_EQ(out.payments.size(), 1u);
  EXPECT_EQ(out.payments[0].status, PaymentStatus::kApplied);
  EXPECT_EQ(out.payments[0].applied_minor, 1250000);
}

TEST_F(MatchTest, StructuredReferencesWithPerInvoiceAmountsSettleSeveralInvoices) {
  book_.AddInvoice(MakeInvoice("I1", "INV-2026-000001", 320000));
  book_.AddInvoice(MakeInvoice("I2", "INV-2026-000002", 145050));
  Payment p = MakePayment("P1", 465050, "");
  p.references = {{"INV-2026-000001", 320000}, {"INV-2026-000002", 145050}};
  BatchOutcome out = Run({p});
  EXPECT_EQ(OfType(out, EventType::kApplied).size(), 2u);
  EXPECT_EQ(OfType(out, EventType::kSuppression).size(), 2u);
  EXPECT_EQ(out.applied_count, 1u);
}

TEST_F(MatchTest, ReferencesThatCannotBeSettledBecomeExceptionsWithTheirReason) {
  book_.AddInvoice(MakeInvoice("I1", "INV-2026-000001", 98000));
  Invoice eur = MakeInvoice("I2", "INV-2026-000002", 98000);
  eur.currency = Currency::Find("EUR");
  book_.AddInvoice(eur);
  Invoice disputed = MakeInvoice("I4", "INV-2026-000004", 7000);
  disputed.disputed_minor = 7000;
  book_.AddInvoice(disputed);
  Payment over_stated = MakePayment("P5", 99000, "");
  over_stated.references = {{"INV-2026-000001", 99000}};
  Payment structured_unknown = MakePayment("P8", 500, "");
  structured_unknown.references = {{"INV-2026-777777", std::nullopt}};
  structured_unknown.payer_account_fp = "fp-acme";
  BatchOutcome out = Run({
      MakePayment("P2", 98000, "INV-2026-000002"),  // EUR invoice
      MakePayment("P4", 7000, "INV-2026-999999"),   // no such invoice, unknown payer
      over_stated,                                  // states more than the invoice's open amount
      MakePayment("P6", 7000, "INV-2026-000004"),   // disputed in full
      MakePayment("P7", 100, "thanks"),             // nothing to go on, unknown payer
      structured_unknown,                           // the bank's structured reference names nothing
  });
  std::map<std::string, ExceptionReason> reasons;
  for (const Event* e : OfType(out, EventType::kException)) reasons[e->payment_id] = e->reason;
  EXPECT_EQ(reasons["P2"], ExceptionReason::kCurrencyMismatch);
  EXPECT_EQ(reasons["P4"], ExceptionReason::kUnknownInvoice);
  EXPECT_EQ(reasons["P5"], ExceptionReason::kAmountMismatch);
  EXPECT_EQ(reasons["P6"], ExceptionReason::kNeedsReview);
  EXPECT_EQ(reasons["P7"], ExceptionReason::kNoCustomer);
  EXPECT_EQ(reasons["P8"], ExceptionReason::kUnknownInvoice);
  EXPECT_TRUE(OfType(out, EventType::kApplied).empty());
  EXPECT_TRUE(out.invoice_updates.empty());  // no balance moved
  for (const PaymentRecord& r : out.payments) {
    EXPECT_EQ(r.status, PaymentStatus::kException);
    EXPECT_EQ(r.exception_minor, r.amount_minor);  // the cash waits in review, conserved
  }
}

TEST_F(MatchTest, KnownAccountWithNothingToFitLeavesCashOnAccount) {
  Payment p = MakePayment("P1", 100, "");
  p.payer_account_fp = "fp-acme";
  BatchOutcome out = Run({p});
  ASSERT_EQ(out.payments.size(), 1u);
  EXPECT_EQ(out.payments[0].customer_id, "C1");
  EXPECT_EQ(out.payments[0].status, PaymentStatus::kUnapplied);
  EXPECT_EQ(out.payments[0].unapplied_minor, 100);
  EXPECT_EQ(out.events[0].signals, std::vector<std::string>{"identified_by=account"});
  ASSERT_EQ(OfType(out, EventType::kUnapplied).size(), 1u);
}

// Net change of each invoice's open amount, and the dunning actions taken.
struct Effects {
  std::map<std::string, int64_t> applied, written_off, held;
  std::map<std::string, SuppressionAction> action;
  int64_t unapplied = 0;
};
Effects EffectsOf(const BatchOutcome& out) {
  Effects f;
  for (const Event& e : out.events) {
    switch (e.type) {
      case EventType::kApplied: f.applied[e.invoice_id] += e.amount_minor; break;
      case EventType::kWrittenOff: f.written_off[e.invoice_id] += e.amount_minor; break;
      case EventType::kHeld: f.held[e.invoice_id] += e.amount_minor; break;
      case EventType::kUnapplied: f.unapplied += e.amount_minor; break;
      case EventType::kSuppression: f.action[e.invoice_id] = e.action; break;
      default: break;
    }
  }
  return f;
}

// Issue scenario 1.
TEST_F(MatchTest, WireOf180kSettlesFiveInvoicesAndHoldsTheReconcilingUsageInvoice) {
  book_.AddInvoice(MakeInvoice("S1", "INV-2026-000101", 3000000));
  book_.AddInvoice(MakeInvoice("S2", "INV-2026-000102", 3000000));
  book_.AddInvoice(MakeInvoice("S3", "INV-2026-000103", 3000000));
  Invoice services = MakeInvoice("SV", "INV-2026-000104", 4000000);
  services.billing_model = BillingModel::kServices;
  book_.AddInvoice(services);
  Invoice usage_final = MakeInvoice("U1", "INV-2026-000105", 2500000);
  usage_final.billing_model = BillingModel::kUsage;
  book_.AddInvoice(usage_final);
  Invoice usage_open = MakeInvoice("U2", "INV-2026-000106", 2500000);
  usage_open.billing_model = BillingModel::kUsage;
  usage_open.usage_status = UsageStatus::kReconciling;
  book_.AddInvoice(usage_open);
  Payment wire = MakePayment("W1", 18000000,
                             "INV-2026-000101 INV-2026-000102 INV-2026-000103 INV-2026-000104 INV-2026-000105 "
                             "INV-2026-000106");
  wire.source = PaymentSource::kWire;
  BatchOutcome out = Run({wire});
  Effects f = EffectsOf(out);
  for (const char* id : {"S1", "S2", "S3", "SV", "U1"}) {
    EXPECT_EQ(f.action[id], SuppressionAction::kCancel) << id;
  }
  EXPECT_EQ(f.applied.size(), 5u);
  EXPECT_EQ(f.applied.count("U2"), 0u);  // never auto-applied
  EXPECT_EQ(f.held["U2"], 2500000);
  EXPECT_EQ(f.action["U2"], SuppressionAction::kPause);
  ASSERT_EQ(out.payments.size(), 1u);
  EXPECT_EQ(out.payments[0].applied_minor + out.payments[0].held_minor, 18000000);
  for (const Invoice& inv : out.invoice_updates) {
    EXPECT_EQ(inv.amount_open_minor, inv.invoice_id == "U2" ? 2500000 : 0) << inv.invoice_id;
  }
}

// Issue scenario 2.
TEST_F(MatchTest, PartialPaymentOf45kOn50kSoftensDunningAndLeavesTheRestOpen) {
  book_.AddInvoice(MakeInvoice("I1", "INV-2026-000001", 5000000));
  BatchOutcome out = Run({MakePayment("P1", 4500000, "INV-2026-000001")});
  Effects f = EffectsOf(out);
  EXPECT_EQ(f.applied["I1"], 4500000);
  EXPECT_EQ(f.action["I1"], SuppressionAction::kSoften);
  ASSERT_EQ(out.invoice_updates.size(), 1u);
  EXPECT_EQ(out.invoice_updates[0].amount_open_minor, 500000);
  EXPECT_EQ(out.payments[0].status, PaymentStatus::kApplied);
  EXPECT_EQ(out.exception_count, 0u);
}

TEST_F(MatchTest, PartialPaymentWithoutPolicyPermissionGoesToReview) {
  policy_.allow_partial = false;
  book_.AddInvoice(MakeInvoice("I1", "INV-2026-000001", 5000000));
  BatchOutcome out = Run({MakePayment("P1", 4500000, "INV-2026-000001")});
  ASSERT_EQ(OfType(out, EventType::kException).size(), 1u);
  EXPECT_EQ(OfType(out, EventType::kException)[0]->reason, ExceptionReason::kOverTolerance);
}

// Issue scenario 3.
TEST_F(MatchTest, DisputedLineStaysOpenAndPausedWhileTheRestIsSettled) {
  Invoice inv = MakeInvoice("I1", "INV-2026-000001", 1000000);
  inv.disputed_minor = 120000;
  book_.AddInvoice(inv);
  BatchOutcome out = Run({MakePayment("P1", 880000, "INV-2026-000001")});
  Effects f = EffectsOf(out);
  EXPECT_EQ(f.applied["I1"], 880000);
  EXPECT_EQ(f.action["I1"], SuppressionAction::kPause);
  EXPECT_EQ(out.invoice_updates[0].amount_open_minor, 120000);
}

// Issue scenario 4.
TEST_F(MatchTest, WireShortBy25IsWrittenOffButShortBy400IsPartial) {
  book_.AddInvoice(MakeInvoice("I1", "INV-2026-000001", 1000000));
  book_.AddInvoice(MakeInvoice("I2", "INV-2026-000002", 1000000));
  Payment fee = MakePayment("P1", 1000000 - 2500, "INV-2026-000001");
  fee.source = PaymentSource::kWire;
  Payment short400 = MakePayment("P2", 1000000 - 40000, "INV-2026-000002");
  short400.source = PaymentSource::kWire;
  BatchOutcome out = Run({fee, short400});
  Effects f = EffectsOf(out);
  EXPECT_EQ(f.applied["I1"], 997500);
  EXPECT_EQ(f.written_off["I1"], 2500);
  EXPECT_EQ(f.action["I1"], SuppressionAction::kCancel);
  EXPECT_EQ(f.applied["I2"], 960000);
  EXPECT_EQ(f.written_off.count("I2"), 0u);
  EXPECT_EQ(f.action["I2"], SuppressionAction::kSoften);  // 96% paid
}

// Issue scenario 5.
TEST_F(MatchTest, OverpaymentIsAppliedAndTheRestLeftOnAccount) {
  book_.AddInvoice(MakeInvoice("I1", "INV-2026-000001", 100000));
  BatchOutcome out = Run({MakePayment("P1", 125000, "INV-2026-000001")});
  Effects f = EffectsOf(out);
  EXPECT_EQ(f.applied["I1"], 100000);
  EXPECT_EQ(f.unapplied, 25000);
  EXPECT_EQ(out.payments[0].status, PaymentStatus::kPartial);
  EXPECT_EQ(out.payments[0].unapplied_minor, 25000);
}

// Issue scenario 6.
TEST_F(MatchTest, NoRemittanceFindsTheThreeOfTwelveInvoicesThatSumToThePayment) {
  // Twelve open invoices with distinct amounts; only {3, 7, 11} sums to 1,234.56.
  const int64_t amounts[12] = {10001, 20003, 40000, 80021, 160043, 320087,
                               50000, 640179, 13, 26, 123456, 2560699};
  for (int i = 0; i < 12; ++i) {
    book_.AddInvoice(MakeInvoice("I" + std::to_string(i), "INV-2026-" + std::to_string(200 + i), amounts[i]));
  }
  Payment p = MakePayment("P1", 40000 + 50000 + 123456, "");
  p.payer_account_fp = "fp-acme";
  BatchOutcome out = Run({p});
  Effects f = EffectsOf(out);
  ASSERT_EQ(f.applied.size(), 3u);
  EXPECT_EQ(f.applied["I2"], 40000);
  EXPECT_EQ(f.applied["I6"], 50000);
  EXPECT_EQ(f.applied["I10"], 123456);
  EXPECT_EQ(OfType(out, EventType::kApplied)[0]->rule, "subset_sum");
}

TEST_F(MatchTest, NoRemittanceWithTwoDifferentFittingSetsIsAmbiguous) {
  book_.AddInvoice(MakeInvoice("A", "INV-2026-000001", 30000));
  book_.AddInvoice(MakeInvoice("B", "INV-2026-000002", 20000));
  book_.AddInvoice(MakeInvoice("C", "INV-2026-000003", 15000));
  book_.AddInvoice(MakeInvoice("D", "INV-2026-000004", 35000));
  Payment p = MakePayment("P1", 50000, "");  // {A,B} and {C,D}
  p.payer_account_fp = "fp-acme";
  BatchOutcome out = Run({p});
  auto ex = OfType(out, EventType::kException);
  ASSERT_EQ(ex.size(), 1u);
  EXPECT_EQ(ex[0]->reason, ExceptionReason::kAmbiguous);
  EXPECT_TRUE(OfType(out, EventType::kApplied).empty());
  EXPECT_NE(ex[0]->detail.find("INV-2026-000001"), std::string::npos);
  EXPECT_NE(ex[0]->detail.find("INV-2026-000003"), std::string::npos);
}

// Forty open invoices take the pair-sum search (sets up to four). Amounts
// are distinct powers of two (in whole units) plus 7 cents, so no two sets
// share a sum: the four invoices are found, and nothing rivals them.
TEST_F(MatchTest, NoRemittanceFindsTheFourOfFortyInvoicesThatSumToThePayment) {
  int64_t total = 0;
  for (int i = 0; i < 40; ++i) {
    const int64_t amount = (int64_t{1} << i) * 100 + 7;
    book_.AddInvoice(MakeInvoice("I" + std::to_string(i), "INV-2026-" + std::to_string(300 + i), amount));
    if (i == 3 || i == 17 || i == 22 || i == 31) total += amount;
  }
  Payment p = MakePayment("P1", total, "");
  p.payer_account_fp = "fp-acme";
  BatchOutcome out = Run({p});
  Effects f = EffectsOf(out);
  ASSERT_EQ(f.applied.size(), 4u);
  EXPECT_EQ(f.applied.count("I3"), 1u);
  EXPECT_EQ(f.applied.count("I17"), 1u);
  EXPECT_EQ(f.applied.count("I22"), 1u);
  EXPECT_EQ(f.applied.count("I31"), 1u);
}

TEST_F(MatchTest, NoRemittanceWithARivalSetOneInvoiceLargerAmongManyIsAmbiguous) {
  // Twenty invoices of distinct odd amounts, and {A, B} = 700.00 against
  // {C, D, E} = 700.00: a rival one invoice larger, found by pair sums.
  for (int i = 0; i < 20; ++i) {
    book_.AddInvoice(MakeInvoice("F" + std::to_string(i), "INV-2026-" + std::to_string(400 + i), 1000003 + 7919 * i));
  }
  book_.AddInvoice(MakeInvoice("A", "INV-2026-000001", 40000));
  book_.AddInvoice(MakeInvoice("B", "INV-2026-000002", 30000));
  book_.AddInvoice(MakeInvoice("C", "INV-2026-000003", 25000));
  book_.AddInvoice(MakeInvoice("D", "INV-2026-000004", 24000));
  book_.AddInvoice(MakeInvoice("E", "INV-2026-000005", 21000));
  Payment p = MakePayment("P1", 70000, "");
  p.payer_account_fp = "fp-acme";
  BatchOutcome out = Run({p});
  auto ex = OfType(out, EventType::kException);
  ASSERT_EQ(ex.size(), 1u);
  EXPECT_EQ(ex[0]->reason, ExceptionReason::kAmbiguous);
  EXPECT_NE(ex[0]->detail.find("INV-2026-000005"), std::string::npos) << ex[0]->detail;
}

TEST_F(MatchTest, EqualAmountInvoicesAreOneAnswerAndTheOldestDueIsTaken) {
  Invoice newer = MakeInvoice("NEW", "INV-2026-000002", 100000);
  newer.due_date = ParseIsoDate("2026-12-31").value();
  Invoice older = MakeInvoice("OLD", "INV-2026-000001", 100000);
  older.due_date = ParseIsoDate("2026-10-31").value();
  book_.AddInvoice(newer);
  book_.AddInvoice(older);
  book_.AddInvoice(MakeInvoice("X", "INV-2026-000003", 70000));
  Payment p = MakePayment("P1", 170000, "");  // {OLD or NEW} + X: one answer
  p.payer_account_fp = "fp-acme";
  BatchOutcome out = Run({p});
  Effects f = EffectsOf(out);
  EXPECT_EQ(f.applied["OLD"], 100000);
  EXPECT_EQ(f.applied["X"], 70000);
  EXPECT_EQ(f.applied.count("NEW"), 0u);
}

TEST_F(MatchTest, NoRemittanceShortWithinToleranceIsAppliedWithAWriteOff) {
  book_.AddInvoice(MakeInvoice("I1", "INV-2026-000001", 500000));
  Payment p = MakePayment("P1", 500000 - 1500, "");
  p.payer_account_fp = "fp-acme";
  p.source = PaymentSource::kWire;
  BatchOutcome out = Run({p});
  Effects f = EffectsOf(out);
  EXPECT_EQ(f.applied["I1"], 498500);
  EXPECT_EQ(f.written_off["I1"], 1500);
  EXPECT_EQ(f.action["I1"], SuppressionAction::kCancel);
}

// Issue 4, proposal 4: where no set fits, the policy's fallback order fills
// invoices — oldest issued first, or past due first — and never by default.
TEST_F(MatchTest, WhenNoSetFitsTheFallbackOrderAppliesOnlyWhenThePolicyAsksForIt) {
  // OLD was issued first on net-60 terms and is not yet due; DUE was issued
  // later on net-15 and is past due on the payment's value date.
  Invoice old_issue = MakeInvoice("OLD", "INV-2026-000001", 40000);
  old_issue.issue_date = ParseIsoDate("2026-10-20").value();
  old_issue.due_date = ParseIsoDate("2026-12-19").value();
  Invoice past_due = MakeInvoice("DUE", "INV-2026-000002", 30000);
  past_due.issue_date = ParseIsoDate("2026-11-01").value();
  past_due.due_date = ParseIsoDate("2026-11-16").value();
  book_.AddInvoice(old_issue);
  book_.AddInvoice(past_due);
  Payment p = MakePayment("P1", 50000, "");  // fits neither 400, 300 nor 700
  p.payer_account_fp = "fp-acme";

  Effects by_default = EffectsOf(Run({p}));
  EXPECT_TRUE(by_default.applied.empty());
  EXPECT_EQ(by_default.unapplied, 50000);

  policy_.fallback = Policy::Fallback::kOldestFirst;
  BatchOutcome oldest = Run({p});
  Effects f = EffectsOf(oldest);
  EXPECT_EQ(f.applied["OLD"], 40000);
  EXPECT_EQ(f.applied["DUE"], 10000);
  EXPECT_EQ(f.action["OLD"], SuppressionAction::kCancel);
  EXPECT_EQ(OfType(oldest, EventType::kApplied)[0]->rule, "fallback_oldest_first");

  policy_.fallback = Policy::Fallback::kPastDueFirst;
  Effects g = EffectsOf(Run({p}));
  EXPECT_EQ(g.applied["DUE"], 30000);
  EXPECT_EQ(g.applied["OLD"], 20000);
  EXPECT_EQ(g.action["DUE"], SuppressionAction::kCancel);

  policy_.allow_partial = false;  // a fallback fills partly, so it needs partial application
  Effects h = EffectsOf(Run({p}));
  EXPECT_TRUE(h.applied.empty());
  EXPECT_EQ(h.unapplied, 50000);
}

TEST_F(MatchTest, LaterPaymentsSeeBalancesEarlierOnesLeft) {
  book_.AddInvoice(MakeInvoice("I1", "INV-2026-000001", 5000));
  // Same invoice paid twice in one batch: canonical order (value date, then
  // id) decides which one applies, whatever the input order.
  BatchOutcome out = Run({MakePayment("P-B", 5000, "INV-2026-000001", "2026-11-24"),
                          MakePayment("P-A", 5000, "INV-2026-000001", "2026-11-24")});
  auto applied = OfType(out, EventType::kApplied);
  ASSERT_EQ(applied.size(), 1u);
  EXPECT_EQ(applied[0]->payment_id, "P-A");
  auto ex = OfType(out, EventType::kException);
  ASSERT_EQ(ex.size(), 1u);
  EXPECT_EQ(ex[0]->payment_id, "P-B");
  EXPECT_EQ(ex[0]->reason, ExceptionReason::kInvoiceNotOpen);
}

TEST_F(MatchTest, CommittedPaymentIdIsADuplicateNotNewMoney) {
  book_.AddInvoice(MakeInvoice("I1", "INV-2026-000001", 5000));
  book_.AddCommittedPayment("P1");
  BatchOutcome out = Run({MakePayment("P1", 5000, "INV-2026-000001")});
  ASSERT_EQ(out.events.size(), 1u);
  EXPECT_EQ(out.events[0].reason, ExceptionReason::kDuplicatePayment);
  EXPECT_TRUE(out.payments.empty());
  EXPECT_EQ(out.duplicate_count, 1u);
}

// Same payments, shuffled input order and 1 vs 2 threads: identical events.
// Scenario 11. The invoices belong to 40 customers, so the payments fall
// into many allocation groups that run in parallel; payments naming two
// customers' invoices join their groups.
TEST_F(MatchTest, OutcomeIsIndependentOfInputOrderAndThreads) {
  std::vector<Payment> payments;
  for (int c = 0; c < 40; ++c) {
    Customer cust;
    cust.customer_id = "K" + std::to_string(c);
    cust.name = "Customer " + std::to_string(c);
    book_.AddCustomer(cust);
  }
  for (int i = 0; i < 500; ++i) {
    std::string number = "INV-2026-" + std::to_string(100000 + i);
    book_.AddInvoice(MakeInvoice("I" + std::to_string(i), number, 1000 + i, "K" + std::to_string(i % 40)));
    // Every third payment is off by a cent, every fifth pays an invoice twice.
    int target = i % 5 == 4 ? i - 1 : i;
    int64_t amount = 1000 + target + (i % 3 == 0 ? 1 : 0);
    payments.push_back(MakePayment("P" + std::to_string(i), amount, "INV-2026-" + std::to_string(100000 + target),
                                   i % 2 == 0 ? "2026-11-23" : "2026-11-24"));
  }
  // Every 50th payment names its invoice and the next customer's too.
  for (int i = 0; i < 500; i += 50) {
    payments.push_back(MakePayment("Q" + std::to_string(i), 2000 + 2 * i + 1,
                                   "INV-2026-" + std::to_string(100000 + i) + " INV-2026-" +
                                       std::to_string(100001 + i)));
  }
  BatchOutcome one = Run(payments, 1);
  std::mt19937 rng(7);
  std::shuffle(payments.begin(), payments.end(), rng);
  BatchOutcome two = Run(payments, 2);
  ASSERT_EQ(one.events.size(), two.events.size());
  for (size_t i = 0; i < one.events.size(); ++i) {
    EXPECT_EQ(one.events[i].payment_id, two.events[i].payment_id) << i;
    EXPECT_EQ(one.events[i].type, two.events[i].type) << i;
    EXPECT_EQ(one.events[i].invoice_id, two.events[i].invoice_id) << i;
    EXPECT_EQ(one.events[i].amount_minor, two.events[i].amount_minor) << i;
    EXPECT_EQ(one.events[i].reason, two.events[i].reason) << i;
    EXPECT_EQ(one.events[i].rule, two.events[i].rule) << i;
    EXPECT_EQ(one.events[i].signals, two.events[i].signals) << i;
  }
  ASSERT_EQ(one.payments.size(), two.payments.size());
  for (size_t i = 0; i < one.payments.size(); ++i) {
    EXPECT_EQ(one.payments[i].payment_id, two.payments[i].payment_id) << i;
    EXPECT_EQ(one.payments[i].applied_minor, two.payments[i].applied_minor) << i;
  }
  auto open_of = [](const BatchOutcome& out) {
    std::map<std::string, int64_t> open;
    for (const Invoice& inv : out.invoice_updates) open[inv.invoice_id] = inv.amount_open_minor;
    return open;
  };
  EXPECT_EQ(open_of(one), open_of(two));
  EXPECT_GT(one.applied_count, 0u);
  EXPECT_GT(one.exception_count, 0u);
}

TEST(Hints, PatternsAreCaseInsensitiveAndStructuredRefsComeFirst) {
  Policy policy;
  policy.invoice_number_patterns = {R"(\bINV[- ]?\d{4}[- ]?\d{6}\b)"};
  auto ex = HintExtractor::Create(policy);
  ASSERT_TRUE(ex.ok());
  Payment p;
  p.references = {{"INV-2026-000009", std::nullopt}};
  p.remittance = "inv 2026 000001, INV-2026-000001 and INV2026000009";
  PaymentHints h = ex.value()->Extract(p);
  ASSERT_EQ(h.invoices.size(), 2u);
  EXPECT_EQ(h.invoices[0].normalized, "INV2026000009");
  EXPECT_TRUE(h.invoices[0].from_structured);
  EXPECT_EQ(h.invoices[1].normalized, "INV2026000001");
  EXPECT_EQ(NormalizeInvoiceNumber("inv-2026/004211 "), "INV2026004211");
}

TEST(Hints, ReferenceCountIsBounded) {
  Policy policy;
  policy.references_count_max = 3;
  auto ex = HintExtractor::Create(policy);
  ASSERT_TRUE(ex.ok());
  Payment p;
  for (int i = 0; i < 10; ++i) p.references.push_back({"INV-" + std::to_string(i), std::nullopt});
  PaymentHints h = ex.value()->Extract(p);
  EXPECT_EQ(h.invoices.size(), 3u);
  EXPECT_TRUE(h.truncated);
}

}  // namespace
}  // namespace cashmatch
