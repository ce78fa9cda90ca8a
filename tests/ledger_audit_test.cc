// The ledger as auditors and operators meet it: verify catches books that do
// not balance, every event type survives storage, a follower sees new
// commits, a full disk commits nothing, and reports say what they should.
#include <gtest/gtest.h>
#include <rocksdb/db.h>
#include <rocksdb/env.h>
#include <rocksdb/file_system.h>

#include <atomic>
#include <cstdio>
#include <map>

#include "cashmatch/io/export.h"
#include "cashmatch/io/pipeline.h"
#include "cashmatch/io/reports.h"
#include "faulty_fs.h"
#include "test_util.h"

namespace cashmatch::io {
namespace {

using testing_util::TempDir;

constexpr char kCustomers[] = "customer_id,name,bank_accounts\nC1,Acme Corp.,021000021-4455667788\nC2,Globex,\n";
constexpr char kInvoices[] =
    "invoice_id,number,customer_id,currency,amount_total,issue_date,due_date\n"
    "I1,INV-2026-000001,C1,USD,100.00,2026-10-01,2026-10-31\n"
    "I2,INV-2026-000002,C1,USD,250.00,2026-11-01,2026-11-30\n"
    "I3,INV-2026-000003,C2,USD,75.50,2026-09-01,2026-09-15\n";
constexpr char kDay1[] =
    R"({"payment_id":"P1","amount":"100.00","currency":"USD","value_date":"2026-11-24","remittance":"INV-2026-000001"})"
    "\n"
    R"({"payment_id":"P2","amount":"75.00","currency":"USD","value_date":"2026-11-24","references":[{"invoice_number":"INV-2026-000003","amount":"80.00"}]})"
    "\n";
constexpr char kDay2[] =
    R"({"payment_id":"P3","amount":"250.00","currency":"USD","value_date":"2026-11-25","remittance":"INV-2026-000002"})"
    "\n";

// Runs `fn` with a FILE* and returns what it wrote.
template <typename Fn>
std::string Capture(Fn fn) {
  char* buf = nullptr;
  size_t len = 0;
  std::FILE* f = open_memstream(&buf, &len);
  Status s = fn(f);
  std::fclose(f);
  std::string out(buf, len);
  std::free(buf);
  EXPECT_TRUE(s.ok()) << s.message();
  return out;
}

class AuditTest : public ::testing::Test {
 protected:
  void SetUp() override { Open(LedgerOptions()); }

  void Open(LedgerOptions options) {
    ledger_.reset();
    options.create_if_missing = true;
    auto l = Ledger::Open(dir_, options);
    ASSERT_TRUE(l.ok()) << l.status().message();
    ledger_ = std::move(l).value();
    if (loaded_) return;
    auto r = LoadBookFiles(*ledger_, tmp_.Write("c.csv", kCustomers), tmp_.Write("i.csv", kInvoices));
    ASSERT_TRUE(r.ok()) << r.status().message();
    loaded_ = true;
  }

  Result<ApplyResult> Apply(const char* name, const char* content) {
    auto ex = HintExtractor::Create(policy_);
    EXPECT_TRUE(ex.ok());
    return ApplyPaymentFile(*ledger_, tmp_.Write(name, content), policy_, *ex.value(), MatchOptions());
  }

  // Runs `fn` on the ledger's RocksDB database opened directly, behind the
  // ledger's back (closed meanwhile), with the handle of each column family
  // by name; reopens the ledger with `reopen` afterwards.
  template <typename Fn>
  void WithRawDb(Fn fn, const LedgerOptions& reopen = LedgerOptions()) {
    ledger_.reset();
    testing_util::WithRawLedger(dir_, [&](rocksdb::DB* raw, const testing_util::ColumnFamilyOf& cf) {
      std::map<std::string, rocksdb::ColumnFamilyHandle*> by_name;
      for (const char* name : {"default", "events", "invoices", "payments", "customers", "index", "meta"}) {
        by_name[name] = cf(name);
      }
      fn(raw, by_name);
    });
    Open(reopen);
  }

  // Rewrites one stored value behind the ledger's back.
  void Tamper(const std::string& cf_name, const std::string& key, const std::optional<std::string>& value) {
    WithRawDb([&](rocksdb::DB* raw, std::map<std::string, rocksdb::ColumnFamilyHandle*>& cf) {
      ASSERT_EQ(cf.count(cf_name), 1u);
      rocksdb::Status s = value ? raw->Put(rocksdb::WriteOptions(), cf[cf_name], key, *value)
                                : raw->Delete(rocksdb::WriteOptions(), cf[cf_name], key);
      ASSERT_TRUE(s.ok());
    });
  }

