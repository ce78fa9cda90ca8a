// The model-based (stateful) test, in the spirit of RocksDB's db_map_fuzzer:
// random sequences of operations on a real ledger through the public io API
// (book loads and reloads, credits, returns, Stripe payouts with refunds and
// their bank lines, re-sent, overlapping and re-split files, hold releases,
// disk-full applies and SIGKILLed applies), checked after every step
// against a reference model that the test keeps itself.
//
// The model does not re-implement the matcher: it takes the ledger's events
// as the matcher's choices and checks that they conserve money and respect
// idempotency:
//   - every payment the test sent is received exactly once, for the amount
//     sent, whatever files carried it, and nothing the test did not send is;
//   - per payment, received = applied + unapplied + held + in review +
//     returned, every term non-negative and equal to the stored record;
//   - per return, its reversals come from one batch and take back at most
//     its amount;
//   - per invoice, open = last-loaded open - applied - written off +
//     reversed, never negative, and every event on it is in its currency;
//   - per currency, what was received is what the test sent;
//   - a batch that failed or was killed leaves nothing of itself;
//   - and `verify` passes: a ledger that verifies while the model finds
//     money moved wrongly is a finding, as is one that does not verify.
//
// Seeded and reproducible. A failure prints the seed, the step and the
// operations so far. Environment:
//   CASHMATCH_STATEFUL_SEED     run this one seed only
//   CASHMATCH_STATEFUL_SECONDS  time budget over all seeds (default 10)
//   CASHMATCH_STATEFUL_STEPS    operations per seed (default 40)
//   CASHMATCH_STATEFUL_FIRST_SEED  the first of the seeds run (default 1;
//                               `make soak` starts from the clock)
//   CASHMATCH_STATEFUL_KEEP     on a finding, copy the ledger to this directory
//   CASHMATCH_STATEFUL_ENABLE   gated operation kinds to run (see Gate)
//   CASHMATCH_CLI               the cashmatch binary for the SIGKILL steps
//                               (default: ../tools/cashmatch beside this
//                               test binary; the steps are skipped if absent)
#include <gtest/gtest.h>
#include <rocksdb/env.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "cashmatch/io/export.h"
#include "cashmatch/io/pipeline.h"
#include "faulty_fs.h"
#include "test_util.h"

namespace cashmatch::io {
namespace {

// Operation kinds that once hit bugs of issue 12 (and one this test found),
// each named after its bug; all are fixed and on. A gate turned off narrows
// a regression down.
// CASHMATCH_STATEFUL_ENABLE (names, comma-separated) turns one on for a run
// without rebuilding, to check a fix.
bool Gate(const char* name, bool by_default) {
  const char* v = std::getenv("CASHMATCH_STATEFUL_ENABLE");
  if (v == nullptr) return by_default;
  const std::string list = std::string(",") + v + ",";
  return by_default || list.find(std::string(",") + name + ",") != std::string::npos;
}
// Issue 12 item 1 (fixed): a return re-sent in a file whose bytes differ was reversed again.
const bool kResendReturnsWithDifferentBytes = Gate("resend_returns_with_different_bytes", true);
// Issue 12 item 2 (fixed): an invoice reloaded in another currency kept its applications.
const bool kReloadChangesCurrency = Gate("reload_changes_currency", true);
// Issue 12 item 6 (fixed in the readers): a structured reference amount of 0
// once hit an assert in the matcher; the reader now drops it with a warning.
const bool kZeroReferenceAmounts = Gate("zero_reference_amounts", true);
// Issue 12 item 6 (fixed in the readers): a Stripe payout whose net is
// negative once hit an assert; it is now booked unlinked with a warning.
const bool kNegativeStripePayouts = Gate("negative_stripe_payouts", true);
// Issue 12 item 7: disk full may end in a RocksDB assertion (SIGABRT) that
// would kill this test binary. Seen from the CLI on a real full disk; the
// injected failures here (FaultyFs: every append fails) have not hit it, so
// the operation is on. Turn it off if it does before item 7 is fixed.
const bool kDiskFullDuringApply = Gate("disk_full_during_apply", true);
// Not in issue 12 (found by this test, seed 777 at 200 steps): an invoice
// reloaded as settled (amount_open 0) while open loses its typo index keys;
// a return that reopened it then left a ledger `verify` refuses ("missing
// a typo index key"). Fixed: the commit puts a reopened invoice's typo keys.
const bool kReloadAsSettled = Gate("reload_as_settled", true);

using testing_util::FaultyFs;
using testing_util::TempDir;

std::string Amount(int64_t minor) {
  std::string sign = minor < 0 ? "-" : "";
  const int64_t m = minor < 0 ? -minor : minor;
  std::string cents = std::to_string(m % 100);
  if (cents.size() < 2) cents = "0" + cents;
  return sign + std::to_string(m / 100) + "." + cents;
}

int EnvInt(const char* name, int fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? std::atoi(v) : fallback;
}

// What the test knows of an invoice: what it loaded last.
struct ModelInvoice {
  std::string id, number, customer, currency, stripe_id;
  int64_t total = 0;
  int64_t loaded_open = 0;
  uint64_t loaded_seq = 0;  // the ledger's last seq when it was loaded
  bool usage = false;
  bool final_usage = true;
};

// A payment the test sent: its NDJSON line and what it must be received as.
struct ModelPayment {
  std::string id, currency, line, bank_reference;
  int64_t amount = 0;
  bool committed = false;
  bool stripe = false;  // a Stripe charge: its line is not NDJSON
};

struct ModelReturn {
  std::string id, original, line;
  int64_t amount = 0;
  bool committed = false;
};

// The ledger's events folded per subject: the matcher's choices.
struct PaymentFold {
  int64_t received = 0, applied = 0, unapplied = 0, held = 0, review = 0, returned = 0;
  int received_events = 0;
  bool payout_line = false;
  std::set<std::string> currencies;
};

struct InvoiceFold {
  int64_t settled_since_load = 0;
  std::set<std::string> currencies;
};

struct LedgerFold {
  std::map<std::string, PaymentFold> payments;
  std::map<std::string, InvoiceFold> invoices;
  std::map<std::string, std::set<std::string>> reversal_batches;  // reversal id -> batches
  std::map<std::string, int64_t> reversal_amount;
  std::map<std::string, int64_t> received_by_currency;
};

// What the runs did, for the closing line: a run that commits nothing
// checks nothing.
struct Tally {
  uint64_t events = 0, payments = 0, returns = 0, killed_committed = 0, killed_lost = 0;
};
Tally g_tally;

class StatefulRun {
 public:
  StatefulRun(uint64_t seed, std::string cli) : seed_(seed), rng_(seed), cli_(std::move(cli)) {}

