// The ledger under inputs and faults that once changed the books wrongly or
// left a ledger unusable (issue 12): each test is named after the situation
// and checks that the ledger refuses it clearly, writes nothing of it, and
// still verifies.
#include <gtest/gtest.h>
#include <rocksdb/db.h>
#include <rocksdb/env.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <cstdlib>
#include <memory>
#include <string>
#include <utility>
#include <vector>

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

// Rows of a load for the unfinished-load tests: customer C1 and invoices
// (id, number). Scan number `fail_scan` of the invoices (the writing pass:
// 2, or 3 when the load moves a number, which the check scans again for)
// fails before invoice `fail_at` (1-based), as an interrupted load would.
BookRows InvoiceRows(const std::string& source, std::vector<std::pair<std::string, std::string>> invoices,
                     size_t fail_at = 0, int fail_scan = 2) {
  auto scans = std::make_shared<int>(0);
  BookRows rows;
  rows.customers = [](const std::function<Status(Customer &&)>& sink) {
    Customer c;
    c.customer_id = "C1";
    c.name = "Acme";
    return sink(std::move(c));
  };
  rows.invoices = [=](const std::function<Status(Invoice &&)>& sink) -> Status {
    const bool fail = ++*scans == fail_scan;
    for (size_t i = 0; i < invoices.size(); ++i) {
      if (fail && i + 1 == fail_at) return Status::InvalidInput(source + ": the disk went away");
      Invoice inv;
      inv.invoice_id = invoices[i].first;
      inv.number = invoices[i].second;
      inv.customer_id = "C1";
      inv.currency = Currency::Find("USD");
      inv.amount_total_minor = inv.amount_open_minor = 1000;
      inv.due_date = inv.issue_date = ParseIsoDate("2026-12-01").value();
      CASHMATCH_RETURN_IF_ERROR(sink(std::move(inv)));
    }
    return Status::Ok();
  };
  rows.customers_source = "c.csv";
  rows.invoices_source = source;
  return rows;
}

// Invoices <prefix>1..<prefix><count>, numbered <prefix>-1...
std::vector<std::pair<std::string, std::string>> Numbered(const std::string& prefix, int count) {
  std::vector<std::pair<std::string, std::string>> out;
  for (int i = 1; i <= count; ++i) out.emplace_back(prefix + std::to_string(i), prefix + "-" + std::to_string(i));
  return out;
}

// A ledger whose loads of more than two rows are written in chunks.
class LedgerUnfinishedLoad : public ::testing::Test {
 protected:
  void SetUp() override {
    LedgerOptions options = Creating();
    options.load_chunk_rows = 2;
    auto opened = Ledger::Open(tmp_.Join("ledger"), options);
    ASSERT_TRUE(opened.ok()) << opened.status().message();
    ledger_ = std::move(opened).value();
  }

  TempDir tmp_;
  std::unique_ptr<Ledger> ledger_;
};

// Issue 12 item 5: a chunked load interrupted part way marks the ledger;
// another chunked load used to clear the mark, leaving a partial book to
// match against. The mark names the load: another load is refused (naming
// the unfinished one), verify reports it, and only the same load, run to
// its end, clears it.
TEST_F(LedgerUnfinishedLoad, AnotherLoadCannotClearTheMarkOfAnInterruptedOne) {
  const BookRows a = InvoiceRows("A.csv", Numbered("A", 6), 4);
  const BookRows b = InvoiceRows("B.csv", Numbered("B", 5));
  ASSERT_FALSE(ledger_->UpsertBook(a).ok());
  EXPECT_NE(ledger_->UnfinishedLoad().find("a load of c.csv and A.csv (load "), std::string::npos)
      << ledger_->UnfinishedLoad();
  Status other = ledger_->UpsertBook(b);
  ASSERT_FALSE(other.ok());
  EXPECT_NE(other.message().find("a load of c.csv and A.csv"), std::string::npos) << other.message();
  EXPECT_NE(other.message().find("nothing was written"), std::string::npos) << other.message();
  EXPECT_FALSE(ledger_->GetInvoice("B1").value().has_value());
  VerifyReport report;
  Status verified = ledger_->Verify(&report);
  ASSERT_FALSE(verified.ok());
  EXPECT_NE(verified.message().find("is unfinished"), std::string::npos) << verified.message();

  ASSERT_TRUE(ledger_->UpsertBook(a).ok());  // the same load again, to its end
  EXPECT_EQ(ledger_->UnfinishedLoad(), "");
  ASSERT_TRUE(ledger_->UpsertBook(b).ok());
  EXPECT_TRUE(ledger_->GetInvoice("B5").value().has_value());
  EXPECT_TRUE(ledger_->Verify(&report).ok());
}