  // The schema version stored in meta; the ledger is reopened with `reopen`.
  uint64_t StoredSchema(const LedgerOptions& reopen) {
    uint64_t version = 0;
    WithRawDb(
        [&](rocksdb::DB* raw, std::map<std::string, rocksdb::ColumnFamilyHandle*>& cf) {
          std::string v;
          ASSERT_TRUE(raw->Get(rocksdb::ReadOptions(), cf["meta"], "schema_version", &v).ok());
          ASSERT_EQ(v.size(), 8u);
          for (char c : v) version = (version << 8) | static_cast<unsigned char>(c);
        },
        reopen);
    return version;
  }

  // Every report that reads the audit trails, as text.
  std::string Trails() {
    std::string out;
    for (auto [subject, id] : {std::pair{Subject::kInvoice, "I1"},
                               {Subject::kInvoice, "I3"},
                               {Subject::kPayment, "P1"},
                               {Subject::kPayment, "P2"},
                               {Subject::kCustomer, "C1"},
                               {Subject::kCustomer, "C2"}}) {
      out += Capture([&](std::FILE* f) { return ReportTrail(*ledger_, subject, id, ReportFormat::kCsv, f); });
    }
    return out;
  }

  Status Verify() {
    VerifyReport report;
    return ledger_->Verify(&report);
  }

  TempDir tmp_;
  std::string dir_ = tmp_.Join("ledger");
  std::unique_ptr<Ledger> ledger_;
  Policy policy_;
  bool loaded_ = false;
};

TEST_F(AuditTest, VerifyPassesOnAHealthyLedgerAndFoldsTheTotals) {
  ASSERT_TRUE(Apply("d1.ndjson", kDay1).ok());
  ASSERT_TRUE(Apply("d2.ndjson", kDay2).ok());
  VerifyReport report;
  Status s = ledger_->Verify(&report);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(report.events_checked, ledger_->last_seq());
  EXPECT_EQ(report.payments_checked, 3u);
  EXPECT_EQ(report.invoices_checked, 3u);
  const CurrencySummary& usd = report.totals.at("USD");
  EXPECT_EQ(usd.received_minor, 42500);
  EXPECT_EQ(usd.applied_minor, 35000);
  EXPECT_EQ(usd.exceptions_minor, 7500);
}

TEST_F(AuditTest, VerifyNamesAnInvoiceWhoseStateDisagreesWithItsEvents) {
  ASSERT_TRUE(Apply("d1.ndjson", kDay1).ok());
  // Hide the batch's events of I1 (`applied` at seq 2 and its `suppression`,
  // one trail key) from its trail: the stored open amount (0.00) no longer
  // follows from the events that touched I1 (none).
  std::string key = std::string("I\0I1\0", 5) + std::string(7, '\0') + '\2';
  Tamper("index", key, std::nullopt);
  Status s = Verify();
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kInvariantViolated);
  EXPECT_NE(s.message().find("invoice I1 (INV-2026-000001)"), std::string::npos) << s.message();
}

// The index keys the matcher finds an invoice by are checked too: a number
// key naming another invoice, or a missing typo key, is named; a ledger
// whose keys are all there passes.
TEST_F(AuditTest, VerifyNamesAnInvoiceTheIndexWouldNotFind) {
  ASSERT_TRUE(Apply("d1.ndjson", kDay1).ok());
  ASSERT_TRUE(Verify().ok());
  const std::string number_key = std::string("n\0", 2) + NormalizeInvoiceNumber("INV-2026-000002");
  Tamper("index", number_key, std::string("I3"));
  Status s = Verify();
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kInvariantViolated);
  EXPECT_NE(s.message().find("invoice I2 (INV-2026-000002): its number index key names invoice 'I3'"),
            std::string::npos)
      << s.message();
  Tamper("index", number_key, std::string("I2"));
  ASSERT_TRUE(Verify().ok());

