// Returned payments (ACH returns, refunds, disputes) as the ledger sees
// them: the invoices the payment settled reopen, their dunning resumes, and
// the books still balance. Each test applies real files through the pipeline.
#include <gtest/gtest.h>

#include "cashmatch/engine/book.h"
#include "cashmatch/io/csv.h"
#include "cashmatch/io/pipeline.h"
#include "test_util.h"

namespace cashmatch::io {
namespace {

using testing_util::Creating;

using testing_util::TempDir;

constexpr char kCustomers[] = "customer_id,name\nC1,Acme Corp.\nC2,Globex\n";
constexpr char kInvoices[] =
    "invoice_id,number,customer_id,currency,amount_total,due_date\n"
    "I1,INV-2026-000001,C1,USD,100.00,2026-11-30\n"
    "I2,INV-2026-000002,C1,USD,250.00,2026-11-30\n"
    "I3,INV-2026-000003,C2,USD,75.50,2026-12-15\n";
// P1 settles I1 and I2 (I1 first); P2 is short and waits in review.
constexpr char kDay1[] =
    R"({"payment_id":"P1","amount":"350.00","currency":"USD","value_date":"2026-11-23","bank_reference":"BR-77","references":[{"invoice_number":"INV-2026-000001"},{"invoice_number":"INV-2026-000002"}]})"
    "\n"
    R"({"payment_id":"P2","amount":"75.00","currency":"USD","value_date":"2026-11-23","references":[{"invoice_number":"INV-2026-000003","amount":"80.00"}]})"
    "\n";

class ReturnsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto l = Ledger::Open(tmp_.Join("ledger"), Creating());
    ASSERT_TRUE(l.ok()) << l.status().message();
    ledger_ = std::move(l).value();
    ASSERT_TRUE(LoadBookFiles(*ledger_, tmp_.Write("c.csv", kCustomers), tmp_.Write("i.csv", kInvoices)).ok());
    ASSERT_TRUE(Apply("day1.ndjson", kDay1).ok());
  }

  Result<ApplyResult> Apply(const std::string& name, const std::string& content) {
    auto ex = HintExtractor::Create(policy_);
    EXPECT_TRUE(ex.ok());
    return ApplyPaymentFile(*ledger_, tmp_.Write(name, content), policy_, *ex.value(), MatchOptions());
  }

  static std::string Return(const std::string& id, const std::string& original, const std::string& amount,
                            const std::string& key = "original_payment_id") {
    return R"({"type":"return","payment_id":")" + id + R"(","kind":"ach_return","reason_code":"R01",")" + key +
           R"(":")" + original + R"(","amount":")" + amount +
           R"(","currency":"USD","value_date":"2026-11-24"})"
           "\n";
  }

  std::vector<Event> EventsSince(uint64_t seq) { return testing_util::EventsSince(*ledger_, seq); }

  int64_t OpenOf(const std::string& id) { return ledger_->GetInvoice(id).value()->amount_open_minor; }
  PaymentRecord Payment(const std::string& id) { return *ledger_->GetPayment(id).value(); }

  void ExpectBooksBalance() {
    VerifyReport report;
    Status s = ledger_->Verify(&report);
    EXPECT_TRUE(s.ok()) << s.message();
  }

  TempDir tmp_;
  std::unique_ptr<Ledger> ledger_;
  Policy policy_;
};

