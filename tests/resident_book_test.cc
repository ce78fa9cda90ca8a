// The resident book (Ledger::EnableResidentBook, io/src/ledger/book_index.h)
// answers LoadBook's reads from memory. These tests check that it answers
// exactly what the ledger's RocksDB index does, key kind by key kind, that
// a book applied with it decides exactly as one applied without it, and
// that CheckResidentBook notices an index that no longer is the ledger's.
#include <gtest/gtest.h>
#include <rocksdb/db.h>

#include <algorithm>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "cashmatch/io/export.h"
#include "cashmatch/io/ledger.h"
#include "cashmatch/io/pipeline.h"
#include "ledger/book_index.h"
#include "ledger/keys.h"
#include "test_util.h"

namespace cashmatch::io {
namespace {

using testing_util::TempDir;

// Names with aliases and shared words, accounts two customers share, Stripe
// ids, a parent with children; invoices with POs (one shared), Stripe ids,
// numbers that differ only in punctuation, and settled ones.
constexpr char kCustomers[] =
    "customer_id,name,aliases,bank_accounts,stripe_customer_ids,parent_id,tier\n"
    "C1,Acme Corp.,ACME CORPORATION INC|Acme GmbH,021000021-4455667788,cus_A1,,enterprise\n"
    "C2,Acme Europe GmbH,,DE89370400440532013000,,C1,enterprise\n"
    "C3,Globex Logistics,,021000021-1111,cus_G1|cus_G2,,\n"
    "C4,Initech Logistics LLC,Initech,021000021-1111,,C1,\n"
    "C5,Umbrella Holdings,,,,,\n";
constexpr char kInvoices[] =
    "invoice_id,number,customer_id,currency,amount_total,amount_open,issue_date,due_date,po_number,billing_model,"
    "usage_status,disputed_amount,stripe_invoice_id\n"
    "I1,INV-2026-004211,C1,USD,100.00,,2026-10-01,2026-10-31,PO-7781,subscription,final,,\n"
    "I2,INV-2026-004212,C1,USD,250.00,,2026-11-01,2026-12-01,PO-7781,subscription,final,,\n"
    "I3,INV 2026 004213,C2,EUR,75.50,,2026-11-02,2026-12-02,,usage,reconciling,,\n"
    "I4,INV-2026-004214,C3,USD,1200.00,0.00,2026-09-01,2026-10-01,PO-1,services,final,,in_1AbC\n"
    "I5,INV-2026-005000,C3,USD,300.00,,2026-11-05,2026-12-05,,subscription,final,10.00,in_2XyZ\n"
    "I6,2026-5001,C4,USD,45.00,,2026-11-06,2026-12-06,PO-9,one_off,final,,\n"
    "I7,INV-2026-005002,C5,USD,99.99,,2026-11-07,2026-12-07,,subscription,final,,\n";

std::string Line(const std::string& id, const std::string& amount, const std::string& payer, const std::string& ref,
                 const std::string& account = "") {
  std::string refs = ref.empty() ? "" : R"(,"remittance":")" + ref + R"(")";
  std::string acct = account.empty() ? "" : R"(,"payer_account":")" + account + R"(")";
  return R"({"payment_id":")" + id + R"(","amount":")" + amount +
         R"(","currency":"USD","value_date":"2026-11-23","payer_name":")" + payer + R"(")" + refs + acct + "}\n";
}

// Exact numbers, a typo, punctuation, a PO, a name only, an account two
// customers share, a parent paying its child, a Stripe id, no hint at all.
std::string Payments() {
  return Line("P1", "100.00", "Acme Corp", "INV-2026-004211") +
         Line("P2", "250.00", "ACME CORPORATION", "INV2026004212") + Line("P3", "45.00", "Initech", "2026 5001") +
         Line("P4", "300.00", "Globex Logistics", "INV-2026-005OOO") + Line("P5", "99.99", "Umbrella Holdings", "") +
         Line("P6", "350.00", "Acme Corp", "PO-7781") + Line("P7", "45.00", "Someone", "", "021000021-1111") +
         Line("P8", "290.00", "Globex", "in_2XyZ") + Line("P9", "12.34", "Nobody Known", "") +
         Line("P10", "99.99", "Umbrela Holdings", "INV-2026-005003");
}