  // One string of I2's typo neighbourhood (I2 is still open).
  std::string typo_key;
  WithRawDb([&](rocksdb::DB* raw, std::map<std::string, rocksdb::ColumnFamilyHandle*>& cf) {
    std::unique_ptr<rocksdb::Iterator> it(raw->NewIterator(rocksdb::ReadOptions(), cf["index"]));
    const std::string suffix("\0I2", 3);
    for (it->Seek(std::string("d\0", 2)); it->Valid() && it->key().starts_with(std::string("d\0", 2)); it->Next()) {
      if (it->key().ToStringView().ends_with(suffix)) {
        typo_key = it->key().ToString();
        break;
      }
    }
  });
  ASSERT_FALSE(typo_key.empty());
  Tamper("index", typo_key, std::nullopt);
  s = Verify();
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("invoice I2 (INV-2026-000002): missing a typo index key"), std::string::npos)
      << s.message();
}

// A ledger written by schema 1 (one audit-trail key per event, empty value)
// is read as it is: trails, reports and verify give what they gave. Opened
// for writing it is marked schema 2 (so an older cashmatch refuses it), and
// later batches' grouped trails read on from the old keys.
TEST_F(AuditTest, ASchemaOneLedgerIsReadAsItIsAndMarkedTwoWhenWritten) {
  ASSERT_TRUE(Apply("d1.ndjson", kDay1).ok());
  const std::string trails = Trails();
  ASSERT_NE(trails.find(",applied,P1,I1,C1,100.00,USD,"), std::string::npos) << trails;
  std::vector<Event> events;
  ASSERT_TRUE(ledger_
                  ->ForEachEvent(0,
                                 [&](const Event& e) {
                                   events.push_back(e);
                                   return true;
                                 })
                  .ok());
  LedgerOptions read_only;
  read_only.read_only = true;
  // Rewrite the trails as schema 1 wrote them, and the version.
  WithRawDb(
      [&](rocksdb::DB* raw, std::map<std::string, rocksdb::ColumnFamilyHandle*>& cf) {
        rocksdb::WriteBatch wb;
        std::unique_ptr<rocksdb::Iterator> it(raw->NewIterator(rocksdb::ReadOptions(), cf["index"]));
        for (it->SeekToFirst(); it->Valid(); it->Next()) {
          std::string key = it->key().ToString();
          if (key.size() > 1 && key[1] == '\0' && (key[0] == 'I' || key[0] == 'P' || key[0] == 'C')) {
            ASSERT_FALSE(it->value().empty());  // schema 2: the value lists the seqs
            wb.Delete(cf["index"], key);
          }
        }
        for (const Event& e : events) {
          std::string seq(8, '\0');
          for (int i = 0; i < 8; ++i) seq[static_cast<size_t>(i)] = static_cast<char>(e.seq >> (56 - 8 * i));
          for (auto [kind, id] : {std::pair{'I', &e.invoice_id}, {'P', &e.payment_id}, {'C', &e.customer_id}}) {
            if (!id->empty()) wb.Put(cf["index"], std::string(1, kind) + '\0' + *id + '\0' + seq, "");
          }
        }
        std::string one(8, '\0');
        one[7] = 1;
        wb.Put(cf["meta"], "schema_version", one);
        ASSERT_TRUE(raw->Write(rocksdb::WriteOptions(), &wb).ok());
      },
      read_only);
  EXPECT_EQ(Trails(), trails);
  EXPECT_TRUE(Verify().ok());
  EXPECT_EQ(StoredSchema(LedgerOptions()), 1u);  // reading changed nothing; now reopened for writing
  EXPECT_EQ(StoredSchema(LedgerOptions()), Ledger::kSchemaVersion);
  ASSERT_TRUE(Apply("d2.ndjson", kDay2).ok());
  EXPECT_TRUE(Verify().ok());
  std::string c1 =
      Capture([&](std::FILE* f) { return ReportTrail(*ledger_, Subject::kCustomer, "C1", ReportFormat::kCsv, f); });
  size_t day1 = c1.find(",applied,P1,I1,C1,100.00,");
  size_t day2 = c1.find(",applied,P3,I2,C1,250.00,");
  ASSERT_NE(day1, std::string::npos) << c1;
  ASSERT_NE(day2, std::string::npos) << c1;
  EXPECT_LT(day1, day2);
}