  // Runs `steps` operations; false after the first finding (already reported).
  bool Run(int steps);

 private:
  // --- operations
  void OpLoad();
  void OpCredits();
  void OpResend();
  void OpResendSameBytes();
  void OpReturn();
  void OpStripePayout();
  void OpRelease();
  void OpDiskFull();
  void OpCrash();
  void OpCutOffChunks();
  void OpReopen() { Reopen(); }

  // --- helpers
  void Reopen(rocksdb::Env* env = nullptr);
  std::string Write(const std::string& content);
  Result<ApplyResult> Apply(const std::string& content, bool skip_bad = false);
  std::string NewPaymentLine(ModelPayment* p);
  std::vector<std::string> NewPayments(int count);
  std::string BookCsv(const std::vector<const ModelInvoice*>& invoices) const;
  void AddInvoice();
  void MarkCommitted(const std::vector<std::string>& payment_ids, const std::vector<std::string>& return_ids);
  std::string Snapshot();
  LedgerFold FoldEvents();
  void CheckModel();
  void CheckPayments(const LedgerFold& f);
  void CheckInvoices(const LedgerFold& f);
  void CheckUnchanged(const std::string& before, const char* what);
  bool Fail(const std::string& what);
  size_t Pick(size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(rng_); }
  int64_t Between(int64_t lo, int64_t hi) { return std::uniform_int_distribution<int64_t>(lo, hi)(rng_); }
  bool Chance(int percent) { return static_cast<int>(Pick(100)) < percent; }

