// NACHA return files: the corpus file read to values taken from reading its
// fixed-width records, an R01 return that reopens yesterday's invoice end to
// end, and the bad-input cases.
#include <gtest/gtest.h>

#include "cashmatch/io/csv.h"
#include "cashmatch/io/pipeline.h"
#include "cashmatch/io/settlement.h"
#include "test_util.h"

namespace cashmatch::io {
namespace {

using testing_util::Creating;

using testing_util::TempDir;

const Fingerprinter kFp(std::string(32, 'k'));
const std::string kFile = std::string(CASHMATCH_CORPUS_DIR) + "/nacha/return-WEB.ach";

TEST(NachaCorpus, ReturnWebFileHoldsTwoReturnsR01AndR03) {
  // Batch 1 (CoinLion, WEB, effective 000101): entry 26, 0000012354 cents,
  // "Paul Jones", trace 091000017611242; addenda 99 R01, original trace
  // 091400600000001. Batch 2: entry 21, 0000004565, "Bob Marley", R03,
  // original trace 091400600000003. Controls add up (hash 0018280120,
  // debits 12354, credits 4565).
  auto data = ReadFile(kFile);
  ASSERT_TRUE(data.ok());
  EXPECT_EQ(DetectSettlementFormat(data.value()), SettlementFormat::kNacha);
  auto r = ParseSettlement(kFile, data.value(), SettlementFormat::kAuto, kFp, ParseOptions());
  ASSERT_TRUE(r.ok()) << r.status().message();
  const SettlementBatch& b = r.value().batch;
  EXPECT_TRUE(b.payments.empty());
  ASSERT_EQ(b.reversals.size(), 2u);
  EXPECT_TRUE(r.value().warnings.empty()) << r.value().warnings.front();
  const Reversal& first = b.reversals[0];
  EXPECT_EQ(first.reversal_id, "ach-091000017611242");
  EXPECT_EQ(first.kind, ReversalKind::kAchReturn);
  EXPECT_EQ(first.amount_minor, 12354);
  EXPECT_EQ(first.currency, Currency::Find("USD"));
  EXPECT_EQ(first.reason_code, "R01");
  EXPECT_EQ(first.original_reference, "091400600000001");
  EXPECT_EQ(FormatIsoDate(first.value_date), "2000-01-01");
  EXPECT_NE(first.text.find("Paul Jones"), std::string::npos);
  EXPECT_EQ(b.reversals[1].amount_minor, 4565);
  EXPECT_EQ(b.reversals[1].reason_code, "R03");
  EXPECT_EQ(b.reversals[1].original_reference, "091400600000003");
}

TEST(NachaReturn, AnR01ReturnOfYesterdaysPaymentReopensTheInvoiceAndResumesDunning) {
  TempDir tmp;
  auto ledger = Ledger::Open(tmp.Join("ledger"), Creating());
  ASSERT_TRUE(ledger.ok());
  ASSERT_TRUE(LoadBookFiles(*ledger.value(), tmp.Write("c.csv", "customer_id,name\nC1,Paul Jones LLC\n"),
                            tmp.Write("i.csv",
                                      "invoice_id,number,customer_id,currency,amount_total,due_date\n"
                                      "I1,INV-2026-000001,C1,USD,123.54,2026-11-30\n"))
                  .ok());
  Policy policy;
  auto ex = HintExtractor::Create(policy);
  // Yesterday: the ACH credit whose trace number the return names.
  auto day1 = ApplyPaymentFile(
      *ledger.value(),
      tmp.Write(
          "day1.ndjson",
          R"({"payment_id":"P-ACH-1","amount":"123.54","currency":"USD","value_date":"2026-11-23","source":"ach","bank_reference":"091400600000001","remittance":"INV-2026-000001"})"
          "\n"),
      policy, *ex.value(), MatchOptions());
  ASSERT_TRUE(day1.ok()) << day1.status().message();
  ASSERT_EQ(ledger.value()->GetInvoice("I1").value()->amount_open_minor, 0);
  const uint64_t before = ledger.value()->last_seq();
  auto ret = ApplyPaymentFile(*ledger.value(), kFile, policy, *ex.value(), MatchOptions());
  ASSERT_TRUE(ret.ok()) << ret.status().message();
  EXPECT_EQ(ledger.value()->GetInvoice("I1").value()->amount_open_minor, 12354);
  std::vector<Event> events;
  ASSERT_TRUE(ledger.value()
                  ->ForEachEvent(before,
                                 [&](const Event& e) {
                                   events.push_back(e);
                                   return true;
                                 })
                  .ok());
  // The R01 reverses I1 and resumes its dunning; the R03 names a payment
  // this ledger never saw.
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[1].type, EventType::kReversed);
  EXPECT_EQ(events[1].payment_id, "P-ACH-1");
  EXPECT_EQ(events[1].invoice_id, "I1");
  EXPECT_EQ(events[2].action, SuppressionAction::kResume);
  EXPECT_EQ(events[0].reason, ExceptionReason::kReturnUnmatched);
  VerifyReport report;
  Status s = ledger.value()->Verify(&report);
  EXPECT_TRUE(s.ok()) << s.message();
}

TEST(NachaBadInput, EachStructuralProblemIsNamed) {
  auto data = ReadFile(kFile);
  ASSERT_TRUE(data.ok());
  const std::string& ok = data.value();
  auto parse = [](const std::string& text) {
    return ParseSettlement("r.ach", text, SettlementFormat::kNacha, kFp, ParseOptions());
  };
  auto truncated = parse(ok.substr(0, ok.find("\n9")));
  ASSERT_FALSE(truncated.ok());
  EXPECT_NE(truncated.status().message().find("no file control record"), std::string::npos);
  std::string bad_amount = ok;
  bad_amount.replace(bad_amount.find("0000012354"), 10, "00000123X4");
  auto amount = parse(bad_amount);
  ASSERT_FALSE(amount.ok());
  EXPECT_NE(amount.status().message().find("r.ach:3: field 'amount'"), std::string::npos) << amount.status().message();
  auto outside = parse(ok.substr(ok.find("\n6") + 1));
  ASSERT_FALSE(outside.ok());
  EXPECT_NE(outside.status().message().find("r.ach:1: field 'record type'"), std::string::npos)
      << outside.status().message();
  auto too_long = parse(ok.substr(0, 94) + "X\n");
  ASSERT_FALSE(too_long.ok());
  EXPECT_NE(too_long.status().message().find("NACHA records are 94"), std::string::npos);
  // A wrong control total is a warning, not an error.
  std::string bad_total = ok;
  bad_total.replace(bad_total.find("0018280120"), 10, "0018280121");
  auto warned = parse(bad_total);
  ASSERT_TRUE(warned.ok()) << warned.status().message();
  ASSERT_EQ(warned.value().warnings.size(), 1u);
  EXPECT_NE(warned.value().warnings[0].find("entry hash"), std::string::npos);
  for (size_t n = 0; n < ok.size(); n += 13) (void)parse(ok.substr(0, n));  // never a crash
}

}  // namespace
}  // namespace cashmatch::io