// A trail value that is cut short, or from a newer encoding, is an error
// naming the trail, never a shorter or longer trail.
TEST_F(AuditTest, AMalformedTrailValueIsAnErrorNotAMisreadTrail) {
  ASSERT_TRUE(Apply("d1.ndjson", kDay1).ok());
  const std::string key = std::string("I\0I1\0", 5) + std::string(7, '\0') + '\2';
  auto trail_status = [&] {
    return ledger_->ForEachEventOf(Subject::kInvoice, "I1", [](const Event&) { return true; });
  };
  ASSERT_TRUE(trail_status().ok());
  Tamper("index", key, std::string("T\1\5", 3));  // five events, but no gaps follow
  EXPECT_EQ(trail_status().code(), StatusCode::kLedgerCorrupt);
  Tamper("index", key, std::string("T\7\1", 3));  // an encoding version this build does not know
  EXPECT_EQ(trail_status().code(), StatusCode::kUnsupported);
  EXPECT_FALSE(Verify().ok());
}

TEST_F(AuditTest, VerifyFindsAHoleInTheEventSequence) {
  ASSERT_TRUE(Apply("d1.ndjson", kDay1).ok());
  std::string seq2(8, '\0');
  seq2[7] = 2;
  Tamper("events", seq2, std::nullopt);
  Status s = Verify();
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kInvariantViolated);
  EXPECT_NE(s.message().find("gap"), std::string::npos) << s.message();
}

TEST_F(AuditTest, EveryEventTypeIsStoredAndExportedFaithfully) {
  BatchOutcome outcome;
  const EventType types[] = {EventType::kPaymentReceived, EventType::kApplied,   EventType::kWrittenOff,
                             EventType::kUnapplied,       EventType::kHeld,      EventType::kReleased,
                             EventType::kReversed,        EventType::kException, EventType::kSuppression};
  for (EventType t : types) {
    Event e;
    e.type = t;
    e.batch_id = "b-all";
    e.payment_id = "PX";
    e.invoice_id = "I1";
    e.customer_id = "C1";
    e.amount_minor = 1234;
    e.currency = Currency::Find("KWD");
    e.rule = "rule_" + std::string(EventTypeName(t));
    e.score_milli = 875;
    e.action = t == EventType::kSuppression ? SuppressionAction::kPause : SuppressionAction::kNone;
    e.reason = t == EventType::kException ? ExceptionReason::kAmbiguous : ExceptionReason::kNone;
    e.signals = {"a=1", "quote=\"x\""};
    e.detail = "line\nbreak";
    outcome.events.push_back(e);
  }
  SettlementBatch batch;
  batch.batch_id = "b-all";
  batch.idempotency_key = "test:all-types";
  ASSERT_TRUE(ledger_->CommitBatch(batch, outcome).ok());
  std::vector<Event> back;
  ASSERT_TRUE(ledger_
                  ->ForEachEvent(0,
                                 [&](const Event& e) {
                                   back.push_back(e);
                                   return true;
                                 })
                  .ok());
  ASSERT_EQ(back.size(), std::size(types));
  for (size_t i = 0; i < back.size(); ++i) {
    EXPECT_EQ(back[i].seq, i + 1);
    EXPECT_EQ(back[i].type, types[i]);
    EXPECT_EQ(EventToJson(back[i]), EventToJson(outcome.events[i]));
  }
  EXPECT_EQ(
      EventToJson(back[8]),
      R"({"seq":9,"type":"suppression","batch_id":"b-all","payment_id":"PX","invoice_id":"I1","customer_id":"C1",)"
      R"("amount":"1.234","currency":"KWD","rule":"rule_suppression","score":0.875,"action":"pause",)"
      R"("signals":["a=1","quote=\"x\""],"detail":"line\nbreak"})");
}

TEST_F(AuditTest, AFollowerSeesCommitsMadeAfterItOpened) {
  ASSERT_TRUE(Apply("d1.ndjson", kDay1).ok());
  LedgerOptions follow;
  follow.follow = true;
  auto follower = Ledger::Open(dir_, follow);
  ASSERT_TRUE(follower.ok()) << follower.status().message();
  const uint64_t seen = follower.value()->last_seq();
  EXPECT_EQ(seen, ledger_->last_seq());
  ASSERT_TRUE(Apply("d2.ndjson", kDay2).ok());
  ASSERT_TRUE(follower.value()->CatchUp().ok());
  std::vector<uint64_t> fresh;
  ASSERT_TRUE(follower.value()
                  ->ForEachEvent(seen,
                                 [&](const Event& e) {
                                   fresh.push_back(e.seq);
                                   return true;
                                 })
                  .ok());
  ASSERT_EQ(fresh.size(), ledger_->last_seq() - seen);
  EXPECT_EQ(fresh.front(), seen + 1);
}

