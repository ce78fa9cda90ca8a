// gen: the generator is deterministic for a seed, and every file it writes
// is read by the parsers as-is (no warning, no reject), with one payment per
// answer-key line. `tests/gen_eval_test.sh` takes the same files through
// load, apply, verify and eval.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <iterator>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "cashmatch/datasets/eval.h"
#include "cashmatch/datasets/gen.h"
#include "cashmatch/engine/money.h"
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

// --- Issue 14's situations in the messy profile ------------------------
//
// One messy portfolio read back whole: the book (customers.csv,
// invoices.csv), every payment as the parsers read it, the Stripe payouts,
// and the key. Each test below finds its scenario's payments and checks
// that the situation is really there and that the key says what a careful
// clerk would do.
struct Portfolio {
  struct Invoice {
    std::string id, number, customer_id;
    int64_t open_minor = 0;
    std::string due;
  };
  struct Key {
    TruthPayment t;
    std::string format;
  };
  std::map<std::string, std::string> customer_name;  // id -> name
  std::map<std::string, Invoice> invoice_by_id, invoice_by_number;
  std::map<std::string, Payment> payments;       // id -> as parsed
  std::map<std::string, int64_t> payout_amount;  // po_ -> net amount of its listing
  std::vector<Key> keys;
  GenSummary summary;

  std::vector<const Key*> Of(const std::string& scenario) const {
    std::vector<const Key*> out;
    for (const Key& k : keys) {
      if (k.t.scenario == scenario) out.push_back(&k);
    }
    return out;
  }
};

std::vector<std::string> SplitCsv(const std::string& line) {
  std::vector<std::string> out(1);
  for (char c : line) {
    if (c == ',') {
      out.emplace_back();
    } else {
      out.back().push_back(c);
    }
  }
  return out;
}

int64_t Minor(const std::string& decimal) { return ParseAmountMinor(decimal, 2).value(); }

void ReadPortfolio(const GenOptions& o, Portfolio* p) {
  ASSERT_TRUE(Generate(o, &p->summary).ok());
  std::istringstream customers(Slurp(o.out_dir + "/customers.csv")), invoices(Slurp(o.out_dir + "/invoices.csv"));
  std::string line;
  std::getline(customers, line);
  while (std::getline(customers, line)) {
    std::vector<std::string> f = SplitCsv(line);
    p->customer_name[f[0]] = f[1];
  }
  std::getline(invoices, line);
  while (std::getline(invoices, line)) {
    std::vector<std::string> f = SplitCsv(line);
    Portfolio::Invoice inv{f[0], f[1], f[2], Minor(f[5]), f[7]};
    p->invoice_by_id[inv.id] = inv;
    p->invoice_by_number[inv.number] = inv;
  }
  io::Fingerprinter fp(std::string(32, 'k'));
  for (const std::string& f : p->summary.settlement_files) {
    auto parsed =
        io::ParseSettlement(f, Slurp(o.out_dir + "/" + f), io::SettlementFormat::kAuto, fp, io::ParseOptions());
    ASSERT_TRUE(parsed.ok()) << f;
    const SettlementBatch& b = parsed.value().batch;
    for (const Payment& pay : b.payments) p->payments[pay.payment_id] = pay;
    if (b.payout) p->payout_amount[b.payout->payout_id] = b.payout->amount_minor;
  }
  std::istringstream truth(Slurp(o.out_dir + "/truth.ndjson"));
  while (std::getline(truth, line)) {
    auto t = ParseTruthLine(line);
    ASSERT_TRUE(t.ok()) << line;
    std::smatch m;
    ASSERT_TRUE(std::regex_search(line, m, std::regex(R"x("format":"([a-z0-9-]+)")x"))) << line;
    p->keys.push_back({t.value(), m[1]});
  }
}

GenOptions Issue14(const std::string& out) {
  GenOptions o;
  o.out_dir = out;
  o.customers_count = 1600;  // about six whales (one customer in 250)
  o.invoices_count = 8000;
  o.payments_count = 4000;
  o.seed = 3;
  o.profile = Profile::kMessy;
  o.days_count = 2;
  o.stripe_payout_charges_max = 25;
  return o;
}

