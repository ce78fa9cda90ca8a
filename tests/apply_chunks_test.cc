// A large settlement file is applied in chunks (ApplyOptions::chunk_payments)
// so that apply's memory does not grow with the file. These tests use tiny
// chunks to check what chunking promises: a chunk decides as a file of its
// payments would, a bad record anywhere still commits nothing, skipped
// records are written once, a return finds its credit whichever chunk
// holds it, and an apply cut off between chunks is finished by applying
// the file again.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <regex>
#include <string>
#include <vector>

#include "cashmatch/io/export.h"
#include "cashmatch/io/ledger.h"
#include "cashmatch/io/pipeline.h"
#include "cashmatch/io/settlement.h"
#include "test_util.h"

namespace cashmatch::io {
namespace {

using testing_util::Creating;
using testing_util::ReadCorpus;
using testing_util::TempDir;

constexpr char kCustomers[] =
    "customer_id,name\n"
    "C1,Acme Corp.\n"
    "C2,Globex Inc.\n";
constexpr char kInvoices[] =
    "invoice_id,number,customer_id,currency,amount_total,due_date\n"
    "I1,INV-1001,C1,USD,100.00,2026-11-30\n"
    "I2,INV-1002,C1,USD,250.00,2026-11-30\n"
    "I3,INV-1003,C1,USD,75.50,2026-12-05\n"
    "I4,INV-2001,C2,USD,1200.00,2026-11-28\n"
    "I5,INV-2002,C2,USD,300.00,2026-12-01\n"
    "I6,INV-2003,C2,USD,45.00,2026-12-02\n";

std::string Line(const std::string& id, const std::string& amount, const std::string& ref) {
  std::string refs = ref.empty() ? "" : R"(,"references":[{"invoice_number":")" + ref + R"("}])";
  return R"({"payment_id":")" + id + R"(","amount":")" + amount +
         R"(","currency":"USD","value_date":"2026-11-23","payer_name":"Acme Corp.")" + refs + "}\n";
}

// Ten payments: exact, partial, over, twice the same invoice, no reference;
// the return comes first, before the credit it undoes (P7, in a later chunk).
std::string DayFile() {
  return R"({"type":"return","payment_id":"RT1","original_payment_id":"P7","amount":"45.00","currency":"USD","value_date":"2026-11-24","kind":"ach_return"})"
         "\n" +
         Line("P1", "100.00", "INV-1001") + Line("P2", "100.00", "INV-1002") + Line("P3", "150.00", "INV-1002") +
         Line("P4", "80.00", "INV-1003") + Line("P5", "1200.00", "INV-2001") + Line("P6", "300.00", "INV-2002") +
         Line("P7", "45.00", "INV-2003") + Line("P8", "12.34", "") + Line("P9", "250.00", "INV-1002") +
         Line("P10", "75.50", "");
}

class ApplyChunksTest : public ::testing::Test {
 protected:
  // A fresh ledger with the book loaded.
  std::unique_ptr<Ledger> NewLedger(const std::string& name) {
    auto l = Ledger::Open(tmp_.Join(name), Creating());
    EXPECT_TRUE(l.ok()) << l.status().message();
    auto loaded = LoadBookFiles(*l.value(), tmp_.Write("c.csv", kCustomers), tmp_.Write("i.csv", kInvoices));
    EXPECT_TRUE(loaded.ok()) << loaded.status().message();
    return std::move(l).value();
  }

  Result<ApplyResult> Apply(Ledger& ledger, const std::string& path, ApplyOptions options) {
    auto ex = HintExtractor::Create(policy_);
    EXPECT_TRUE(ex.ok());
    return ApplyPaymentFile(ledger, path, policy_, *ex.value(), MatchOptions(), options);
  }

  static ApplyOptions Chunks(size_t n) {
    ApplyOptions o;
    o.chunk_payments = n;
    return o;
  }