TEST_F(AuditTest, ADiskFullDuringCommitCommitsNothingAndSaysSo) {
  auto fs = std::make_shared<testing_util::FaultyFs>(rocksdb::FileSystem::Default());
  std::unique_ptr<rocksdb::Env> env = rocksdb::NewCompositeEnv(fs);
  LedgerOptions options;
  options.env = env.get();
  Open(options);
  ASSERT_TRUE(Apply("d1.ndjson", kDay1).ok());
  const uint64_t before = ledger_->last_seq();
  fs->full = true;
  auto r = Apply("d2.ndjson", kDay2);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kIOError);
  EXPECT_NE(r.status().message().find("nothing was committed"), std::string::npos) << r.status().message();
  ledger_.reset();
  fs->full = false;
  Open(LedgerOptions());
  EXPECT_EQ(ledger_->last_seq(), before);
  EXPECT_TRUE(Verify().ok());
  auto again = Apply("d2.ndjson", kDay2);  // the same batch goes in once there is room
  ASSERT_TRUE(again.ok()) << again.status().message();
  EXPECT_FALSE(again.value().already_applied);
  EXPECT_TRUE(Verify().ok());
}

TEST_F(AuditTest, ReportsSayWhatAnArTeamNeeds) {
  ASSERT_TRUE(Apply("d1.ndjson", kDay1).ok());
  Date as_of = ParseIsoDate("2026-12-15").value();
  // I2 (250.00, due 11-30) is 15 days late; I3 (75.50, due 09-15) is 91.
  // Each customer's name stands beside its id; the overall rows have none.
  std::string aging = Capture([&](std::FILE* f) { return ReportAging(*ledger_, as_of, ReportFormat::kCsv, f); });
  EXPECT_NE(aging.find("customer_id,customer_name,currency,current,1-30,31-60,61-90,90+,total,invoices\n"),
            std::string::npos)
      << aging;
  EXPECT_NE(aging.find("C1,Acme Corp.,USD,0.00,250.00,0.00,0.00,0.00,250.00,1\n"), std::string::npos) << aging;
  EXPECT_NE(aging.find("C2,Globex,USD,0.00,0.00,0.00,0.00,75.50,75.50,1\n"), std::string::npos) << aging;
  EXPECT_NE(aging.find("ALL,,USD,0.00,250.00,0.00,0.00,75.50,325.50,2\n"), std::string::npos) << aging;

  std::string queue = Capture([&](std::FILE* f) { return ReportExceptions(*ledger_, ReportFormat::kJson, f); });
  EXPECT_NE(
      queue.find(
          R"("amount":"75.00","payment_id":"P2","customer_id":"C2","customer_name":"Globex","reason":"amount_mismatch")"),
      std::string::npos)
      << queue;

  std::string trail =
      Capture([&](std::FILE* f) { return ReportTrail(*ledger_, Subject::kInvoice, "I1", ReportFormat::kCsv, f); });
  EXPECT_NE(trail.find(",applied,P1,I1,C1,100.00,USD,exact_reference,1.000,"), std::string::npos) << trail;
  EXPECT_NE(trail.find(",suppression,P1,I1,C1,0.00,USD,invoice_settled,,cancel,"), std::string::npos) << trail;
  char* buf = nullptr;
  size_t len = 0;
  std::FILE* f = open_memstream(&buf, &len);
  Status missing = ReportTrail(*ledger_, Subject::kPayment, "nope", ReportFormat::kTable, f);
  std::fclose(f);
  std::free(buf);
  EXPECT_EQ(missing.code(), StatusCode::kNotFound);

  // Over November: sales are I2 (250.00). AR at 10-31 is I1 + I3 = 175.50;
  // P1 (valued 11-24) collected I1, so AR at 11-30 is I2 + I3 = 325.50, of
  // which I2 is current at 11-30. DSO = 325.50 / 250.00 * 30 = 39.1;
  // CEI = (175.50 + 250 - 325.50) / (175.50 + 250 - 250) * 100 = 57.0.
  std::string dso = Capture([&](std::FILE* f) {
    return ReportDsoCei(*ledger_, ParseIsoDate("2026-11-01").value(), ParseIsoDate("2026-11-30").value(),
                        ReportFormat::kCsv, f);
  });
  EXPECT_NE(dso.find("USD,175.50,250.00,325.50,250.00,39.1,57.0\n"), std::string::npos) << dso;
}

}  // namespace
}  // namespace cashmatch::io