// Built once per test process for the tests below (a fraction of a second).
const Portfolio& Messy() {
  static TempDir dir;
  static const Portfolio p = [] {
    Portfolio out;
    ReadPortfolio(Issue14(dir.path()), &out);
    return out;
  }();
  return p;
}

// Invoice numbers in a text, as the generator writes them (INV-YYYY-NNNNNN,
// any letters or digits in the serial).
std::vector<std::string> NumbersIn(const std::string& text) {
  std::vector<std::string> out;
  static const std::regex kNumber(R"(INV-[0-9A-Za-z]{4}-[0-9A-Za-z]{6})");
  for (auto it = std::sregex_iterator(text.begin(), text.end(), kNumber); it != std::sregex_iterator(); ++it) {
    out.push_back(it->str());
  }
  return out;
}

size_t Hamming(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return std::max(a.size(), b.size());
  size_t n = 0;
  for (size_t i = 0; i < a.size(); ++i) n += a[i] != b[i] ? 1 : 0;
  return n;
}

// The one allocation of a key line, and the invoice it names.
const Portfolio::Invoice& OnlyInvoice(const Portfolio& p, const Portfolio::Key& k) {
  EXPECT_EQ(k.t.outcome, "applied");
  EXPECT_EQ(k.t.allocations.size(), 1u);
  return p.invoice_by_id.at(k.t.allocations.at(0).first);
}

// Issue 14 §1: the remittance names a real invoice of ANOTHER customer one
// digit from the payer's own, the payer's account names the customer, and
// the amount is the own invoice's exactly: the key applies it there.
TEST(GenMessyTest, TypoNamesAnotherCustomersRealInvoice) {
  const Portfolio& p = Messy();
  std::vector<const Portfolio::Key*> keys = p.Of("typo_names_other_invoice");
  ASSERT_GE(keys.size(), 30u);
  for (const Portfolio::Key* k : keys) {
    const Payment& pay = p.payments.at(k->t.payment_id);
    const Portfolio::Invoice& own = OnlyInvoice(p, *k);
    EXPECT_EQ(own.customer_id, k->t.customer_id);
    EXPECT_EQ(pay.amount_minor, own.open_minor);
    EXPECT_EQ(k->t.allocations[0].second, own.open_minor);
    EXPECT_FALSE(pay.payer_account_fp.empty()) << k->t.payment_id;  // identified by its account
    std::vector<std::string> refs = NumbersIn(pay.remittance);
    ASSERT_EQ(refs.size(), 1u) << pay.remittance;
    auto named = p.invoice_by_number.find(refs[0]);
    ASSERT_NE(named, p.invoice_by_number.end()) << refs[0] << " is in the book";
    EXPECT_NE(named->second.customer_id, own.customer_id) << refs[0];
    EXPECT_EQ(Hamming(refs[0], own.number), 1u) << refs[0] << " vs " << own.number;
  }
}

// The same inside one customer: the reference names the customer's other
// invoice, whose amount is more than the tolerance away; the key applies
// the one the amount and the number fit.
TEST(GenMessyTest, TypoNamesTheSameCustomersOtherInvoice) {
  const Portfolio& p = Messy();
  std::vector<const Portfolio::Key*> keys = p.Of("typo_names_own_invoice");
  ASSERT_GE(keys.size(), 20u);
  for (const Portfolio::Key* k : keys) {
    const Payment& pay = p.payments.at(k->t.payment_id);
    const Portfolio::Invoice& own = OnlyInvoice(p, *k);
    EXPECT_EQ(pay.amount_minor, own.open_minor);
    std::vector<std::string> refs = NumbersIn(pay.remittance);
    ASSERT_EQ(refs.size(), 1u) << pay.remittance;
    const Portfolio::Invoice& named = p.invoice_by_number.at(refs[0]);
    EXPECT_EQ(named.customer_id, own.customer_id);
    EXPECT_NE(named.id, own.id);
    EXPECT_GT(std::abs(named.open_minor - own.open_minor), 2500);
    EXPECT_EQ(Hamming(refs[0], own.number), 1u);
  }
}

