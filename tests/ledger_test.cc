// The RocksDB ledger through the load/apply pipeline: atomic, idempotent
// batches; clear refusals for busy, foreign and newer ledgers; account
// numbers never stored in clear.
#include <gtest/gtest.h>
#include <rocksdb/db.h>

#include <algorithm>
#include <filesystem>
#include <functional>
#include <map>
#include <fstream>
#include <sstream>

#include "cashmatch/engine/payer_name.h"
#include "cashmatch/engine/invoice_keys.h"
#include "cashmatch/io/export.h"
#include "cashmatch/io/ledger.h"
#include "cashmatch/io/pipeline.h"
#include "test_util.h"

namespace cashmatch::io {
namespace {

using testing_util::Creating;

using testing_util::ColumnFamilyOf;
using testing_util::TempDir;
using testing_util::WithRawLedger;

constexpr char kCustomers[] =
    "customer_id,name,bank_accounts\n"
    "C1,Acme Corp.,021000021-4455667788\n"
    "C2,Globex,\n";
constexpr char kInvoices[] =
    "invoice_id,number,customer_id,currency,amount_total,due_date\n"
    "I1,INV-2026-000001,C1,USD,100.00,2026-11-30\n"
    "I2,INV-2026-000002,C1,USD,250.00,2026-11-30\n"
    "I3,INV-2026-000003,C2,USD,75.50,2026-12-15\n";
constexpr char kPayments[] =
    R"({"payment_id":"P1","amount":"100.00","currency":"USD","value_date":"2026-11-24","remittance":"INV-2026-000001","payer_account":"021000021-4455667788"})"
    "\n"
    R"({"payment_id":"P2","amount":"75.00","currency":"USD","value_date":"2026-11-24","references":[{"invoice_number":"INV-2026-000003","amount":"80.00"}]})"
    "\n";

// A stored schema version (big-endian 64 bits).
std::string SchemaValue(uint8_t version) {
  std::string v(8, '\0');
  v[7] = static_cast<char>(version);
  return v;
}

class LedgerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_dir_ = tmp_.Join("ledger");
    auto l = Ledger::Open(db_dir_, Creating());
    ASSERT_TRUE(l.ok()) << l.status().message();
    ledger_ = std::move(l).value();
    auto r = LoadBookFiles(*ledger_, tmp_.Write("customers.csv", kCustomers), tmp_.Write("invoices.csv", kInvoices));
    ASSERT_TRUE(r.ok()) << r.status().message();
    auto ex = HintExtractor::Create(policy_);
    ASSERT_TRUE(ex.ok());
    extractor_ = std::move(ex).value();
  }

  Result<ApplyResult> Apply(const std::string& path) {
    return ApplyPaymentFile(*ledger_, path, policy_, *extractor_, MatchOptions());
  }

  std::vector<std::string> ExportLines(uint64_t since = 0) {
    std::vector<std::string> lines;
    Status s = ledger_->ForEachEvent(since, [&](const Event& e) {
      lines.push_back(EventToJson(e));
      return true;
    });
    EXPECT_TRUE(s.ok()) << s.message();
    return lines;
  }

  TempDir tmp_;
  std::string db_dir_;
  std::unique_ptr<Ledger> ledger_;
  Policy policy_;
  std::unique_ptr<HintExtractor> extractor_;
};

TEST_F(LedgerTest, ApplyCommitsEventsAndStateAndReplayIsANoOp) {
  std::string file = tmp_.Write("day1.ndjson", kPayments);
  auto first = Apply(file);
  ASSERT_TRUE(first.ok()) << first.status().message();
  EXPECT_FALSE(first.value().already_applied);
  EXPECT_EQ(first.value().applied_count, 1u);
  EXPECT_EQ(first.value().exception_count, 1u);
  const uint64_t last = ledger_->last_seq();
  EXPECT_EQ(last, 5u);  // received+applied+cancel, received+exception
  std::vector<std::string> before = ExportLines();

  auto again = Apply(file);
  ASSERT_TRUE(again.ok()) << again.status().message();
  EXPECT_TRUE(again.value().already_applied);
  EXPECT_EQ(again.value().batch.batch_id, first.value().batch.batch_id);
  EXPECT_EQ(ledger_->last_seq(), last);
  EXPECT_EQ(ExportLines(), before);

  auto sum = ledger_->Summarize();
  ASSERT_TRUE(sum.ok());
  const CurrencySummary& usd = sum.value().by_currency.at("USD");
  EXPECT_EQ(usd.payments_count, 2u);
  EXPECT_EQ(usd.received_minor, 17500);
  EXPECT_EQ(usd.applied_minor, 10000);
  EXPECT_EQ(usd.exceptions_minor, 7500);
  EXPECT_EQ(usd.open_invoices_count, 2u);
  EXPECT_EQ(usd.open_minor, 25000 + 7550);
  EXPECT_EQ(sum.value().batches_count, 1u);
}

TEST_F(LedgerTest, ExportSinceResumesAfterTheGivenSequence) {
  ASSERT_TRUE(Apply(tmp_.Write("day1.ndjson", kPayments)).ok());
  std::vector<std::string> all = ExportLines();
  std::vector<std::string> tail = ExportLines(3);
  ASSERT_EQ(tail.size(), all.size() - 3);
  EXPECT_EQ(tail.front(), all[3]);
  EXPECT_EQ(tail.front().rfind("{\"seq\":4,", 0), 0u);
}

