// The progress hooks of the long jobs (io/progress.h): what load, verify and
// gen tell a display. The drawing itself needs a terminal (tools/cli_util.h)
// and is not tested here; what it is told is. Each job that succeeds must
// end with the units it reported done equal to the last total it told, and
// that total must be what the job really did.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "cashmatch/datasets/gen.h"
#include "cashmatch/io/csv.h"
#include "cashmatch/io/ledger.h"
#include "cashmatch/io/pipeline.h"
#include "cashmatch/io/progress.h"
#include "test_util.h"

namespace cashmatch::io {
namespace {

using testing_util::Creating;
using testing_util::TempDir;

// Everything a job told its hook.
struct Told {
  std::vector<uint64_t> totals;
  std::vector<uint64_t> steps;  // each on_done call
  uint64_t done = 0;
  bool total_before_done = true;  // no row was reported before a total

  ProgressHook Hook() {
    ProgressHook hook;
    hook.on_total = [this](uint64_t total) { totals.push_back(total); };
    hook.on_done = [this](uint64_t n) {
      if (totals.empty()) total_before_done = false;
      steps.push_back(n);
      done += n;
    };
    return hook;
  }
  uint64_t last_total() const { return totals.empty() ? 0 : totals.back(); }
};

// The counter tells its owner in steps of kStep, then the rest when
// flushed, and nothing when nothing is pending; an empty hook costs no call.
TEST(ProgressCounterTest, TellsInStepsAndFlushesTheRest) {
  Told told;
  const ProgressHook hook = told.Hook();
  {
    ProgressCounter counter(hook.on_done);
    for (uint64_t i = 0; i < 2 * ProgressCounter::kStep + 5; ++i) counter.Add();
    EXPECT_EQ(told.steps, (std::vector<uint64_t>{ProgressCounter::kStep, ProgressCounter::kStep}));
    counter.Flush();
    counter.Flush();
    EXPECT_EQ(counter.count(), 2 * ProgressCounter::kStep + 5);
    counter.Add(3);
  }  // the destructor flushes the last 3
  EXPECT_EQ(told.steps, (std::vector<uint64_t>{ProgressCounter::kStep, ProgressCounter::kStep, 5, 3}));
  const std::function<void(uint64_t)> nobody;
  ProgressCounter silent(nobody);
  silent.Add(ProgressCounter::kStep * 3);
  EXPECT_EQ(silent.count(), ProgressCounter::kStep * 3);
}

// The load's first estimate: lines, a last one without a line end
// included; nothing for an empty or missing file.
TEST(CountFileLinesTest, CountsLastLineWithoutLineEnd) {
  TempDir tmp;
  EXPECT_EQ(CountFileLines(tmp.Write("empty", "")), 0u);
  EXPECT_EQ(CountFileLines(tmp.Write("one", "a")), 1u);
  EXPECT_EQ(CountFileLines(tmp.Write("one_ended", "a\n")), 1u);
  EXPECT_EQ(CountFileLines(tmp.Write("crlf", "a\r\nb\r\nc")), 3u);
  EXPECT_EQ(CountFileLines(tmp.Write("blank", "\n\n")), 2u);
  EXPECT_EQ(CountFileLines(tmp.Join("missing")), 0u);
  std::string big;
  for (int i = 0; i < 3 << 20; ++i) big += "x\n";  // 6 MB: more than one block of the count
  EXPECT_EQ(CountFileLines(tmp.Write("big", big + "y")), (3u << 20) + 1);
}

class LoadProgressTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto l = Ledger::Open(tmp_.Join("ledger"), Creating());
    ASSERT_TRUE(l.ok()) << l.status().message();
    ledger_ = std::move(l).value();
  }

  TempDir tmp_;
  std::unique_ptr<Ledger> ledger_;
};

// A load reads each file twice (check, write): its total starts as twice
// the files' lines less their headers, and the count ends there.
TEST_F(LoadProgressTest, CountsBothPassesOfBothFiles) {
  const std::string customers = tmp_.Write("c.csv", "customer_id,name\nC1,Acme\nC2,Globex\nC3,Initech\n");
  const std::string invoices = tmp_.Write("i.csv",
                                          "invoice_id,number,customer_id,currency,amount_total,due_date\n"
                                          "I1,N-1,C1,USD,10.00,2026-12-01\n"
                                          "I2,N-2,C2,USD,20.00,2026-12-01\n"
                                          "I3,N-3,C3,USD,30.00,2026-12-01\n"
                                          "I4,N-4,C3,USD,40.00,2026-12-01");  // no line end after the last row
  Told told;
  auto r = LoadBookFiles(*ledger_, customers, invoices, told.Hook());
  ASSERT_TRUE(r.ok()) << r.status().message();
  const uint64_t rows = r.value().customers_count + r.value().invoices_count;
  ASSERT_EQ(rows, 7u);
  ASSERT_FALSE(told.totals.empty());
  EXPECT_EQ(told.totals.front(), BookRows::kPassesCount * rows);  // the lines were exact here
  EXPECT_EQ(told.last_total(), BookRows::kPassesCount * rows);
  EXPECT_EQ(told.done, told.last_total());
  EXPECT_TRUE(told.total_before_done);
}

