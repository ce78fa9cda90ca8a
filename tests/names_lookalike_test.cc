// Issue 14 §2 and §5 (first half), end to end through the matcher and the
// ledger:
//   - an exact, unique normalized name identifies its customer however
//     common its words are, at 40,000 customers, in OpenBook and through
//     the ledger's search with and without the resident book; two
//     customers of one normalized name are ambiguous;
//   - a name the rail cut at 16 characters identifies by unique prefix,
//     never when two customers share the prefix;
//   - look-alike letters in a serial (O/0, I/1, l/1, S/5, B/8, Z/2) find the
//     invoice through the tolerant key, while letter prefixes and genuinely
//     alphanumeric numbers keep their letters;
//   - a schema-3 ledger is upgraded: whole-name keys added, tolerant keys
//     rebuilt.
#include <gtest/gtest.h>
#include <rocksdb/db.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "cashmatch/engine/invoice_keys.h"
#include "cashmatch/engine/match.h"
#include "cashmatch/engine/payer_name.h"
#include "cashmatch/io/ledger.h"
#include "ledger/customer_keys.h"
#include "ledger/keys.h"
#include "test_util.h"

namespace cashmatch {
namespace {

using io::Ledger;
using testing_util::Creating;
using testing_util::TempDir;
using testing_util::WithRawLedger;

const Currency* USD() { return Currency::Find("USD"); }

Invoice MakeInvoice(const std::string& id, const std::string& number, int64_t open_minor, const std::string& customer) {
  Invoice inv;
  inv.invoice_id = id;
  inv.number = number;
  inv.customer_id = customer;
  inv.currency = USD();
  inv.amount_total_minor = open_minor;
  inv.amount_open_minor = open_minor;
  inv.issue_date = ParseIsoDate("2026-11-01").value();
  inv.due_date = ParseIsoDate("2026-11-30").value();
  return inv;
}

Customer MakeCustomer(const std::string& id, const std::string& name) {
  Customer c;
  c.customer_id = id;
  c.name = name;
  return c;
}

Payment MakePayment(const std::string& id, int64_t amount_minor, const std::string& payer_name,
                    const std::string& remittance = "") {
  Payment p;
  p.payment_id = id;
  p.amount_minor = amount_minor;
  p.currency = USD();
  p.value_date = ParseIsoDate("2026-12-07").value();
  p.payer_name = payer_name;
  p.remittance = remittance;
  return p;
}

bool Has(const std::vector<std::string>& signals, const std::string& s) {
  return std::find(signals.begin(), signals.end(), s) != signals.end();
}

// A word of letters only, distinct for every i: "Qa", "Qb", …, "Qba" …
std::string UniqueWord(size_t i) {
  std::string w;
  do {
    w.insert(w.begin(), static_cast<char>('a' + i % 26));
    i /= 26;
  } while (i > 0);
  return "Q" + w;
}

constexpr size_t kBigBookCustomers = 40000;
// Enough customers sharing "analytics" to make it too common to search
// (kNamePostingsCountMaxDefault), for the tests that need no more.
constexpr size_t kCommonBookCustomers = 200;

// 40,000 customers "<unique word> Analytics LLC" (every one shares
// "analytics": far too common to search), plus the named ones, each with
// one open invoice of its own amount.
struct Book {
  std::vector<Customer> customers;
  std::vector<Invoice> invoices;

  void Add(const std::string& id, const std::string& name, int64_t amount_minor) {
    customers.push_back(MakeCustomer(id, name));
    invoices.push_back(MakeInvoice("I-" + id, "INV-2026-" + id, amount_minor, id));
  }
  static Book Big(size_t count = kBigBookCustomers) {
    Book b;
    b.customers.reserve(count + 8);
    for (size_t i = 0; i < count; ++i) {
      b.customers.push_back(MakeCustomer("B" + std::to_string(100000 + i), UniqueWord(i) + " Analytics LLC"));
    }
    return b;
  }
  OpenBook Open() const {
    OpenBook book;
    for (const Customer& c : customers) book.AddCustomer(c);
    for (const Invoice& inv : invoices) book.AddInvoice(inv);
    book.Seal();
    return book;
  }
};

class NamesLookalikeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto ex = HintExtractor::Create(policy_);
    ASSERT_TRUE(ex.ok());
    extractor_ = std::move(ex).value();
  }

  SettlementBatch Batch(const std::vector<Payment>& payments) const {
    SettlementBatch batch;
    batch.batch_id = "b-names";
    batch.payments = payments;
    return batch;
  }