// Equal-amount twins: the customer has two open invoices of the payment's
// amount; the garbled reference names no invoice, is two characters from
// the one the key applies and three or more from its twin.
TEST(GenMessyTest, EqualAmountTwinsBrokenByReferenceDistance) {
  const Portfolio& p = Messy();
  std::vector<const Portfolio::Key*> keys = p.Of("equal_amount_twins");
  ASSERT_GE(keys.size(), 20u);
  for (const Portfolio::Key* k : keys) {
    const Payment& pay = p.payments.at(k->t.payment_id);
    const Portfolio::Invoice& a = OnlyInvoice(p, *k);
    EXPECT_EQ(pay.amount_minor, a.open_minor);
    std::vector<const Portfolio::Invoice*> twins;
    for (const auto& [id, inv] : p.invoice_by_id) {
      if (inv.customer_id == a.customer_id && inv.open_minor == a.open_minor && id != a.id) twins.push_back(&inv);
    }
    ASSERT_EQ(twins.size(), 1u) << a.id;
    std::vector<std::string> refs = NumbersIn(pay.remittance);
    ASSERT_EQ(refs.size(), 1u) << pay.remittance;
    EXPECT_EQ(p.invoice_by_number.count(refs[0]), 0u) << refs[0] << " names no invoice";
    EXPECT_EQ(Hamming(refs[0], a.number), 2u);
    EXPECT_GE(Hamming(refs[0], twins[0]->number), 3u);
  }
}

// No unreferenced payment's key relies on an amount that names two
// invoices: a twin's amount is never the answer of a payment without
// a remittance.
TEST(GenMessyTest, NoUnreferencedKeyOnATwinAmount) {
  const Portfolio& p = Messy();
  std::map<std::pair<std::string, int64_t>, int> amounts;  // (customer, open) -> invoices
  for (const auto& [id, inv] : p.invoice_by_id) amounts[{inv.customer_id, inv.open_minor}] += 1;
  size_t checked = 0;
  for (const char* s : {"no_remittance_single", "no_remittance_multi", "exact_name_only", "payer_name_variant"}) {
    for (const Portfolio::Key* k : p.Of(s)) {
      for (const auto& [invoice, amount] : k->t.allocations) {
        const Portfolio::Invoice& inv = p.invoice_by_id.at(invoice);
        EXPECT_EQ((amounts[{inv.customer_id, inv.open_minor}]), 1) << s << " " << k->t.payment_id;
        ++checked;
      }
    }
  }
  EXPECT_GT(checked, 100u);
}

// Look-alike letters: the serial (or year) holds a letter for a digit; read
// back as digits it is the invoice the key applies.
TEST(GenMessyTest, LookalikeLettersName) {
  const Portfolio& p = Messy();
  std::vector<const Portfolio::Key*> keys = p.Of("lookalike_reference");
  ASSERT_GE(keys.size(), 30u);
  for (const Portfolio::Key* k : keys) {
    const Payment& pay = p.payments.at(k->t.payment_id);
    std::vector<std::string> refs = NumbersIn(pay.remittance);
    ASSERT_EQ(refs.size(), 1u) << pay.remittance;
    std::string folded = refs[0];
    for (size_t i = 4; i < folded.size(); ++i) {
      static const std::map<char, char> kDigit = {{'O', '0'}, {'I', '1'}, {'l', '1'},
                                                  {'Z', '2'}, {'S', '5'}, {'B', '8'}};
      auto d = kDigit.find(folded[i]);
      if (d != kDigit.end()) folded[i] = d->second;
    }
    EXPECT_NE(folded, refs[0]);
    EXPECT_EQ(folded, OnlyInvoice(p, *k).number);
  }
}