  uint64_t seed_;
  std::mt19937_64 rng_;
  std::string cli_;
  TempDir tmp_;
  std::string db_ = tmp_.Join("ledger");
  std::unique_ptr<Ledger> ledger_;
  Policy policy_;
  std::unique_ptr<HintExtractor> extractor_;
  int step_ = 0;
  int files_count_ = 0;
  int payments_count_ = 0;
  int returns_count_ = 0;
  int payouts_count_ = 0;
  bool failed_ = false;
  std::vector<std::string> log_;
  std::vector<ModelInvoice> invoices_;
  std::map<std::string, ModelPayment> payments_;
  std::map<std::string, ModelReturn> returns_;
  std::vector<std::string> applied_files_;  // contents of files committed, for re-sending
};

bool StatefulRun::Fail(const std::string& what) {
  if (failed_) return false;
  failed_ = true;
  std::ostringstream out;
  out << "stateful finding: seed " << seed_ << " step " << step_ << ": " << what
      << "\n  rerun: CASHMATCH_STATEFUL_SEED=" << seed_ << " cashmatch_tests --gtest_filter='Stateful*'\n  operations:";
  for (size_t i = 0; i < log_.size(); ++i) out << "\n    " << i << " " << log_[i];
  if (const char* keep = std::getenv("CASHMATCH_STATEFUL_KEEP")) {
    std::error_code ec;
    std::filesystem::copy(db_, keep, std::filesystem::copy_options::recursive, ec);
    out << "\n  the ledger was copied to " << keep << (ec ? " (failed: " + ec.message() + ")" : "");
  }
  ADD_FAILURE() << out.str();
  return false;
}

void StatefulRun::Reopen(rocksdb::Env* env) {
  ledger_.reset();
  LedgerOptions options;
  options.env = env;
  options.create_if_missing = true;  // the first open creates it; later ones find it
  auto l = Ledger::Open(db_, options);
  if (!l.ok()) {
    Fail("cannot open the ledger: " + l.status().message());
    return;
  }
  ledger_ = std::move(l).value();
  // Half the opens keep the book resident (what `cashmatch apply` does for
  // large files): every batch after it must decide as from the ledger.
  if (Chance(50)) {
    Status s = ledger_->EnableResidentBook();
    if (!s.ok() && s.code() != StatusCode::kInvalidInput) Fail("cannot build the resident book: " + s.message());
    if (s.ok() && !log_.empty()) log_.back() += " [resident book]";
  }
}

std::string StatefulRun::Write(const std::string& content) {
  return tmp_.Write("f" + std::to_string(++files_count_) + ".in", content);
}

Result<ApplyResult> StatefulRun::Apply(const std::string& content, bool skip_bad) {
  ApplyOptions options;
  options.skip_bad_records = skip_bad;
  options.rejects_path = tmp_.Join("rejects.ndjson");
  // Now and then in chunks of one to three payments (a large file's path).
  if (Chance(30)) {
    options.chunk_payments = static_cast<size_t>(Between(1, 3));
    if (!log_.empty()) log_.back() += " [in chunks of " + std::to_string(options.chunk_payments) + "]";
  }
  return ApplyPaymentFile(*ledger_, Write(content), policy_, *extractor_, MatchOptions(), options);
}

// A file applied in chunks of one, cut off after a random chunk (as a
// SIGKILL or a full disk between two commits would), then applied again:
// the first apply leaves whole chunks, the second commits the rest, and
// every payment is received once.
void StatefulRun::OpCutOffChunks() {
  std::vector<std::string> ids = NewPayments(static_cast<int>(Between(2, 5)));
  std::string content;
  for (const auto& id : ids) content += payments_[id].line + "\n";
  const size_t stop_after = static_cast<size_t>(Between(1, static_cast<int64_t>(ids.size()) - 1));
  log_.push_back("credits " + std::to_string(ids.size()) + " in chunks of 1, cut off after chunk " +
                 std::to_string(stop_after) + ", then applied again");
  const std::string file = Write(content);
  ApplyOptions options;
  options.chunk_payments = 1;
  options.on_chunk_committed = [&](const ChunkCommitted& c) {
    return c.index == stop_after ? Status::IOError("cut off") : Status::Ok();
  };
  auto cut = ApplyPaymentFile(*ledger_, file, policy_, *extractor_, MatchOptions(), options);
  if (cut.ok()) {
    Fail("an apply cut off after chunk " + std::to_string(stop_after) + " succeeded");
    return;
  }
  size_t received = 0;
  for (const auto& id : ids) {
    auto p = ledger_->GetPayment(id);
    if (p.ok() && p.value().has_value()) ++received;
  }
  if (received != stop_after) {
    Fail("an apply cut off after chunk " + std::to_string(stop_after) + " left " + std::to_string(received) +
         " payments");
    return;
  }
  options.on_chunk_committed = nullptr;
  auto again = ApplyPaymentFile(*ledger_, file, policy_, *extractor_, MatchOptions(), options);
  if (!again.ok()) {
    Fail("applying a cut-off file again failed: " + again.status().message());
    return;
  }
  if (again.value().chunks_resumed != stop_after || again.value().duplicate_count != 0) {
    Fail("applying a cut-off file again resumed " + std::to_string(again.value().chunks_resumed) + " chunks with " +
         std::to_string(again.value().duplicate_count) + " duplicates");
    return;
  }
  MarkCommitted(ids, {});
  applied_files_.push_back(content);
}

void StatefulRun::AddInvoice() {
  const size_t n = invoices_.size();
  ModelInvoice inv;
  inv.id = "I" + std::to_string(n);
  std::string digits = std::to_string(n + 1);
  inv.number = "INV-2026-" + std::string(6 - digits.size(), '0') + digits;
  inv.customer = "C" + std::to_string(n % 4);
  inv.currency = n % 5 == 4 ? "EUR" : "USD";
  inv.total = Between(50, 500) * 100 + (Chance(50) ? Between(0, 99) : 0);
  inv.loaded_open = inv.total;
  inv.usage = n % 7 == 3;
  inv.final_usage = !inv.usage;
  if (inv.currency == "USD") inv.stripe_id = "in_" + std::to_string(n);
  invoices_.push_back(inv);
}

std::string StatefulRun::BookCsv(const std::vector<const ModelInvoice*>& invoices) const {
  std::string csv =
      "invoice_id,number,customer_id,currency,amount_total,due_date,amount_open,billing_model,usage_status,"
      "stripe_invoice_id\n";
  for (const ModelInvoice* inv : invoices) {
    csv += inv->id + "," + inv->number + "," + inv->customer + "," + inv->currency + "," + Amount(inv->total) +
           ",2026-12-01," + Amount(inv->loaded_open) + "," + (inv->usage ? "usage" : "subscription") + "," +
           (inv->usage ? (inv->final_usage ? "final" : "reconciling") : "final") + "," + inv->stripe_id + "\n";
  }
  return csv;
}

constexpr const char* kCustomerNames[] = {"Acme Corp", "Globex GmbH", "Initech Inc", "Umbrella Ltd"};
constexpr char kCustomers[] =
    "customer_id,name,stripe_customer_ids\nC0,Acme Corp,cus_0\nC1,Globex GmbH,cus_1\nC2,Initech Inc,cus_2\n"
    "C3,Umbrella Ltd,cus_3\n";

// Loads a new invoice or two and reloads some known ones with another open
// amount (or, for usage invoices, as final).
void StatefulRun::OpLoad() {
  const std::vector<ModelInvoice> model_before = invoices_;
  std::vector<size_t> chosen;
  const size_t known = invoices_.size();
  bool currency_changed = false;
  for (int i = static_cast<int>(Between(0, 2)); i > 0 || invoices_.empty(); --i) {
    AddInvoice();
    chosen.push_back(invoices_.size() - 1);
  }
  for (size_t i = 0; i < known; ++i) {
    if (!Chance(30)) continue;
    ModelInvoice& inv = invoices_[i];
    if (inv.usage && !inv.final_usage && Chance(60)) {
      inv.final_usage = true;  // the usage is reconciled; the open amount stays
    } else {
      const int64_t low = kReloadAsSettled ? 0 : 1;
      inv.loaded_open = Chance(30) ? low : Between(low, inv.total);
    }
    if (kReloadChangesCurrency && Chance(10)) {
      inv.currency = inv.currency == "USD" ? "EUR" : "USD";
      currency_changed = true;
    }
    chosen.push_back(i);
  }
  // The ledger keeps the open amount of an invoice reloaded as final usage
  // only if the file says it: the file always carries the model's open.
  std::vector<const ModelInvoice*> rows;
  for (size_t i : chosen) rows.push_back(&invoices_[i]);
  log_.push_back("load " + std::to_string(rows.size()) + " invoices" +
                 (currency_changed ? " (a currency changes)" : ""));
  const std::string before = Snapshot();
  auto r = LoadBookFiles(*ledger_, tmp_.Write("c.csv", kCustomers), tmp_.Write("i.csv", BookCsv(rows)));
  // Issue 12 item 2: an invoice that has events keeps its currency; the
  // load that would change it is refused whole.
  if (!r.ok() && currency_changed && r.status().message().find("cannot become") != std::string::npos) {
    invoices_ = model_before;
    CheckUnchanged(before, "a load refused for a currency change");
    return;
  }
  if (!r.ok()) {
    Fail("load failed: " + r.status().message());
    return;
  }
  for (size_t i : chosen) invoices_[i].loaded_seq = ledger_->last_seq();
}

// One new payment line: it names an invoice (by reference, with or
// without an amount, or in free text), or nothing, in the invoice's
// currency or (rarely) another.
std::string StatefulRun::NewPaymentLine(ModelPayment* p) {
  const ModelInvoice& inv = invoices_[Pick(invoices_.size())];
  p->id = "P" + std::to_string(++payments_count_);
  p->currency = Chance(5) ? (inv.currency == "USD" ? "EUR" : "USD") : inv.currency;
  const int64_t open = std::max<int64_t>(inv.loaded_open, 1);
  switch (Pick(4)) {
    case 0: p->amount = open; break;
    case 1: p->amount = Between(1, open); break;
    case 2: p->amount = open + Between(1, 5000); break;
    default: p->amount = Between(1, 60000); break;
  }
  p->bank_reference = "BR-" + p->id;
  std::string line = R"({"payment_id":")" + p->id + R"(","amount":")" + Amount(p->amount) + R"(","currency":")" +
                     p->currency + R"(","value_date":"2026-11-2)" + std::to_string(Pick(9) + 1) +
                     R"(","bank_reference":")" + p->bank_reference + R"(","payer_name":")" +
                     (Chance(80) ? kCustomerNames[inv.customer[1] - '0'] : "Nobody Known") + "\"";
  const size_t how = Pick(4);
  if (how == 0) {
    int64_t ref_amount = Chance(50) ? p->amount : Between(1, p->amount);
    if (kZeroReferenceAmounts && Chance(5)) ref_amount = 0;
    line += R"(,"references":[{"invoice_number":")" + inv.number + R"(","amount":")" + Amount(ref_amount) + "\"}]";
  } else if (how == 1) {
    line += R"(,"references":[{"invoice_number":")" + inv.number + "\"}]";
  } else if (how == 2) {
    line += R"(,"remittance":"payment for )" + inv.number + "\"";
  }
  p->line = line + "}";
  return p->line;
}