  BatchOutcome RunOn(const OpenBook& book, const std::vector<Payment>& payments) const {
    const SettlementBatch batch = Batch(payments);
    auto hints = ExtractAllHints(batch, *extractor_, MatchOptions());
    return MatchBatch(batch, hints, book, policy_);
  }

  // The same payments against the book a ledger holding `b` loads for
  // them (resident or not).
  BatchOutcome RunThroughLedger(const Book& b, const std::vector<Payment>& payments, bool resident) {
    TempDir tmp;
    auto l = Ledger::Open(tmp.Join("ledger"), Creating());
    EXPECT_TRUE(l.ok()) << l.status().message();
    if (!l.ok()) return BatchOutcome();
    Ledger& ledger = *l.value();
    Status s = ledger.UpsertBook(b.customers, b.invoices);
    EXPECT_TRUE(s.ok()) << s.message();
    if (resident) {
      EXPECT_TRUE(ledger.EnableResidentBook().ok());
    }
    const SettlementBatch batch = Batch(payments);
    auto hints = ExtractAllHints(batch, *extractor_, MatchOptions());
    auto book = ledger.LoadBook(PlanBookRequest(batch, hints));
    EXPECT_TRUE(book.ok()) << book.status().message();
    if (!book.ok()) return BatchOutcome();
    // Loaded through the index: the payers, never the whole book.
    EXPECT_LT(book.value()->customer_count(), 200u);
    return MatchBatch(batch, hints, *book.value(), policy_);
  }

  // Checks `check` on the outcome in the engine over the whole book, and
  // through the ledger with and without the resident book.
  template <typename Check>
  void Everywhere(const Book& b, const std::vector<Payment>& payments, Check check) {
    {
      SCOPED_TRACE("engine, whole book");
      const OpenBook book = b.Open();
      check(RunOn(book, payments));
    }
    for (bool resident : {false, true}) {
      SCOPED_TRACE(resident ? "ledger, resident book" : "ledger, RocksDB");
      check(RunThroughLedger(b, payments, resident));
    }
  }

  Policy policy_;
  std::unique_ptr<HintExtractor> extractor_;
};

// The payer writes exactly the name of one of 40,000 "… Analytics LLC"
// customers: "analytics" is too common to search, but the whole name is
// one customer's, so it identifies it (similarity 1000) and its invoice is
// applied by amount. A word-order variant is not the exact name and, made
// of the common word and a rare one, still finds it by similarity; a name
// of the common word alone identifies nobody, as before.
TEST_F(NamesLookalikeTest, ExactNameAt40kCustomers) {
  Book b = Book::Big();
  b.Add("C1", "Northwind Analytics LLC", 1234567);
  b.invoices.push_back(MakeInvoice("I-B100007", "INV-2026-B100007", 777700, "B100007"));
  const std::string seventh = UniqueWord(7) + " ANALYTICS, L.L.C.";
  Everywhere(b,
             {MakePayment("P1", 1234567, "NORTHWIND ANALYTICS"), MakePayment("P2", 777700, seventh),
              MakePayment("P3", 1234567, "ANALYTICS LLC")},
             [](const BatchOutcome& out) {
               ASSERT_EQ(out.payments.size(), 3u);
               EXPECT_EQ(out.payments[0].customer_id, "C1");
               EXPECT_EQ(out.payments[0].status, PaymentStatus::kApplied);
               EXPECT_EQ(out.payments[1].customer_id, "B100007");
               EXPECT_EQ(out.payments[1].status, PaymentStatus::kApplied);
               EXPECT_TRUE(out.payments[2].customer_id.empty());
               size_t too_common = 0;
               for (const Event& e : out.events) {
                 if (e.payment_id == "P1" && e.type == EventType::kApplied) {
                   EXPECT_EQ(e.invoice_id, "I-C1");
                   EXPECT_TRUE(Has(e.signals, "name_similarity=1000"));
                 }
                 if (e.payment_id == "P3" && e.type == EventType::kException) {
                   EXPECT_EQ(e.reason, ExceptionReason::kNoCustomer);
                   too_common += Has(e.signals, "name=too_common") ? 1 : 0;
                 }
               }
               EXPECT_EQ(too_common, 1u);
             });
}

