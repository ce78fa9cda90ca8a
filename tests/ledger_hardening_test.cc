// The ledger under inputs and faults that once changed the books wrongly or
// left a ledger unusable (issue 12): each test is named after the situation
// and checks that the ledger refuses it clearly, writes nothing of it, and
// still verifies.
#include <gtest/gtest.h>
#include <rocksdb/env.h>

#include <filesystem>
#include <functional>
#include <cstdlib>
#include <string>

#include "cashmatch/io/digest.h"
#include "cashmatch/io/ledger.h"
#include "cashmatch/io/pipeline.h"
#include "faulty_fs.h"
#include "test_util.h"

namespace cashmatch::io {
namespace {

using testing_util::Creating;

using testing_util::TempDir;

constexpr char kCustomers[] = "customer_id,name\nC1,Acme Corp.\n";
constexpr char kInvoiceHead[] = "invoice_id,number,customer_id,currency,amount_total,due_date,stripe_invoice_id\n";
constexpr char kInvoices[] =
    "I1,INV-1,C1,USD,100.00,2026-11-30,in_1\n"
    "I2,INV-2,C1,USD,250.00,2026-11-30,in_2\n";
constexpr char kPayment[] =
    R"({"payment_id":"P1","amount":"100.00","currency":"USD","value_date":"2026-11-23","references":[{"invoice_number":"INV-1"}]})"
    "\n";

class LedgerHardeningTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = tmp_.Join("ledger");
    auto l = Ledger::Open(dir_, Creating());
    ASSERT_TRUE(l.ok()) << l.status().message();
    ledger_ = std::move(l).value();
    ASSERT_TRUE(Load(std::string(kInvoiceHead) + kInvoices).ok());
  }

  Result<LoadResult> Load(const std::string& invoices) {
    return LoadBookFiles(*ledger_, tmp_.Write("c.csv", kCustomers), tmp_.Write("i.csv", invoices));
  }

  Result<ApplyResult> Apply(const std::string& name, const std::string& content) {
    auto ex = HintExtractor::Create(policy_);
    EXPECT_TRUE(ex.ok());
    return ApplyPaymentFile(*ledger_, tmp_.Write(name, content), policy_, *ex.value(), MatchOptions());
  }

  void ExpectVerifies() {
    VerifyReport report;
    Status s = ledger_->Verify(&report);
    EXPECT_TRUE(s.ok()) << s.message();
  }

  static void ExpectRefused(const Result<LoadResult>& r, const std::vector<std::string>& fragments) {
    ASSERT_FALSE(r.ok());
    for (const std::string& f : fragments) {
      EXPECT_NE(r.status().message().find(f), std::string::npos) << r.status().message();
    }
  }

  TempDir tmp_;
  std::string dir_;
  std::unique_ptr<Ledger> ledger_;
  Policy policy_;
};

// Issue 12 item 2: an invoice with events reloaded in another currency
// would keep its USD applications under a JPY total. The load is refused,
// naming the file, line, invoice and both currencies, and writes nothing.
TEST_F(LedgerHardeningTest, AnInvoiceWithEventsReloadedInAnotherCurrencyIsRefused) {
  ASSERT_TRUE(Apply("day1.ndjson", kPayment).ok());
  auto r =
      Load(std::string(kInvoiceHead) + "I2,INV-2,C1,JPY,250,2026-11-30,in_2\nI1,INV-1,C1,JPY,100,2026-11-30,in_1\n");
  ExpectRefused(r, {"i.csv:3: field 'currency'", "invoice 'I1'", "USD", "JPY", "nothing was written"});
  EXPECT_EQ(ledger_->GetInvoice("I2").value()->currency->code(), "USD");
  // An invoice without events may still change currency (a correction).
  ASSERT_TRUE(Load(std::string(kInvoiceHead) + "I2,INV-2,C1,EUR,250.00,2026-11-30,in_2\n").ok());
  EXPECT_EQ(ledger_->GetInvoice("I2").value()->currency->code(), "EUR");
  ExpectVerifies();
}