TEST_F(LedgerTest, BadFileCommitsNothingOfItsBatch) {
  std::string bad = std::string(kPayments) +
                    R"({"payment_id":"P3","amount":"abc","currency":"USD","value_date":"2026-11-24"})"
                    "\n";
  auto r = Apply(tmp_.Write("bad.ndjson", bad));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("bad.ndjson:3: field 'amount'"), std::string::npos) << r.status().message();
  EXPECT_EQ(ledger_->last_seq(), 0u);
  EXPECT_TRUE(ExportLines().empty());
  auto sum = ledger_->Summarize();
  ASSERT_TRUE(sum.ok());
  EXPECT_EQ(sum.value().batches_count, 0u);
  EXPECT_EQ(sum.value().by_currency.at("USD").payments_count, 0u);
}

TEST_F(LedgerTest, DuplicatePaymentAcrossBatchesIsAnExceptionNotNewMoney) {
  ASSERT_TRUE(Apply(tmp_.Write("day1.ndjson", kPayments)).ok());
  // Different file content (another payment added), same P1 again.
  std::string day2 =
      std::string(kPayments).substr(0, std::string(kPayments).find('\n') + 1) +
      R"({"payment_id":"P9","amount":"250.00","currency":"USD","value_date":"2026-11-25","remittance":"INV-2026-000002"})"
      "\n";
  auto r = Apply(tmp_.Write("day2.ndjson", day2));
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r.value().duplicate_count, 1u);
  EXPECT_EQ(r.value().applied_count, 1u);
  auto sum = ledger_->Summarize();
  ASSERT_TRUE(sum.ok());
  EXPECT_EQ(sum.value().by_currency.at("USD").received_minor, 17500 + 25000);  // P1 counted once
}

TEST_F(LedgerTest, LoadUpsertsByIdAndChecksReferences) {
  auto r = LoadBookFiles(*ledger_, "",
                         tmp_.Write("inv2.csv",
                                    "invoice_id,number,customer_id,currency,amount_total,amount_open,due_date\n"
                                    "I1,INV-2026-000001,C1,USD,100.00,40.00,2026-11-30\n"));
  ASSERT_TRUE(r.ok()) << r.status().message();
  auto sum = ledger_->Summarize();
  ASSERT_TRUE(sum.ok());
  EXPECT_EQ(sum.value().invoices_count, 3u);
  EXPECT_EQ(sum.value().by_currency.at("USD").open_minor, 4000 + 25000 + 7550);

  auto bad = LoadBookFiles(*ledger_, "",
                           tmp_.Write("inv3.csv",
                                      "invoice_id,number,customer_id,currency,amount_total,due_date\n"
                                      "I7,INV-2026-000007,C1,USD,1.00,2026-11-30\n"
                                      "I8,INV-2026-000008,C404,USD,1.00,2026-11-30\n"));
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("inv3.csv:3: field 'customer_id': no customer 'C404'"), std::string::npos)
      << bad.status().message();
  auto clash = LoadBookFiles(*ledger_, "",
                             tmp_.Write("inv4.csv",
                                        "invoice_id,number,customer_id,currency,amount_total,due_date\n"
                                        "I9,inv 2026 000002,C1,USD,1.00,2026-11-30\n"));
  ASSERT_FALSE(clash.ok());
  EXPECT_NE(clash.status().message().find("already belongs to invoice 'I2'"), std::string::npos)
      << clash.status().message();
  auto after = ledger_->Summarize();
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after.value().invoices_count, 3u);  // nothing of the bad loads landed
}

// `cashmatch load` indexes every customer's name tokens; LoadBook finds a
// customer from a variant of its name through that index, loads its open
// invoices, and the payment is applied. Loading the customer again under a
// new name leaves no stale token behind.
TEST_F(LedgerTest, PayerNameVariantFindsTheCustomerThroughTheNameIndex) {
  BookRequest req;
  req.payer_names.insert(PayerNameRequest{NormalizePayerName("ACME CORPORATION INC").tokens, "", "", "", false});
  auto book = ledger_->LoadBook(req);
  ASSERT_TRUE(book.ok()) << book.status().message();
  ASSERT_NE(book.value()->FindCustomer("C1"), nullptr);
  EXPECT_EQ(book.value()->FindCustomer("C2"), nullptr);  // Globex shares no word
  EXPECT_EQ(book.value()->OpenInvoicesOf("C1").size(), 2u);
  EXPECT_EQ(book.value()->MatchPayerName(req.payer_names.begin()->tokens, 800).customer->customer_id, "C1");

  auto r = Apply(tmp_.Write(
      "byname.ndjson",
      R"({"payment_id":"N1","amount":"250.00","currency":"USD","value_date":"2026-11-24","payer_name":"ACME CORPORATION INC"})"
      "\n"));
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r.value().applied_count, 1u);
  auto i2 = ledger_->GetInvoice("I2");
  ASSERT_TRUE(i2.ok() && i2.value().has_value());
  EXPECT_EQ(i2.value()->amount_open_minor, 0);

  ASSERT_TRUE(
      LoadBookFiles(*ledger_, tmp_.Write("renamed.csv", "customer_id,name,aliases\nC1,Wayne Enterprises,Wayne\n"), "")
          .ok());
  auto stale = ledger_->LoadBook(req);
  ASSERT_TRUE(stale.ok());
  EXPECT_EQ(stale.value()->FindCustomer("C1"), nullptr);
  BookRequest renamed;
  renamed.payer_names.insert(PayerNameRequest{NormalizePayerName("WAYNE ENTERPRISES INC").tokens, "", "", "", false});
  auto fresh = ledger_->LoadBook(renamed);
  ASSERT_TRUE(fresh.ok());
  EXPECT_NE(fresh.value()->FindCustomer("C1"), nullptr);
}