// Two customers whose names normalize alike ("Initech Analytics Inc" and
// "INITECH ANALYTICS GmbH"): the exact name names both, so neither is
// identified, and both are in the signals, at any book size.
TEST_F(NamesLookalikeTest, ExactNameOfTwoCustomersIsAmbiguous) {
  Book b = Book::Big(kCommonBookCustomers);
  b.Add("C3", "Initech Analytics Inc", 410000);
  b.Add("C4", "INITECH ANALYTICS GmbH", 410000);
  Everywhere(b, {MakePayment("P1", 410000, "Initech Analytics Ltd")}, [](const BatchOutcome& out) {
    ASSERT_EQ(out.payments.size(), 1u);
    EXPECT_TRUE(out.payments[0].customer_id.empty());
    size_t exceptions = 0;
    for (const Event& e : out.events) {
      if (e.type != EventType::kException) continue;
      ++exceptions;
      EXPECT_EQ(e.reason, ExceptionReason::kNoCustomer);
      EXPECT_TRUE(Has(e.signals, "name_ambiguous=C3|C4")) << e.detail;
    }
    EXPECT_EQ(exceptions, 1u);
  });
}

// NACHA cuts the originator's company name at 16 characters: "NORTHWIND
// ANALYT" is the start of exactly one customer's normalized name, so it
// identifies that customer (signal name=prefix) and its invoice is applied.
TEST_F(NamesLookalikeTest, Unique16CharPrefixIdentifies) {
  Book b = Book::Big(kCommonBookCustomers);
  b.Add("C1", "Northwind Analytics LLC", 1234567);
  b.Add("C2", "Northwind Logistics LLC", 1234567);
  ASSERT_TRUE(PayerNameLooksCut("NORTHWIND ANALYT"));
  Everywhere(b, {MakePayment("P1", 1234567, "NORTHWIND ANALYT")}, [](const BatchOutcome& out) {
    ASSERT_EQ(out.payments.size(), 1u);
    EXPECT_EQ(out.payments[0].customer_id, "C1");
    EXPECT_EQ(out.payments[0].status, PaymentStatus::kApplied);
    size_t applied = 0;
    for (const Event& e : out.events) {
      if (e.type != EventType::kApplied) continue;
      ++applied;
      EXPECT_EQ(e.invoice_id, "I-C1");
    }
    EXPECT_EQ(applied, 1u);
    ASSERT_FALSE(out.events.empty());
    EXPECT_EQ(out.events[0].type, EventType::kPaymentReceived);
    EXPECT_TRUE(Has(out.events[0].signals, "name=prefix"));
  });
}

// Two customers start with the cut name ("Northwind Analytics" and
// "Northwind Analytical Group"): the prefix names neither, nothing is
// applied. A name that is not 16 characters long is never read as a
// prefix ("NORTHWIND ANALY" is not a cut name).
TEST_F(NamesLookalikeTest, AmbiguousPrefixDoesNot) {
  Book b = Book::Big(kCommonBookCustomers);
  b.Add("C1", "Northwind Analytics LLC", 1234567);
  b.Add("C2", "Northwind Analytical Group Inc", 1234567);
  b.Add("C5", "Contoso Pharmaceuticals Europe", 555500);
  EXPECT_FALSE(PayerNameLooksCut("CONTOSO PHARMAC"));
  Everywhere(b, {MakePayment("P1", 1234567, "NORTHWIND ANALYT"), MakePayment("P2", 555500, "CONTOSO PHARMAC")},
             [](const BatchOutcome& out) {
               ASSERT_EQ(out.payments.size(), 2u);
               EXPECT_TRUE(out.payments[0].customer_id.empty());
               EXPECT_TRUE(out.payments[1].customer_id.empty());
               for (const Event& e : out.events) EXPECT_NE(e.type, EventType::kApplied) << e.payment_id;
             });
}

