#include "gen_eval_cmd.h"

#include <fmt/core.h>

#include <fstream>

#include "cashmatch/datasets/eval.h"
#include "cashmatch/io/csv.h"
#include "cashmatch/io/ledger.h"
#include "cli_util.h"

namespace cashmatch::tools {
namespace {

int Fail(const char* command, const Status& s) { return tools::Fail(s, command); }

// Streams truth.ndjson into the evaluator; errors name the line.
Status ReadTruth(const std::string& path, datasets::Evaluator* ev) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound(path + ": cannot open");
  std::string line;
  for (uint64_t n = 1; std::getline(in, line); ++n) {
    if (line.empty()) continue;
    Status s = ev->AddTruthLine(line);
    if (!s.ok()) return s.WithContext(path + ":" + std::to_string(n));
  }
  if (in.bad()) return Status::IOError(path + ": read failed");
  return Status::Ok();
}

// Another matcher's answer (the SQL baseline of bench/e2e) as a CSV with
// the header payment_id,invoice_id,amount_minor: one row per allocation, or
// an empty invoice_id for a payment it left alone. Scored like a ledger.
Status ReadAllocations(const std::string& path, datasets::Evaluator* ev) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound(path + ": cannot open");
  std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<std::string> warnings;
  auto table = io::CsvTable::Parse(path, data, {"payment_id", "invoice_id", "amount_minor"}, {}, &warnings);
  if (!table.ok()) return table.status();
  const io::CsvTable& t = table.value();
  for (size_t i = 0; i < t.size(); ++i) {
    Event e;
    e.type = EventType::kPaymentReceived;
    e.payment_id = t.Get(i, "payment_id");
    ev->AddEvent(e);
    e.invoice_id = t.Get(i, "invoice_id");
    if (e.invoice_id.empty()) continue;
    auto amount = ParseMinorUnits(t.Get(i, "amount_minor"));
    if (!amount.ok()) return amount.status().WithContext(t.Where(i, "amount_minor"));
    e.type = EventType::kApplied;
    e.amount_minor = amount.value();
    ev->AddEvent(e);
  }
  return Status::Ok();
}

// Feeds every event of the ledger in `db` to the evaluator.
Status ReadLedger(const std::string& db, datasets::Evaluator* ev) {
  io::LedgerOptions options;
  options.read_only = true;
  auto ledger = OpenLedger(db, options);
  if (!ledger.ok()) return ledger.status();
  return ledger.value()->ForEachEvent(0, [&](const Event& e) {
    ev->AddEvent(e);
    return true;
  });
}

}  // namespace

CLI::App* AddGenCommand(CLI::App& app, GenArgs* a) {
  datasets::GenOptions& o = a->options;
  CLI::App* cmd = app.add_subcommand(
      "gen",
      "Generate a portfolio: customers.csv and invoices.csv (the load format), settlement files in BAI2, camt.053,\n"
      "Stripe payout listings and NDJSON (apply them in the order of files.txt), and truth.ndjson, the answer key\n"
      "(docs/datasets.md). Same options and seed, same bytes.");
  cmd->add_option("--out", o.out_dir, "Output directory (created if absent)")->required();
  cmd->add_option("--customers", o.customers_count, "Customers")->required()->check(CLI::PositiveNumber);
  cmd->add_option("--invoices", o.invoices_count, "Open invoices (at least one per customer)")
      ->required()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--payments", o.payments_count, "Payments in the settlement files")
      ->required()
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--seed", o.seed, "Random seed")->required();
  cmd->add_option("--profile", a->profile, "clean, typical (default) or messy: the rates of each scenario")
      ->check(CLI::IsMember({"clean", "typical", "messy"}));
  cmd->add_option("--days", o.days_count, "Settlement days (returns arrive the day after)")->check(CLI::Range(1, 366));
  cmd->add_option("--first-day", a->first_day, "First value date, YYYY-MM-DD (default 2026-11-23)")->check(kIsoDate);
  cmd->add_option("--stripe-payout-size", o.stripe_payout_charges_max, "Charges per Stripe payout listing")
      ->check(CLI::Range(1, 100000));
  cmd->add_option("--format", a->format,
                  "mixed (default: BAI2, camt.053 and NDJSON by the profile's rates), or ndjson, camt or bai2:\n"
                  "every bank payment in that one format (the same payments; Stripe listings stay Stripe)")
      ->check(CLI::IsMember({"mixed", "ndjson", "camt", "bai2"}));
  return cmd;
}

