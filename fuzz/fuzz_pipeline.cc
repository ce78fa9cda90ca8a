// libFuzzer target for the whole apply pipeline, not only a reader: the
// fuzzed bytes are a settlement file in any format (detected, as `cashmatch
// apply` does) applied to a small ledger. The property: the apply either
// fails with a clean error and the ledger is exactly as before (events,
// invoices, payments), or it commits and the ledger verifies. Never a
// crash, a hang or a sanitizer report.
//
// Cost per input: a template ledger (a tiny book, a few payments already
// applied so returns and refunds have something to take back) is built once;
// a copy of its directory (on /dev/shm) is opened without syncing and
// without file preallocation (LedgerOptions::scratch: on tmpfs each
// preallocated file cost 15 ms). An input that fails leaves that copy as it
// was (which is checked), so the next input takes the same open copy; only
// after a commit is the copy closed and a fresh one opened (RocksDB's open
// and close, 40 ms or more, were most of the cost). Measured for 60 s from
// the seeds tools/fuzz.sh gives it, on 2 cores shared with other builds:
// 6 inputs a second with a fresh copy per input, 39 now.
//
// Inputs that would hit bugs of issue 12 still being fixed are skipped by
// the gates below; enable each when its fix lands.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <unistd.h>

#include "cashmatch/engine/hints.h"
#include "cashmatch/engine/policy.h"
#include "cashmatch/io/export.h"
#include "cashmatch/io/pipeline.h"
#include "cashmatch/io/settlement.h"

namespace {

namespace fs = std::filesystem;
using namespace cashmatch;
using namespace cashmatch::io;

// Issue 12 items 6 and 3, fixed in the readers: a structured reference
// amount of 0 or below, a Stripe payout whose net is negative, and a control
// character (NUL) in an id once crashed or broke the ledger. Kept as switches
// so a regression can be narrowed down by turning one off.
constexpr bool kZeroReferenceAmounts = true;
constexpr bool kNegativeStripePayouts = true;
constexpr bool kControlCharactersInIds = true;

constexpr char kCustomers[] =
    "customer_id,name,stripe_customer_ids,bank_accounts\n"
    "C1,Acme Corp,cus_1,DE89370400440532013000\nC2,Globex GmbH,cus_2,\nC3,Initech Inc,,\n";
constexpr char kInvoices[] =
    "invoice_id,number,customer_id,currency,amount_total,due_date,billing_model,usage_status,stripe_invoice_id\n"
    "I1,INV-2026-000001,C1,USD,100.00,2026-11-30,subscription,final,in_1\n"
    "I2,INV-2026-000002,C1,USD,250.00,2026-11-30,usage,reconciling,in_2\n"
    "I3,INV-2026-000003,C2,EUR,75.50,2026-12-15,subscription,final,\n"
    "I4,INV-2026-000004,C3,JPY,12000,2026-12-15,subscription,final,\n"
    "I5,INV-2026-000005,C2,USD,40.00,2026-12-20,subscription,final,in_5\n";
// Payments the template holds: P1 settles I1, P2 is held for I2, P3 waits in review.
constexpr char kDay1[] =
    R"({"payment_id":"P1","amount":"100.00","currency":"USD","value_date":"2026-11-23","bank_reference":"BR-1","references":[{"invoice_number":"INV-2026-000001"}]})"
    "\n"
    R"({"payment_id":"P2","amount":"250.00","currency":"USD","value_date":"2026-11-23","references":[{"invoice_number":"INV-2026-000002"}]})"
    "\n"
    R"({"payment_id":"P3","amount":"10.00","currency":"EUR","value_date":"2026-11-23","payer_name":"Globex"})"
    "\n";

[[noreturn]] void Die(const std::string& what) {
  std::cerr << "fuzz_pipeline: " << what << "\n";
  std::abort();
}

std::string WriteFile(const fs::path& path, std::string_view content) {
  std::ofstream(path, std::ios::binary) << content;
  return path.string();
}

struct World {
  fs::path root;
  fs::path template_dir;
  Policy policy;
  std::unique_ptr<HintExtractor> extractor;
  std::string template_state;
  // An open copy of the template that no input has changed (every input
  // since it was opened failed, leaving it as it was), or null.
  std::unique_ptr<Ledger> pristine;
};

std::unique_ptr<Ledger> OpenLedger(const fs::path& dir) {
  LedgerOptions options;
  options.sync = false;
  options.scratch = true;            // no preallocation on tmpfs: see the file comment
  options.create_if_missing = true;  // the template is created; its copies exist
  auto l = Ledger::Open(dir.string(), options);
  if (!l.ok()) Die("cannot open " + dir.string() + ": " + l.status().message());
  return std::move(l).value();
}

// Everything an apply may change, as text.
std::string State(const Ledger& ledger) {
  std::string out = "seq " + std::to_string(ledger.last_seq()) + "\n";
  Status s = ledger.ForEachEvent(0, [&](const Event& e) {
    out += EventToJson(e) + "\n";
    return true;
  });
  if (s.ok()) {
    s = ledger.ForEachInvoiceByCustomer([&](const Invoice& inv) {
      out += inv.invoice_id + " open " + std::to_string(inv.amount_open_minor) + "\n";
      return true;
    });
  }
  if (s.ok()) {
    s = ledger.ForEachPaymentByCustomer([&](const PaymentRecord& p) {
      out += p.payment_id + " " + std::to_string(p.applied_minor) + "/" + std::to_string(p.unapplied_minor) + "/" +
             std::to_string(p.held_minor) + "/" + std::to_string(p.exception_minor) + "/" +
             std::to_string(p.returned_minor) + "\n";
      return true;
    });
  }
  if (!s.ok()) Die("cannot read the ledger: " + s.message());
  return out;
}

World* MakeWorld() {
  auto* w = new World;
  // On tmpfs when there is one: RocksDB's syncs of each input's open and
  // commit are then free, not a disk's (about 30 ms each on a busy disk).
  std::error_code ec;
  const fs::path base = fs::is_directory("/dev/shm", ec) ? fs::path("/dev/shm") : fs::temp_directory_path();
  w->root = base / ("cashmatch-fuzz-pipeline-" + std::to_string(getpid()));
  fs::remove_all(w->root);
  fs::create_directories(w->root);
  static fs::path root_to_remove = w->root;  // libFuzzer ends with exit(): leave nothing behind
  std::atexit([] {
    std::error_code ignored;
    fs::remove_all(root_to_remove, ignored);
  });
  w->template_dir = w->root / "template";
  auto ex = HintExtractor::Create(w->policy);
  if (!ex.ok()) Die("no hint extractor: " + ex.status().message());
  w->extractor = std::move(ex).value();
  std::unique_ptr<Ledger> ledger = OpenLedger(w->template_dir);
  auto load = LoadBookFiles(*ledger, WriteFile(w->root / "c.csv", kCustomers), WriteFile(w->root / "i.csv", kInvoices));
  if (!load.ok()) Die("template load: " + load.status().message());
  auto day1 =
      ApplyPaymentFile(*ledger, WriteFile(w->root / "day1.ndjson", kDay1), w->policy, *w->extractor, MatchOptions());
  if (!day1.ok()) Die("template apply: " + day1.status().message());
  w->template_state = State(*ledger);
  return w;
}

bool HasControl(std::string_view id) {
  for (char c : id) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return true;
  }
  return false;
}