struct RawDb {
  rocksdb::DB* db = nullptr;
  std::map<std::string, rocksdb::ColumnFamilyHandle*> cf;
  explicit RawDb(const std::string& dir) {
    std::vector<std::string> names;
    EXPECT_TRUE(rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), dir, &names).ok());
    std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
    for (const std::string& n : names) descriptors.emplace_back(n, rocksdb::ColumnFamilyOptions());
    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    EXPECT_TRUE(rocksdb::DB::OpenForReadOnly(rocksdb::DBOptions(), dir, descriptors, &handles, &db).ok());
    for (size_t i = 0; i < handles.size(); ++i) cf[names[i]] = handles[i];
  }
  ~RawDb() {
    for (auto& [name, h] : cf) (void)db->DestroyColumnFamilyHandle(h);
    delete db;
  }
};

class ResidentBookTest : public ::testing::Test {
 protected:
  std::unique_ptr<Ledger> OpenLoaded(const std::string& name) {
    LedgerOptions options;
    options.create_if_missing = true;
    auto l = Ledger::Open(tmp_.Join(name), options);
    EXPECT_TRUE(l.ok()) << l.status().message();
    auto ledger = std::move(l).value();
    auto r = LoadBookFiles(*ledger, tmp_.Write("customers.csv", kCustomers), tmp_.Write("invoices.csv", kInvoices));
    EXPECT_TRUE(r.ok()) << r.status().message();
    return ledger;
  }
  std::string Export(Ledger& ledger) {
    std::string out;
    for (const Event& e : testing_util::EventsSince(ledger, 0)) out += EventToJson(e) + "\n";
    return out;
  }
  TempDir tmp_;
};

TEST(HashPostings, FindsExactlyTheEntriesOfAHashInRowOrder) {
  std::mt19937_64 rng(7);
  for (size_t n : {0, 1, 3, 4, 5, 100, 4097}) {
    std::vector<HashPostings::Entry> entries;
    std::multimap<uint64_t, uint32_t> expected;
    for (size_t i = 0; i < n; ++i) {
      // A few hashes repeat (as a group's entries do); some share top bits.
      const uint64_t h = i % 5 == 0 && i > 0 ? entries[i / 2].hash : rng() >> (i % 3 == 0 ? 8 : 0);
      const uint32_t row = static_cast<uint32_t>(rng() % 100000);
      entries.push_back({h, row, static_cast<uint32_t>(i)});
      expected.emplace(h, row);
    }
    HashPostings p;
    p.Build(entries, true);
    ASSERT_EQ(p.size(), n);
    for (const auto& e : entries) {
      auto [first, last] = p.Find(e.hash);
      std::vector<uint32_t> got, want;
      for (size_t i = first; i < last; ++i) got.push_back(p.row(i));
      auto [a, b] = expected.equal_range(e.hash);
      for (auto it = a; it != b; ++it) want.push_back(it->second);
      std::sort(want.begin(), want.end());
      EXPECT_EQ(got, want) << "n " << n;
    }
    for (int i = 0; i < 100; ++i) {
      const uint64_t h = rng();
      auto [first, last] = p.Find(h);
      EXPECT_EQ(first, last) << "a hash no entry has";
    }
  }
}

// Whole names ('N') are also read by prefix (a payer name cut by the rail):
// for every prefix of every stored name, the resident scan gives the ids a
// RocksDB seek on "N\0<prefix>" gives, in the same order, with the same
// "more" at every bound.
void ExpectNamePrefixSeeksAsRocksDb(RawDb& raw, const BookIndex& index) {
  std::unique_ptr<rocksdb::Iterator> it(raw.db->NewIterator(rocksdb::ReadOptions(), raw.cf["index"]));
  std::set<std::string> prefixes;
  const std::string kind_prefix = Key2(kIndexNameText, "");
  for (it->Seek(kind_prefix); it->Valid() && it->key().starts_with(kind_prefix); it->Next()) {
    const std::string text = it->key().ToString().substr(2, it->key().ToString().find('\0', 2) - 2);
    for (size_t n = 1; n <= text.size(); ++n) prefixes.insert(text.substr(0, n));
  }
  ASSERT_GT(prefixes.size(), 10u);
  prefixes.insert("no such name");
  for (const std::string& prefix : prefixes) {
    std::vector<std::string> want;
    const std::string seek = Key2(kIndexNameText, prefix);
    for (it->Seek(seek); it->Valid() && it->key().starts_with(seek); it->Next()) {
      const std::string key = it->key().ToString();
      want.push_back(key.substr(key.rfind('\0') + 1));
    }
    for (size_t bound : {size_t{1}, size_t{2}, SIZE_MAX}) {
      std::vector<std::string> ids;
      bool more = false;
      ASSERT_TRUE(index.ScanNameText(prefix, /*prefix=*/true, bound, &ids, &more).ok());
      const size_t n = std::min(bound, want.size());
      EXPECT_EQ(ids, std::vector<std::string>(want.begin(), want.begin() + static_cast<ptrdiff_t>(n))) << prefix;
      EXPECT_EQ(more, want.size() > bound) << prefix;
    }
  }
}