// Noise tokens beside exact references: the key applies what the exact
// references (text or structured) name.
TEST(GenMessyTest, NoiseTokensBesideExactReferences) {
  const Portfolio& p = Messy();
  std::vector<const Portfolio::Key*> keys = p.Of("noise_tokens");
  ASSERT_GE(keys.size(), 30u);
  size_t noisy = 0;
  for (const Portfolio::Key* k : keys) {
    const Payment& pay = p.payments.at(k->t.payment_id);
    // The BAI2 reader lifts some (CHECK NO on a wire) out of the
    // remittance as bank data: most, not all, are still in it.
    static const std::regex kNoise(R"(CHECK NO \d{6}|ACCT \d{12}|TRACE 0210000\d{8}|AMT \d+\.\d\d)");
    noisy += std::regex_search(pay.remittance, kNoise) ? 1 : 0;
    std::string named = pay.remittance;
    for (const RemittanceRef& r : pay.references) named += " " + r.invoice_number;
    for (const auto& [invoice, amount] : k->t.allocations) {
      EXPECT_NE(named.find(p.invoice_by_id.at(invoice).number), std::string::npos) << named;
    }
  }
  EXPECT_GE(noisy * 10, keys.size() * 8);
}

// Whales: a customer with more open invoices than the matcher's window of
// 64, whose payments (unreferenced and within-tolerance ones too) are keyed
// to invoices past the 64 oldest by due date.
TEST(GenMessyTest, CustomersBeyondTheCandidateWindow) {
  const Portfolio& p = Messy();
  std::map<std::string, std::vector<const Portfolio::Invoice*>> by_customer;
  for (const auto& [id, inv] : p.invoice_by_id) by_customer[inv.customer_id].push_back(&inv);
  std::map<std::string, size_t> rank;  // invoice -> place by due date in its customer's book
  size_t whales = 0;
  for (auto& [customer, list] : by_customer) {
    if (list.size() <= 64) continue;
    ++whales;
    std::sort(list.begin(), list.end(),
              [](auto* a, auto* b) { return std::tie(a->due, a->id) < std::tie(b->due, b->id); });
    for (size_t i = 0; i < list.size(); ++i) rank[list[i]->id] = i;
  }
  EXPECT_GE(whales, 2u);
  std::set<std::string> beyond_scenarios;
  for (const Portfolio::Key& k : p.keys) {
    for (const auto& [invoice, amount] : k.t.allocations) {
      auto r = rank.find(invoice);
      if (r != rank.end() && r->second >= 64) beyond_scenarios.insert(k.t.scenario);
    }
  }
  EXPECT_GE(beyond_scenarios.size(), 5u);
  EXPECT_TRUE(beyond_scenarios.count("no_remittance_single") + beyond_scenarios.count("no_remittance_multi") > 0);
  EXPECT_TRUE(beyond_scenarios.count("short_payment") > 0);
}

// Every Stripe payout's net amount arrives as a bank line from STRIPE that
// names the payout; the key says `payout` and no customer.
TEST(GenMessyTest, PayoutBankLines) {
  const Portfolio& p = Messy();
  std::vector<const Portfolio::Key*> keys = p.Of("stripe_payout_bank_line");
  ASSERT_EQ(keys.size(), p.payout_amount.size());
  ASSERT_GE(keys.size(), 3u);
  for (const Portfolio::Key* k : keys) {
    const Payment& pay = p.payments.at(k->t.payment_id);
    EXPECT_EQ(k->t.outcome, "payout");
    EXPECT_TRUE(k->t.allocations.empty());
    EXPECT_TRUE(k->t.customer_id.empty());
    EXPECT_NE(k->format, "stripe-json");
    std::smatch m;
    ASSERT_TRUE(std::regex_search(pay.remittance, m, std::regex("po_[A-Za-z0-9]+"))) << pay.remittance;
    EXPECT_EQ(pay.amount_minor, p.payout_amount.at(m.str()));
    EXPECT_NE(pay.payer_name.find("STRIPE"), std::string::npos) << pay.payer_name;
  }
}

// Normalised names (case, punctuation and the legal form dropped) as the
// key for uniqueness.
std::string Normalised(const std::string& name) {
  std::string out;
  for (char c : name) {
    if (std::isalnum(static_cast<unsigned char>(c)) || c == ' ') out.push_back(static_cast<char>(std::tolower(c)));
  }
  static const std::set<std::string> kLegal = {"inc", "corp", "llc", "ltd", "gmbh", "co"};
  size_t space = out.rfind(' ');
  if (space != std::string::npos && kLegal.count(out.substr(space + 1)) != 0) out.resize(space);
  return out;
}