// Issue 12 item 4: two invoices with one Stripe invoice id, in one load or
// against the ledger, are refused like duplicate numbers; the id may move
// when its owner takes another in the same load.
TEST_F(LedgerHardeningTest, ADuplicateStripeInvoiceIdIsRefusedLikeADuplicateNumber) {
  ExpectRefused(Load(std::string(kInvoiceHead) + "I3,INV-3,C1,USD,1.00,2026-11-30,in_3\n"
                                                 "I4,INV-4,C1,USD,1.00,2026-11-30,in_3\n"),
                {"i.csv:3: field 'stripe_invoice_id'", "duplicate Stripe invoice id 'in_3' (first on line 2",
                 "nothing was written"});
  ExpectRefused(Load(std::string(kInvoiceHead) + "I3,INV-3,C1,USD,1.00,2026-11-30,in_1\n"),
                {"i.csv:2: field 'stripe_invoice_id'", "'in_1' already belongs to invoice 'I1'"});
  EXPECT_FALSE(ledger_->GetInvoice("I3").value().has_value());
  // I1 gives in_1 up in the same load: I3 may take it, and the index names I3.
  ASSERT_TRUE(Load(std::string(kInvoiceHead) + "I3,INV-3,C1,USD,1.00,2026-11-30,in_1\n"
                                               "I1,INV-1,C1,USD,100.00,2026-11-30,in_9\n")
                  .ok());
  BookRequest req;
  req.stripe_invoice_ids = {"in_1", "in_9"};
  auto book = ledger_->LoadBook(req);
  ASSERT_TRUE(book.ok()) << book.status().message();
  ASSERT_NE(book.value()->FindInvoiceByStripeId("in_1"), nullptr);
  EXPECT_EQ(book.value()->FindInvoiceByStripeId("in_1")->invoice_id, "I3");
  EXPECT_EQ(book.value()->FindInvoiceByStripeId("in_9")->invoice_id, "I1");
  ExpectVerifies();
}

// Issue 12 item 5: a chunked load interrupted part way marks the ledger;
// another chunked load used to clear the mark, leaving a partial book to
// match against. The mark names the load: another load is refused (naming
// the unfinished one), verify reports it, and only the same load, run to
// its end, clears it.
TEST(LedgerUnfinishedLoad, AnotherLoadCannotClearTheMarkOfAnInterruptedOne) {
  TempDir tmp;
  LedgerOptions options;
  options.load_chunk_rows = 2;
  options.create_if_missing = true;
  auto opened = Ledger::Open(tmp.Join("ledger"), options);
  ASSERT_TRUE(opened.ok()) << opened.status().message();
  Ledger& ledger = *opened.value();
  auto rows_of = [](const std::string& prefix, int count, int fail_at, int* scans) {
    BookRows rows;
    rows.customers = [](const std::function<Status(Customer &&)>& sink) {
      Customer c;
      c.customer_id = "C1";
      c.name = "Acme";
      return sink(std::move(c));
    };
    rows.invoices = [=](const std::function<Status(Invoice &&)>& sink) -> Status {
      const bool fail = ++*scans == 2;  // the writing pass of the first run
      for (int i = 1; i <= count; ++i) {
        if (fail && i == fail_at) return Status::InvalidInput(prefix + ".csv: the disk went away");
        Invoice inv;
        inv.invoice_id = prefix + std::to_string(i);
        inv.number = prefix + "-" + std::to_string(i);
        inv.customer_id = "C1";
        inv.currency = Currency::Find("USD");
        inv.amount_total_minor = inv.amount_open_minor = 100 * i;
        inv.due_date = inv.issue_date = ParseIsoDate("2026-12-01").value();
        CASHMATCH_RETURN_IF_ERROR(sink(std::move(inv)));
      }
      return Status::Ok();
    };
    rows.customers_source = "c.csv";
    rows.invoices_source = prefix + ".csv";
    return rows;
  };
  int a_scans = 0, b_scans = 10;
  const BookRows a = rows_of("A", 6, 4, &a_scans);
  const BookRows b = rows_of("B", 5, 0, &b_scans);
  ASSERT_FALSE(ledger.UpsertBook(a).ok());
  EXPECT_NE(ledger.UnfinishedLoad().find("a load of c.csv and A.csv (load "), std::string::npos)
      << ledger.UnfinishedLoad();
  Status other = ledger.UpsertBook(b);
  ASSERT_FALSE(other.ok());
  EXPECT_NE(other.message().find("a load of c.csv and A.csv"), std::string::npos) << other.message();
  EXPECT_NE(other.message().find("nothing was written"), std::string::npos) << other.message();
  EXPECT_FALSE(ledger.GetInvoice("B1").value().has_value());
  VerifyReport report;
  Status verified = ledger.Verify(&report);
  ASSERT_FALSE(verified.ok());
  EXPECT_NE(verified.message().find("is unfinished"), std::string::npos) << verified.message();

  ASSERT_TRUE(ledger.UpsertBook(a).ok());  // the same load again, to its end
  EXPECT_EQ(ledger.UnfinishedLoad(), "");
  ASSERT_TRUE(ledger.UpsertBook(b).ok());
  EXPECT_TRUE(ledger.GetInvoice("B5").value().has_value());
  EXPECT_TRUE(ledger.Verify(&report).ok());
}