std::vector<std::string> StatefulRun::NewPayments(int count) {
  std::vector<std::string> ids;
  for (int i = 0; i < count; ++i) {
    ModelPayment p;
    NewPaymentLine(&p);
    ids.push_back(p.id);
    payments_[p.id] = p;
  }
  return ids;
}

void StatefulRun::MarkCommitted(const std::vector<std::string>& payment_ids,
                                const std::vector<std::string>& return_ids) {
  for (const auto& id : payment_ids) payments_[id].committed = true;
  for (const auto& id : return_ids) returns_[id].committed = true;
}

void StatefulRun::OpCredits() {
  std::vector<std::string> ids = NewPayments(static_cast<int>(Between(1, 4)));
  std::string file;
  for (const auto& id : ids) file += payments_[id].line + "\n";
  log_.push_back("credits " + std::to_string(ids.size()));
  auto r = Apply(file);
  if (!r.ok()) {
    Fail("a good credits file failed: " + r.status().message());
    return;
  }
  MarkCommitted(ids, {});
  applied_files_.push_back(file);
}

// Committed payments again, in other files: shuffled, split differently,
// with new payments beside them and trailing spaces on their lines. Each
// must be received once.
void StatefulRun::OpResend() {
  std::vector<std::string> lines;
  for (const auto& [id, p] : payments_) {
    if (p.committed && !p.stripe && Chance(40)) lines.push_back(p.line + (Chance(50) ? " " : ""));
  }
  std::vector<std::string> fresh =
      Chance(50) ? NewPayments(static_cast<int>(Between(1, 2))) : std::vector<std::string>();
  for (const auto& id : fresh) lines.push_back(payments_[id].line);
  if (lines.empty()) return;
  std::shuffle(lines.begin(), lines.end(), rng_);
  std::string file;
  for (const auto& l : lines) file += l + "\n";
  log_.push_back("resend " + std::to_string(lines.size() - fresh.size()) + " payments with " +
                 std::to_string(fresh.size()) + " new");
  auto r = Apply(file);
  if (!r.ok()) {
    Fail("a re-sent file failed: " + r.status().message());
    return;
  }
  MarkCommitted(fresh, {});
}

