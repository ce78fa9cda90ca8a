// Cash held against a usage invoice while its usage is reconciled, and what
// happens when the invoice comes back final: `cashmatch release` applies the
// held cash, leaves any rest on account, and settles or resumes dunning.
#include <gtest/gtest.h>

#include "cashmatch/io/csv.h"
#include "cashmatch/io/pipeline.h"
#include "test_util.h"

namespace cashmatch::io {
namespace {

using testing_util::Creating;

using testing_util::TempDir;

constexpr char kCustomers[] = "customer_id,name\nC1,Acme Corp.\n";
constexpr char kInvoiceHeader[] =
    "invoice_id,number,customer_id,currency,amount_total,due_date,billing_model,usage_status\n";

class ReleaseTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto l = Ledger::Open(tmp_.Join("ledger"), Creating());
    ASSERT_TRUE(l.ok()) << l.status().message();
    ledger_ = std::move(l).value();
    // U1 is a usage invoice estimated at 500.00, still reconciling; U2 too.
    LoadInvoices("INV-2026-000001,500.00,reconciling", "INV-2026-000002,300.00,reconciling");
    auto ex = HintExtractor::Create(policy_);
    ASSERT_TRUE(ex.ok());
    auto r = ApplyPaymentFile(
        *ledger_,
        tmp_.Write(
            "day1.ndjson",
            R"({"payment_id":"P1","amount":"500.00","currency":"USD","value_date":"2026-11-23","references":[{"invoice_number":"INV-2026-000001"}]})"
            "\n"
            R"({"payment_id":"P2","amount":"300.00","currency":"USD","value_date":"2026-11-23","references":[{"invoice_number":"INV-2026-000002"}]})"
            "\n"),
        policy_, *ex.value(), MatchOptions());
    ASSERT_TRUE(r.ok()) << r.status().message();
  }

  // Loads U1 and U2 as "number,total,usage_status".
  void LoadInvoices(const std::string& u1, const std::string& u2) {
    auto row = [](const std::string& id, const std::string& spec) {
      const size_t a = spec.find(','), b = spec.rfind(',');
      return id + "," + spec.substr(0, a) + ",C1,USD," + spec.substr(a + 1, b - a - 1) + ",2026-12-01,usage," +
             spec.substr(b + 1) + "\n";
    };
    ++loads_;
    Status s = LoadBookFiles(*ledger_, tmp_.Write("c" + std::to_string(loads_) + ".csv", kCustomers),
                             tmp_.Write("i" + std::to_string(loads_) + ".csv",
                                        std::string(kInvoiceHeader) + row("U1", u1) + row("U2", u2)))
                   .status();
    ASSERT_TRUE(s.ok()) << s.message();
  }

  std::vector<Event> EventsSince(uint64_t seq) { return testing_util::EventsSince(*ledger_, seq); }
  PaymentRecord Payment(const std::string& id) { return *ledger_->GetPayment(id).value(); }
  int64_t OpenOf(const std::string& id) { return ledger_->GetInvoice(id).value()->amount_open_minor; }

  void ExpectBooksBalance() {
    VerifyReport report;
    Status s = ledger_->Verify(&report);
    EXPECT_TRUE(s.ok()) << s.message();
  }

  TempDir tmp_;
  std::unique_ptr<Ledger> ledger_;
  Policy policy_;
  int loads_ = 0;
};

TEST_F(ReleaseTest, NothingIsReleasedWhileUsageIsStillReconciling) {
  ASSERT_EQ(Payment("P1").held_minor, 50000);
  const uint64_t before = ledger_->last_seq();
  auto r = ReleaseFinalHolds(*ledger_, policy_, {});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_TRUE(r.value().nothing_to_release);
  EXPECT_EQ(r.value().still_reconciling, (std::vector<std::string>{"U1", "U2"}));
  EXPECT_EQ(ledger_->last_seq(), before);
}

TEST_F(ReleaseTest, FinalInvoiceAtTheEstimateIsSettledByTheHeldCashAndDunningCancelled) {
  LoadInvoices("INV-2026-000001,500.00,final", "INV-2026-000002,300.00,reconciling");
  const uint64_t before = ledger_->last_seq();
  auto r = ReleaseFinalHolds(*ledger_, policy_, {});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r.value().holds_released, 1u);
  EXPECT_EQ(r.value().still_reconciling, (std::vector<std::string>{"U2"}));
  std::vector<Event> ev = EventsSince(before);
  ASSERT_EQ(ev.size(), 3u);
  EXPECT_EQ(ev[0].type, EventType::kReleased);
  EXPECT_EQ(ev[0].amount_minor, 50000);
  EXPECT_EQ(ev[1].type, EventType::kApplied);
  EXPECT_EQ(ev[1].invoice_id, "U1");
  EXPECT_EQ(ev[1].amount_minor, 50000);
  EXPECT_EQ(ev[2].action, SuppressionAction::kCancel);
  EXPECT_EQ(OpenOf("U1"), 0);
  PaymentRecord p1 = Payment("P1");
  EXPECT_EQ(p1.held_minor, 0);
  EXPECT_EQ(p1.applied_minor, 50000);
  EXPECT_EQ(p1.status, PaymentStatus::kApplied);
  EXPECT_EQ(Payment("P2").held_minor, 30000);  // still reconciling: still held
  ExpectBooksBalance();
  // Running it again finds nothing more for U1.
  auto again = ReleaseFinalHolds(*ledger_, policy_, {"U1"});
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again.value().nothing_to_release);
}

TEST_F(ReleaseTest, UsageBelowTheEstimateLeavesTheRestOnAccountAndAboveItResumesDunning) {
  // U1's usage came in at 420.00: 80.00 of the held cash is the customer's.
  // U2's came in at 350.00: 50.00 is still owed and dunning resumes for it.
  LoadInvoices("INV-2026-000001,420.00,final", "INV-2026-000002,350.00,final");
  const uint64_t before = ledger_->last_seq();
  auto r = ReleaseFinalHolds(*ledger_, policy_, {});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r.value().holds_released, 2u);
  std::vector<Event> ev = EventsSince(before);
  ASSERT_EQ(ev.size(), 7u);
  EXPECT_EQ(ev[1].amount_minor, 42000);
  EXPECT_EQ(ev[2].type, EventType::kUnapplied);
  EXPECT_EQ(ev[2].amount_minor, 8000);
  EXPECT_EQ(ev[3].action, SuppressionAction::kCancel);
  EXPECT_EQ(ev[4].type, EventType::kReleased);
  EXPECT_EQ(ev[4].payment_id, "P2");
  EXPECT_EQ(ev[5].amount_minor, 30000);
  EXPECT_EQ(ev[6].action, SuppressionAction::kResume);
  EXPECT_EQ(OpenOf("U2"), 5000);
  EXPECT_EQ(Payment("P1").status, PaymentStatus::kPartial);
  EXPECT_EQ(Payment("P1").unapplied_minor, 8000);
  ExpectBooksBalance();
}

}  // namespace
}  // namespace cashmatch::io