// Two customers whose names normalize alike: both are loaded, so the
// matcher sees the tie and identifies neither; the exception says why.
TEST_F(LedgerTest, TwoEquallySimilarCustomersAreNotGuessed) {
  ASSERT_TRUE(LoadBookFiles(*ledger_, tmp_.Write("twins.csv", "customer_id,name\nC3,Initech Inc.\nC4,Initech GmbH\n"),
                            tmp_.Write("twins-inv.csv",
                                       "invoice_id,number,customer_id,currency,amount_total,due_date\n"
                                       "I30,INV-2026-000030,C3,USD,410.00,2026-11-30\n"))
                  .ok());
  auto r = Apply(tmp_.Write(
      "twins.ndjson",
      R"({"payment_id":"T1","amount":"410.00","currency":"USD","value_date":"2026-11-24","payer_name":"INITECH"})"
      "\n"));
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r.value().applied_count, 0u);
  std::vector<std::string> lines = ExportLines();
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_NE(lines[1].find("\"reason\":\"no_customer\""), std::string::npos) << lines[1];
  EXPECT_NE(lines[1].find("ambiguous payer name"), std::string::npos) << lines[1];
  EXPECT_NE(lines[1].find("name_ambiguous=C3|C4"), std::string::npos) << lines[1];
}

// A parent known by its account: LoadBook loads its children with their
// open invoices ('h' index), and the payment settles the child's invoice.
TEST_F(LedgerTest, ParentsPaymentLoadsItsChildrenAndSettlesTheChildsInvoice) {
  ASSERT_TRUE(LoadBookFiles(*ledger_,
                            tmp_.Write("family.csv",
                                       "customer_id,name,bank_accounts,parent_id\n"
                                       "G0,Globex Holdings,026009593-1111222233,\n"
                                       "G1,Globex Retail,,G0\n"),
                            tmp_.Write("family-inv.csv",
                                       "invoice_id,number,customer_id,currency,amount_total,due_date\n"
                                       "K1,INV-2026-000041,G1,USD,730.00,2026-11-30\n"))
                  .ok());
  auto r = Apply(tmp_.Write(
      "parent.ndjson",
      R"({"payment_id":"F1","amount":"730.00","currency":"USD","value_date":"2026-11-24","payer_account":"026009593-1111222233"})"
      "\n"));
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r.value().applied_count, 1u);
  auto k1 = ledger_->GetInvoice("K1");
  ASSERT_TRUE(k1.ok() && k1.value().has_value());
  EXPECT_EQ(k1.value()->amount_open_minor, 0);
  std::vector<std::string> lines = ExportLines();
  ASSERT_GE(lines.size(), 2u);
  EXPECT_NE(lines[1].find("hierarchy=children:1"), std::string::npos) << lines[1];
}

// A word more customers share than name_postings_count_max is not
// searched. A customer found through a rarer word is still identified;
// a name made only of common words identifies nobody, because customers
// the search did not read could be just as similar.
TEST(LedgerNames, CommonWordsAreNotSearchedAndCannotIdentifyAlone) {
  testing_util::TempDir tmp;
  LedgerOptions options;
  options.name_postings_count_max = 2;
  options.create_if_missing = true;
  auto l = Ledger::Open(tmp.Join("ledger"), options);
  ASSERT_TRUE(l.ok()) << l.status().message();
  Ledger& ledger = *l.value();
  ASSERT_TRUE(LoadBookFiles(ledger,
                            tmp.Write("c.csv",
                                      "customer_id,name\n"
                                      "L1,Alpha Logistics\nL2,Beta Logistics\nL3,Gamma Logistics\nL4,Logistics Inc\n"),
                            "")
                  .ok());
  BookRequest req;
  const std::vector<std::string> alpha = NormalizePayerName("ALPHA LOGISTICS LLC").tokens;
  const std::vector<std::string> common = NormalizePayerName("LOGISTICS").tokens;
  req.payer_names.insert(PayerNameRequest{alpha, "", "", "", false});
  req.payer_names.insert(PayerNameRequest{common, "", "", "", false});
  auto book = ledger.LoadBook(req);
  ASSERT_TRUE(book.ok()) << book.status().message();
  EXPECT_EQ(book.value()->customer_count(), 1u);  // only Alpha, through "alpha"
  NameMatch a = book.value()->MatchPayerName(alpha, req.name_similarity_min_milli);
  ASSERT_NE(a.customer, nullptr);
  EXPECT_EQ(a.customer->customer_id, "L1");
  NameMatch c = book.value()->MatchPayerName(common, req.name_similarity_min_milli);
  EXPECT_EQ(c.customer, nullptr);
  EXPECT_TRUE(c.inconclusive);
}