// Lines are only an estimate (a quoted field may hold a line end): once a
// file's first pass has counted its rows the total is corrected, and the
// count still ends at it.
TEST_F(LoadProgressTest, CorrectsTheEstimateAfterTheFirstPass) {
  const std::string customers =
      tmp_.Write("c.csv", "customer_id,name,aliases\nC1,\"Acme\nCorp\",Acme\n\nC2,Globex,\n");  // and a blank line
  Told told;
  auto r = LoadBookFiles(*ledger_, customers, "", told.Hook());
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_EQ(r.value().customers_count, 2u);
  ASSERT_GE(told.totals.size(), 2u);
  EXPECT_GT(told.totals.front(), told.last_total());
  EXPECT_EQ(told.last_total(), BookRows::kPassesCount * 2);
  EXPECT_EQ(told.done, told.last_total());
}

// Two invoices of the ledger trading numbers make the load look at the
// invoices a third time (ledger/load.cc, CheckKeyClaims): the total grows
// by their rows, and the count still ends at it.
TEST_F(LoadProgressTest, AnotherPassRaisesTheTotal) {
  const std::string head = "invoice_id,number,customer_id,currency,amount_total,due_date\n";
  ASSERT_TRUE(
      LoadBookFiles(*ledger_, tmp_.Write("c.csv", "customer_id,name\nC1,Acme\n"),
                    tmp_.Write("i.csv", head + "I1,N-1,C1,USD,10.00,2026-12-01\nI2,N-2,C1,USD,20.00,2026-12-01\n"))
          .ok());
  Told told;
  auto r = LoadBookFiles(
      *ledger_, "", tmp_.Write("swap.csv", head + "I1,N-2,C1,USD,10.00,2026-12-01\nI2,N-1,C1,USD,20.00,2026-12-01\n"),
      told.Hook());
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_EQ(r.value().invoices_count, 2u);
  EXPECT_EQ(told.totals.front(), BookRows::kPassesCount * 2);
  EXPECT_EQ(told.last_total(), (BookRows::kPassesCount + 1) * 2);
  EXPECT_EQ(told.done, told.last_total());
}

// Verify reports every event, payment and invoice it checked, and its
// last total is that count; its first came before any record.
TEST(VerifyProgressTest, ReportsWhatItChecked) {
  TempDir tmp;
  auto l = Ledger::Open(tmp.Join("ledger"), Creating());
  ASSERT_TRUE(l.ok()) << l.status().message();
  Ledger& ledger = *l.value();
  ASSERT_TRUE(LoadBookFiles(ledger, tmp.Write("c.csv", "customer_id,name\nC1,Acme\nC2,Globex\n"),
                            tmp.Write("i.csv",
                                      "invoice_id,number,customer_id,currency,amount_total,due_date\n"
                                      "I1,INV-1001,C1,USD,100.00,2026-12-01\n"
                                      "I2,INV-1002,C2,USD,50.00,2026-12-01\n"
                                      "I3,INV-1003,C2,USD,70.00,2026-12-01\n"))
                  .ok());
  const Policy policy;
  auto extractor = HintExtractor::Create(policy);
  ASSERT_TRUE(extractor.ok());
  const std::string payments = tmp.Write(
      "p.ndjson",
      R"({"payment_id":"P1","amount":"100.00","currency":"USD","value_date":"2026-11-24","remittance":"INV-1001"})"
      "\n"
      R"({"payment_id":"P2","amount":"20.00","currency":"USD","value_date":"2026-11-24","remittance":"INV-1003"})"
      "\n");
  auto applied = ApplyPaymentFile(ledger, payments, policy, *extractor.value(), MatchOptions());
  ASSERT_TRUE(applied.ok()) << applied.status().message();

  Told told;
  VerifyReport report;
  Status s = ledger.Verify(&report, told.Hook());
  ASSERT_TRUE(s.ok()) << s.message();
  const uint64_t checked = report.events_checked + report.payments_checked + report.invoices_checked;
  EXPECT_EQ(report.payments_checked, 2u);
  EXPECT_EQ(report.invoices_checked, 3u);
  EXPECT_EQ(report.events_checked, ledger.last_seq());
  EXPECT_EQ(told.done, checked);
  EXPECT_EQ(told.last_total(), checked);
  EXPECT_TRUE(told.total_before_done);
}

// gen tells the rows it plans (customers + invoices + payments) before it
// starts, in steps, and reaches them; an empty hook changes no byte.
TEST(GenProgressTest, ReachesThePlannedRows) {
  TempDir dir;
  datasets::GenOptions o;
  o.out_dir = dir.path();
  o.customers_count = 40;
  o.invoices_count = 5000;  // more than one ProgressCounter::kStep
  o.payments_count = 300;
  Told told;
  o.progress = told.Hook();
  datasets::GenSummary summary;
  Status s = datasets::Generate(o, &summary);
  ASSERT_TRUE(s.ok()) << s.message();
  const uint64_t planned = o.customers_count + o.invoices_count + o.payments_count;
  EXPECT_EQ(told.totals, std::vector<uint64_t>{planned});
  EXPECT_EQ(told.done, planned);
  EXPECT_EQ(summary.customers_count + summary.invoices_count + summary.payments_count, planned);
  EXPECT_GE(told.steps.size(), 2u);
  EXPECT_LE(told.steps.size(), planned / ProgressCounter::kStep + 1);

  TempDir unwatched;
  o.out_dir = unwatched.path();
  o.progress = {};
  ASSERT_TRUE(datasets::Generate(o, &summary).ok());
  for (const char* file : {"invoices.csv", "truth.ndjson"}) {
    auto watched_bytes = ReadFile(dir.Join(file));
    auto unwatched_bytes = ReadFile(unwatched.Join(file));
    ASSERT_TRUE(watched_bytes.ok() && unwatched_bytes.ok()) << file;
    EXPECT_EQ(watched_bytes.value(), unwatched_bytes.value()) << file;
  }
}

}  // namespace
}  // namespace cashmatch::io