void StatefulRun::OpResendSameBytes() {
  if (applied_files_.empty()) return;
  const std::string& file = applied_files_[Pick(applied_files_.size())];
  log_.push_back("resend the same bytes");
  const std::string before = Snapshot();
  auto r = Apply(file);
  if (!r.ok()) {
    Fail("re-sending a committed file failed: " + r.status().message());
    return;
  }
  if (!r.value().already_applied) Fail("a file sent again with the same bytes was not recognised as applied");
  CheckUnchanged(before, "re-sending the same bytes");
}

// A return of a committed payment, by our id or the bank's reference, for
// part, all or more than it; sometimes with an old return re-sent beside it.
void StatefulRun::OpReturn() {
  std::vector<const ModelPayment*> candidates;
  for (const auto& [id, p] : payments_) {
    if (p.committed && !p.stripe) candidates.push_back(&p);
  }
  if (candidates.empty()) return;
  const ModelPayment& p = *candidates[Pick(candidates.size())];
  ModelReturn ret;
  ret.id = "RET-" + std::to_string(++returns_count_);
  ret.original = p.id;
  ret.amount = Chance(50) ? p.amount : Chance(80) ? Between(1, p.amount) : p.amount + Between(1, 1000);
  const bool by_reference = Chance(30);
  ret.line = R"({"type":"return","payment_id":")" + ret.id + R"(","kind":"ach_return","reason_code":"R01",")" +
             (by_reference ? "original_reference" : "original_payment_id") + R"(":")" +
             (by_reference ? p.bank_reference : p.id) + R"(","amount":")" + Amount(ret.amount) + R"(","currency":")" +
             p.currency + R"(","value_date":"2026-11-30"})";
  returns_[ret.id] = ret;
  std::string file = ret.line + "\n";
  int resent = 0;
  if (kResendReturnsWithDifferentBytes) {
    for (const auto& [id, old] : returns_) {
      if (old.committed && Chance(30)) file += old.line + (Chance(50) ? " \n" : "\n"), ++resent;
    }
  }
  log_.push_back("return " + ret.id + " of " + p.id + " for " + Amount(ret.amount) + " (" + std::to_string(resent) +
                 " old returns re-sent)");
  auto r = Apply(file);
  if (!r.ok()) {
    Fail("a return failed: " + r.status().message());
    return;
  }
  MarkCommitted({}, {ret.id});
  applied_files_.push_back(file);
}

// A Stripe payout listing: charges paying invoices by their Stripe ids,
// refunds of some of them, a fee, the payout; then, sometimes, the bank
// line that brought its net.
void StatefulRun::OpStripePayout() {
  std::vector<const ModelInvoice*> usd;
  for (const auto& inv : invoices_) {
    if (!inv.stripe_id.empty()) usd.push_back(&inv);
  }
  if (usd.empty()) return;
  const std::string po = std::to_string(++payouts_count_);
  std::string data = R"({"object":"list","url":"/v1/balance_transactions","has_more":false,"data":[)";
  auto add = [&](const std::string& bt) { data += (data.back() == '[' ? "" : ",") + bt; };
  int64_t net = 0;
  std::vector<std::string> ids, refunds;
  for (int i = static_cast<int>(Between(1, 3)); i > 0; --i) {
    const ModelInvoice& inv = *usd[Pick(usd.size())];
    ModelPayment p;
    p.id = "ch_" + std::to_string(++payments_count_);
    p.currency = "USD";
    p.amount = Chance(60) ? std::max<int64_t>(inv.loaded_open, 100) : Between(100, 30000);
    p.stripe = true;
    const int64_t fee = p.amount / 40;
    add(R"({"id":"txn_)" + p.id + R"(","object":"balance_transaction","amount":)" + std::to_string(p.amount) +
        R"(,"fee":)" + std::to_string(fee) + R"(,"net":)" + std::to_string(p.amount - fee) +
        R"(,"currency":"usd","created":1764000000,"type":"charge","reporting_category":"charge","source":{"id":")" +
        p.id + R"(","object":"charge","amount":)" + std::to_string(p.amount) + R"(,"currency":"usd","customer":"cus_)" +
        inv.customer.substr(1) + R"(","invoice":")" + inv.stripe_id + R"("}})");
    net += p.amount - fee;
    payments_[p.id] = p;
    ids.push_back(p.id);
    if (Chance(25)) {  // refunded in the same payout
      ModelReturn ret;
      ret.id = "re_" + p.id.substr(3);
      ret.original = p.id;
      ret.amount = Chance(50) ? p.amount : Between(1, p.amount);
      add(R"({"id":"txn_)" + ret.id + R"(","object":"balance_transaction","amount":-)" + std::to_string(ret.amount) +
          R"(,"fee":0,"net":-)" + std::to_string(ret.amount) +
          R"(,"currency":"usd","created":1764050000,"type":"refund","reporting_category":"refund","source":{"id":")" +
          ret.id + R"(","object":"refund","charge":")" + p.id + R"("}})");
      net -= ret.amount;
      returns_[ret.id] = ret;
      refunds.push_back(ret.id);
    }
  }
  if (net <= 0 && !kNegativeStripePayouts) {
    // Not committed: forget what this listing would have carried.
    for (const auto& id : ids) payments_.erase(id);
    for (const auto& id : refunds) returns_.erase(id);
    return;
  }
  add(R"({"id":"txn_po)" + po + R"(","object":"balance_transaction","amount":)" + std::to_string(-net) +
      R"(,"fee":0,"net":)" + std::to_string(-net) +
      R"(,"currency":"usd","created":1764100000,"available_on":1764115200,"type":"payout","reporting_category":"payout","source":"po_)" +
      po + "\"}");
  data += "]}";
  log_.push_back("stripe payout po_" + po + " of " + std::to_string(ids.size()) + " charges, " +
                 std::to_string(refunds.size()) + " refunds, net " + Amount(net));
  auto r = Apply(data);
  if (!r.ok()) {
    Fail("a Stripe payout listing failed: " + r.status().message());
    return;
  }
  MarkCommitted(ids, refunds);
  applied_files_.push_back(data);
  if (net <= 0 || Chance(50)) return;
  // The bank line of the payout: the transfer of cash already received.
  const std::string line =
      R"({"payment_id":"BANK-po)" + po + R"(","amount":")" + Amount(net) +
      R"(","currency":"USD","value_date":"2026-11-28","payer_name":"STRIPE PAYOUT","remittance":"STRIPE TRANSFER po_)" +
      po + "\"}\n";
  log_.push_back("bank line of po_" + po);
  auto b = Apply(line);
  if (!b.ok()) Fail("the bank line of a Stripe payout failed: " + b.status().message());
  ModelPayment bank;
  bank.id = "BANK-po" + po;
  bank.currency = "USD";
  bank.amount = net;
  bank.committed = true;
  bank.stripe = true;  // not re-sent as NDJSON: its line may become a payout transfer
  bank.line = line;
  payments_[bank.id] = bank;
}