TEST_F(ReturnsTest, AchReturnOfYesterdaysPaymentReopensItsInvoicesAndResumesDunning) {
  ASSERT_EQ(OpenOf("I1"), 0);
  const uint64_t before = ledger_->last_seq();
  auto r = Apply("day2.ndjson", Return("RET-1", "P1", "350.00"));
  ASSERT_TRUE(r.ok()) << r.status().message();
  std::vector<Event> ev = EventsSince(before);
  // Newest application first: I2 then I1, each reversed then resumed.
  ASSERT_EQ(ev.size(), 4u);
  EXPECT_EQ(ev[0].type, EventType::kReversed);
  EXPECT_EQ(ev[0].invoice_id, "I2");
  EXPECT_EQ(ev[0].amount_minor, 25000);
  EXPECT_EQ(ev[0].payment_id, "P1");
  EXPECT_EQ(ev[0].rule, "ach_return");
  EXPECT_EQ(ev[0].signals, (std::vector<std::string>{"reversal_id=RET-1", "return_reason=R01"}));
  EXPECT_EQ(ev[1].type, EventType::kSuppression);
  EXPECT_EQ(ev[1].action, SuppressionAction::kResume);
  EXPECT_EQ(ev[1].invoice_id, "I2");
  EXPECT_EQ(ev[2].invoice_id, "I1");
  EXPECT_EQ(ev[3].action, SuppressionAction::kResume);
  EXPECT_EQ(OpenOf("I1"), 10000);
  EXPECT_EQ(OpenOf("I2"), 25000);
  PaymentRecord p1 = Payment("P1");
  EXPECT_EQ(p1.status, PaymentStatus::kReturned);
  EXPECT_EQ(p1.applied_minor, 0);
  EXPECT_EQ(p1.returned_minor, 35000);
  ExpectBooksBalance();
  // The same return file again changes nothing.
  auto again = Apply("day2.ndjson", Return("RET-1", "P1", "350.00"));
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again.value().already_applied);
}

TEST_F(ReturnsTest, AReturnMayNameTheBanksReferenceInsteadOfOurId) {
  ASSERT_TRUE(Apply("day2.ndjson", Return("RET-2", "BR-77", "350.00", "original_reference")).ok());
  EXPECT_EQ(Payment("P1").status, PaymentStatus::kReturned);
  ExpectBooksBalance();
}

TEST_F(ReturnsTest, APartialRefundReopensOnlyWhatItTakesBackNewestFirst) {
  ASSERT_TRUE(Apply("day2.ndjson", Return("RET-3", "P1", "40.00")).ok());
  EXPECT_EQ(OpenOf("I2"), 4000);
  EXPECT_EQ(OpenOf("I1"), 0);
  PaymentRecord p1 = Payment("P1");
  EXPECT_EQ(p1.applied_minor, 31000);
  EXPECT_EQ(p1.returned_minor, 4000);
  EXPECT_EQ(p1.status, PaymentStatus::kApplied);
  ExpectBooksBalance();
}

TEST_F(ReturnsTest, ReturningAPaymentThatWaitedInReviewTakesTheCashOutOfReview) {
  ASSERT_TRUE(Apply("day2.ndjson", Return("RET-4", "P2", "75.00")).ok());
  PaymentRecord p2 = Payment("P2");
  EXPECT_EQ(p2.exception_minor, 0);
  EXPECT_EQ(p2.returned_minor, 7500);
  EXPECT_EQ(p2.status, PaymentStatus::kReturned);
  EXPECT_EQ(OpenOf("I3"), 7550);  // never applied, so nothing reopens
  ExpectBooksBalance();
}

TEST_F(ReturnsTest, ARefundOfAnOverpaymentTakesTheCashOnAccountBackFirst) {
  // P3 pays I3 (75.50) with 100.00: 24.50 stays on C2's account.
  ASSERT_TRUE(
      Apply(
          "day2.ndjson",
          R"({"payment_id":"P3","amount":"100.00","currency":"USD","value_date":"2026-11-24","references":[{"invoice_number":"INV-2026-000003"}]})"
          "\n")
          .ok());
  ASSERT_EQ(Payment("P3").unapplied_minor, 2450);
  const uint64_t before = ledger_->last_seq();
  ASSERT_TRUE(Apply("day3.ndjson", Return("RET-6", "P3", "30.00")).ok());
  std::vector<Event> ev = EventsSince(before);
  ASSERT_EQ(ev.size(), 3u);
  EXPECT_EQ(ev[0].type, EventType::kReversed);
  EXPECT_EQ(ev[0].from, CashBucket::kUnapplied);
  EXPECT_EQ(ev[0].amount_minor, 2450);
  EXPECT_EQ(ev[1].from, CashBucket::kApplied);
  EXPECT_EQ(ev[1].invoice_id, "I3");
  EXPECT_EQ(ev[1].amount_minor, 550);
  EXPECT_EQ(ev[2].action, SuppressionAction::kResume);
  EXPECT_EQ(OpenOf("I3"), 550);
  PaymentRecord p3 = Payment("P3");
  EXPECT_EQ(p3.unapplied_minor, 0);
  EXPECT_EQ(p3.applied_minor, 7000);
  EXPECT_EQ(p3.status, PaymentStatus::kApplied);
  ExpectBooksBalance();
}