// Each look-alike letter in the serial of a remittance: the hint keeps the
// whole number, and the tolerant key reads the letter as its digit, so the
// invoice is found and paid.
TEST_F(NamesLookalikeTest, LookAlikeLettersInASerialResolveToTheInvoice) {
  struct Case {
    const char* number;
    const char* written;
  };
  const Case cases[] = {
      {"INV-2026-018143", "INV-2026-O18143"},  // O for 0
      {"INV-2026-118144", "INV-2026-I18144"},  // I for 1
      {"INV-2026-118145", "INV-2026-l18145"},  // l for 1
      {"INV-2026-518146", "INV-2026-S18146"},  // S for 5
      {"INV-2026-818147", "INV-2026-B18147"},  // B for 8
      {"INV-2026-218148", "INV-2026-Z18148"},  // Z for 2
      {"INV-2026-000149", "inv-2026-oO0149"},  // two, lower case too
  };
  Book b;
  b.customers.push_back(MakeCustomer("C1", "Acme Corp"));
  std::vector<Payment> payments;
  int64_t amount = 50391;
  for (const Case& c : cases) {
    EXPECT_EQ(TolerantInvoiceKey(c.number), TolerantInvoiceKey(c.written)) << c.written;
    b.invoices.push_back(MakeInvoice(c.number, c.number, amount, "C1"));
    payments.push_back(MakePayment(std::string("P-") + c.written, amount, "", std::string("Pmt ") + c.written));
    ++amount;
  }
  // A decoy of the same amount as the first, so the amount alone cannot
  // decide: the reference must.
  b.invoices.push_back(MakeInvoice("decoy", "INV-2026-099999", 50391, "C1"));
  // The hint is the whole number, not "INV-2026".
  const PaymentHints hints = extractor_->Extract(payments[0]);
  ASSERT_EQ(hints.invoices.size(), 1u);
  EXPECT_EQ(hints.invoices[0].text, "INV-2026-O18143");
  Everywhere(b, payments, [&](const BatchOutcome& out) {
    ASSERT_EQ(out.payments.size(), std::size(cases));
    std::set<std::string> paid;
    for (const Event& e : out.events) {
      if (e.type != EventType::kApplied) continue;
      paid.insert(e.invoice_id);
      // Found by the tolerant key, which scores as an exact reference (a
      // typo would be reference_fuzzy, and two letters are two edits).
      EXPECT_EQ(e.rule, "exact_reference") << e.payment_id;
    }
    for (const Case& c : cases) EXPECT_EQ(paid.count(c.number), 1u) << c.written;
    EXPECT_EQ(paid.count("decoy"), 0u);
  });
}

// What is never folded: letter prefixes (before the first digit), letters
// of a run with fewer than three digits or with more than two letters,
// letters after the digits (a suffix), and letters not among the
// look-alikes. A look-alike between two digits is folded.
TEST_F(NamesLookalikeTest, PrefixesAndGenuineAlphanumericNumbersAreNotFolded) {
  EXPECT_EQ(TolerantInvoiceKey("INV-2026-4211"), "2026-4211");
  EXPECT_EQ(TolerantInvoiceKey("BOS-2026-4211"), "2026-4211");
  EXPECT_EQ(TolerantInvoiceKey("LIZ2026-4211"), "2026-4211");
  EXPECT_EQ(TolerantInvoiceKey("B12345"), "12345");  // a one-letter series
  EXPECT_EQ(TolerantInvoiceKey("INV-A1B2"), "1-B-2");
  EXPECT_EQ(TolerantInvoiceKey("INV-2026-A1B2"), "2026-A-1-B-2");
  EXPECT_EQ(TolerantInvoiceKey("INV-2026-4211B"), "2026-4211-B");  // a suffix
  EXPECT_EQ(TolerantInvoiceKey("INV-2026-4211-B"), "2026-4211-B");
  EXPECT_EQ(TolerantInvoiceKey("INV-2026-42X11"), "2026-42-X-11");          // not a look-alike
  EXPECT_EQ(TolerantInvoiceKey("INV-2026-4O1S1B9"), "2026-4-O-1-S-1-B-9");  // three letters
  EXPECT_NE(TolerantInvoiceKey("INV-2026-4211A"), TolerantInvoiceKey("INV-2026-42110"));
  EXPECT_EQ(TolerantInvoiceKey("INV-2026-B12"), "2026-B-12");        // two digits
  EXPECT_EQ(TolerantInvoiceKey("INV-2026-SOB123"), "2026-SOB-123");  // three letters
  EXPECT_EQ(TolerantInvoiceKey("INV-2026-X12345"), "2026-X-12345");  // not a look-alike
  EXPECT_EQ(TolerantInvoiceKey("INV-2026-0O7305"), "2026-7305");     // inside the digits: 007305
  EXPECT_EQ(TolerantInvoiceKey("INV-2026-01B1S3"), "2026-18153");    // two inside
  // A genuinely alphanumeric invoice is still found by its own number.
  Book b;
  b.customers.push_back(MakeCustomer("C1", "Acme Corp"));
  b.invoices.push_back(MakeInvoice("I1", "INV-2026-A1B2", 10000, "C1"));
  b.invoices.push_back(MakeInvoice("I2", "INV-2026-4211B", 20000, "C1"));
  b.invoices.push_back(MakeInvoice("I3", "INV-2026-42118", 20000, "C1"));
  const OpenBook book = b.Open();
  BatchOutcome out = RunOn(book, {MakePayment("P1", 20000, "", "INV-2026-4211B")});
  ASSERT_EQ(out.payments.size(), 1u);
  EXPECT_EQ(out.payments[0].status, PaymentStatus::kApplied);
  for (const Event& e : out.events) {
    if (e.type == EventType::kApplied) {
      EXPECT_EQ(e.invoice_id, "I2");
    }
  }
}