// Issue 12 item 8: a SIGKILL during the very first creation of a ledger used
// to leave a directory every later command refused. A new ledger is made in
// a sibling directory and renamed into place, so whatever a kill leaves
// (an abandoned sibling in any state, or nothing) the next `load` creates the
// ledger; an empty directory given as --db is filled the same way.
TEST(LedgerCreate, WhateverAKilledCreationLeftTheNextLoadCreatesTheLedger) {
  TempDir tmp;
  namespace fs = std::filesystem;
  // States a kill can leave: a sibling with nothing, with RocksDB's first
  // files, with a whole unrenamed ledger.
  fs::create_directories(tmp.Join(".ledger.cashmatch-new-AAAAAA"));
  fs::create_directories(tmp.Join(".ledger.cashmatch-new-BBBBBB"));
  tmp.Write(".ledger.cashmatch-new-BBBBBB/LOCK", "");
  tmp.Write(".ledger.cashmatch-new-BBBBBB/MANIFEST-000001", "partial");
  {
    auto whole = Ledger::Open(tmp.Join(".ledger.cashmatch-new-CCCCCC"), Creating());
    ASSERT_TRUE(whole.ok()) << whole.status().message();
  }
  EXPECT_FALSE(fs::exists(tmp.Join("ledger")));
  auto refused = Ledger::Open(tmp.Join("ledger"), LedgerOptions());
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kLedgerCorrupt);
  auto created = Ledger::Open(tmp.Join("ledger"), Creating());
  ASSERT_TRUE(created.ok()) << created.status().message();
  EXPECT_TRUE(LoadBookFiles(*created.value(), tmp.Write("c.csv", kCustomers), "").ok());
  VerifyReport report;
  EXPECT_TRUE(created.value()->Verify(&report).ok());
  created.value().reset();
  EXPECT_TRUE(Ledger::Open(tmp.Join("ledger"), LedgerOptions()).ok());  // a whole ledger, reopened

  fs::create_directories(tmp.Join("empty"));  // made by hand for --db
  auto filled = Ledger::Open(tmp.Join("empty") + "/", Creating());
  ASSERT_TRUE(filled.ok()) << filled.status().message();
  EXPECT_TRUE(fs::exists(tmp.Join("empty/CURRENT")));
  // No sibling is left behind by a creation that completed.
  size_t siblings = 0;
  for (const auto& entry : fs::directory_iterator(tmp.path())) {
    if (entry.path().filename().string().starts_with(".empty.cashmatch-new-")) ++siblings;
  }
  EXPECT_EQ(siblings, 0u);
}

// Issue 12 item 7: a disk that fills up at any point of a load or an apply
// ends in an I/O error, never an abort; the ledger reopens, verifies, and
// holds a whole-batch prefix (for a chunked load: whole chunks, finished by
// running the load again).
class DiskFullTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fs_ = std::make_shared<testing_util::FaultyFs>(rocksdb::FileSystem::Default());
    env_ = rocksdb::NewCompositeEnv(fs_);
    std::string invoices = kInvoiceHead;
    for (int i = 1; i <= 9; ++i) {
      invoices +=
          "I" + std::to_string(i) + ",INV-" + std::to_string(i) + ",C1,USD," + std::to_string(i) + "0.00,2026-11-30,\n";
    }
    customers_ = tmp_.Write("c.csv", kCustomers);
    invoices_ = tmp_.Write("i.csv", invoices);
    for (int f = 1; f <= 3; ++f) {
      std::string day;
      for (int i = 3 * f - 2; i <= 3 * f; ++i) {
        day += R"({"payment_id":"P)" + std::to_string(i) + R"(","amount":")" + std::to_string(i) +
               R"(0.00","currency":"USD","value_date":"2026-11-23","references":[{"invoice_number":"INV-)" +
               std::to_string(i) + "\"}]}\n";
      }
      files_.push_back(tmp_.Write("day" + std::to_string(f) + ".ndjson", day));
    }
  }

  std::unique_ptr<Ledger> Open(const std::string& dir) {
    LedgerOptions options;
    options.create_if_missing = true;
    options.env = env_.get();
    options.load_chunk_rows = 3;
    auto l = Ledger::Open(dir, options);
    EXPECT_TRUE(l.ok()) << l.status().message();
    return l.ok() ? std::move(l).value() : nullptr;
  }

  void Heal() {
    fs_->appends_left = -1;
    fs_->full = false;
  }

  TempDir tmp_;
  std::shared_ptr<testing_util::FaultyFs> fs_;
  std::unique_ptr<rocksdb::Env> env_;
  std::string customers_, invoices_;
  std::vector<std::string> files_;
  Policy policy_;
};