TEST_F(ReturnsTest, AReturnOfCashHeldForAReconcilingUsageInvoiceReleasesTheHoldAndResumesDunning) {
  ASSERT_TRUE(LoadBookFiles(*ledger_, tmp_.Write("c2.csv", kCustomers),
                            tmp_.Write("i2.csv",
                                       "invoice_id,number,customer_id,currency,amount_total,due_date,billing_model,"
                                       "usage_status\nI4,INV-2026-000004,C1,USD,500.00,2026-12-01,usage,reconciling\n"))
                  .ok());
  ASSERT_TRUE(
      Apply(
          "day2.ndjson",
          R"({"payment_id":"P4","amount":"500.00","currency":"USD","value_date":"2026-11-24","references":[{"invoice_number":"INV-2026-000004"}]})"
          "\n")
          .ok());
  ASSERT_EQ(Payment("P4").held_minor, 50000);
  const uint64_t before = ledger_->last_seq();
  ASSERT_TRUE(Apply("day3.ndjson", Return("RET-7", "P4", "500.00")).ok());
  std::vector<Event> ev = EventsSince(before);
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ev[0].type, EventType::kReversed);
  EXPECT_EQ(ev[0].from, CashBucket::kHeld);
  EXPECT_EQ(ev[0].invoice_id, "I4");
  EXPECT_EQ(ev[1].action, SuppressionAction::kResume);
  EXPECT_EQ(OpenOf("I4"), 50000);  // never applied: nothing reopens, the hold is gone
  PaymentRecord p4 = Payment("P4");
  EXPECT_EQ(p4.held_minor, 0);
  EXPECT_EQ(p4.status, PaymentStatus::kReturned);
  ExpectBooksBalance();
}

TEST_F(ReturnsTest, AReturnOfAnUnknownPaymentIsAnExceptionAndNotMoney) {
  const uint64_t before = ledger_->last_seq();
  ASSERT_TRUE(Apply("day2.ndjson", Return("RET-5", "P-404", "10.00")).ok());
  std::vector<Event> ev = EventsSince(before);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].type, EventType::kException);
  EXPECT_EQ(ev[0].reason, ExceptionReason::kReturnUnmatched);
  EXPECT_EQ(ev[0].payment_id, "RET-5");
  ExpectBooksBalance();
}

TEST_F(ReturnsTest, AReturnLargerThanWhatWasSettledReversesAllAndFlagsTheRest) {
  ASSERT_TRUE(Apply("day2.ndjson", Return("RET-6", "P1", "400.00")).ok());
  EXPECT_EQ(Payment("P1").returned_minor, 35000);
  std::vector<Event> ev = EventsSince(0);
  EXPECT_EQ(ev.back().type, EventType::kException);
  EXPECT_EQ(ev.back().reason, ExceptionReason::kReturnUnmatched);
  EXPECT_EQ(ev.back().amount_minor, 5000);
  ExpectBooksBalance();
}

TEST_F(ReturnsTest, AReturnInTheSameBatchAsItsPaymentUndoesIt) {
  std::string file =
      R"({"payment_id":"P9","amount":"75.50","currency":"USD","value_date":"2026-11-24","remittance":"INV-2026-000003"})"
      "\n" +
      Return("RET-9", "P9", "75.50");
  auto r = Apply("day2.ndjson", file);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(OpenOf("I3"), 7550);
  PaymentRecord p9 = Payment("P9");
  EXPECT_EQ(p9.status, PaymentStatus::kReturned);
  EXPECT_EQ(p9.returned_minor, 7550);
  ExpectBooksBalance();
}