void StatefulRun::OpRelease() {
  log_.push_back("release");
  auto r = ReleaseFinalHolds(*ledger_, policy_, {});
  if (!r.ok()) Fail("release failed: " + r.status().message());
}

// Apply with the disk full: the apply fails, and nothing of it is written.
void StatefulRun::OpDiskFull() {
  if (!kDiskFullDuringApply) return;
  std::vector<std::string> ids = NewPayments(static_cast<int>(Between(1, 3)));
  std::string file;
  for (const auto& id : ids) file += payments_[id].line + "\n";
  log_.push_back("credits " + std::to_string(ids.size()) + " on a full disk");
  const std::string before = Snapshot();
  auto fs = std::make_shared<FaultyFs>(rocksdb::FileSystem::Default());
  std::unique_ptr<rocksdb::Env> env = rocksdb::NewCompositeEnv(fs);
  Reopen(env.get());
  if (ledger_ == nullptr) return;
  fs->full = true;
  auto r = Apply(file);
  fs->full = false;
  Reopen();
  if (r.ok()) {
    Fail("an apply on a full disk succeeded");
    return;
  }
  CheckUnchanged(before, "an apply that failed on a full disk");
}

// `cashmatch apply` killed with SIGKILL at a random moment: the file is
// then wholly committed or not at all.
void StatefulRun::OpCrash() {
  if (cli_.empty()) return;
  std::vector<std::string> ids = NewPayments(static_cast<int>(Between(1, 4)));
  std::string content;
  for (const auto& id : ids) content += payments_[id].line + "\n";
  const std::string file = Write(content);
  const std::string before = Snapshot();
  const int delay_us = static_cast<int>(Between(0, 400000));
  log_.push_back("credits " + std::to_string(ids.size()) + " by the CLI, SIGKILL after " + std::to_string(delay_us) +
                 " us");
  ledger_.reset();  // the child needs the ledger's lock
  const pid_t pid = fork();
  if (pid == 0) {
    const int null_fd = ::open("/dev/null", O_WRONLY);
    dup2(null_fd, 1);
    dup2(null_fd, 2);
    execl(cli_.c_str(), cli_.c_str(), "apply", "--db", db_.c_str(), "--threads", "1", file.c_str(),
          static_cast<char*>(nullptr));
    _exit(127);
  }
  std::this_thread::sleep_for(std::chrono::microseconds(delay_us));
  kill(pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
  if (WIFEXITED(status) && WEXITSTATUS(status) != 0) {
    Fail("the CLI apply exited " + std::to_string(WEXITSTATUS(status)) + " on a good file");
  }
  Reopen();
  if (ledger_ == nullptr) return;
  size_t received = 0;
  for (const auto& id : ids) {
    auto p = ledger_->GetPayment(id);
    if (p.ok() && p.value().has_value()) ++received;
  }
  if (received != 0 && received != ids.size()) {
    Fail("a killed apply left " + std::to_string(received) + " of its " + std::to_string(ids.size()) + " payments");
    return;
  }
  ++(received == 0 ? g_tally.killed_lost : g_tally.killed_committed);
  if (received == 0) CheckUnchanged(before, "an apply killed before it committed");
  if (received == ids.size()) {
    MarkCommitted(ids, {});
    applied_files_.push_back(content);
  }
}

// Every event, invoice and payment the ledger holds, as text.
std::string StatefulRun::Snapshot() {
  std::string out = "seq " + std::to_string(ledger_->last_seq()) + "\n";
  for (const Event& e : testing_util::EventsSince(*ledger_, 0)) out += EventToJson(e) + "\n";
  Status s = ledger_->ForEachInvoiceByCustomer([&](const Invoice& inv) {
    out += inv.invoice_id + " open " + std::to_string(inv.amount_open_minor) + "\n";
    return true;
  });
  if (!s.ok()) Fail("cannot list invoices: " + s.message());
  return out;
}

void StatefulRun::CheckUnchanged(const std::string& before, const char* what) {
  if (ledger_ != nullptr && Snapshot() != before) Fail(std::string(what) + " changed the ledger");
}

LedgerFold StatefulRun::FoldEvents() {
  LedgerFold f;
  std::map<std::string, const ModelInvoice*> by_id;
  for (const auto& inv : invoices_) by_id[inv.id] = &inv;
  for (const Event& e : testing_util::EventsSince(*ledger_, 0)) {
    const std::string currency(e.currency != nullptr ? e.currency->code() : "?");
    PaymentFold& p = f.payments[e.payment_id];
    bool on_invoice = false;
    switch (e.type) {
      case EventType::kPaymentReceived:
        p.received += e.amount_minor, ++p.received_events;
        f.received_by_currency[currency] += e.amount_minor;
        break;
      case EventType::kApplied: p.applied += e.amount_minor, on_invoice = true; break;
      case EventType::kUnapplied: p.unapplied += e.amount_minor; break;
      case EventType::kHeld: p.held += e.amount_minor, on_invoice = true; break;
      case EventType::kReleased: p.held -= e.amount_minor, on_invoice = true; break;
      case EventType::kWrittenOff: on_invoice = true; break;
      case EventType::kPayoutMatched: p.payout_line = true; break;
      case EventType::kException:
        if (ExceptionHoldsCash(e.reason)) p.review += e.amount_minor;
        if (e.reason == ExceptionReason::kPayoutPending) p.payout_line = true;
        break;
      case EventType::kReversed: {
        p.returned += e.amount_minor;
        int64_t* bucket = e.from == CashBucket::kApplied     ? &p.applied
                          : e.from == CashBucket::kUnapplied ? &p.unapplied
                          : e.from == CashBucket::kHeld      ? &p.held
                                                             : &p.review;
        *bucket -= e.amount_minor;
        on_invoice = e.from == CashBucket::kApplied || e.from == CashBucket::kHeld;
        for (const auto& s : e.signals) {
          if (s.rfind("reversal_id=", 0) != 0) continue;
          f.reversal_batches[s.substr(12)].insert(e.batch_id);
          f.reversal_amount[s.substr(12)] += e.amount_minor;
        }
        break;
      }
      case EventType::kSuppression:
      case EventType::kFee: break;
    }
    if (e.type != EventType::kSuppression) p.currencies.insert(currency);
    if (!on_invoice || e.invoice_id.empty()) continue;
    InvoiceFold& inv = f.invoices[e.invoice_id];
    inv.currencies.insert(currency);
    auto it = by_id.find(e.invoice_id);
    if (it == by_id.end() || e.seq <= it->second->loaded_seq) continue;
    if (e.type == EventType::kApplied || e.type == EventType::kWrittenOff) inv.settled_since_load += e.amount_minor;
    if (e.type == EventType::kReversed && e.from == CashBucket::kApplied) inv.settled_since_load -= e.amount_minor;
  }
  return f;
}

void StatefulRun::CheckPayments(const LedgerFold& f) {
  std::map<std::string, int64_t> sent_by_currency;
  for (const auto& [id, m] : payments_) {
    auto it = f.payments.find(id);
    const PaymentFold none;
    const PaymentFold& p = it == f.payments.end() ? none : it->second;
    const std::string who = "payment " + id + ": ";
    if (!m.committed) {
      if (p.received_events != 0) Fail(who + "received although its batch was not committed");
      continue;
    }
    auto rec = ledger_->GetPayment(id);
    if (!rec.ok() || !rec.value().has_value()) {
      Fail(who + "committed but not in the ledger");
      continue;
    }
    const PaymentRecord& r = *rec.value();
    if (p.currencies.size() > 1 || std::string(r.currency->code()) != m.currency) {
      Fail(who + "events in more than one currency, or not in " + m.currency);
    }
    if (p.payout_line) continue;  // the transfer of a payout: not customer cash
    sent_by_currency[m.currency] += m.amount;
    if (p.received_events != 1 || p.received != m.amount) {
      Fail(who + "sent once for " + Amount(m.amount) + " but received " + std::to_string(p.received_events) +
           " times for " + Amount(p.received));
    }
    if (p.applied < 0 || p.unapplied < 0 || p.held < 0 || p.review < 0 || p.returned < 0 ||
        p.applied + p.unapplied + p.held + p.review + p.returned != p.received) {
      Fail(who + "does not balance: applied " + Amount(p.applied) + " unapplied " + Amount(p.unapplied) + " held " +
           Amount(p.held) + " in review " + Amount(p.review) + " returned " + Amount(p.returned));
    }
    if (r.applied_minor != p.applied || r.unapplied_minor != p.unapplied || r.held_minor != p.held ||
        r.exception_minor != p.review || r.returned_minor != p.returned) {
      Fail(who + "stored record differs from its events");
    }
  }
  for (const auto& [id, p] : f.payments) {
    if (p.received_events > 0 && payments_.count(id) == 0) Fail("payment " + id + " received but never sent");
  }
  for (const auto& [currency, received] : f.received_by_currency) {
    if (received != sent_by_currency[currency]) {
      Fail(currency + ": received " + Amount(received) + " but the test sent " + Amount(sent_by_currency[currency]));
    }
  }
  for (const auto& [id, batches] : f.reversal_batches) {
    auto it = returns_.find(id);
    if (it == returns_.end() || !it->second.committed) {
      Fail("return " + id + " reversed money but was never committed");
    } else if (batches.size() > 1 || f.reversal_amount.at(id) > it->second.amount) {
      Fail("return " + id + " for " + Amount(it->second.amount) + " reversed " + Amount(f.reversal_amount.at(id)) +
           " in " + std::to_string(batches.size()) + " batches");
    }
  }
}

void StatefulRun::CheckInvoices(const LedgerFold& f) {
  for (const ModelInvoice& m : invoices_) {
    auto rec = ledger_->GetInvoice(m.id);
    if (!rec.ok() || !rec.value().has_value()) {
      Fail("invoice " + m.id + " loaded but not in the ledger");
      continue;
    }
    const Invoice& inv = *rec.value();
    auto it = f.invoices.find(m.id);
    const int64_t settled = it == f.invoices.end() ? 0 : it->second.settled_since_load;
    const std::string who = "invoice " + m.id + ": ";
    if (inv.amount_open_minor != m.loaded_open - settled || inv.amount_open_minor < 0) {
      Fail(who + "open " + Amount(inv.amount_open_minor) + " but loaded " + Amount(m.loaded_open) +
           " and its events since settle " + Amount(settled));
    }
    if (std::string(inv.currency->code()) != m.currency) Fail(who + "not in the currency loaded, " + m.currency);
    if (it != f.invoices.end() && (it->second.currencies.size() > 1 || *it->second.currencies.begin() != m.currency)) {
      Fail(who + "money in another currency than its own, " + m.currency);
    }
  }
}

void StatefulRun::CheckModel() {
  if (ledger_ == nullptr || failed_) return;
  VerifyReport report;
  Status v = ledger_->Verify(&report);
  if (!v.ok()) {
    Fail("verify failed: " + v.message());
    return;
  }
  Status r = ledger_->CheckResidentBook();
  if (!r.ok()) {
    Fail("resident book: " + r.message());
    return;
  }
  LedgerFold f = FoldEvents();
  CheckPayments(f);
  CheckInvoices(f);
}

bool StatefulRun::Run(int steps) {
  auto ex = HintExtractor::Create(policy_);
  if (!ex.ok()) return Fail("no hint extractor: " + ex.status().message());
  extractor_ = std::move(ex).value();
  Reopen();
  if (failed_) return false;
  OpLoad();
  CheckModel();
  using Op = void (StatefulRun::*)();
  // Operation kinds and their weights.
  const std::vector<std::pair<Op, int>> ops = {
      {&StatefulRun::OpLoad, 3},         {&StatefulRun::OpCredits, 8},
      {&StatefulRun::OpResend, 4},       {&StatefulRun::OpResendSameBytes, 2},
      {&StatefulRun::OpReturn, 4},       {&StatefulRun::OpStripePayout, 3},
      {&StatefulRun::OpRelease, 2},      {&StatefulRun::OpDiskFull, 1},
      {&StatefulRun::OpCrash, 1},        {&StatefulRun::OpReopen, 1},
      {&StatefulRun::OpCutOffChunks, 1},
  };
  int weight_sum = 0;
  for (const auto& [op, w] : ops) weight_sum += w;
  for (step_ = 1; step_ <= steps && !failed_; ++step_) {
    int pick = static_cast<int>(Pick(static_cast<size_t>(weight_sum)));
    size_t i = 0;
    while (pick >= ops[i].second) pick -= ops[i++].second;
    (this->*ops[i].first)();
    CheckModel();
  }
  if (ledger_ != nullptr) g_tally.events += ledger_->last_seq();
  for (const auto& [id, p] : payments_) g_tally.payments += p.committed ? 1 : 0;
  for (const auto& [id, r] : returns_) g_tally.returns += r.committed ? 1 : 0;
  return !failed_;
}

// The cashmatch CLI beside this test binary (build/<cfg>/tools/cashmatch).
std::string FindCli() {
  if (const char* v = std::getenv("CASHMATCH_CLI")) return v;
  std::error_code ec;
  auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return "";
  auto cli = self.parent_path().parent_path() / "tools" / "cashmatch";
  return std::filesystem::exists(cli, ec) ? cli.string() : "";
}

// Runs seeds until the time budget is spent (at least one), or the one
// seed CASHMATCH_STATEFUL_SEED names; stops at the first finding.
TEST(Stateful, RandomOperationsKeepTheLedgerEqualToTheModel) {
  const int seconds = EnvInt("CASHMATCH_STATEFUL_SECONDS", 10);
  const int steps = EnvInt("CASHMATCH_STATEFUL_STEPS", 40);
  const std::string cli = FindCli();
  if (cli.empty()) std::cerr << "stateful: no cashmatch CLI found; the SIGKILL steps are skipped\n";
  const char* one = std::getenv("CASHMATCH_STATEFUL_SEED");
  const char* from = std::getenv("CASHMATCH_STATEFUL_FIRST_SEED");
  const uint64_t first = std::strtoull(one != nullptr ? one : from != nullptr ? from : "1", nullptr, 10);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  uint64_t seed = first;
  for (; one == nullptr || seed == first; ++seed) {
    StatefulRun run(seed, cli);
    if (!run.Run(steps)) break;
    if (std::chrono::steady_clock::now() >= deadline) break;
  }
  std::cerr << "stateful: seeds " << first << ".." << seed << " ran " << steps << " steps each: " << g_tally.events
            << " events, " << g_tally.payments << " payments and " << g_tally.returns << " returns committed; "
            << g_tally.killed_committed << " killed applies committed, " << g_tally.killed_lost << " did not\n";
}

}  // namespace
}  // namespace cashmatch::io