// Issue 12 (lifecycle): the files of an interrupted chunked load changed
// before it could be run again, so "run the same load again" was no way
// out. The refusal names `--abandon-unfinished`; with it another load is
// written over what the unfinished one wrote (every row an upsert by id),
// takes the mark over, and leaves a ledger that verifies.
TEST_F(LedgerUnfinishedLoad, AChangedLoadFileReplacesTheInterruptedLoadWithAbandonUnfinished) {
  const BookRows a = InvoiceRows("A.csv", {{"I1", "N-1"}, {"I2", "N-2"}, {"I3", "N-3"}, {"I4", "N-4"}}, 3);
  ASSERT_FALSE(ledger_->UpsertBook(a).ok());
  ASSERT_TRUE(ledger_->GetInvoice("I1").value().has_value());  // the first chunk is in
  ASSERT_FALSE(ledger_->GetInvoice("I3").value().has_value());
  // A.csv changed: I3 is gone, I2 has a new number, I5 is new.
  const BookRows b = InvoiceRows("A2.csv", {{"I1", "N-1"}, {"I2", "N-2b"}, {"I4", "N-4"}, {"I5", "N-5"}});
  Status refused = ledger_->UpsertBook(b);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.message().find("cashmatch load --abandon-unfinished"), std::string::npos) << refused.message();
  EXPECT_NE(ledger_->CheckBookComplete().message().find("--abandon-unfinished"), std::string::npos);

  BookLoadStats stats;
  Status s = ledger_->UpsertBook(b, &stats, OtherUnfinishedLoad::kAbandon);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_NE(stats.abandoned_load.find("a load of c.csv and A.csv"), std::string::npos) << stats.abandoned_load;
  EXPECT_GT(stats.writes_count, 1u);  // chunked: it put its own mark, and cleared it
  EXPECT_EQ(ledger_->UnfinishedLoad(), "");
  EXPECT_TRUE(ledger_->CheckBookComplete().ok());
  EXPECT_EQ(ledger_->GetInvoice("I2").value()->number, "N-2b");
  EXPECT_TRUE(ledger_->GetInvoice("I5").value().has_value());
  VerifyReport report;
  s = ledger_->Verify(&report);
  EXPECT_TRUE(s.ok()) << s.message();
  // The same ledger reopened: no mark is left in meta.
  ledger_.reset();
  auto reopened = Ledger::Open(tmp_.Join("ledger"), LedgerOptions());
  ASSERT_TRUE(reopened.ok());
  EXPECT_EQ(reopened.value()->UnfinishedLoad(), "");
}

// What --abandon-unfinished cannot repair by itself, and Verify names: the
// interrupted load moved a number to one invoice in its first chunk and was
// to give the old owner another in a later chunk it never wrote.
TEST_F(LedgerUnfinishedLoad, ANumberMovedHalfWayByAnAbandonedLoadIsNamedByVerify) {
  ASSERT_TRUE(ledger_->UpsertBook(InvoiceRows("0.csv", {{"Y", "N-1"}})).ok());
  // X takes N-1 (chunk 1, with C1); Y was to take N-9 (chunk 2).
  const BookRows a = InvoiceRows("A.csv", {{"X", "N-1"}, {"Z", "N-3"}, {"Y", "N-9"}}, 3, 3);
  ASSERT_FALSE(ledger_->UpsertBook(a).ok());
  ASSERT_FALSE(ledger_->UnfinishedLoad().empty());
  ASSERT_TRUE(ledger_->UpsertBook(InvoiceRows("B.csv", {{"Z", "N-3"}}), nullptr, OtherUnfinishedLoad::kAbandon).ok());
  VerifyReport report;
  Status s = ledger_->Verify(&report);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kInvariantViolated);
  EXPECT_NE(s.message().find("invoice Y (N-1): its number index key names invoice 'X'"), std::string::npos)
      << s.message();
  // The way out Verify's message points to: a load that gives Y a number.
  ASSERT_TRUE(ledger_->UpsertBook(InvoiceRows("C.csv", {{"Y", "N-9"}})).ok());
  s = ledger_->Verify(&report);
  EXPECT_TRUE(s.ok()) << s.message();
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