// For every group of every kind the index holds, the resident scan gives
// the ids a prefix seek in RocksDB gives, in the same order, with the same
// "more" at every bound; groups nobody has give nothing.
TEST_F(ResidentBookTest, AnswersEveryIndexReadAsRocksDbDoes) {
  const std::string dir = tmp_.Join("ledger");
  { OpenLoaded("ledger"); }
  RawDb raw(dir);
  auto built = BookIndex::Build(raw.db, raw.cf["invoices"], raw.cf["customers"]);
  ASSERT_TRUE(built.ok()) << built.status().message();
  const BookIndex& index = *built.value();
  EXPECT_EQ(index.stats().invoices_count, 7u);
  EXPECT_EQ(index.stats().customers_count, 5u);
  std::map<std::pair<char, std::string>, std::vector<std::string>> groups;  // what RocksDB holds
  std::unique_ptr<rocksdb::Iterator> it(raw.db->NewIterator(rocksdb::ReadOptions(), raw.cf["index"]));
  size_t checked = 0;
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    const std::string key = it->key().ToString();
    const char kind = key[0];
    if (kind == kIndexNumber || kind == kIndexStripeInvoice) {
      std::string id;
      bool found = false;
      ASSERT_TRUE(index.FindInvoiceId(kind, key.substr(2), &id, &found).ok());
      EXPECT_TRUE(found) << key.substr(2);
      EXPECT_EQ(id, it->value().ToString());
      ++checked;
      continue;
    }
    if (std::string("ctoaumhN").find(kind) == std::string::npos) continue;
    const size_t sep = key.find('\0', 2);
    groups[{kind, key.substr(2, sep - 2)}].push_back(key.substr(sep + 1));
  }
  ASSERT_GT(groups.size(), 20u);
  for (const auto& [kg, want] : groups) {
    for (size_t bound : {size_t{1}, size_t{2}, SIZE_MAX}) {
      std::vector<std::string> ids;
      bool more = false;
      ASSERT_TRUE(index.Scan(kg.first, kg.second, bound, &ids, &more).ok());
      const size_t n = std::min(bound, want.size());
      EXPECT_EQ(ids, std::vector<std::string>(want.begin(), want.begin() + static_cast<ptrdiff_t>(n)))
          << kg.first << " " << kg.second;
      EXPECT_EQ(more, want.size() > bound) << kg.first << " " << kg.second;
      ++checked;
    }
  }
  EXPECT_GT(checked, 60u);
  for (char kind : std::string("ctoaumhN")) {
    std::vector<std::string> ids;
    bool more = true;
    ASSERT_TRUE(index.Scan(kind, "no such group", SIZE_MAX, &ids, &more).ok());
    EXPECT_TRUE(ids.empty());
    EXPECT_FALSE(more);
  }
  std::string id;
  bool found = true;
  ASSERT_TRUE(index.FindInvoiceId(kIndexNumber, "INV2026999999", &id, &found).ok());
  EXPECT_FALSE(found);
  std::vector<std::string> values;
  std::vector<char> present;
  index.GetInvoiceRecords({"I3", "I9", "I1"}, &values, &present);
  EXPECT_EQ(present, (std::vector<char>{1, 0, 1}));
  std::string stored;
  ASSERT_TRUE(raw.db->Get(rocksdb::ReadOptions(), raw.cf["invoices"], "I3", &stored).ok());
  EXPECT_EQ(values[0], stored);
  ExpectNamePrefixSeeksAsRocksDb(raw, index);
}

