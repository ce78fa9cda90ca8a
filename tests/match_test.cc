// The matcher as a pure function: a batch and a book slice in, events
// and new state out. Each test builds the scenario in memory.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>

#include "cashmatch/engine/invoice_keys.h"
#include "cashmatch/engine/match.h"
#include "cashmatch/engine/signals.h"

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
    book_.AddCustomer(Acme());
  }

  // C1, known by the account fingerprint "fp-acme".
  static Customer Acme() {
    Customer c;
    c.customer_id = "C1";
    c.name = "Acme Corp.";
    c.bank_account_fps = {"fp-acme"};
    return c;
  }

  BatchOutcome Run(const std::vector<Payment>& payments, int threads = 1) {
    if (!sealed_) {
      book_.Seal();
      sealed_ = true;
    }
    return RunOn(book_, payments, threads);
  }

  // The batch matched against `book` (sealed) instead of the fixture's.
  BatchOutcome RunOn(const OpenBook& book, const std::vector<Payment>& payments, int threads = 1) {
    batch_.batch_id = "b-test";
    batch_.payments = payments;
    MatchOptions options;
    options.threads = threads;
    auto hints = ExtractAllHints(batch_, *extractor_, options);
    BatchOutcome out = MatchBatch(batch_, hints, book, policy_, options);
    // Every signal's key is in the one table docs/events.md is checked against.
    for (const Event& e : out.events) {
      for (const std::string& s : e.signals) {
        EXPECT_TRUE(IsKnownSignalKey(std::string_view(s).substr(0, s.find('=')))) << "signal " << s;
      }
    }
    return out;
  }

  // The same decisions, event by event: what a second thread count or
  // input order must not change.
  static void ExpectSameEvents(const BatchOutcome& a, const BatchOutcome& b) {
    ASSERT_EQ(a.events.size(), b.events.size());
    for (size_t i = 0; i < a.events.size(); ++i) {
      EXPECT_EQ(a.events[i].payment_id, b.events[i].payment_id) << i;
      EXPECT_EQ(a.events[i].type, b.events[i].type) << i;
      EXPECT_EQ(a.events[i].invoice_id, b.events[i].invoice_id) << i;
      EXPECT_EQ(a.events[i].amount_minor, b.events[i].amount_minor) << i;
      EXPECT_EQ(a.events[i].reason, b.events[i].reason) << i;
      EXPECT_EQ(a.events[i].rule, b.events[i].rule) << i;
      EXPECT_EQ(a.events[i].signals, b.events[i].signals) << i;
    }
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
  const int64_t amounts[12] = {10001, 20003, 40000, 80021, 160043, 320087, 50000, 640179, 13, 26, 123456, 2560699};
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

// A customer with more open invoices than limits.candidates_count_max: the
// search covers those due first, and what it finds there is applied only if
// the invoices past the window cannot rival it.
TEST_F(MatchTest, ASetFoundInTheCandidateWindowMustHaveNoRivalBeyondIt) {
  policy_.candidates_count_max = 3;
  struct Case {
    const char* what;
    std::vector<int64_t> beyond;  // amounts of the invoices due later
    int64_t payment;
    ExceptionReason reason;  // kNone: applied to W1
  };
  const Case cases[] = {
      {"a pair past the window also fits", {3000, 7000}, 10000, ExceptionReason::kAmbiguous},
      {"nothing past the window fits", {3000, 7100}, 10000, ExceptionReason::kNone},
      {"an equal amount past the window is the same answer", {10000}, 10000, ExceptionReason::kNone},
      {"a set of two in the window is not proven unique", {3000}, 30000, ExceptionReason::kNeedsReview},
  };
  for (const Case& k : cases) {
    OpenBook book;
    book.AddCustomer(Acme());
    const int64_t window[] = {10000, 20000, 40000};
    for (int i = 0; i < 3; ++i) {
      Invoice inv = MakeInvoice("W" + std::to_string(i + 1), "INV-2026-00010" + std::to_string(i), window[i]);
      inv.due_date = ParseIsoDate("2026-10-0" + std::to_string(i + 1)).value();
      book.AddInvoice(inv);
    }
    for (size_t i = 0; i < k.beyond.size(); ++i) {
      book.AddInvoice(MakeInvoice("B" + std::to_string(i + 1), "INV-2026-00020" + std::to_string(i), k.beyond[i]));
    }
    book.Seal();
    Payment p = MakePayment("P1", k.payment, "");
    p.payer_account_fp = "fp-acme";
    BatchOutcome out = RunOn(book, {p});
    auto ex = OfType(out, EventType::kException);
    if (k.reason == ExceptionReason::kNone) {
      EXPECT_TRUE(ex.empty()) << k.what << ": " << (ex.empty() ? "" : ex[0]->detail);
      Effects f = EffectsOf(out);
      EXPECT_EQ(f.applied.size(), 1u) << k.what;
      EXPECT_EQ(f.applied["W1"], 10000) << k.what;
    } else {
      ASSERT_EQ(ex.size(), 1u) << k.what;
      EXPECT_EQ(ex[0]->reason, k.reason) << k.what << ": " << ex[0]->detail;
      const std::string& d = ex[0]->detail;
      EXPECT_TRUE(d.find("only the 3 due first of the customer's") != std::string::npos ||
                  d.find("too among all") != std::string::npos)
          << d;
      EXPECT_TRUE(OfType(out, EventType::kApplied).empty()) << k.what;
    }
  }
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

// Issue scenario 7, and what the payer name may and may not decide.
class PayerNameMatchTest : public MatchTest {
 protected:
  void AddCustomer(const std::string& id, const std::string& name, const std::string& parent = "",
                   const std::string& account_fp = "") {
    Customer c;
    c.customer_id = id;
    c.name = name;
    c.parent_id = parent;
    if (!account_fp.empty()) c.bank_account_fps = {account_fp};
    book_.AddCustomer(c);
  }

  static Payment ByName(const std::string& id, int64_t amount_minor, const std::string& payer_name) {
    Payment p = MakePayment(id, amount_minor, "");
    p.payer_name = payer_name;
    return p;
  }

  static bool Has(const std::vector<std::string>& signals, const std::string& s) {
    return std::find(signals.begin(), signals.end(), s) != signals.end();
  }
};

// "ACME CORPORATION INC" with no reference and no account: the name, with
// its legal forms stripped, is exactly customer C1's "Acme Corp.", and the
// amount is exactly one of C1's open invoices. A look-alike customer
// ("Acme Logistics Ltd") is less similar and changes nothing.
TEST_F(PayerNameMatchTest, AcmeCorporationIncWithoutReferenceIsIdentifiedAsAcmeCorpAndItsInvoiceApplied) {
  AddCustomer("C2", "Acme Logistics Ltd");
  book_.AddInvoice(MakeInvoice("I1", "INV-2026-000001", 1250000));
  book_.AddInvoice(MakeInvoice("I2", "INV-2026-000002", 990000));
  book_.AddInvoice(MakeInvoice("L1", "INV-2026-000003", 1250000, "C2"));
  BatchOutcome out = Run({ByName("P1", 1250000, "ACME CORPORATION INC")});
  ASSERT_EQ(out.payments.size(), 1u);
  EXPECT_EQ(out.payments[0].customer_id, "C1");
  EXPECT_EQ(out.payments[0].status, PaymentStatus::kApplied);
  EXPECT_EQ(out.events[0].signals, (std::vector<std::string>{"identified_by=name", "name_similarity=1000"}));
  auto applied = OfType(out, EventType::kApplied);
  ASSERT_EQ(applied.size(), 1u);
  EXPECT_EQ(applied[0]->invoice_id, "I1");
  EXPECT_EQ(applied[0]->rule, "exact_amount");
  EXPECT_EQ(applied[0]->score_milli, 950);  // exact amount x similarity 1.000
  EXPECT_TRUE(Has(applied[0]->signals, "name_similarity=1000"));
  EXPECT_EQ(EffectsOf(out).action["I1"], SuppressionAction::kCancel);
}

// A parent, known by its bank account, pays one of its subsidiary's
// invoices with no reference: the amount path looks at the parent's and
// its children's open invoices and applies the child's.
TEST_F(PayerNameMatchTest, ParentPaysItsSubsidiarysInvoiceByAmountWithoutReference) {
  AddCustomer("C-PARENT", "Globex Holdings", "", "fp-globex");
  AddCustomer("C-CHILD", "Globex Retail", "C-PARENT");
  AddCustomer("C-OTHER", "Soylent Foods");
  book_.AddInvoice(MakeInvoice("G1", "INV-2026-000010", 500000, "C-PARENT"));
  book_.AddInvoice(MakeInvoice("K1", "INV-2026-000011", 730000, "C-CHILD"));
  book_.AddInvoice(MakeInvoice("S1", "INV-2026-000012", 730000, "C-OTHER"));  // same amount, not family
  Payment p = MakePayment("P1", 730000, "");
  p.payer_account_fp = "fp-globex";
  BatchOutcome out = Run({p});
  ASSERT_EQ(out.payments.size(), 1u);
  EXPECT_EQ(out.payments[0].customer_id, "C-PARENT");
  auto applied = OfType(out, EventType::kApplied);
  ASSERT_EQ(applied.size(), 1u);
  EXPECT_EQ(applied[0]->invoice_id, "K1");
  EXPECT_EQ(applied[0]->customer_id, "C-CHILD");
  EXPECT_TRUE(Has(applied[0]->signals, "hierarchy=children:1"));
  EXPECT_EQ(EffectsOf(out).action["K1"], SuppressionAction::kCancel);
  // The parent found by its name pays for the child the same way.
  BatchOutcome by_name = Run({ByName("P2", 730000, "GLOBEX HOLDINGS INC")});
  auto applied2 = OfType(by_name, EventType::kApplied);
  ASSERT_EQ(applied2.size(), 1u);
  EXPECT_EQ(applied2[0]->invoice_id, "K1");
}

// The child pays its invoice by reference and, later in the same batch,
// the parent pays the same amount with no reference. Both payments can
// touch the child's invoice, so they are allocated together: the parent
// finds it already settled and its cash goes on account, at 1 thread and
// at 2, never a second application.
TEST_F(PayerNameMatchTest, ParentAndChildPayingTheSameInvoiceInOneBatchSettleItOnce) {
  AddCustomer("C-PARENT", "Globex Holdings", "", "fp-globex");
  AddCustomer("C-CHILD", "Globex Retail", "C-PARENT", "fp-child");
  book_.AddInvoice(MakeInvoice("K1", "INV-2026-000011", 730000, "C-CHILD"));
  Payment child = MakePayment("A-CHILD", 730000, "INV-2026-000011", "2026-11-23");
  child.payer_account_fp = "fp-child";
  Payment parent = MakePayment("B-PARENT", 730000, "", "2026-11-24");
  parent.payer_account_fp = "fp-globex";
  for (int threads : {1, 2}) {
    BatchOutcome out = Run({parent, child}, threads);
    Effects f = EffectsOf(out);
    EXPECT_EQ(f.applied["K1"], 730000) << threads;
    EXPECT_EQ(f.unapplied, 730000) << threads;
    ASSERT_EQ(out.invoice_updates.size(), 1u);
    EXPECT_EQ(out.invoice_updates[0].amount_open_minor, 0);
  }
}

// With the policy's fallback on, a set among the children's invoices still
// comes first; only when nothing in the family fits are the parent's own
// invoices filled in the fallback order.
TEST_F(PayerNameMatchTest, ParentsChildInvoiceFitComesBeforeThePolicysFallback) {
  policy_.fallback = Policy::Fallback::kOldestFirst;
  AddCustomer("C-PARENT", "Globex Holdings", "", "fp-globex");
  AddCustomer("C-CHILD", "Globex Retail", "C-PARENT");
  book_.AddInvoice(MakeInvoice("G1", "INV-2026-000010", 500000, "C-PARENT"));
  book_.AddInvoice(MakeInvoice("K1", "INV-2026-000011", 730000, "C-CHILD"));
  Payment fits_child = MakePayment("P1", 730000, "");
  fits_child.payer_account_fp = "fp-globex";
  Payment fits_nothing = MakePayment("P2", 120000, "");
  fits_nothing.payer_account_fp = "fp-globex";
  Effects f = EffectsOf(Run({fits_child, fits_nothing}));
  EXPECT_EQ(f.applied["K1"], 730000);
  EXPECT_EQ(f.applied["G1"], 120000);  // the fallback fills the parent's own invoice
  EXPECT_EQ(f.applied.size(), 2u);
}

// A child's payment never reaches its parent's invoices: only a parent
// pays for its subsidiaries.
TEST_F(PayerNameMatchTest, ChildIdentifiedDoesNotPayItsParentsInvoice) {
  AddCustomer("C-PARENT", "Globex Holdings");
  AddCustomer("C-CHILD", "Globex Retail", "C-PARENT", "fp-child");
  book_.AddInvoice(MakeInvoice("G1", "INV-2026-000010", 500000, "C-PARENT"));
  Payment p = MakePayment("P1", 500000, "");
  p.payer_account_fp = "fp-child";
  BatchOutcome out = Run({p});
  EXPECT_TRUE(OfType(out, EventType::kApplied).empty());
  EXPECT_EQ(out.payments[0].status, PaymentStatus::kUnapplied);  // cash on the child's account
}

// Two customers whose names normalize alike: the name does not tell them
// apart, so nothing is guessed even though an invoice has the exact amount.
TEST_F(PayerNameMatchTest, TwoCustomersEquallySimilarToThePayerNameAreNotGuessed) {
  AddCustomer("C3", "Initech Inc.");
  AddCustomer("C4", "INITECH GmbH");
  book_.AddInvoice(MakeInvoice("N3", "INV-2026-000030", 410000, "C3"));
  BatchOutcome out = Run({ByName("P1", 410000, "Initech Ltd")});
  EXPECT_TRUE(OfType(out, EventType::kApplied).empty());
  auto ex = OfType(out, EventType::kException);
  ASSERT_EQ(ex.size(), 1u);
  EXPECT_EQ(ex[0]->reason, ExceptionReason::kNoCustomer);
  EXPECT_NE(ex[0]->detail.find("ambiguous payer name"), std::string::npos) << ex[0]->detail;
  EXPECT_NE(ex[0]->detail.find("C3|C4"), std::string::npos) << ex[0]->detail;
  EXPECT_TRUE(Has(ex[0]->signals, "name_ambiguous=C3|C4"));
  EXPECT_TRUE(out.payments[0].customer_id.empty());
}

// Similar but not the same name (0.800: one word missing) identifies the
// customer, but a person confirms: the proposal's score is scaled by the
// similarity and lands below the auto line. Below the minimum similarity
// nobody is identified.
TEST_F(PayerNameMatchTest, NameSimilarButNotEqualGoesToReviewAndADistantOneIdentifiesNobody) {
  AddCustomer("C5", "Umbrella Pharma Europe Ltd");
  book_.AddInvoice(MakeInvoice("U1", "INV-2026-000050", 220000, "C5"));
  BatchOutcome out = Run({ByName("P1", 220000, "UMBRELLA PHARMA"), ByName("P2", 220000, "UMBRELLA")});
  auto ex = OfType(out, EventType::kException);
  ASSERT_EQ(ex.size(), 2u);
  EXPECT_EQ(ex[0]->payment_id, "P1");
  EXPECT_EQ(ex[0]->reason, ExceptionReason::kNeedsReview);
  EXPECT_EQ(ex[0]->customer_id, "C5");
  EXPECT_TRUE(Has(ex[0]->signals, "score=760"));  // 950 x 0.800
  EXPECT_EQ(ex[1]->payment_id, "P2");
  EXPECT_EQ(ex[1]->reason, ExceptionReason::kNoCustomer);
  EXPECT_NE(ex[1]->detail.find("below the policy's minimum"), std::string::npos) << ex[1]->detail;
  EXPECT_TRUE(OfType(out, EventType::kApplied).empty());
}

// Seventy customers share "logistics": the book's index does not score
// them all for every payment. A rarer word still finds its customer; a
// name of nothing but the common word identifies nobody.
TEST_F(PayerNameMatchTest, CommonWordsAloneIdentifyNobodyAndCostNoScan) {
  for (int i = 0; i < 70; ++i) AddCustomer("L" + std::to_string(i), "Carrier" + std::to_string(i) + " Logistics Inc");
  AddCustomer("C7", "Zorbix Logistics Inc");
  book_.AddInvoice(MakeInvoice("Z1", "INV-2026-000070", 313300, "C7"));
  book_.AddInvoice(MakeInvoice("Z2", "INV-2026-000071", 424400, "L3"));
  BatchOutcome out = Run({ByName("P1", 313300, "ZORBIX LOGISTICS"), ByName("P2", 424400, "LOGISTICS INC")});
  ASSERT_EQ(out.payments.size(), 2u);
  EXPECT_EQ(out.payments[0].customer_id, "C7");
  EXPECT_EQ(out.payments[0].status, PaymentStatus::kApplied);
  EXPECT_TRUE(out.payments[1].customer_id.empty());
  auto ex = OfType(out, EventType::kException);
  ASSERT_EQ(ex.size(), 1u);
  EXPECT_EQ(ex[0]->reason, ExceptionReason::kNoCustomer);
  EXPECT_NE(ex[0]->detail.find("too common"), std::string::npos) << ex[0]->detail;
}

// The bank account outranks the name, and a Stripe customer id outranks a
// referenced invoice's customer.
TEST_F(PayerNameMatchTest, IdentificationGoesByStrengthAccountStripeReferenceName) {
  Customer hooli;
  hooli.customer_id = "C6";
  hooli.name = "Hooli";
  hooli.stripe_customer_ids = {"cus_H"};
  book_.AddCustomer(hooli);
  book_.AddInvoice(MakeInvoice("I1", "INV-2026-000001", 1000, "C1"));
  Payment account_beats_name = ByName("P1", 7, "Hooli");
  account_beats_name.payer_account_fp = "fp-acme";
  Payment stripe_beats_reference = MakePayment("P2", 1000, "INV-2026-000001");
  stripe_beats_reference.stripe_customer_id = "cus_H";
  BatchOutcome out = Run({account_beats_name, stripe_beats_reference});
  ASSERT_EQ(out.payments.size(), 2u);
  EXPECT_EQ(out.payments[0].customer_id, "C1");
  EXPECT_EQ(out.payments[1].customer_id, "C6");
  auto received = OfType(out, EventType::kPaymentReceived);
  EXPECT_EQ(received[0]->signals, std::vector<std::string>{"identified_by=account"});
  EXPECT_EQ(received[1]->signals, std::vector<std::string>{"identified_by=stripe_customer"});
  // The reference still decides which invoice is paid.
  auto applied = OfType(out, EventType::kApplied);
  ASSERT_EQ(applied.size(), 1u);
  EXPECT_EQ(applied[0]->invoice_id, "I1");
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

// Only a line that says it is a Stripe transfer or payout is one: a
// customer who writes "paid via Stripe" is paying its invoice.
TEST_F(MatchTest, ACustomerMentioningStripeIsPayingAnInvoiceNotMovingAPayout) {
  book_.AddInvoice(MakeInvoice("I1", "INV-2026-000001", 125000));
  Payment p = MakePayment("P1", 125000, "paid via Stripe INV-2026-000001");
  p.payer_account_fp = "fp-acme";
  Payment transfer = MakePayment("P2", 480000, "STRIPE TRANSFER ST-4Z7Q");
  BatchOutcome out = Run({p, transfer});
  Effects f = EffectsOf(out);
  EXPECT_EQ(f.applied["I1"], 125000);
  auto ex = OfType(out, EventType::kException);
  ASSERT_EQ(ex.size(), 1u);
  EXPECT_EQ(ex[0]->payment_id, "P2");
  EXPECT_EQ(ex[0]->reason, ExceptionReason::kPayoutPending);  // no payout listing of that amount yet
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

// Issue scenario 8: an invoice number with one typo in the remittance. It
// is matched when exactly one open invoice is one edit away and the amount
// agrees; two invoices one edit away, or an amount that disagrees, leave it
// unused, and the signals say why. Each case is its own book, so the cases
// cannot see each other's invoices.
class TypoScenario : public MatchTest {
 protected:
  static std::vector<std::string> SignalsOf(const BatchOutcome& out) {
    std::vector<std::string> all;
    for (const Event& e : out.events) all.insert(all.end(), e.signals.begin(), e.signals.end());
    return all;
  }
  static bool HasSignal(const BatchOutcome& out, const std::string& prefix) {
    for (const std::string& s : SignalsOf(out)) {
      if (s.rfind(prefix, 0) == 0) return true;
    }
    return false;
  }
};

TEST_F(TypoScenario, OneTypoInTheRemittanceIsMatchedWhenUniqueAndTheAmountAgrees) {
  book_.AddInvoice(MakeInvoice("I1", "INV-2026-004211", 1250000));
  book_.AddInvoice(MakeInvoice("I2", "INV-2026-007305", 990000));
  // Two neighbours swapped, a digit changed: each one edit from exactly one
  // invoice, paying its amount.
  const std::vector<Payment> payments = {MakePayment("P1", 1250000, "PAYMENT INV-2026-004121 THANK YOU"),
                                         MakePayment("P2", 990000, "RE inv 2026-0O7305")};
  BatchOutcome out = Run(payments);
  // The same decisions, signals and all, on two threads.
  ExpectSameEvents(out, Run(payments, 2));
  auto applied = OfType(out, EventType::kApplied);
  ASSERT_EQ(applied.size(), 2u);
  EXPECT_EQ(applied[0]->payment_id, "P1");
  EXPECT_EQ(applied[0]->invoice_id, "I1");
  EXPECT_EQ(applied[0]->rule, "reference_fuzzy");
  // Lower than an exact reference, still at or above the auto line.
  EXPECT_LT(applied[0]->score_milli, 1000);
  EXPECT_GE(applied[0]->score_milli, policy_.auto_apply_score_milli);
  EXPECT_NE(std::find(applied[0]->signals.begin(), applied[0]->signals.end(),
                      "reference_fuzzy=INV-2026-004121~INV-2026-004211"),
            applied[0]->signals.end());
  // A letter O for a zero inside the serial is the number itself, read by
  // its tolerant key (invoice_keys.h), not a typo.
  EXPECT_EQ(applied[1]->invoice_id, "I2");
  EXPECT_EQ(applied[1]->rule, "exact_reference");
  EXPECT_EQ(out.exception_count, 0u);
  // The reference identified the customer, as an exact one does.
  EXPECT_EQ(out.payments[0].customer_id, "C1");
}

TEST_F(TypoScenario, OneTypoIsNotMatchedWhenTwoOpenInvoicesAreOneEditAway) {
  // INV-2026-004221 is one edit from both (a digit changed either way).
  book_.AddInvoice(MakeInvoice("I1", "INV-2026-004211", 1250000));
  book_.AddInvoice(MakeInvoice("I2", "INV-2026-004231", 1250000));
  BatchOutcome out = Run({MakePayment("P1", 1250000, "INV-2026-004221")});
  EXPECT_TRUE(OfType(out, EventType::kApplied).empty());
  auto ex = OfType(out, EventType::kException);
  ASSERT_EQ(ex.size(), 1u);
  EXPECT_EQ(ex[0]->reason, ExceptionReason::kUnknownInvoice);
  EXPECT_NE(ex[0]->detail.find("one edit from 2 open invoices"), std::string::npos) << ex[0]->detail;
  EXPECT_TRUE(HasSignal(out, "reference_fuzzy=rejected:INV-2026-004221:ambiguous"));
}

TEST_F(TypoScenario, OneTypoIsNotMatchedWhenTheAmountDisagrees) {
  book_.AddInvoice(MakeInvoice("I1", "INV-2026-004211", 1250000));
  // 100.00 more than the invoice: beyond the 25.00 tolerance.
  BatchOutcome out = Run({MakePayment("P1", 1260000, "INV-2026-004121")});
  EXPECT_TRUE(OfType(out, EventType::kApplied).empty());
  auto ex = OfType(out, EventType::kException);
  ASSERT_EQ(ex.size(), 1u);
  EXPECT_NE(ex[0]->detail.find("the amount does not agree"), std::string::npos) << ex[0]->detail;
  EXPECT_TRUE(HasSignal(out, "reference_fuzzy=rejected:INV-2026-004121~INV-2026-004211:amount"));
  EXPECT_TRUE(out.invoice_updates.empty());
}

TEST_F(TypoScenario, StatedAmountDecidesForAStructuredReferenceAmongSeveral) {
  book_.AddInvoice(MakeInvoice("I1", "INV-2026-004211", 300000));
  book_.AddInvoice(MakeInvoice("I2", "INV-2026-009999", 200000));
  Payment p = MakePayment("P1", 500000, "");
  p.references = {{"INV-2026-009999", 200000}, {"INV-2026-00421l", 300000}};  // 'l' for '1'
  BatchOutcome out = Run({p});
  Effects f = EffectsOf(out);
  EXPECT_EQ(f.applied["I1"], 300000);
  EXPECT_EQ(f.applied["I2"], 200000);
  // A stated amount that disagrees leaves the typo unused: the structured
  // reference then names nothing, and a person looks.
  book_ = OpenBook();
  sealed_ = false;
  book_.AddInvoice(MakeInvoice("I1", "INV-2026-004211", 300000));
  p.references = {{"INV-2026-00421l", 250000}};
  p.amount_minor = 250000;
  BatchOutcome wrong = Run({p});
  EXPECT_TRUE(OfType(wrong, EventType::kApplied).empty());
  ASSERT_EQ(OfType(wrong, EventType::kException).size(), 1u);
  EXPECT_EQ(OfType(wrong, EventType::kException)[0]->reason, ExceptionReason::kUnknownInvoice);
}

TEST_F(TypoScenario, KnownPayerLooksAmongItsOwnInvoicesFirst) {
  Customer other;
  other.customer_id = "C2";
  other.name = "Globex";
  book_.AddCustomer(other);
  book_.AddInvoice(MakeInvoice("I1", "INV-2026-004211", 1250000));
  book_.AddInvoice(MakeInvoice("G1", "INV-2026-004231", 1250000, "C2"));
  // One edit from both; the payer's account says it is C1.
  Payment p = MakePayment("P1", 1250000, "INV-2026-004221");
  p.payer_account_fp = "fp-acme";
  BatchOutcome out = Run({p});
  auto applied = OfType(out, EventType::kApplied);
  ASSERT_EQ(applied.size(), 1u);
  EXPECT_EQ(applied[0]->invoice_id, "I1");
  EXPECT_EQ(applied[0]->rule, "reference_fuzzy");
}

TEST_F(MatchTest, NumbersWrittenDifferentlyFindTheirInvoice) {
  // Prefix, case, spacing, punctuation and leading zeros: all one number.
  const char* forms[] = {"inv 2026 4211", "INV2026-4211", "2026/004211", "Invoice no. 2026-4211", "INV-2026-004211"};
  for (const char* form : forms) {
    OpenBook book;
    book.AddInvoice(MakeInvoice("I1", "INV-2026-004211", 1250000));
    book.AddInvoice(MakeInvoice("I2", "INV-2026-004212", 50000));
    book.Seal();
    SettlementBatch batch;
    batch.batch_id = "b";
    Payment p = MakePayment("P1", 1250000, "");
    p.references = {{form, std::nullopt}};
    batch.payments = {p};
    auto hints = ExtractAllHints(batch, *extractor_, MatchOptions());
    BatchOutcome out = MatchBatch(batch, hints, book, policy_);
    auto applied = OfType(out, EventType::kApplied);
    ASSERT_EQ(applied.size(), 1u) << form;
    EXPECT_EQ(applied[0]->invoice_id, "I1") << form;
    EXPECT_EQ(applied[0]->rule, "exact_reference") << form;
    EXPECT_EQ(applied[0]->score_milli, 1000) << form;
  }
}

TEST_F(MatchTest, ToleranceThatNamesTwoInvoicesRefusesToGuess) {
  // A credit-note series and an invoice series share 2026-4211.
  book_.AddInvoice(MakeInvoice("I1", "INV-2026-004211", 1250000));
  book_.AddInvoice(MakeInvoice("N1", "CN-2026-4211", 1250000));
  BatchOutcome out = Run({MakePayment("P1", 1250000, "payment for Invoice no. 2026/4211")});
  EXPECT_TRUE(OfType(out, EventType::kApplied).empty());
  auto ex = OfType(out, EventType::kException);
  ASSERT_EQ(ex.size(), 1u);
  EXPECT_EQ(ex[0]->reason, ExceptionReason::kAmbiguous);
  EXPECT_NE(ex[0]->detail.find("INV-2026-004211"), std::string::npos) << ex[0]->detail;
  EXPECT_NE(ex[0]->detail.find("CN-2026-4211"), std::string::npos) << ex[0]->detail;
  // Written in full, each is its own number.
  BatchOutcome exact = Run({MakePayment("P2", 1250000, "CN-2026-4211")});
  ASSERT_EQ(OfType(exact, EventType::kApplied).size(), 1u);
  EXPECT_EQ(OfType(exact, EventType::kApplied)[0]->invoice_id, "N1");
}

TEST_F(MatchTest, BareTailResolvesOnlyWhenUniqueAmongTheIdentifiedCustomersOpenInvoices) {
  Customer other;
  other.customer_id = "C2";
  other.name = "Globex";
  other.bank_account_fps = {"fp-globex"};
  book_.AddCustomer(other);
  book_.AddInvoice(MakeInvoice("I1", "INV-2026-004211", 1250000));
  book_.AddInvoice(MakeInvoice("I2", "INV-2026-007777", 80000));
  book_.AddInvoice(MakeInvoice("G1", "INV-2025-004211", 60000, "C2"));
  book_.AddInvoice(MakeInvoice("G2", "INV-2024-4211", 70000, "C2"));
  Payment acme = MakePayment("P1", 1250000, "paying #4211");
  acme.payer_account_fp = "fp-acme";
  Payment globex = MakePayment("P2", 60000, "paying #4211");  // two of Globex's invoices end in 4211
  globex.payer_account_fp = "fp-globex";
  Payment nobody = MakePayment("P3", 80000, "paying #7777");  // no customer identified: unused
  BatchOutcome out = Run({acme, globex, nobody});
  std::map<std::string, const Event*> applied;
  for (const Event* e : OfType(out, EventType::kApplied)) applied[e->payment_id] = e;
  ASSERT_EQ(applied.count("P1"), 1u);
  EXPECT_EQ(applied["P1"]->invoice_id, "I1");
  EXPECT_EQ(applied["P1"]->rule, "reference_tail");
  // The tail names two of Globex's invoices: not used; the amount decides.
  ASSERT_EQ(applied.count("P2"), 1u);
  EXPECT_EQ(applied["P2"]->invoice_id, "G1");
  EXPECT_EQ(applied["P2"]->rule, "exact_amount");
  EXPECT_NE(std::find(applied["P2"]->signals.begin(), applied["P2"]->signals.end(), "reference_tail=ambiguous:4211"),
            applied["P2"]->signals.end());
  ASSERT_EQ(OfType(out, EventType::kException).size(), 1u);
  EXPECT_EQ(OfType(out, EventType::kException)[0]->payment_id, "P3");
  EXPECT_EQ(OfType(out, EventType::kException)[0]->reason, ExceptionReason::kNoCustomer);
}

TEST_F(MatchTest, PurchaseOrderNumberFindsTheOneOpenInvoiceCarryingIt) {
  Invoice inv = MakeInvoice("I1", "INV-2026-004211", 1250000);
  inv.po_number = "PO-4500012345";
  book_.AddInvoice(inv);
  book_.AddInvoice(MakeInvoice("I2", "INV-2026-004212", 1250000));
  BatchOutcome out = Run({MakePayment("P1", 1250000, "P.O. #4500012345 net 30")});
  auto applied = OfType(out, EventType::kApplied);
  ASSERT_EQ(applied.size(), 1u);
  EXPECT_EQ(applied[0]->invoice_id, "I1");
  EXPECT_EQ(applied[0]->rule, "reference_po");
  EXPECT_GE(applied[0]->score_milli, policy_.auto_apply_score_milli);
  EXPECT_NE(std::find(applied[0]->signals.begin(), applied[0]->signals.end(), "po=4500012345"),
            applied[0]->signals.end());
  // From a payer nobody knows, a PO number that fits one invoice whose
  // amount disagrees is not used (another customer may use the same PO).
  BatchOutcome other = Run({MakePayment("P2", 990000, "PO 4500012345")});
  EXPECT_TRUE(OfType(other, EventType::kApplied).empty());
  bool said = false;
  for (const Event& e : other.events) {
    for (const std::string& s : e.signals) said = said || s == "po=rejected:4500012345~INV-2026-004211:amount";
  }
  EXPECT_TRUE(said);
}

TEST_F(MatchTest, RfCreditorReferenceNamesTheInvoiceOnlyWithAValidChecksum) {
  book_.AddInvoice(MakeInvoice("I1", "INV-2026-004211", 1250000));
  const std::string rf = MakeRfReference("INV2026004211");
  ASSERT_FALSE(rf.empty());
  Payment structured = MakePayment("P1", 1250000, "");
  structured.rf_reference = rf;
  BatchOutcome out = Run({structured});
  ASSERT_EQ(OfType(out, EventType::kApplied).size(), 1u);
  EXPECT_EQ(OfType(out, EventType::kApplied)[0]->invoice_id, "I1");

  std::string broken = rf;
  broken[2] = broken[2] == '9' ? '0' : static_cast<char>(broken[2] + 1);  // wrong check digits
  book_ = OpenBook();
  sealed_ = false;
  book_.AddInvoice(MakeInvoice("I1", "INV-2026-004211", 1250000));
  BatchOutcome bad = Run({MakePayment("P2", 1250000, "ref " + broken)});
  EXPECT_TRUE(OfType(bad, EventType::kApplied).empty());
  bool reported = false;
  for (const Event& e : bad.events) {
    for (const std::string& s : e.signals) reported = reported || s == "rf=invalid_checksum:" + broken;
  }
  EXPECT_TRUE(reported);
}

// Remittances made of near-misses of a book's numbers (typos, tails, PO
// numbers, RF references, look-alike letters), from known and unknown
// payers: every payment's cash is accounted for exactly once, nothing is
// applied beyond an invoice's open amount, and two threads decide the same.
TEST_F(MatchTest, NearMissReferencesNeverLoseOrInventCash) {
  std::mt19937 rng(4);
  for (int i = 0; i < 40; ++i) {
    Invoice inv = MakeInvoice("I" + std::to_string(i), "INV-2026-0042" + std::to_string(10 + i), 10000 + 37 * i);
    if (i % 5 == 0) inv.po_number = "PO-77" + std::to_string(i);
    if (i % 7 == 0) inv.disputed_minor = 1000;
    book_.AddInvoice(inv);
  }
  static const char* kForms[] = {"INV-2026-0042", "inv 2026 42", "#42", "PO 77", "RF18 ", "INV-2026-004O", "4211"};
  std::vector<Payment> payments;
  for (int k = 0; k < 300; ++k) {
    std::string text = std::string(kForms[rng() % 7]) + std::to_string(rng() % 60);
    if (rng() % 3 == 0) text += " " + std::string(kForms[rng() % 7]) + std::to_string(rng() % 60);
    Payment p = MakePayment("P" + std::to_string(k), 10000 + 37 * static_cast<int64_t>(rng() % 45), text);
    if (rng() % 2 == 0) p.payer_account_fp = "fp-acme";
    if (rng() % 10 == 0) p.rf_reference = MakeRfReference("INV20260042" + std::to_string(10 + rng() % 40));
    payments.push_back(p);
  }
  BatchOutcome out = Run(payments);
  std::map<std::string, int64_t> applied;
  for (const Event* e : OfType(out, EventType::kApplied)) applied[e->invoice_id] += e->amount_minor;
  EXPECT_FALSE(applied.empty());
  for (const auto& [id, amount] : applied) EXPECT_LE(amount, book_.FindInvoice(id)->amount_open_minor) << id;
  for (const PaymentRecord& r : out.payments) {
    EXPECT_EQ(r.applied_minor + r.unapplied_minor + r.held_minor + r.exception_minor, r.amount_minor) << r.payment_id;
  }
  ExpectSameEvents(out, Run(payments, 2));
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
    payments.push_back(
        MakePayment("Q" + std::to_string(i), 2000 + 2 * i + 1,
                    "INV-2026-" + std::to_string(100000 + i) + " INV-2026-" + std::to_string(100001 + i)));
  }
  BatchOutcome one = Run(payments, 1);
  std::mt19937 rng(7);
  std::shuffle(payments.begin(), payments.end(), rng);
  BatchOutcome two = Run(payments, 2);
  ExpectSameEvents(one, two);
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

// ---- Currencies never mix (issue 12) ----

// A USD payment from a known payer whose only open invoice is in EUR of the
// same figure: the EUR invoice is no candidate, the cash stays on account.
TEST_F(MatchTest, AnInvoiceInAnotherCurrencyIsNoCandidateForTheAmount) {
  Invoice eur = MakeInvoice("I-EUR", "INV-2026-000071", 100000);
  eur.currency = Currency::Find("EUR");
  book_.AddInvoice(eur);
  Payment p = MakePayment("P1", 100000, "");
  p.payer_account_fp = "fp-acme";
  BatchOutcome out = Run({p});
  EXPECT_TRUE(OfType(out, EventType::kApplied).empty());
  ASSERT_EQ(OfType(out, EventType::kUnapplied).size(), 1u);
  EXPECT_EQ(OfType(out, EventType::kUnapplied)[0]->rule, "on_account");
  EXPECT_TRUE(out.invoice_updates.empty());
}

// USD cash held against a usage invoice that is now in JPY: releasing it
// would apply dollars as yen. The hold stays, and the exception names both
// currencies; nothing is released, applied or changed on the invoice.
TEST_F(MatchTest, ReleaseOfUsdCashToAJpyInvoiceKeepsTheHoldAndRaisesCurrencyMismatch) {
  Invoice jpy = MakeInvoice("I-JPY", "INV-2026-000072", 150000);
  jpy.currency = Currency::Find("JPY");
  book_.AddInvoice(jpy);
  book_.Seal();
  HoldRelease h;
  h.record.payment_id = "P1";
  h.record.customer_id = "C1";
  h.record.currency = USD();
  h.record.amount_minor = 150000;
  h.record.held_minor = 150000;
  h.record.status = PaymentStatus::kUnapplied;
  h.invoice_id = "I-JPY";
  h.amount_minor = 150000;
  BatchOutcome out = ReleaseHolds("r-1", {h}, book_, policy_);
  ASSERT_EQ(out.events.size(), 1u);
  const Event& ex = out.events[0];
  EXPECT_EQ(ex.type, EventType::kException);
  EXPECT_EQ(ex.reason, ExceptionReason::kCurrencyMismatch);
  EXPECT_EQ(ex.from, CashBucket::kHeld);
  EXPECT_FALSE(ExceptionHoldsCash(ex));  // still held, not in review
  EXPECT_NE(ex.detail.find("USD"), std::string::npos) << ex.detail;
  EXPECT_NE(ex.detail.find("JPY"), std::string::npos) << ex.detail;
  EXPECT_TRUE(out.invoice_updates.empty());
  ASSERT_EQ(out.payments.size(), 1u);
  EXPECT_EQ(out.payments[0].held_minor, 150000);
  EXPECT_EQ(out.payments[0].applied_minor, 0);
  EXPECT_EQ(out.exception_count, 1u);
}

// A USD payment settled an invoice that has since been reloaded in EUR. Its
// ACH return must not reopen the invoice by 500.00 dollars as euros: the
// return is refused with a currency_mismatch exception and nothing moves.
TEST_F(MatchTest, ReturnOfAUsdPaymentWhoseInvoiceIsNowEurIsRefused) {
  Invoice eur = MakeInvoice("I-EUR", "INV-2026-000073", 50000);
  eur.currency = Currency::Find("EUR");
  eur.amount_open_minor = 0;
  book_.AddInvoice(eur);
  SettledPayment settled;
  settled.record.payment_id = "P1";
  settled.record.customer_id = "C1";
  settled.record.currency = USD();
  settled.record.amount_minor = 50000;
  settled.record.applied_minor = 50000;
  settled.record.status = PaymentStatus::kApplied;
  settled.applications = {Application{"I-EUR", 50000}};
  book_.AddSettledPayment("P1", settled);
  Reversal r;
  r.reversal_id = "RET-1";
  r.original_payment_id = "P1";
  r.amount_minor = 50000;
  r.currency = USD();
  r.value_date = ParseIsoDate("2026-11-26").value();
  batch_.reversals = {r};
  BatchOutcome out = Run({});
  EXPECT_TRUE(OfType(out, EventType::kReversed).empty());
  ASSERT_EQ(OfType(out, EventType::kException).size(), 1u);
  const Event& ex = *OfType(out, EventType::kException)[0];
  EXPECT_EQ(ex.reason, ExceptionReason::kCurrencyMismatch);
  EXPECT_EQ(ex.invoice_id, "I-EUR");
  EXPECT_NE(ex.detail.find("USD"), std::string::npos) << ex.detail;
  EXPECT_NE(ex.detail.find("EUR"), std::string::npos) << ex.detail;
  EXPECT_TRUE(out.invoice_updates.empty());
  for (const PaymentRecord& rec : out.payments) {
    if (rec.payment_id == "P1") {
      EXPECT_EQ(rec.applied_minor, 50000);
    }
  }
}

// Issue 14 §1: a reference is evidence, not proof. Dense sequential numbers
// make a one-digit slip name a real invoice, often another customer's.
class ReferenceFitTest : public PayerNameMatchTest {
 protected:
  void SetUp() override {
    PayerNameMatchTest::SetUp();
    AddCustomer("C2", "Globex Industries", "", "fp-globex");
  }

  Payment From(const std::string& id, int64_t amount_minor, const std::string& remittance) {
    Payment p = MakePayment(id, amount_minor, remittance);
    p.payer_account_fp = "fp-acme";
    return p;
  }
};

// The payer's account says Acme; the remittance spells Globex's invoice,
// one digit from Acme's own invoice of exactly the amount. Acme's invoice
// is paid; Globex's books are not touched.
TEST_F(ReferenceFitTest, CrossCustomerTypoGoesToThePayersOwnInvoiceOfThatAmount) {
  book_.AddInvoice(MakeInvoice("I1", "INV-2026-018143", 50391));
  book_.AddInvoice(MakeInvoice("I2", "INV-2026-018150", 90000));
  book_.AddInvoice(MakeInvoice("J1", "INV-2026-018148", 2429033, "C2"));
  BatchOutcome out = Run({From("P1", 50391, "INV-2026-018148")});
  Effects f = EffectsOf(out);
  EXPECT_EQ(f.applied.size(), 1u);
  EXPECT_EQ(f.applied["I1"], 50391);
  EXPECT_EQ(out.payments[0].customer_id, "C1");
  auto applied = OfType(out, EventType::kApplied);
  ASSERT_EQ(applied.size(), 1u);
  EXPECT_EQ(applied[0]->rule, "reference_fuzzy");
  EXPECT_EQ(applied[0]->score_milli, 920);
  EXPECT_TRUE(Has(applied[0]->signals, "reference=corrected:INV-2026-018148~INV-2026-018143"));
  EXPECT_TRUE(Has(applied[0]->signals, "reference_customer=C2"));
}

// The same when only the payer's name identifies Acme: without the rule the
// reference would identify Globex and settle its invoice partly.
TEST_F(ReferenceFitTest, CrossCustomerTypoByNameAloneGoesToThePayersOwnInvoice) {
  book_.AddInvoice(MakeInvoice("I1", "INV-2026-018143", 50391));
  book_.AddInvoice(MakeInvoice("J1", "INV-2026-018148", 2429033, "C2"));
  Payment p = ByName("P1", 50391, "ACME CORP");
  p.remittance = "INV 2026-018148";
  BatchOutcome out = Run({p});
  Effects f = EffectsOf(out);
  EXPECT_EQ(f.applied.size(), 1u);
  EXPECT_EQ(f.applied["I1"], 50391);
  EXPECT_EQ(out.payments[0].customer_id, "C1");
}

// The slip names Globex's invoice, which Globex itself paid earlier in the
// batch: not an "already settled" exception, but Acme's own invoice one
// digit away with exactly the amount.
TEST_F(ReferenceFitTest, ASlipNamingAnInvoiceAlreadySettledGoesToThePayersNearInvoiceOfThatAmount) {
  book_.AddInvoice(MakeInvoice("I1", "INV-2026-018143", 50391));
  book_.AddInvoice(MakeInvoice("J1", "INV-2026-018148", 2429033, "C2"));
  Payment globex = MakePayment("P1", 2429033, "INV-2026-018148");
  globex.payer_account_fp = "fp-globex";
  BatchOutcome out = Run({globex, From("P2", 50391, "INV-2026-018148")});
  Effects f = EffectsOf(out);
  EXPECT_EQ(f.applied["J1"], 2429033);
  EXPECT_EQ(f.applied["I1"], 50391);
  ASSERT_EQ(out.payments.size(), 2u);
  EXPECT_EQ(out.payments[1].status, PaymentStatus::kApplied);
  auto applied = OfType(out, EventType::kApplied);
  ASSERT_EQ(applied.size(), 2u);
  EXPECT_TRUE(Has(applied[1]->signals, "reference=corrected:INV-2026-018148~INV-2026-018143"));
  // With nothing of the payer's near it, it stays "already settled".
  BatchOutcome alone = Run({globex, From("P3", 77700, "INV-2026-018148")});
  EXPECT_EQ(alone.payments.at(1).reason, ExceptionReason::kInvoiceNotOpen);
}

// A second payment of a settled invoice, whose next invoice of the same
// amount is one digit away: paid twice, or a slip? A person decides.
TEST_F(ReferenceFitTest, ASettledInvoicePaidAgainWithAnEqualTwinNearItStaysAnException) {
  book_.AddInvoice(MakeInvoice("I1", "INV-2026-004211", 1250000));
  book_.AddInvoice(MakeInvoice("I2", "INV-2026-004212", 1250000));
  BatchOutcome out = Run({From("P1", 1250000, "INV-2026-004211"), From("P2", 1250000, "INV-2026-004211")});
  EXPECT_EQ(EffectsOf(out).applied.count("I2"), 0u);
  EXPECT_EQ(out.payments.at(1).reason, ExceptionReason::kInvoiceNotOpen);
}

// Nothing of the payer's is near the reference: another customer's invoice
// that the amount does not fit is never settled on the reference alone. A
// person gets both customers in the signals.
TEST_F(ReferenceFitTest, AnotherCustomersInvoiceTheAmountDoesNotFitGoesToReviewWithBothCustomers) {
  book_.AddInvoice(MakeInvoice("I1", "INV-2026-000007", 50391));  // far from the reference
  book_.AddInvoice(MakeInvoice("J1", "INV-2026-018148", 2429033, "C2"));
  BatchOutcome out = Run({From("P1", 50391, "INV-2026-018148")});
  EXPECT_TRUE(OfType(out, EventType::kApplied).empty());
  auto ex = OfType(out, EventType::kException);
  ASSERT_EQ(ex.size(), 1u);
  EXPECT_EQ(ex[0]->reason, ExceptionReason::kNeedsReview);
  EXPECT_EQ(ex[0]->customer_id, "C1");
  EXPECT_TRUE(Has(ex[0]->signals, "reference_customer=C2:INV-2026-018148")) << ex[0]->detail;
  EXPECT_TRUE(Has(ex[0]->signals, "payer_customer=C1"));
  EXPECT_NE(ex[0]->detail.find("identified as customer C1"), std::string::npos) << ex[0]->detail;
}

// Paying someone else's invoice in full is allowed (a third party, a group
// company): the amount fits it and nothing of the payer's competes.
TEST_F(ReferenceFitTest, AnotherCustomersInvoiceTheAmountFitsIsPaid) {
  book_.AddInvoice(MakeInvoice("I1", "INV-2026-000007", 50391));
  book_.AddInvoice(MakeInvoice("J1", "INV-2026-018148", 2429033, "C2"));
  BatchOutcome out = Run({From("P1", 2429033, "INV-2026-018148")});
  Effects f = EffectsOf(out);
  EXPECT_EQ(f.applied["J1"], 2429033);
  EXPECT_TRUE(OfType(out, EventType::kException).empty());
}

// ... unless the payer's own invoice near that number fits as well: a payer
// known by its bank account pays its own; one known by name alone goes to a
// person with both candidates.
TEST_F(ReferenceFitTest, TwoCustomersInvoicesThatBothFitGoToThePayersOwnOnlyWhenItsAccountSaysWho) {
  book_.AddInvoice(MakeInvoice("I1", "INV-2026-018143", 2429033));
  book_.AddInvoice(MakeInvoice("J1", "INV-2026-018148", 2429033, "C2"));
  BatchOutcome out = Run({From("P1", 2429033, "INV-2026-018148")});
  Effects f = EffectsOf(out);
  EXPECT_EQ(f.applied.size(), 1u);
  EXPECT_EQ(f.applied["I1"], 2429033);

  Payment by_name = ByName("P2", 2429033, "ACME CORP");
  by_name.remittance = "INV-2026-018148";
  BatchOutcome named = Run({by_name});
  EXPECT_TRUE(OfType(named, EventType::kApplied).empty());
  auto ex = OfType(named, EventType::kException);
  ASSERT_EQ(ex.size(), 1u);
  EXPECT_EQ(ex[0]->reason, ExceptionReason::kNeedsReview);
  EXPECT_TRUE(Has(ex[0]->signals, "candidate=INV-2026-018143"));
}

// A slip that lands on another customer's invoice disputed in full is no
// reason for review when the payer's own invoice near it takes the amount.
TEST_F(ReferenceFitTest, ASlipNamingAnInvoiceDisputedInFullGoesToThePayersNearInvoice) {
  book_.AddInvoice(MakeInvoice("I1", "INV-2026-018143", 50391));
  Invoice disputed = MakeInvoice("J1", "INV-2026-018148", 2429033, "C2");
  disputed.disputed_minor = 2429033;
  book_.AddInvoice(disputed);
  BatchOutcome out = Run({From("P1", 50391, "INV-2026-018148")});
  EXPECT_EQ(EffectsOf(out).applied["I1"], 50391);
  EXPECT_EQ(out.payments.at(0).status, PaymentStatus::kApplied);
}

// Inside one customer: the remittance names invoice A of 24,290.33, the
// payment is 3,971.53 — invoice B's amount, one digit from A. B is paid,
// A stays open (it would have been a partial payment on A).
TEST_F(ReferenceFitTest, SameCustomerTypoWithAmountMismatchGoesToTheNearInvoiceOfThatAmount) {
  book_.AddInvoice(MakeInvoice("A", "INV-2026-018148", 2429033));
  book_.AddInvoice(MakeInvoice("B", "INV-2026-018143", 397153));
  BatchOutcome out = Run({From("P1", 397153, "Payment for INV-2026-018148")});
  Effects f = EffectsOf(out);
  EXPECT_EQ(f.applied.size(), 1u);
  EXPECT_EQ(f.applied["B"], 397153);
  EXPECT_EQ(f.applied.count("A"), 0u);
}

// A real partial payment has no near invoice of its amount: it stays a
// partial payment on the invoice it names.
TEST_F(ReferenceFitTest, APartialPaymentWithNoNearInvoiceOfItsAmountStaysPartial) {
  book_.AddInvoice(MakeInvoice("A", "INV-2026-018148", 2429033));
  book_.AddInvoice(MakeInvoice("B", "INV-2026-018143", 397153));
  BatchOutcome out = Run({From("P1", 1000000, "INV-2026-018148")});
  Effects f = EffectsOf(out);
  EXPECT_EQ(f.applied.size(), 1u);
  EXPECT_EQ(f.applied["A"], 1000000);
  EXPECT_EQ(OfType(out, EventType::kApplied)[0]->rule, "reference_partial");
}

// A parent paying part of its subsidiary's invoice is family, not a stranger.
TEST_F(ReferenceFitTest, AParentPayingPartOfItsChildsInvoiceIsNotAStranger) {
  AddCustomer("C3", "Acme Labs", "C1");
  book_.AddInvoice(MakeInvoice("K1", "INV-2026-018148", 2429033, "C3"));
  BatchOutcome out = Run({From("P1", 1000000, "INV-2026-018148")});
  Effects f = EffectsOf(out);
  EXPECT_EQ(f.applied["K1"], 1000000);
}

// Equal-amount twins: no reference resolves (two characters off), so the
// amount decides — and of the two invoices of that amount the one whose
// number is nearest to what the payer wrote wins before the one due first.
TEST_F(ReferenceFitTest, EqualAmountTwinsAreBrokenByReferenceDistanceBeforeTheDueDate) {
  Invoice older = MakeInvoice("T1", "INV-2026-018140", 50000);
  older.due_date = ParseIsoDate("2026-10-31").value();
  Invoice newer = MakeInvoice("T2", "INV-2026-018199", 50000);
  newer.due_date = ParseIsoDate("2026-12-31").value();
  book_.AddInvoice(older);
  book_.AddInvoice(newer);
  BatchOutcome out = Run({From("P1", 50000, "INV-2026-028189")});
  Effects f = EffectsOf(out);
  EXPECT_EQ(f.applied.size(), 1u);
  EXPECT_EQ(f.applied["T2"], 50000);
  auto applied = OfType(out, EventType::kApplied);
  ASSERT_EQ(applied.size(), 1u);
  EXPECT_TRUE(Has(applied[0]->signals, "equal_amount_by_reference=INV-2026-018199"));
  // Without a reference the one due first is taken, as before.
  OpenBook book;
  book.AddCustomer(Acme());
  book.AddInvoice(older);
  book.AddInvoice(newer);
  book.Seal();
  EXPECT_EQ(EffectsOf(RunOn(book, {From("P2", 50000, "")})).applied["T1"], 50000);
}

// No remittance: one invoice of exactly the amount is the answer even when
// three others add up to it too (a coincidence, likely in a large account),
// but not when two others do.
TEST_F(ReferenceFitTest, AnExactSingleInvoiceBeatsACoincidentalSetOfThreeButNotAPair) {
  book_.AddInvoice(MakeInvoice("S", "INV-2026-000001", 100000));
  book_.AddInvoice(MakeInvoice("T1", "INV-2026-000002", 20000));
  book_.AddInvoice(MakeInvoice("T2", "INV-2026-000003", 30000));
  book_.AddInvoice(MakeInvoice("T3", "INV-2026-000004", 50000));
  BatchOutcome out = Run({From("P1", 100000, "")});
  Effects f = EffectsOf(out);
  EXPECT_EQ(f.applied.size(), 1u);
  EXPECT_EQ(f.applied["S"], 100000);

  OpenBook book;
  book.AddCustomer(Acme());
  book.AddInvoice(MakeInvoice("S", "INV-2026-000001", 100000));
  book.AddInvoice(MakeInvoice("U1", "INV-2026-000005", 40000));
  book.AddInvoice(MakeInvoice("U2", "INV-2026-000006", 60000));
  book.Seal();
  BatchOutcome pair = RunOn(book, {From("P2", 100000, "")});
  auto ex = OfType(pair, EventType::kException);
  ASSERT_EQ(ex.size(), 1u);
  EXPECT_EQ(ex[0]->reason, ExceptionReason::kAmbiguous);
}

// Twins on either side of the candidate window: the one past it is nearer
// to what the payer wrote, and is taken.
TEST_F(ReferenceFitTest, ATwinPastTheCandidateWindowNearerToTheReferenceIsTaken) {
  for (int i = 0; i < 70; ++i) {
    Invoice inv = MakeInvoice("W" + std::to_string(i), "INV-2026-0" + std::to_string(20000 + i), 100000 + 700 * i);
    inv.due_date = Date{ParseIsoDate("2026-01-10").value().days + i};
    book_.AddInvoice(inv);
  }
  Invoice early = MakeInvoice("A", "INV-2026-030000", 50000);
  early.due_date = ParseIsoDate("2026-01-01").value();
  Invoice late = MakeInvoice("B", "INV-2026-040000", 50000);
  late.due_date = ParseIsoDate("2026-12-31").value();
  book_.AddInvoice(early);
  book_.AddInvoice(late);
  BatchOutcome out = Run({From("P1", 50000, "INV-2026-049900")});
  Effects f = EffectsOf(out);
  EXPECT_EQ(f.applied.size(), 1u);
  EXPECT_EQ(f.applied["B"], 50000);
  auto applied = OfType(out, EventType::kApplied);
  ASSERT_EQ(applied.size(), 1u);
  EXPECT_TRUE(Has(applied[0]->signals, "equal_amount_by_reference=INV-2026-040000"));
  EXPECT_TRUE(Has(applied[0]->signals, "set=beyond_window:INV-2026-040000"));
}

// Issue 14 §5: 100 open invoices, more than the 64-candidate window. The
// invoice of exactly the amount is due last, past the window; inside it an
// invoice of 510.00 fits within the tolerance. With no reference, the exact
// one is paid, with no write-off; the look-alike reference of the issue
// (INV-2026-O18143) now names it outright.
TEST_F(ReferenceFitTest, AnExactInvoicePastTheCandidateWindowBeatsAToleranceFitInsideIt) {
  ASSERT_EQ(policy_.candidates_count_max, 64);
  for (int i = 0; i < 100; ++i) {
    const bool near = i == 3;
    Invoice inv =
        MakeInvoice("W" + std::to_string(i), "INV-2026-0" + std::to_string(20000 + i), near ? 51000 : 100000 + 700 * i);
    inv.due_date = Date{ParseIsoDate("2026-01-01").value().days + i};
    book_.AddInvoice(inv);
  }
  Invoice exact = MakeInvoice("E", "INV-2026-018143", 50391);
  exact.due_date = ParseIsoDate("2026-12-31").value();
  book_.AddInvoice(exact);
  BatchOutcome out = Run({From("P1", 50391, "")});
  Effects f = EffectsOf(out);
  EXPECT_EQ(f.applied.size(), 1u);
  EXPECT_EQ(f.applied["E"], 50391);
  EXPECT_TRUE(f.written_off.empty());
  auto applied = OfType(out, EventType::kApplied);
  ASSERT_EQ(applied.size(), 1u);
  EXPECT_TRUE(Has(applied[0]->signals, "candidates_beyond_window=37")) << applied[0]->signals.size();
  EXPECT_TRUE(Has(applied[0]->signals, "set=beyond_window:INV-2026-018143"));
  // Written with a letter O for the zero, the number itself names it.
  BatchOutcome lookalike = Run({From("P3", 50391, "paying INV-2026-O18143")});
  auto by_reference = OfType(lookalike, EventType::kApplied);
  ASSERT_EQ(by_reference.size(), 1u);
  EXPECT_EQ(by_reference[0]->invoice_id, "E");
  EXPECT_EQ(by_reference[0]->rule, "exact_reference");

  // Two invoices past the window that together make the amount rival it: a
  // person decides.
  OpenBook book;
  book.AddCustomer(Acme());
  for (int i = 0; i < 100; ++i)
    book.AddInvoice(MakeInvoice("W" + std::to_string(i), "N" + std::to_string(i), 100000 + 700 * i));
  book.AddInvoice(MakeInvoice("E", "INV-2026-018143", 50391));
  book.AddInvoice(MakeInvoice("X1", "INV-2026-018500", 20000));
  book.AddInvoice(MakeInvoice("X2", "INV-2026-018501", 30391));
  book.Seal();
  BatchOutcome two = RunOn(book, {From("P2", 50391, "")});
  auto ex = OfType(two, EventType::kException);
  ASSERT_EQ(ex.size(), 1u);
  EXPECT_EQ(ex[0]->reason, ExceptionReason::kAmbiguous);
}

// Issue 14 §4: an unknown token beside references that are exact and sum
// to the payment does not stop it; the signals keep the unknown one. When
// the known references do not explain the amount, it still does.
TEST_F(MatchTest, UnknownReferenceBesideExactOnesThatExplainTheAmountIsIgnored) {
  book_.AddInvoice(MakeInvoice("I1", "INV-2026-000001", 320000));
  book_.AddInvoice(MakeInvoice("I2", "INV-2026-000002", 145050));
  book_.AddInvoice(MakeInvoice("I3", "INV-2026-000003", 320000));
  BatchOutcome out = Run({MakePayment("P1", 465050, "INV-2026-000001 INV-2026-000002 XYZ-2026-77777"),
                          MakePayment("P2", 500000, "INV-2026-000003 XYZ-2026-77778")});
  ASSERT_EQ(out.payments.size(), 2u);
  EXPECT_EQ(out.payments[0].status, PaymentStatus::kApplied);
  EXPECT_EQ(out.payments[0].applied_minor, 465050);
  const std::vector<const Event*> applied = OfType(out, EventType::kApplied);
  ASSERT_EQ(applied.size(), 2u);
  EXPECT_EQ(applied[0]->score_milli, 1000);
  const std::vector<std::string>& sig = applied[0]->signals;
  EXPECT_NE(std::find(sig.begin(), sig.end(), "reference=unknown:XYZ-2026-77777"), sig.end());
  EXPECT_NE(std::find(sig.begin(), sig.end(), "unknown_references=explained_by_amount"), sig.end());
  EXPECT_EQ(out.payments[1].status, PaymentStatus::kException);
  EXPECT_EQ(out.payments[1].reason, ExceptionReason::kUnknownInvoice);
}

}  // namespace
}  // namespace cashmatch