// A RocksDB database in `dir` with these column families and, when `key_in`
// is not null, one key in that family: what an older cashmatch killed
// during its first open left (its families were created one by one, its
// schema version written after).
void MakeRawDatabase(const std::string& dir, const std::vector<std::string>& families, const char* key_in = nullptr) {
  rocksdb::DBOptions options;
  options.create_if_missing = true;
  options.create_missing_column_families = true;
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (const std::string& cf : families) descriptors.emplace_back(cf, rocksdb::ColumnFamilyOptions());
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  ASSERT_TRUE(rocksdb::DB::Open(options, dir, descriptors, &handles, &raw).ok());
  for (size_t i = 0; i < families.size(); ++i) {
    if (key_in != nullptr && families[i] == key_in) {
      ASSERT_TRUE(raw->Put({}, handles[i], "I1", "x").ok());
    }
  }
  for (auto* h : handles) ASSERT_TRUE(raw->DestroyColumnFamilyHandle(h).ok());
  delete raw;
}

void ExpectHalfCreatedRefused(const std::string& dir) {
  for (bool read_only : {false, true}) {
    LedgerOptions options;
    options.read_only = read_only;
    auto refused = Ledger::Open(dir, options);
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.status().code(), StatusCode::kLedgerCorrupt);
    EXPECT_NE(refused.status().message().find(dir + " is a half-created ledger"), std::string::npos)
        << refused.status().message();
    EXPECT_NE(refused.status().message().find("run `cashmatch init --db " + dir + "` or `cashmatch load`"),
              std::string::npos)
        << refused.status().message();
  }
}

void ExpectFinishedByCreation(const std::string& dir) {
  auto finished = Ledger::Open(dir, Creating());
  ASSERT_TRUE(finished.ok()) << finished.status().message();
  EXPECT_TRUE(finished.value()->finished_half_created());
  VerifyReport report;
  EXPECT_TRUE(finished.value()->Verify(&report).ok());
  finished.value().reset();
  auto reopened = Ledger::Open(dir, LedgerOptions());
  ASSERT_TRUE(reopened.ok()) << reopened.status().message();
  EXPECT_FALSE(reopened.value()->finished_half_created());
}

// Issue 12 item 8, ledgers from older versions: a kill during the first
// creation by a cashmatch that created in place left RocksDB's first files
// and no CURRENT. Every command refused it and only `rm -rf` helped. Now
// such a directory is named as half-created (exit 4) by every command but
// load and init, which finish it. Only RocksDB's own creation files, with
// an empty WAL, count: anything that could hold data keeps it refused.
TEST(LedgerCreate, AHalfCreatedLedgerWithoutCurrentIsFinishedByLoadOrInitAndNamedByTheRest) {
  TempDir tmp;
  namespace fs = std::filesystem;
  auto leave_creation_files = [&](const std::string& name) {
    fs::create_directories(tmp.Join(name));
    for (const char* f : {"LOCK", "LOG", "IDENTITY", "MANIFEST-000001", "OPTIONS-000005.dbtmp", "000003.dbtmp"}) {
      tmp.Write(name + "/" + f, "partial");
    }
    tmp.Write(name + "/000004.log", "");
    return tmp.Join(name);
  };
  const std::string dir = leave_creation_files("ledger");
  ExpectHalfCreatedRefused(dir);
  ExpectFinishedByCreation(dir);

  // Not provably empty: a WAL with something in it, a table file, a file of
  // another name. Refused as before, whatever the command, and untouched.
  const std::string wal = leave_creation_files("wal");
  tmp.Write("wal/000004.log", "a record");
  const std::string sst = leave_creation_files("sst");
  tmp.Write("sst/000007.sst", "");
  const std::string notes = leave_creation_files("notes");
  tmp.Write("notes/notes.txt", "mine");
  for (const std::string& d : {wal, sst, notes}) {
    auto refused = Ledger::Open(d, Creating());
    ASSERT_FALSE(refused.ok()) << d;
    EXPECT_NE(refused.status().message().find("is not a cashmatch ledger"), std::string::npos)
        << refused.status().message();
    EXPECT_FALSE(fs::exists(d + "/CURRENT"));
    EXPECT_TRUE(fs::exists(d + "/MANIFEST-000001"));
  }
}