// A schema-3 ledger: no whole-name keys, tolerant keys of the old rule.
// Opened for writing, it is marked 4, every customer has its 'N' keys,
// and the 't' keys are exactly the new rule's (a stale one is gone), so a
// look-alike reference and an exact name at scale are found.
TEST_F(NamesLookalikeTest, SchemaThreeLedgerIsUpgraded) {
  TempDir tmp;
  const std::string dir = tmp.Join("ledger");
  Book b;
  b.Add("C1", "Northwind Analytics LLC", 1234567);
  b.invoices.push_back(MakeInvoice("I-O", "INV-2026-018143", 50391, "C1"));
  {
    auto l = Ledger::Open(dir, Creating());
    ASSERT_TRUE(l.ok()) << l.status().message();
    ASSERT_TRUE(l.value()->UpsertBook(b.customers, b.invoices).ok());
  }
  WithRawLedger(dir, [](rocksdb::DB* raw, const testing_util::ColumnFamilyOf& cf) {
    std::unique_ptr<rocksdb::Iterator> it(raw->NewIterator(rocksdb::ReadOptions(), cf("index")));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      const char kind = it->key()[0];
      if (kind == io::kIndexNameText || kind == io::kIndexTolerant) {
        ASSERT_TRUE(raw->Delete(rocksdb::WriteOptions(), cf("index"), it->key()).ok());
      }
    }
    // What the old rule gave the look-alike-free number is the same; a key
    // only the old rule gave must go.
    ASSERT_TRUE(
        raw->Put(rocksdb::WriteOptions(), cf("index"), io::Key3(io::kIndexTolerant, "2026-O-18143", "I-O"), "").ok());
    std::string three(8, '\0');
    three[7] = 3;
    ASSERT_TRUE(raw->Put(rocksdb::WriteOptions(), cf("meta"), "schema_version", three).ok());
  });
  {
    auto l = Ledger::Open(dir, Creating());
    ASSERT_TRUE(l.ok()) << l.status().message();
  }
  std::set<std::string> names, tolerant;
  WithRawLedger(dir, [&](rocksdb::DB* raw, const testing_util::ColumnFamilyOf& cf) {
    std::string v;
    ASSERT_TRUE(raw->Get(rocksdb::ReadOptions(), cf("meta"), "schema_version", &v).ok());
    ASSERT_EQ(v.size(), 8u);
    EXPECT_EQ(v[7], static_cast<char>(Ledger::kSchemaVersion));
    std::unique_ptr<rocksdb::Iterator> it(raw->NewIterator(rocksdb::ReadOptions(), cf("index")));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      const std::string key = it->key().ToString();
      if (key[0] == io::kIndexNameText) names.insert(key);
      if (key[0] == io::kIndexTolerant) tolerant.insert(key);
    }
  });
  std::set<std::string> want_names;
  for (const std::string& k : io::CustomerIndexKeys(b.customers[0])) {
    if (k[0] == io::kIndexNameText) want_names.insert(k);
  }
  EXPECT_EQ(names, want_names);
  EXPECT_EQ(names.size(), 1u);
  std::set<std::string> want_tolerant;
  for (const Invoice& inv : b.invoices)
    want_tolerant.insert(io::Key3(io::kIndexTolerant, io::TolerantGroup(inv), inv.invoice_id));
  EXPECT_EQ(tolerant, want_tolerant);
  // Found by both through LoadBook.
  auto l = Ledger::Open(dir, Creating());
  ASSERT_TRUE(l.ok()) << l.status().message();
  const SettlementBatch batch =
      Batch({MakePayment("P1", 50391, "", "INV-2026-O18143"), MakePayment("P2", 1234567, "NORTHWIND ANALYT")});
  auto hints = ExtractAllHints(batch, *extractor_, MatchOptions());
  auto book = l.value()->LoadBook(PlanBookRequest(batch, hints));
  ASSERT_TRUE(book.ok()) << book.status().message();
  BatchOutcome out = MatchBatch(batch, hints, *book.value(), policy_);
  ASSERT_EQ(out.payments.size(), 2u);
  EXPECT_EQ(out.payments[0].status, PaymentStatus::kApplied);
  EXPECT_EQ(out.payments[1].customer_id, "C1");
}

}  // namespace
}  // namespace cashmatch
