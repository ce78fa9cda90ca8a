// gen: the generator is deterministic for a seed, and every file it writes
// is read by the parsers as-is (no warning, no reject), with one payment per
// answer-key line. `tests/gen_eval_test.sh` takes the same files through
// load, apply, verify and eval.
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <set>
#include <sstream>

#include "cashmatch/datasets/eval.h"
#include "cashmatch/datasets/gen.h"
#include "cashmatch/io/settlement.h"
#include "test_util.h"

namespace cashmatch::datasets {
namespace {

using testing_util::TempDir;

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << path;
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

GenOptions Small(const std::string& out, uint64_t seed, Profile profile) {
  GenOptions o;
  o.out_dir = out;
  o.customers_count = 30;
  o.invoices_count = 400;
  o.payments_count = 250;
  o.seed = seed;
  o.profile = profile;
  o.days_count = 2;
  o.stripe_payout_charges_max = 7;  // several payouts a day, refunds across them
  return o;
}

std::vector<std::string> AllFiles(const GenSummary& s) {
  std::vector<std::string> files = {"customers.csv", "invoices.csv", "truth.ndjson", "files.txt"};
  files.insert(files.end(), s.settlement_files.begin(), s.settlement_files.end());
  return files;
}

// The same options give the same bytes in every file; another seed does not.
TEST(GenTest, DeterministicForASeed) {
  TempDir a, b, c;
  GenSummary sa, sb, sc;
  ASSERT_TRUE(Generate(Small(a.path(), 11, Profile::kMessy), &sa).ok());
  ASSERT_TRUE(Generate(Small(b.path(), 11, Profile::kMessy), &sb).ok());
  ASSERT_TRUE(Generate(Small(c.path(), 12, Profile::kMessy), &sc).ok());
  ASSERT_EQ(sa.settlement_files, sb.settlement_files);
  for (const std::string& f : AllFiles(sa)) EXPECT_EQ(Slurp(a.Join(f)), Slurp(b.Join(f))) << f;
  EXPECT_NE(Slurp(a.Join("truth.ndjson")), Slurp(c.Join("truth.ndjson")));
}

// Every settlement file parses cleanly; the key has one valid line per
// payment, and each names a payment the files hold; returns are there.
TEST(GenTest, FilesParseAndMatchTheKey) {
  for (Profile profile : {Profile::kClean, Profile::kTypical, Profile::kMessy}) {
    TempDir dir;
    GenSummary s;
    ASSERT_TRUE(Generate(Small(dir.path(), 5, profile), &s).ok());
    io::Fingerprinter fp(std::string(32, 'k'));
    std::set<std::string> payment_ids;
    size_t reversals = 0;
    for (const std::string& f : s.settlement_files) {
      auto parsed = io::ParseSettlement(f, Slurp(dir.Join(f)), io::SettlementFormat::kAuto, fp, io::ParseOptions());
      ASSERT_TRUE(parsed.ok()) << f << ": " << parsed.status().message();
      EXPECT_TRUE(parsed.value().warnings.empty()) << f << ": " << parsed.value().warnings.front();
      for (const Payment& p : parsed.value().batch.payments) EXPECT_TRUE(payment_ids.insert(p.payment_id).second);
      reversals += parsed.value().batch.reversals.size();
    }
    // Messy also writes the bank line of every Stripe payout, with a key line.
    EXPECT_EQ(payment_ids.size(), s.payments_count + s.payout_lines_count);
    EXPECT_EQ(profile == Profile::kMessy, s.payout_lines_count > 0);
    EXPECT_EQ(reversals, s.returns_count);
    std::istringstream truth(Slurp(dir.Join("truth.ndjson")));
    std::string line;
    size_t lines = 0;
    for (; std::getline(truth, line); ++lines) {
      auto t = ParseTruthLine(line);
      ASSERT_TRUE(t.ok()) << line;
      EXPECT_EQ(payment_ids.count(t.value().payment_id), 1u) << line;
    }
    EXPECT_EQ(lines, s.payments_count + s.payout_lines_count);
    uint64_t scenarios = 0;
    for (uint64_t n : s.scenario_counts) scenarios += n;
    EXPECT_EQ(scenarios, s.payments_count + s.payout_lines_count);
  }
}

// Options out of range are refused before anything is written.
TEST(GenTest, RefusesBadOptions) {
  TempDir dir;
  GenSummary s;
  GenOptions o = Small(dir.path(), 1, Profile::kTypical);
  o.invoices_count = 10;  // fewer than customers
  EXPECT_EQ(Generate(o, &s).code(), StatusCode::kInvalidInput);
  o = Small(dir.path(), 1, Profile::kTypical);
  o.days_count = 0;
  EXPECT_EQ(Generate(o, &s).code(), StatusCode::kInvalidInput);
  o.out_dir.clear();
  EXPECT_EQ(Generate(o, &s).code(), StatusCode::kInvalidInput);
}

}  // namespace
}  // namespace cashmatch::datasets
