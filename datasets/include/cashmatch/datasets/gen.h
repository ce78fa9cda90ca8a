// File: cashmatch/datasets/gen.h
//
// The portfolio generator behind `cashmatch gen`: customers, open invoices
// and settlement files in the real formats (BAI2, camt.053, Stripe payout
// listings, cashmatch NDJSON), with an answer key (truth.ndjson) that says
// what a correct matcher does with every payment. docs/datasets.md
// describes the files and the truth schema.
//
// Determinism: the same options give byte-identical files. Every customer
// draws from its own random stream (seed, customer index), so nothing a
// customer gets depends on how much was generated before it.
//
// Memory: customers are generated one at a time together with their
// invoices and payments, and written out at once; what stays in memory is
// per-customer counts (8 bytes per customer), the open file writers and the
// Stripe refunds waiting for a later payout. 10M invoices need no more than
// 100k do, apart from those counts. The messy profile's names, whales and
// the uniqueness of a name's first 16 characters are functions of the
// customer index, computed when needed, never stored.
//
// Example:
//   GenOptions o;
//   o.out_dir = "/tmp/p"; o.customers_count = 50; o.invoices_count = 600;
//   o.payments_count = 300; o.seed = 7;
//   GenSummary s;
//   Status st = Generate(o, &s);  // writes customers.csv, invoices.csv, ...
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "cashmatch/engine/date.h"
#include "cashmatch/engine/status.h"
#include "cashmatch/io/progress.h"

namespace cashmatch::datasets {

// How much of each difficulty a portfolio holds; the rates per profile are
// in gen.cc (ProfileRates) and docs/datasets.md.
enum class Profile : uint8_t { kClean = 0, kTypical = 1, kMessy = 2 };
bool ParseProfile(std::string_view text, Profile* out);
const char* ProfileName(Profile p);

// The bank format of `gen --format`.
enum class BankFormat : uint8_t { kMixed = 0, kNdjson = 1, kCamt = 2, kBai2 = 3 };
bool ParseBankFormat(std::string_view text, BankFormat* out);

// What a payment exercises. The names are written to truth.ndjson as
// `scenario`; never rename one, only append (truth files outlive builds).
enum class Scenario : uint8_t {
  kExactReference = 0,  // remittance names the invoice as printed; amount = open
  kNoRemittanceSingle,  // no remittance; amount = one open invoice; known account
  kNoRemittanceMulti,   // no remittance; amount = a sum of 2-3 open invoices
  kOddFormatReference,  // "inv 2026 4211", "#4211", zeros dropped, no separators
  kTypoReference,       // one character wrong (digit, transposition, OCR letter)
  kMultiInvoice,        // remittance names 2-5 invoices; amount = their sum
  kPartialPayment,      // names the invoice, pays less beyond tolerance
  kShortPayment,        // names the invoice, short by a fee within tolerance
  kOverpayment,         // names the invoice, pays more; the rest is unapplied
  kPayerNameVariant,    // no account, no remittance; payer name or alias differs
  kParentPays,          // the parent pays a subsidiary's invoice, naming it
  kUsageReconciling,    // pays a usage invoice still reconciling: held
  kDisputed,            // pays the undisputed part of a disputed invoice
  kStripeCharge,        // a charge in a Stripe payout carrying the in_ id
  kReturned,            // an exact payment returned later (R01 or refund)
  kUnknownPayer,        // nobody in the book: no account, name or reference
  kAmbiguous,           // no remittance; two different invoice sets fit
  kOnAccount,           // a known customer pays with nothing open to match
  // Issue 14's situations (messy profile only):
  kTypoOtherCustomer,   // names another customer's real invoice one digit away; pays its own exactly
  kTypoSameCustomer,    // names its own other invoice one digit away (other amount); pays the one it meant
  kEqualAmountTwins,    // two open invoices of one amount; a garbled reference closest to one of them
  kExactNameOnly,       // no account, no remittance; the payer name is the customer's name exactly
  kLookalikeReference,  // a letter for a digit (O/0, I/l/1, S/5, B/8, Z/2) in the serial
  kNoiseTokens,         // exact references beside CHECK NO, ACCT, TRACE and AMT tokens
  kStripePayoutLine,    // the bank line that brings a Stripe payout's net amount
};
constexpr size_t kScenarioCount = 25;
const char* ScenarioName(Scenario s);

struct GenOptions {
  // Directory the files go to (created when absent). Required.
  std::string out_dir;
  // Customers in the book. Default: 100.
  uint64_t customers_count = 100;
  // Open invoices in the book (spread unevenly over customers). Default: 1000.
  uint64_t invoices_count = 1000;
  // Payments in the settlement files (returns and Stripe fees come on top).
  // Default: 300.
  uint64_t payments_count = 300;
  // The random seed: same seed, same bytes. Default: 1.
  uint64_t seed = 1;
  Profile profile = Profile::kTypical;
  // Settlement days; returns of the last day's payments arrive on the day
  // after, in files of their own. Default: 1.
  uint32_t days_count = 1;
  // The first value date. Default: 2026-11-23.
  Date first_day{20780};
  // Charges per Stripe payout listing: more charges on one day make more
  // payouts. Default: 200.
  uint32_t stripe_payout_charges_max = 200;
  // Where the bank payments go: kMixed spreads them over BAI2, camt.053 and
  // NDJSON by the profile's rates; the others write every non-Stripe
  // payment of a day in that one format (the same payments as kMixed, so a
  // day can be scored per format). Default: kMixed.
  BankFormat format = BankFormat::kMixed;
  // Told of the rows written (customers, invoices and payments; returns,
  // Stripe fees and refunds not counted) against customers_count +
  // invoices_count + payments_count, which gen writes exactly. Default:
  // not told.
  io::ProgressHook progress;
};

// What was written, for the command's summary line and the benchmarks.
struct GenSummary {
  uint64_t customers_count = 0;
  uint64_t invoices_count = 0;
  uint64_t payments_count = 0;
  uint64_t returns_count = 0;
  // Bank lines that bring a Stripe payout (messy): in the key with outcome
  // `payout`, not counted in payments_count.
  uint64_t payout_lines_count = 0;
  std::array<uint64_t, kScenarioCount> scenario_counts{};
  // Settlement files in the order they must be applied (also written to
  // files.txt, one name per line, relative to out_dir).
  std::vector<std::string> settlement_files;
  // Settlement records per format, e.g. {"bai2", 1234}.
  std::vector<std::pair<std::string, uint64_t>> records_by_format;
};

// Writes the portfolio into options.out_dir. Invalid options are
// kInvalidInput naming the option; a failed write is kIOError.
Status Generate(const GenOptions& options, GenSummary* summary);

}  // namespace cashmatch::datasets