  // The exported events without their batch ids (chunks are batches of
  // their own; everything else must be the same).
  static std::string Decisions(const Ledger& ledger) {
    std::string out;
    const std::regex batch_id(R"("batch_id":"[^"]*",)");
    Status s = ledger.ForEachEvent(0, [&](const Event& e) {
      out += std::regex_replace(EventToJson(e), batch_id, "") + "\n";
      return true;
    });
    EXPECT_TRUE(s.ok()) << s.message();
    return out;
  }

  static void ExpectVerifies(const Ledger& ledger) {
    VerifyReport report;
    Status s = ledger.Verify(&report);
    EXPECT_TRUE(s.ok()) << s.message();
  }

  TempDir tmp_;
  Policy policy_;
};

// Within a batch the matcher decides in canonical order (value date, then
// payment id), so a chunk decides as a file of those payments would: a
// file applied in chunks of N leaves the ledger that its payments sent as
// consecutive files of N would (its returns in the last), batch names apart.
TEST_F(ApplyChunksTest, AFileAppliedInChunksDecidesAsConsecutiveFilesOfItsChunks) {
  const std::string path = tmp_.Write("day.ndjson", DayFile());
  std::vector<std::string> lines;
  for (size_t at = 0, nl; (nl = DayFile().find('\n', at)) != std::string::npos; at = nl + 1) {
    lines.push_back(DayFile().substr(at, nl - at + 1));
  }
  const std::string return_line = lines.front();
  lines.erase(lines.begin());
  ASSERT_EQ(lines.size(), 10u);
  for (size_t chunk : {1, 3, 4, 10}) {
    SCOPED_TRACE("chunk_payments " + std::to_string(chunk));
    auto files_ledger = NewLedger("files-" + std::to_string(chunk));
    size_t files_applied = 0;
    for (size_t first = 0; first < lines.size(); first += chunk) {
      std::string part;
      for (size_t i = first; i < std::min(first + chunk, lines.size()); ++i) part += lines[i];
      if (first + chunk >= lines.size()) part += return_line;
      auto r = Apply(*files_ledger, tmp_.Write("part" + std::to_string(first) + ".ndjson", part), Chunks(0));
      ASSERT_TRUE(r.ok()) << r.status().message();
      ++files_applied;
    }
    auto ledger = NewLedger("chunks-" + std::to_string(chunk));
    std::vector<ChunkCommitted> told;
    ApplyOptions options = Chunks(chunk);
    options.on_chunk_committed = [&](const ChunkCommitted& c) {
      told.push_back(c);
      return Status::Ok();
    };
    auto r = Apply(*ledger, path, options);
    ASSERT_TRUE(r.ok()) << r.status().message();
    // A file that fills its one chunk exactly is applied whole.
    const size_t expected_chunks = (10 + chunk - 1) / chunk;
    EXPECT_EQ(r.value().chunks_count, expected_chunks);
    EXPECT_EQ(told.size(), expected_chunks == 1 ? 0u : expected_chunks);
    EXPECT_EQ(r.value().payments_count, 10u);
    EXPECT_EQ(r.value().returns_count, 1u);
    EXPECT_EQ(r.value().reversed_count, 1u);  // the return, read first, found P7 in an earlier chunk
    EXPECT_EQ(r.value().batch.first_seq, 1u);
    EXPECT_EQ(r.value().batch.last_seq, files_ledger->last_seq());
    EXPECT_EQ(Decisions(*ledger), Decisions(*files_ledger));
    ExpectVerifies(*ledger);
    for (size_t i = 0; i < told.size(); ++i) {
      EXPECT_EQ(told[i].index, i + 1);
      EXPECT_EQ(told[i].count, expected_chunks);
      EXPECT_FALSE(told[i].already_applied);
      EXPECT_EQ(told[i].payments_total, 10u);
      EXPECT_EQ(told[i].payments_done, std::min((i + 1) * chunk, size_t{10}));
    }
    // The same file again changes nothing.
    auto again = Apply(*ledger, path, options);
    ASSERT_TRUE(again.ok());
    EXPECT_TRUE(again.value().already_applied);
  }
}

TEST_F(ApplyChunksTest, ABadRecordAfterTheFirstChunksCommitsNothing) {
  auto ledger = NewLedger("l");
  const uint64_t before = ledger->last_seq();
  const std::string path = tmp_.Write("bad.ndjson", DayFile() + R"({"payment_id":"P11","amount":"ten"})"
                                                                "\n");
  auto r = Apply(*ledger, path, Chunks(2));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("bad.ndjson:12"), std::string::npos) << r.status().message();
  EXPECT_EQ(ledger->last_seq(), before);
}