TEST_F(LedgerTest, SecondWriterIsToldTheLedgerIsInUseAndReadersMayRunBeside) {
  auto second = Ledger::Open(db_dir_, Creating());
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), StatusCode::kLedgerBusy);
  EXPECT_NE(second.status().message().find("in use"), std::string::npos) << second.status().message();
  LedgerOptions ro;
  ro.read_only = true;
  auto reader = Ledger::Open(db_dir_, ro);
  ASSERT_TRUE(reader.ok()) << reader.status().message();
  EXPECT_TRUE(reader.value()->Summarize().ok());
}

TEST(LedgerOpen, ForeignAndMissingDirectoriesAreRefused) {
  TempDir tmp;
  tmp.Write("notes.txt", "not a ledger");
  auto foreign = Ledger::Open(tmp.path(), Creating());
  ASSERT_FALSE(foreign.ok());
  EXPECT_EQ(foreign.status().code(), StatusCode::kLedgerCorrupt);
  EXPECT_TRUE(std::filesystem::exists(tmp.Join("notes.txt")));
  EXPECT_FALSE(std::filesystem::exists(tmp.Join("CURRENT")));  // nothing was written into it

  LedgerOptions ro;
  ro.read_only = true;
  auto missing = Ledger::Open(tmp.Join("nope"), ro);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kLedgerCorrupt);
  // Without create_if_missing a writer refuses a missing ledger too (a
  // mistyped --db), and creates nothing.
  auto typo = Ledger::Open(tmp.Join("typo"), LedgerOptions());
  ASSERT_FALSE(typo.ok());
  EXPECT_NE(typo.status().message().find("no ledger at " + tmp.Join("typo") +
                                         " (create one with `cashmatch load` or "
                                         "`cashmatch init`)"),
            std::string::npos)
      << typo.status().message();
  EXPECT_FALSE(std::filesystem::exists(tmp.Join("typo")));

  // A RocksDB database that is not ours.
  rocksdb::Options options;
  options.create_if_missing = true;
  rocksdb::DB* raw = nullptr;
  ASSERT_TRUE(rocksdb::DB::Open(options, tmp.Join("other"), &raw).ok());
  delete raw;
  auto other = Ledger::Open(tmp.Join("other"), Creating());
  ASSERT_FALSE(other.ok());
  EXPECT_NE(other.status().message().find("not a cashmatch ledger"), std::string::npos) << other.status().message();
}

// The pipeline fuzzer opens a copy of a tiny ledger per committing input,
// on tmpfs, as a scratch ledger (no file preallocation, tables opened on one
// thread): it must hold and give back exactly what any ledger does, or the
// fuzzer would check something else than the CLI runs.
TEST(LedgerOpen, AScratchLedgerForTheFuzzerKeepsWhatAnyLedgerKeeps) {
  TempDir tmp;
  std::vector<std::string> exports;
  for (bool scratch : {false, true}) {
    LedgerOptions options = Creating();
    options.scratch = scratch;
    options.sync = !scratch;
    const std::string dir = tmp.Join(scratch ? "scratch" : "plain");
    {
      auto l = Ledger::Open(dir, options);
      ASSERT_TRUE(l.ok()) << l.status().message();
      ASSERT_TRUE(LoadBookFiles(*l.value(), tmp.Write("c.csv", kCustomers), tmp.Write("i.csv", kInvoices)).ok());
      Policy policy;
      auto ex = HintExtractor::Create(policy);
      ASSERT_TRUE(ex.ok());
      auto r = ApplyPaymentFile(*l.value(), tmp.Write("p.ndjson", kPayments), policy, *ex.value(), MatchOptions());
      ASSERT_TRUE(r.ok()) << r.status().message();
    }
    auto reopened = Ledger::Open(dir, options);
    ASSERT_TRUE(reopened.ok()) << reopened.status().message();
    VerifyReport report;
    EXPECT_TRUE(reopened.value()->Verify(&report).ok());
    std::string lines;
    ASSERT_TRUE(reopened.value()
                    ->ForEachEvent(0,
                                   [&](const Event& e) {
                                     lines += EventToJson(e) + "\n";
                                     return true;
                                   })
                    .ok());
    exports.push_back(lines);
  }
  EXPECT_FALSE(exports[0].empty());
  EXPECT_EQ(exports[0], exports[1]);
}

TEST(LedgerOpen, NewerSchemaIsRefusedWithAMessage) {
  TempDir tmp;
  std::string dir = tmp.Join("ledger");
  ASSERT_TRUE(Ledger::Open(dir, Creating()).ok());
  // Rewrite the schema version as a future cashmatch would.
  WithRawLedger(dir, [](rocksdb::DB* raw, const ColumnFamilyOf& cf) {
    ASSERT_TRUE(raw->Put(rocksdb::WriteOptions(), cf("meta"), "schema_version", SchemaValue(99)).ok());
  });
  auto reopened = Ledger::Open(dir, Creating());
  ASSERT_FALSE(reopened.ok());
  EXPECT_EQ(reopened.status().code(), StatusCode::kUnsupported);
  EXPECT_NE(reopened.status().message().find("schema version 99"), std::string::npos) << reopened.status().message();
}