CLI::App* AddEvalCommand(CLI::App& app, EvalArgs* a) {
  CLI::App* cmd = app.add_subcommand(
      "eval",
      "Score a ledger against a generator answer key: precision and recall of the applied allocations,\n"
      "straight-through rate, exceptions by reason, expected vs got outcomes per scenario, wrong applications by\n"
      "cause (other_customer, same_customer_wrong_invoice, wrong_amount, applied_should_not, ...) (read-only).");
  CLI::Option* db = cmd->add_option("--db", a->db, "Ledger directory");
  cmd->add_option("--allocations", a->allocations,
                  "Instead of a ledger: another matcher's allocations, CSV payment_id,invoice_id,amount_minor")
      ->excludes(db);
  cmd->add_option("--truth", a->truth, "truth.ndjson written by `cashmatch gen`")->required();
  cmd->add_option("--format", a->format, "table (default) or json")->check(CLI::IsMember({"table", "json"}));
  return cmd;
}

int RunGen(GenArgs& a, bool quiet) {
  if (!datasets::ParseProfile(a.profile, &a.options.profile)) {
    fmt::print(stderr, "cashmatch gen: --profile must be clean, typical or messy\n");
    return kExitUsage;
  }
  if (!datasets::ParseBankFormat(a.format, &a.options.format)) {
    fmt::print(stderr, "cashmatch gen: --format must be mixed, ndjson, camt or bai2\n");
    return kExitUsage;
  }
  if (!a.first_day.empty()) {
    auto d = ParseIsoDate(a.first_day);
    if (!d.ok()) {
      fmt::print(stderr, "cashmatch gen: --first-day: {}\n", d.status().message());
      return kExitUsage;
    }
    a.options.first_day = d.value();
  }
  if (a.options.invoices_count < a.options.customers_count) {
    fmt::print(stderr, "cashmatch gen: --invoices must be at least --customers (one invoice per customer)\n");
    return kExitUsage;
  }
  datasets::GenSummary summary;
  // Rows: customers, invoices and payments.
  Progress progress(Progress::Wanted(quiet), "gen", "rows");
  a.options.progress = progress.Hook();
  Status s = datasets::Generate(a.options, &summary);
  a.options.progress = {};  // it names `progress`, which ends here
  progress.Done();
  if (!s.ok()) return Fail("gen", s);
  std::string formats;
  for (const auto& [name, n] : summary.records_by_format) formats += fmt::format(" {} {}", name, n);
  fmt::print(
      "wrote {} customers, {} invoices, {} payments ({} returned later) to {}; {} settlement files "
      "(files.txt); records:{}\n",
      summary.customers_count, summary.invoices_count, summary.payments_count, summary.returns_count, a.options.out_dir,
      summary.settlement_files.size(), formats);
  std::string scenarios;
  for (size_t i = 0; i < summary.scenario_counts.size(); ++i) {
    if (summary.scenario_counts[i] == 0) continue;
    scenarios +=
        fmt::format(" {} {}", datasets::ScenarioName(static_cast<datasets::Scenario>(i)), summary.scenario_counts[i]);
  }
  fmt::print("scenarios:{}\n", scenarios);
  return 0;
}

int RunEval(const EvalArgs& a) {
  if (a.db.empty() == a.allocations.empty()) {
    fmt::print(stderr, "cashmatch eval: give --db LEDGER or --allocations CSV\n");
    return kExitUsage;
  }
  datasets::Evaluator ev;
  Status s = ReadTruth(a.truth, &ev);
  if (s.ok()) s = a.db.empty() ? ReadAllocations(a.allocations, &ev) : ReadLedger(a.db, &ev);
  if (!s.ok()) return Fail("eval", s);
  datasets::EvalReport report = ev.Finish();
  fmt::print("{}", datasets::FormatEvalReport(
                       report, a.format == "json" ? datasets::EvalFormat::kJson : datasets::EvalFormat::kTable));
  return 0;
}

}  // namespace cashmatch::tools