TEST_F(ApplyChunksTest, SkippedRecordsOfAChunkedFileAreWrittenOnce) {
  auto ledger = NewLedger("l");
  std::string content = DayFile();
  content.insert(content.find("{\"payment_id\":\"P4\""), "{\"payment_id\":\"BAD1\",\"amount\":\"x\"}\n");
  content += "{\"payment_id\":\"BAD2\"}\n";
  const std::string path = tmp_.Write("skip.ndjson", content);
  ApplyOptions options = Chunks(3);
  options.skip_bad_records = true;
  options.rejects_path = tmp_.Join("rejects.ndjson");
  auto r = Apply(*ledger, path, options);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r.value().rejected_count, 2u);
  EXPECT_EQ(r.value().payments_count, 10u);
  EXPECT_EQ(r.value().chunks_count, 4u);
  std::ifstream in(options.rejects_path);
  const std::string rejects((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(std::count(rejects.begin(), rejects.end(), '\n'), 2) << rejects;
  ExpectVerifies(*ledger);
}

TEST_F(ApplyChunksTest, AnApplyCutOffBetweenChunksIsFinishedByApplyingTheFileAgain) {
  const std::string path = tmp_.Write("day.ndjson", DayFile());
  auto whole_ledger = NewLedger("whole");
  ASSERT_TRUE(Apply(*whole_ledger, path, Chunks(3)).ok());

  auto ledger = NewLedger("cut");
  ApplyOptions options = Chunks(3);
  options.on_chunk_committed = [](const ChunkCommitted& c) {
    return c.index == 2 ? Status::IOError("cut off") : Status::Ok();
  };
  auto cut = Apply(*ledger, path, options);
  ASSERT_FALSE(cut.ok());
  EXPECT_EQ(cut.status().message(), "cut off");
  ExpectVerifies(*ledger);  // two whole chunks: a consistent ledger

  options.on_chunk_committed = nullptr;
  auto resumed = Apply(*ledger, path, options);
  ASSERT_TRUE(resumed.ok()) << resumed.status().message();
  EXPECT_FALSE(resumed.value().already_applied);
  EXPECT_EQ(resumed.value().chunks_count, 4u);
  EXPECT_EQ(resumed.value().chunks_resumed, 2u);
  EXPECT_EQ(resumed.value().duplicate_count, 0u);  // the committed chunks were skipped, not re-matched
  EXPECT_EQ(Decisions(*ledger), Decisions(*whole_ledger));
  ExpectVerifies(*ledger);
}

// Every reader that streams gives, chunk after chunk, the payments it gives
// for the whole file, in the same order, with the same warnings.
TEST(ParseInChunks, ChunksOfEveryStreamingFormatConcatenateToTheWholeFile) {
  Fingerprinter fp("key");
  size_t files_streamed = 0;
  for (const char* folder : {"bai2", "camt053", "camt054", "mt940"}) {
    for (const auto& entry : std::filesystem::directory_iterator(std::string(CASHMATCH_CORPUS_DIR) + "/" + folder)) {
      const std::string rel = std::string(folder) + "/" + entry.path().filename().string();
      SCOPED_TRACE(rel);
      const std::string data = ReadCorpus(rel);
      auto whole = ParseSettlement(rel, data, SettlementFormat::kAuto, fp, ParseOptions());
      if (!whole.ok() || whole.value().batch.payments.size() < 2) continue;
      ++files_streamed;
      ParseOptions options;
      options.chunk_payments = 1;
      std::vector<std::string> ids;
      size_t chunks = 0;
      options.on_chunk = [&](SettlementBatch& chunk) {
        ++chunks;
        EXPECT_EQ(chunk.payments.size(), 1u);
        for (const Payment& p : chunk.payments) ids.push_back(p.payment_id);
        return Status::Ok();
      };
      auto streamed = ParseSettlement(rel, data, SettlementFormat::kAuto, fp, options);
      ASSERT_TRUE(streamed.ok()) << streamed.status().message();
      // A chunk is handed over when the next payment comes: the last one
      // stays in the final batch.
      ASSERT_EQ(streamed.value().batch.payments.size(), 1u);
      ids.push_back(streamed.value().batch.payments.front().payment_id);
      EXPECT_EQ(chunks, whole.value().batch.payments.size() - 1);
      std::vector<std::string> whole_ids;
      for (const Payment& p : whole.value().batch.payments) whole_ids.push_back(p.payment_id);
      EXPECT_EQ(ids, whole_ids);
      EXPECT_EQ(streamed.value().batch.reversals.size(), whole.value().batch.reversals.size());
      EXPECT_EQ(streamed.value().warnings, whole.value().warnings);
    }
  }
  EXPECT_GE(files_streamed, 6u);
}

TEST(ParseInChunks, AnErrorFromTheChunkConsumerEndsTheParse) {
  Fingerprinter fp("key");
  const std::string data = DayFile();
  ParseOptions options;
  options.chunk_payments = 2;
  size_t chunks = 0;
  options.on_chunk = [&](SettlementBatch&) { return ++chunks == 2 ? Status::IOError("disk full") : Status::Ok(); };
  auto r = ParseSettlement("day.ndjson", data, SettlementFormat::kNdjson, fp, options);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "disk full");
  EXPECT_EQ(chunks, 2u);
}

}  // namespace
}  // namespace cashmatch::io