TEST_F(DiskFullTest, ADiskFillingUpDuringALoadEndsInAnIOErrorAndAUsableLedger) {
  for (int appends = 0; appends < 40; appends += 3) {
    SCOPED_TRACE("disk full after " + std::to_string(appends) + " appends");
    const std::string dir = tmp_.Join("load" + std::to_string(appends));
    auto ledger = Open(dir);
    ASSERT_NE(ledger, nullptr);
    fs_->appends_left = appends;
    auto r = LoadBookFiles(*ledger, customers_, invoices_);
    if (!r.ok()) {
      EXPECT_EQ(r.status().code(), StatusCode::kIOError) << r.status().message();
    }
    ledger.reset();
    Heal();
    ledger = Open(dir);
    ASSERT_NE(ledger, nullptr);
    ASSERT_TRUE(LoadBookFiles(*ledger, customers_, invoices_).ok());  // finishes what the full disk stopped
    VerifyReport report;
    Status s = ledger->Verify(&report);
    EXPECT_TRUE(s.ok()) << s.message();
  }
}

TEST_F(DiskFullTest, ADiskFillingUpDuringAnApplyEndsInAnIOErrorAndAWholeBatchPrefix) {
  auto ex = HintExtractor::Create(policy_);
  ASSERT_TRUE(ex.ok());
  for (int appends = 0; appends < 30; appends += 2) {
    SCOPED_TRACE("disk full after " + std::to_string(appends) + " appends");
    const std::string dir = tmp_.Join("apply" + std::to_string(appends));
    auto ledger = Open(dir);
    ASSERT_NE(ledger, nullptr);
    ASSERT_TRUE(LoadBookFiles(*ledger, customers_, invoices_).ok());
    fs_->appends_left = appends;
    size_t committed = 0;
    for (const std::string& f : files_) {
      auto r = ApplyPaymentFile(*ledger, f, policy_, *ex.value(), MatchOptions());
      if (!r.ok()) {
        EXPECT_EQ(r.status().code(), StatusCode::kIOError) << r.status().message();
        break;
      }
      ++committed;
    }
    ledger.reset();
    Heal();
    ledger = Open(dir);
    ASSERT_NE(ledger, nullptr);
    VerifyReport report;
    Status s = ledger->Verify(&report);
    EXPECT_TRUE(s.ok()) << s.message();
    // Whole batches, in order: the files applied, and none after.
    for (size_t i = 0; i < files_.size(); ++i) {
      auto paid = ledger->GetPayment("P" + std::to_string(3 * i + 1));
      ASSERT_TRUE(paid.ok());
      EXPECT_EQ(paid.value().has_value(), i < committed) << "file " << i;
    }
  }
}

// Issue 12, concern: the fingerprint key may live outside the ledger (a key
// file). The ledger then stores only a check value: the same key reopens it
// and fingerprints accounts as before; a wrong key, or none, is refused with
// a clear error instead of silently giving other fingerprints.
TEST(LedgerFingerprintKey, AKeyFileOutsideTheLedgerIsCheckedOnEveryOpen) {
  TempDir tmp;
  const std::string key = tmp.Write("key", std::string(40, 'k'));
  const std::string other = tmp.Write("other", std::string(40, 'o'));
  const std::string dir = tmp.Join("ledger");
  LedgerOptions with_key = Creating();
  with_key.fingerprint_key_file = key;
  std::string fp;
  {
    auto l = Ledger::Open(dir, with_key);
    ASSERT_TRUE(l.ok()) << l.status().message();
    fp = l.value()->fingerprinter().Account("021000021-4455667788");
    EXPECT_EQ(fp, Fingerprinter(std::string(40, 'k')).Account("021000021-4455667788"));
  }
  {
    auto again = Ledger::Open(dir, with_key);
    ASSERT_TRUE(again.ok()) << again.status().message();
    EXPECT_EQ(again.value()->fingerprinter().Account("021000021-4455667788"), fp);
  }
  LedgerOptions wrong;
  wrong.fingerprint_key_file = other;
  auto refused = Ledger::Open(dir, wrong);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("is not the fingerprint key of ledger"), std::string::npos)
      << refused.status().message();
  if (std::getenv("CASHMATCH_FINGERPRINT_KEY_FILE") == nullptr) {
    auto none = Ledger::Open(dir, LedgerOptions());
    ASSERT_FALSE(none.ok());
    EXPECT_NE(none.status().message().find("CASHMATCH_FINGERPRINT_KEY_FILE"), std::string::npos)
        << none.status().message();
  }
  LedgerOptions short_key = Creating();
  short_key.fingerprint_key_file = tmp.Write("short", "too short");
  auto too_short = Ledger::Open(tmp.Join("ledger2"), short_key);
  ASSERT_FALSE(too_short.ok());
  EXPECT_NE(too_short.status().message().find("at least 32 random bytes"), std::string::npos)
      << too_short.status().message();
  EXPECT_FALSE(std::filesystem::exists(tmp.Join("ledger2")));
}

}  // namespace
}  // namespace cashmatch::io