// Whether the input would hit a known issue-12 bug that a gate keeps off.
bool HitsKnownBug(std::string_view input) {
  static const Fingerprinter fp(std::string(32, 'f'));
  auto parsed = ParseSettlement("fuzz", input, SettlementFormat::kAuto, fp, ParseOptions{.skip_bad_records = true});
  if (!parsed.ok()) return false;
  const SettlementBatch& b = parsed.value().batch;
  for (const Payment& p : b.payments) {
    for (const RemittanceRef& r : p.references) {
      if (!kZeroReferenceAmounts && r.amount_minor.has_value() && *r.amount_minor <= 0) return true;
      if (!kControlCharactersInIds && HasControl(r.invoice_number)) return true;
    }
    if (!kControlCharactersInIds &&
        (HasControl(p.payment_id) || HasControl(p.bank_reference) || HasControl(p.end_to_end_id) ||
         HasControl(p.stripe_customer_id) || HasControl(p.stripe_invoice_id) || HasControl(p.bank_batch_id))) {
      return true;
    }
  }
  for (const Reversal& r : b.reversals) {
    if (!kControlCharactersInIds &&
        (HasControl(r.reversal_id) || HasControl(r.original_payment_id) || HasControl(r.original_reference))) {
      return true;
    }
  }
  if (b.payout.has_value()) {
    if (!kNegativeStripePayouts && b.payout->amount_minor <= 0) return true;
    if (!kControlCharactersInIds && HasControl(b.payout->payout_id)) return true;
  }
  return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static World* world = MakeWorld();
  std::string_view input(reinterpret_cast<const char*>(data), size);
  if (HitsKnownBug(input)) return 0;
  const fs::path dir = world->root / "ledger";
  if (world->pristine == nullptr) {
    fs::remove_all(dir);
    fs::copy(world->template_dir, dir, fs::copy_options::recursive);
    world->pristine = OpenLedger(dir);
  }
  Ledger* ledger = world->pristine.get();
  ApplyOptions options;
  options.skip_bad_records = size % 2 == 1;  // both paths, decided by the input
  options.rejects_path = (world->root / "rejects.ndjson").string();
  auto r = ApplyPaymentFile(*ledger, WriteFile(world->root / "input", input), world->policy, *world->extractor,
                            MatchOptions(), options);
  if (!r.ok()) {
    if (State(*ledger) != world->template_state) Die("a failed apply changed the ledger: " + r.status().message());
    // Still the template, so the next input may use it as it is; after an
    // I/O error the Ledger writes no more (Ledger::LatchWriteError): reopen.
    if (r.status().code() == StatusCode::kIOError) world->pristine.reset();
  } else {
    VerifyReport report;
    Status v = ledger->Verify(&report);
    if (!v.ok()) Die("a committed apply left a ledger that does not verify: " + v.message());
    world->pristine.reset();  // changed: the next input gets a fresh copy
  }
  fs::remove(world->root / "rejects.ndjson");
  return 0;
}