// The same files applied to two copies of a book, one with the resident
// book and one without, leave the same events; the resident book follows
// every commit (and a load in the same process) and stays equal to the
// ledger's.
TEST_F(ResidentBookTest, DecidesAsTheLedgerAndFollowsEveryCommit) {
  auto plain = OpenLoaded("plain");
  auto resident = OpenLoaded("resident");
  ASSERT_TRUE(resident->EnableResidentBook().ok());
  EXPECT_TRUE(resident->resident_book());
  auto ex = HintExtractor::Create(Policy());
  ASSERT_TRUE(ex.ok());
  const std::string day1 = tmp_.Write("day1.ndjson", Payments());
  // The day after: more cash for the invoices day 1 left open, and a return.
  const std::string day2 = tmp_.Write(
      "day2.ndjson",
      R"({"type":"return","payment_id":"RT1","original_payment_id":"P1","amount":"100.00","currency":"USD","value_date":"2026-11-24","kind":"ach_return"})"
      "\n" +
          Line("Q1", "100.00", "Acme Corp", "INV-2026-004211") + Line("Q2", "40.00", "Globex", "INV-2026-005000") +
          Line("Q3", "75.50", "Acme Europe GmbH", ""));
  for (const std::string& file : {day1, day2, day1}) {
    for (Ledger* l : {plain.get(), resident.get()}) {
      auto r = ApplyPaymentFile(*l, file, Policy(), *ex.value(), MatchOptions(), ApplyOptions());
      ASSERT_TRUE(r.ok()) << r.status().message();
      if (file == day1 && !r.value().already_applied) {
        EXPECT_GE(r.value().applied_count, 6u);
      }
    }
    ASSERT_TRUE(resident->resident_book());
    ASSERT_TRUE(resident->CheckResidentBook().ok()) << resident->CheckResidentBook().message();
    EXPECT_EQ(Export(*plain), Export(*resident));
  }
  // A load in the same process: the resident book is built again from it.
  auto r = LoadBookFiles(*resident, "",
                         tmp_.Write("more.csv",
                                    "invoice_id,number,customer_id,currency,amount_total,due_date\n"
                                    "I8,INV-2026-006000,C5,USD,5.00,2026-12-31\n"));
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_TRUE(resident->resident_book());
  EXPECT_EQ(resident->resident_book_stats().invoices_count, 8u);
  EXPECT_TRUE(resident->CheckResidentBook().ok());
  const std::string day3 = tmp_.Write("day3.ndjson", Line("R1", "5.00", "Umbrella Holdings", "INV-2026-006000"));
  auto applied = ApplyPaymentFile(*resident, day3, Policy(), *ex.value(), MatchOptions(), ApplyOptions());
  ASSERT_TRUE(applied.ok()) << applied.status().message();
  EXPECT_EQ(applied.value().applied_count, 1u);
  EXPECT_TRUE(resident->CheckResidentBook().ok());
}

// An index that no longer is the ledger's (here: an invoice record changed
// behind its back) is named by CheckAgainst.
TEST_F(ResidentBookTest, CheckNamesAnIndexThatDriftedFromTheLedger) {
  const std::string dir = tmp_.Join("ledger");
  { OpenLoaded("ledger"); }
  RawDb raw(dir);
  auto built = BookIndex::Build(raw.db, raw.cf["invoices"], raw.cf["customers"]);
  ASSERT_TRUE(built.ok());
  BookIndex& index = *built.value();
  EXPECT_TRUE(index.CheckAgainst(raw.db, raw.cf["invoices"], raw.cf["customers"]).ok());
  Invoice inv;
  inv.invoice_id = "I2";
  inv.number = "INV-2026-004212";
  inv.customer_id = "C1";
  inv.currency = Currency::Find("USD");
  inv.amount_total_minor = 25000;
  inv.amount_open_minor = 1;
  ASSERT_TRUE(index.UpdateInvoices({inv}).ok());
  Status s = index.CheckAgainst(raw.db, raw.cf["invoices"], raw.cf["customers"]);
  EXPECT_EQ(s.code(), StatusCode::kInvariantViolated);
  EXPECT_NE(s.message().find("invoice record"), std::string::npos) << s.message();
  // An invoice the index never had, or a renumbered one, is refused.
  inv.invoice_id = "I99";
  EXPECT_FALSE(index.UpdateInvoices({inv}).ok());
  inv.invoice_id = "I2";
  inv.number = "INV-2026-000001";
  EXPECT_FALSE(index.UpdateInvoices({inv}).ok());
}

}  // namespace
}  // namespace cashmatch::io