// A number with one typo finds its invoice through the ledger's typo index
// (deletion neighbourhoods, index kind 'd'): LoadBook brings that invoice,
// and only what the payer could mean, into the book, and the payment is
// applied to it. "INV-2026-000030" is one swap from INV-2026-000003 (I3)
// and two edits from every other number.
TEST_F(LedgerTest, TypoInTheRemittanceFindsItsInvoiceThroughLoadBook) {
  BookRequest req;
  const std::string strict = NormalizeInvoiceNumber("INV-2026-000030");
  req.invoice_numbers = {strict};
  req.number_fallbacks = {NumberKeys{strict, TolerantInvoiceKey("INV-2026-000030")}};
  auto book = ledger_->LoadBook(req);
  ASSERT_TRUE(book.ok()) << book.status().message();
  ASSERT_NE(book.value()->FindInvoice("I3"), nullptr);
  // The index's candidates may include numbers two edits away (deleting a
  // different character from each); the book keeps exactly one edit.
  auto near = book.value()->FindInvoicesOneEditFrom(TypoBodyKey(strict));
  ASSERT_EQ(near.size(), 1u);
  EXPECT_EQ(near[0]->invoice_id, "I3");

  auto r = Apply(tmp_.Write(
      "typo.ndjson",
      R"({"payment_id":"P7","amount":"75.50","currency":"USD","value_date":"2026-11-24","remittance":"INV-2026-000030"})"
      "\n"));
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r.value().applied_count, 1u);
  bool applied = false;
  for (const std::string& line : ExportLines()) {
    if (line.find("\"type\":\"applied\"") == std::string::npos) continue;
    applied = true;
    EXPECT_NE(line.find("\"invoice_id\":\"I3\""), std::string::npos) << line;
    EXPECT_NE(line.find("\"rule\":\"reference_fuzzy\""), std::string::npos) << line;
    EXPECT_NE(line.find("reference_fuzzy=INV-2026-000030~INV-2026-000003"), std::string::npos) << line;
  }
  EXPECT_TRUE(applied);
}

// Renumbering an invoice moves its tolerant and typo keys: the old number's
// neighbours no longer find it, the new number's do.
TEST_F(LedgerTest, RenumberedInvoiceIsFoundByItsNewNumberOnly) {
  auto r = LoadBookFiles(*ledger_, "",
                         tmp_.Write("renumber.csv",
                                    "invoice_id,number,customer_id,currency,amount_total,due_date\n"
                                    "I3,INV-2026-000777,C2,USD,75.50,2026-12-15\n"));
  ASSERT_TRUE(r.ok()) << r.status().message();
  auto lookup = [&](const std::string& written) {
    BookRequest req;
    const std::string strict = NormalizeInvoiceNumber(written);
    req.invoice_numbers = {strict};
    req.number_fallbacks = {NumberKeys{strict, TolerantInvoiceKey(written)}};
    auto book = ledger_->LoadBook(req);
    EXPECT_TRUE(book.ok()) << book.status().message();
    return book.value()->FindInvoice("I3") != nullptr;
  };
  EXPECT_FALSE(lookup("INV-2026-000030"));  // a typo of the old number
  EXPECT_TRUE(lookup("INV-2026-000778"));   // a typo of the new one
  EXPECT_TRUE(lookup("inv 2026 777"));      // the new one, written loosely
}

// A schema-2 ledger (no 't', 'd', 'o' invoice keys, no 'm', 'u', 'h'
// customer keys) is indexed when first opened for writing and marked
// schema 3; read-only opens read it as it is.
TEST_F(LedgerTest, SchemaTwoLedgerIsIndexedForLooserLookupsOnUpgrade) {
  ledger_.reset();
  WithRawLedger(db_dir_, [](rocksdb::DB* raw, const ColumnFamilyOf& cf) {
    std::unique_ptr<rocksdb::Iterator> it(raw->NewIterator(rocksdb::ReadOptions(), cf("index")));
    size_t removed = 0;
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      const char kind = it->key()[0];
      if (kind != 't' && kind != 'd' && kind != 'o' && kind != 'm' && kind != 'u' && kind != 'h') continue;
      ASSERT_TRUE(raw->Delete(rocksdb::WriteOptions(), cf("index"), it->key()).ok());
      ++removed;
    }
    EXPECT_GT(removed, 3u);
    ASSERT_TRUE(raw->Put(rocksdb::WriteOptions(), cf("meta"), "schema_version", SchemaValue(2)).ok());
  });
  BookRequest req;
  const std::string strict = NormalizeInvoiceNumber("INV-2026-000030");
  req.invoice_numbers = {strict};
  req.number_fallbacks = {NumberKeys{strict, TolerantInvoiceKey("INV-2026-000030")}};
  {
    LedgerOptions ro;
    ro.read_only = true;
    auto reader = Ledger::Open(db_dir_, ro);
    ASSERT_TRUE(reader.ok()) << reader.status().message();
    auto book = reader.value()->LoadBook(req);
    ASSERT_TRUE(book.ok());
    EXPECT_EQ(book.value()->FindInvoice("I3"), nullptr);  // not indexed yet: strict numbers only
  }
  auto l = Ledger::Open(db_dir_, Creating());
  ASSERT_TRUE(l.ok()) << l.status().message();
  ledger_ = std::move(l).value();
  auto book = ledger_->LoadBook(req);
  ASSERT_TRUE(book.ok());
  EXPECT_NE(book.value()->FindInvoice("I3"), nullptr);
  // Customers are found by name again too.
  BookRequest by_name;
  by_name.payer_names.insert(PayerNameRequest{NormalizePayerName("ACME CORPORATION INC").tokens, "", "", "", false});
  auto named = ledger_->LoadBook(by_name);
  ASSERT_TRUE(named.ok()) << named.status().message();
  const NameMatch m = named.value()->MatchPayerName(by_name.payer_names.begin()->tokens, 800);
  ASSERT_NE(m.customer, nullptr);
  EXPECT_EQ(m.customer->customer_id, "C1");
}