// The other state an older creation left: a database with no schema
// version and nothing in it, with all of the ledger's column families or
// only the first few. Named as half-created, finished by load or init. A
// database with a key anywhere, or with a family that is not ours, is not.
TEST(LedgerCreate, ADatabaseWithNoSchemaVersionAndNothingInItIsAHalfCreatedLedger) {
  TempDir tmp;
  const std::vector<std::string> all = {"default", "events", "invoices", "payments", "customers", "index", "meta"};
  MakeRawDatabase(tmp.Join("all"), all);
  ExpectHalfCreatedRefused(tmp.Join("all"));
  ExpectFinishedByCreation(tmp.Join("all"));

  MakeRawDatabase(tmp.Join("some"), {"default", "events", "invoices"});
  ExpectHalfCreatedRefused(tmp.Join("some"));
  ExpectFinishedByCreation(tmp.Join("some"));

  MakeRawDatabase(tmp.Join("with-a-key"), all, "invoices");
  MakeRawDatabase(tmp.Join("some-with-a-key"), {"default", "events", "invoices"}, "invoices");
  MakeRawDatabase(tmp.Join("foreign-family"), {"default", "events", "photos"});
  for (const char* name : {"with-a-key", "some-with-a-key", "foreign-family"}) {
    auto refused = Ledger::Open(tmp.Join(name), Creating());
    ASSERT_FALSE(refused.ok()) << name;
    EXPECT_EQ(refused.status().code(), StatusCode::kLedgerCorrupt);
    EXPECT_EQ(refused.status().message().find("half-created"), std::string::npos) << refused.status().message();
  }
}

// What a kill during a creation by this version leaves is its staging
// directory beside the target. The next creation of that ledger removes
// those it can prove abandoned (exact name, unlocked, unchanged for a
// minute) and nothing else.
TEST(LedgerCreate, LeftoverStagingDirectoriesOfAKilledCreationAreRemovedByTheNextCreation) {
  TempDir tmp;
  namespace fs = std::filesystem;
  const auto an_hour_ago = fs::file_time_type::clock::now() - std::chrono::hours(1);
  auto leftover = [&](const std::string& name, bool old) {
    fs::create_directories(tmp.Join(name));
    tmp.Write(name + "/MANIFEST-000001", "partial");
    if (old) fs::last_write_time(tmp.Join(name), an_hour_ago);
    return tmp.Join(name);
  };
  const std::string abandoned = leftover(".ledger.cashmatch-new-Ab12Cd", true);
  const std::string fresh = leftover(".ledger.cashmatch-new-BBBBBB", false);
  const std::string other_ledger = leftover(".other.cashmatch-new-CCCCCC", true);
  const std::string longer = leftover(".ledger.cashmatch-new-DDDDDDD", true);
  // A creation in progress: its database is open (RocksDB's LOCK is held).
  const std::string live = tmp.Join(".ledger.cashmatch-new-EEEEEE");
  auto in_use = Ledger::Open(live, Creating());
  ASSERT_TRUE(in_use.ok()) << in_use.status().message();
  fs::last_write_time(live, an_hour_ago);
  tmp.Write(".ledger.cashmatch-new-FFFFFF", "a file, not a directory");
  fs::last_write_time(tmp.Join(".ledger.cashmatch-new-FFFFFF"), an_hour_ago);

  auto created = Ledger::Open(tmp.Join("ledger"), Creating());
  ASSERT_TRUE(created.ok()) << created.status().message();
  EXPECT_FALSE(fs::exists(abandoned));
  for (const std::string& kept : {fresh, other_ledger, longer, live, tmp.Join(".ledger.cashmatch-new-FFFFFF")}) {
    EXPECT_TRUE(fs::exists(kept)) << kept;
  }
  EXPECT_TRUE(fs::exists(live + "/CURRENT"));
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