TEST_F(ReturnsTest, AReturnLineMustNameWhatItReturns) {
  auto r = Apply("bad.ndjson",
                 R"({"type":"return","payment_id":"R","amount":"1.00","currency":"USD","value_date":"2026-11-24"})"
                 "\n");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("bad.ndjson:1: field 'original_payment_id'"), std::string::npos)
      << r.status().message();
}

TEST_F(ReturnsTest, SkipBadRecordsWritesRejectsAndAppliesTheRest) {
  ApplyOptions options;
  options.skip_bad_records = true;
  options.rejects_path = tmp_.Join("rejects.ndjson");
  std::string file =
      R"({"payment_id":"P7","amount":"75.50","currency":"USD","value_date":"2026-11-24","remittance":"INV-2026-000003"})"
      "\n"
      R"({"payment_id":"P8","amount":"oops","currency":"USD","value_date":"2026-11-24"})"
      "\n";
  auto ex = HintExtractor::Create(policy_);
  auto r = ApplyPaymentFile(*ledger_, tmp_.Write("mixed.ndjson", file), policy_, *ex.value(), MatchOptions(), options);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r.value().rejected_count, 1u);
  EXPECT_EQ(r.value().applied_count, 1u);
  auto rejects = ReadFile(options.rejects_path);
  ASSERT_TRUE(rejects.ok());
  EXPECT_NE(rejects.value().find(R"("line":2,"reason":")"), std::string::npos) << rejects.value();
  EXPECT_NE(rejects.value().find("field 'amount'"), std::string::npos) << rejects.value();
  ExpectBooksBalance();
}

// Issue 12 item 1: the same return in a second file whose bytes differ (a
// trailing space) is not reversed again: it is a duplicate, the invoices
// stay as the first return left them, and the books still balance.
TEST_F(ReturnsTest, AReturnReSentInAnotherFileIsADuplicateAndChangesNothing) {
  ASSERT_TRUE(Apply("day2.ndjson", Return("RET-9", "P1", "40.00")).ok());
  ASSERT_EQ(OpenOf("I2"), 4000);
  const uint64_t before = ledger_->last_seq();
  auto again = Apply("day2-fixed.ndjson", Return("RET-9", "P1", "40.00") + "\n");
  ASSERT_TRUE(again.ok()) << again.status().message();
  EXPECT_FALSE(again.value().already_applied);
  EXPECT_EQ(again.value().duplicate_count, 1u);
  std::vector<Event> ev = EventsSince(before);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].type, EventType::kException);
  EXPECT_EQ(ev[0].reason, ExceptionReason::kDuplicatePayment);
  EXPECT_EQ(OpenOf("I2"), 4000);
  EXPECT_EQ(Payment("P1").returned_minor, 4000);
  ExpectBooksBalance();
}

// A return whose id the reader made up (a BAI2 detail without a bank
// reference) is the same return when it names the same payment, currency,
// amount and date, whatever id it got; a return with its own id is known by
// that id alone.
TEST(ReturnIdempotencyKeyTest, AnAssignedIdFallsBackToWhatTheReturnNames) {
  Reversal a;
  a.reversal_id = "bai2-0123456789ab-4";
  a.id_assigned = true;
  a.original_reference = "BR-77";
  a.amount_minor = 4000;
  a.currency = Currency::Find("USD");
  a.value_date = ParseIsoDate("2026-11-24").value();
  Reversal b = a;
  b.reversal_id = "bai2-fedcba987654-9";
  EXPECT_EQ(ReturnIdempotencyKey(a), ReturnIdempotencyKey(b));
  b.amount_minor = 4001;
  EXPECT_NE(ReturnIdempotencyKey(a), ReturnIdempotencyKey(b));
  Reversal own = a;
  own.id_assigned = false;
  own.reversal_id = "re_1";
  Reversal own2 = own;
  own2.value_date = ParseIsoDate("2026-11-25").value();
  EXPECT_EQ(ReturnIdempotencyKey(own), ReturnIdempotencyKey(own2));
}

}  // namespace
}  // namespace cashmatch::io