TEST_F(LedgerTest, AccountNumbersAreNeverStoredInClear) {
  ASSERT_TRUE(Apply(tmp_.Write("day1.ndjson", kPayments)).ok());
  ledger_.reset();  // flush and close
  for (const auto& entry : std::filesystem::recursive_directory_iterator(db_dir_)) {
    if (!entry.is_regular_file()) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    EXPECT_EQ(ss.str().find("4455667788"), std::string::npos) << entry.path() << " holds the account in clear";
  }
}

// --- Loads too large for one write (LedgerOptions::load_chunk_rows) ---

// Every key of the ledger's book column families, for comparing two
// ledgers loaded the same way.
std::map<std::string, std::string> BookKeys(const std::string& dir) {
  std::map<std::string, std::string> keys;
  WithRawLedger(dir, [&](rocksdb::DB* db, const ColumnFamilyOf& cf) {
    for (const char* name : {"invoices", "customers", "index"}) {
      std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), cf(name)));
      for (it->SeekToFirst(); it->Valid(); it->Next()) {
        keys[std::string(name) + "/" + it->key().ToString()] = it->value().ToString();
      }
    }
  });
  return keys;
}

std::unique_ptr<Ledger> OpenWithChunk(const std::string& dir, size_t chunk_rows) {
  LedgerOptions options;
  options.load_chunk_rows = chunk_rows;
  options.create_if_missing = true;
  auto l = Ledger::Open(dir, options);
  EXPECT_TRUE(l.ok()) << l.status().message();
  return l.ok() ? std::move(l).value() : nullptr;
}

// A book of 5 customers (one whose parent comes later in the file) and 12
// invoices, then a reload in which numbers change hands across chunks:
// chunks of 3 rows leave the same keys as one write.
TEST(LedgerLoad, AChunkedLoadLeavesWhatOneWriteWould) {
  TempDir tmp;
  const std::string customers = tmp.Write("c.csv",
                                          "customer_id,name,parent_id,stripe_customer_ids\n"
                                          "C1,Acme Corp.,C5,cus_1\nC2,Globex,,\nC3,Initech,,\nC4,Hooli,C2,\n"
                                          "C5,Acme Holdings,,\n");
  std::string invoices = "invoice_id,number,customer_id,currency,amount_total,due_date,po_number\n";
  for (int i = 1; i <= 12; ++i) {
    invoices += "I" + std::to_string(i) + ",INV-2026-0000" + (i < 10 ? "0" : "") + std::to_string(i) + ",C" +
                std::to_string(1 + i % 5) + ",USD," + std::to_string(100 + i) + ".00,2026-12-01,PO-" +
                std::to_string(i) + "\n";
  }
  // I2 takes I11's number, I11 (a later chunk) moves on; I12 takes I1's
  // number, I1 (an earlier chunk) moved on already.
  const std::string reload = tmp.Write("i2.csv",
                                       "invoice_id,number,customer_id,currency,amount_total,due_date\n"
                                       "I1,INV-2026-000101,C2,USD,101.00,2026-12-01\n"
                                       "I2,INV-2026-000011,C3,USD,102.00,2026-12-01\n"
                                       "I3,INV-2026-000003,C4,USD,50.00,2026-12-01\n"
                                       "I4,INV-2026-000004,C5,USD,104.00,2026-12-01\n"
                                       "I11,INV-2026-000111,C2,USD,111.00,2026-12-01\n"
                                       "I12,INV-2026-000001,C3,USD,112.00,2026-12-01\n");
  const std::string inv_path = tmp.Write("i.csv", invoices);
  for (const char* dir : {"one", "chunked"}) {
    auto ledger = OpenWithChunk(tmp.Join(dir), std::string(dir) == "one" ? 1000 : 3);
    ASSERT_NE(ledger, nullptr);
    auto r = LoadBookFiles(*ledger, customers, inv_path);
    ASSERT_TRUE(r.ok()) << r.status().message();
    EXPECT_EQ(r.value().customers_count, 5u);
    EXPECT_EQ(r.value().invoices_count, 12u);
    EXPECT_EQ(r.value().writes_count, std::string(dir) == "one" ? 1u : 6u);  // 17 rows in chunks of 3
    auto again = LoadBookFiles(*ledger, "", reload);
    ASSERT_TRUE(again.ok()) << again.status().message();
    BookRequest req;
    req.invoice_numbers = {"INV2026000001", "INV2026000011", "INV2026000101"};
    auto book = ledger->LoadBook(req);
    ASSERT_TRUE(book.ok()) << book.status().message();
    EXPECT_NE(book.value()->FindInvoice("I12"), nullptr);
    EXPECT_NE(book.value()->FindInvoice("I2"), nullptr);
    EXPECT_NE(book.value()->FindInvoice("I1"), nullptr);
  }
  EXPECT_EQ(BookKeys(tmp.Join("one")), BookKeys(tmp.Join("chunked")));
}