std::string Upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

// At 40k customers every name is realistic ("Blue Harbor Logistics Inc.")
// and unique after normalisation; an exact_name_only payment carries no
// account and no remittance, its payer name is the customer's exactly (or
// upper case, or cut at 16 by the ACH rail), and those 16 characters are
// no other customer's.
TEST(GenMessyTest, UniqueRealisticNamesAndExactNameOnly) {
  TempDir dir;
  GenOptions o = Issue14(dir.path());
  o.customers_count = 40000;
  o.invoices_count = 60000;
  o.payments_count = 4000;
  Portfolio p;
  ReadPortfolio(o, &p);
  std::set<std::string> normalised;
  std::map<std::string, int> cut;  // first 16 characters, upper case -> customers
  static const std::regex kRealistic(R"([A-Z][a-z]+ [A-Z][a-z]+ [A-Z][a-z]+ (Inc\.|Corp\.|LLC|Ltd|GmbH|Co\.))");
  for (const auto& [id, name] : p.customer_name) {
    EXPECT_TRUE(normalised.insert(Normalised(name)).second) << name;
    EXPECT_TRUE(std::regex_match(name, kRealistic)) << name;
    cut[Upper(name).substr(0, 16)] += 1;
  }
  std::vector<const Portfolio::Key*> keys = p.Of("exact_name_only");
  ASSERT_GE(keys.size(), 40u);
  for (const Portfolio::Key* k : keys) {
    const Payment& pay = p.payments.at(k->t.payment_id);
    const std::string name = Upper(p.customer_name.at(k->t.customer_id));
    EXPECT_TRUE(pay.payer_account_fp.empty());
    // (A BAI2 line without text may show its 88 DBNM: record as remittance.)
    EXPECT_TRUE(NumbersIn(pay.remittance).empty() && pay.references.empty()) << pay.remittance;
    const std::string payer = Upper(pay.payer_name);
    EXPECT_TRUE(payer == name || (payer.size() == 16 && name.starts_with(payer))) << payer << " / " << name;
    EXPECT_EQ(cut.at(name.substr(0, 16)), 1) << name;
    EXPECT_EQ(pay.amount_minor, OnlyInvoice(p, *k).open_minor);
  }
}

// --format writes every bank payment in the one format asked for (Stripe
// listings stay Stripe; Stripe refunds no payout carries, and with camt the
// returned payments and their returns, stay NDJSON), and the payments and
// their key are those of the mixed files.
TEST(GenMessyTest, FormatWritesOnlyThatFormat) {
  TempDir mixed_dir;
  Portfolio mixed;
  GenOptions o = Small(mixed_dir.path(), 5, Profile::kMessy);
  ReadPortfolio(o, &mixed);
  for (BankFormat f : {BankFormat::kNdjson, BankFormat::kCamt, BankFormat::kBai2}) {
    TempDir dir;
    Portfolio p;
    o.out_dir = dir.path();
    o.format = f;
    ReadPortfolio(o, &p);
    const std::string want = f == BankFormat::kNdjson ? "ndjson" : f == BankFormat::kCamt ? "camt" : "bai2";
    ASSERT_EQ(p.keys.size(), mixed.keys.size());
    for (size_t i = 0; i < p.keys.size(); ++i) {
      const Portfolio::Key &k = p.keys[i], &m = mixed.keys[i];
      EXPECT_EQ(k.t.scenario, m.t.scenario);
      EXPECT_EQ(k.t.outcome, m.t.outcome);
      EXPECT_EQ(k.t.allocations, m.t.allocations);
      if (k.format == "stripe-json") continue;
      if (f == BankFormat::kCamt && k.t.outcome == "returned") continue;
      EXPECT_EQ(k.format, want) << k.t.payment_id;
    }
    for (const std::string& file : p.summary.settlement_files) {
      const bool ok = file.ends_with(".stripe.json") || file.ends_with(want == "camt" ? ".camt.xml" : "." + want) ||
                      file.ends_with(".ndjson");  // refunds no payout carries; camt returns
      EXPECT_TRUE(ok) << file;
    }
  }
}

}  // namespace
}  // namespace cashmatch::datasets