// Rows are checked against each other across the whole load before
// anything is written, so a clash between the first and last chunk writes
// nothing; the message names both lines.
TEST(LedgerLoad, ClashesAcrossChunksAreFoundBeforeAnythingIsWritten) {
  TempDir tmp;
  auto ledger = OpenWithChunk(tmp.Join("ledger"), 2);
  ASSERT_NE(ledger, nullptr);
  const std::string head = "invoice_id,number,customer_id,currency,amount_total,due_date\n";
  const std::string c = tmp.Write("c.csv", "customer_id,name\nC1,Acme\n");
  const std::string rows =
      "I1,INV-7,C1,USD,1.00,2026-12-01\nI2,INV-8,C1,USD,1.00,2026-12-01\n"
      "I3,INV-9,C1,USD,1.00,2026-12-01\nI4,INV-10,C1,USD,1.00,2026-12-01\n";
  struct Case {
    std::string last_row;
    std::vector<std::string> fragments;
  };
  const Case cases[] = {
      {"I5,inv 7,C1,USD,1.00,2026-12-01", {"i.csv:6: field 'number'", "same number as invoice 'I1' (line 2)"}},
      {"I5,INV-8,C1,USD,1.00,2026-12-01", {"i.csv:6: field 'number'", "duplicate number 'INV-8' (first on line 3)"}},
      {"I2,INV-11,C1,USD,1.00,2026-12-01", {"i.csv:6: field 'invoice_id'", "duplicate id 'I2' (first on line 3)"}},
      {"I5,INV-11,C9,USD,1.00,2026-12-01", {"i.csv:6: field 'customer_id'", "no customer 'C9'"}},
  };
  for (const Case& k : cases) {
    auto r = LoadBookFiles(*ledger, c, tmp.Write("i.csv", head + rows + k.last_row + "\n"));
    ASSERT_FALSE(r.ok()) << k.last_row;
    for (const std::string& f : k.fragments) {
      EXPECT_NE(r.status().message().find(f), std::string::npos) << r.status().message();
    }
    EXPECT_NE(r.status().message().find("nothing was written"), std::string::npos) << r.status().message();
    auto sum = ledger->Summarize();
    ASSERT_TRUE(sum.ok());
    EXPECT_EQ(sum.value().invoices_count, 0u);
  }
  auto parent = LoadBookFiles(*ledger, tmp.Write("c2.csv", "customer_id,name,parent_id\nC1,Acme,\nC2,Hooli,C7\n"), "");
  ASSERT_FALSE(parent.ok());
  EXPECT_NE(parent.status().message().find("c2.csv:3: field 'parent_id': no customer 'C7'"), std::string::npos)
      << parent.status().message();
}

// A chunked load that stops part way (here: the file changed between the
// passes) leaves the ledger marked: matching and releasing are refused,
// also after a reopen, until the same load runs to its end.
TEST(LedgerLoad, AnInterruptedLoadIsRefusedUntilRunAgain) {
  TempDir tmp;
  const std::string dir = tmp.Join("ledger");
  auto ledger = OpenWithChunk(dir, 2);
  ASSERT_NE(ledger, nullptr);
  std::vector<Invoice> invoices;
  for (int i = 1; i <= 7; ++i) {
    Invoice inv;
    inv.invoice_id = "I" + std::to_string(i);
    inv.number = "INV-" + std::to_string(i);
    inv.customer_id = "C1";
    inv.currency = Currency::Find("USD");
    inv.amount_total_minor = inv.amount_open_minor = 100 * i;
    inv.due_date = inv.issue_date = ParseIsoDate("2026-12-01").value();
    inv.source_line = static_cast<uint32_t>(i + 1);
    invoices.push_back(inv);
  }
  Customer acme;
  acme.customer_id = "C1";
  acme.name = "Acme";
  int invoice_scans = 0;
  BookRows rows;
  rows.customers = [&](const std::function<Status(Customer &&)>& sink) { return sink(Customer(acme)); };
  rows.invoices = [&](const std::function<Status(Invoice &&)>& sink) -> Status {
    const bool fail = ++invoice_scans == 2;  // the writing pass
    for (size_t i = 0; i < invoices.size(); ++i) {
      if (fail && i == 4) return Status::InvalidInput("i.csv:6: the file changed while it was loaded");
      CASHMATCH_RETURN_IF_ERROR(sink(Invoice(invoices[i])));
    }
    return Status::Ok();
  };
  rows.customers_source = "c.csv";
  rows.invoices_source = "i.csv";
  Status s = ledger->UpsertBook(rows);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("the file changed"), std::string::npos) << s.message();
  BookRequest req;
  req.invoice_numbers = {"INV1"};
  auto refused = ledger->LoadBook(req);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("a load of c.csv and i.csv (load "), std::string::npos)
      << refused.status().message();
  EXPECT_NE(refused.status().message().find("stopped before its last chunk"), std::string::npos)
      << refused.status().message();
  ledger.reset();
  ledger = OpenWithChunk(dir, 2);
  ASSERT_NE(ledger, nullptr);
  EXPECT_FALSE(ledger->LoadBook(req).ok());
  std::vector<HoldRelease> holds;
  std::vector<std::string> reconciling;
  EXPECT_FALSE(ledger->LoadReleasableHolds({}, &holds, &reconciling).ok());

  BookLoadStats stats;
  ASSERT_TRUE(ledger->UpsertBook(rows, &stats).ok());
  EXPECT_EQ(stats.writes_count, 4u);  // 8 rows in chunks of 2
  EXPECT_TRUE(ledger->LoadBook(req).ok());
  ledger.reset();
  ledger = OpenWithChunk(dir, 2);
  ASSERT_NE(ledger, nullptr);
  auto book = ledger->LoadBook(req);
  ASSERT_TRUE(book.ok()) << book.status().message();
  EXPECT_NE(book.value()->FindInvoice("I1"), nullptr);
  auto sum = ledger->Summarize();
  ASSERT_TRUE(sum.ok());
  EXPECT_EQ(sum.value().invoices_count, 7u);
}

// The shape `load` leaves (LedgerOptions::compact_after_load_rows_min):
// the same book of 450 rows loaded twice (a load, then a reload that moves
// every invoice to another customer) into two ledgers, one compacting
// loads of 100 rows and more and one only those of 1,000 and more, each
// closed and opened again as the next command would. The compacted one
// has no level-0 file and no pending compaction in any family the load
// wrote, its rows are in tables (not in a memtable) on the last level; the
// other one has the level-0 files the first apply would otherwise merge.
TEST(LedgerLoad, ALoadEndsWithTheLedgerCompacted) {
  TempDir tmp;
  std::string customers = "customer_id,name\n";
  for (int c = 1; c <= 50; ++c) customers += "C" + std::to_string(c) + ",Customer " + std::to_string(c) + "\n";
  std::string invoices = "invoice_id,number,customer_id,currency,amount_total,due_date\n";
  std::string moved = invoices;
  for (int i = 1; i <= 400; ++i) {
    const std::string tail = ",INV-2026-" + std::to_string(100000 + i) + ",C";
    invoices += "I" + std::to_string(i) + tail + std::to_string(1 + i % 50) + ",USD,100.00,2026-12-01\n";
    moved += "I" + std::to_string(i) + tail + std::to_string(1 + (i + 1) % 50) + ",USD,100.00,2026-12-01\n";
  }
  const std::string c_path = tmp.Write("c.csv", customers);
  const std::string i_path = tmp.Write("i.csv", invoices);
  const std::string moved_path = tmp.Write("moved.csv", moved);
  const char* const kFamilies[] = {"customers", "invoices", "index"};
  for (const bool compact : {true, false}) {
    SCOPED_TRACE(compact ? "compacting" : "not compacting");
    const std::string dir = tmp.Join(compact ? "compacted" : "as-written");
    LedgerOptions options = Creating();
    options.load_chunk_rows = 100;  // chunked, as a large load is
    options.compact_after_load_rows_min = compact ? 100 : 1000;
    int compactions_told = 0;
    options.on_load_compacting = [&] { ++compactions_told; };
    for (const std::string& invoices_path : {i_path, moved_path}) {
      auto l = Ledger::Open(dir, options);
      ASSERT_TRUE(l.ok()) << l.status().message();
      auto r = LoadBookFiles(*l.value(), c_path, invoices_path);
      ASSERT_TRUE(r.ok()) << r.status().message();
      EXPECT_GT(r.value().writes_count, 1u);
      if (!compact) continue;
      for (const char* family : kFamilies) {
        SCOPED_TRACE(family);
        EXPECT_EQ(l.value()->FamilyProperty(family, "rocksdb.num-files-at-level0"), 0u);
        EXPECT_EQ(l.value()->FamilyProperty(family, "rocksdb.num-entries-active-mem-table"), 0u);
        EXPECT_GT(l.value()->FamilyProperty(family, "rocksdb.live-sst-files-size").value_or(0), 0u);
        // RocksDB's default 7 levels: 0 to 6.
        EXPECT_GE(l.value()->FamilyProperty(family, "rocksdb.num-files-at-level6").value_or(0), 1u);
      }
    }
    EXPECT_EQ(compactions_told, compact ? 2 : 0);
    auto l = Ledger::Open(dir, options);
    ASSERT_TRUE(l.ok()) << l.status().message();
    for (const char* family : kFamilies) {
      SCOPED_TRACE(family);
      const uint64_t level0 = l.value()->FamilyProperty(family, "rocksdb.num-files-at-level0").value_or(99);
      if (compact) {
        EXPECT_EQ(level0, 0u);
        EXPECT_EQ(l.value()->FamilyProperty(family, "rocksdb.compaction-pending"), 0u);
      } else {
        EXPECT_GE(level0, 1u);
      }
    }
    EXPECT_EQ(l.value()->FamilyProperty("index", "rocksdb.no-such-property"), std::nullopt);
    EXPECT_EQ(l.value()->FamilyProperty("no-such-family", "rocksdb.num-files-at-level0"), std::nullopt);
    BookRequest req;
    req.invoice_numbers = {"INV2026100001", "INV2026100400"};
    auto book = l.value()->LoadBook(req);
    ASSERT_TRUE(book.ok()) << book.status().message();
    ASSERT_NE(book.value()->FindInvoice("I400"), nullptr);
    EXPECT_EQ(book.value()->FindInvoice("I400")->customer_id, "C2");
  }
}

}  // namespace
}  // namespace cashmatch::io
