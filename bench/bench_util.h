// File: bench/bench_util.h
//
// Shared fixtures of the benchmark program: deterministic generators for
// amounts, NDJSON payment lines and books, and a scratch directory that is
// removed when the benchmark ends. Everything here is seeded, so two runs
// measure the same inputs.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "cashmatch/engine/status.h"
#include "cashmatch/io/ledger.h"

namespace cashmatch::bench {

// A fresh, uniquely named directory under the system temp directory,
// removed (with everything in it) on destruction.
class ScratchDir {
 public:
  ScratchDir();
  ~ScratchDir();
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// "INV-2026-0000123": the human invoice number of invoice `index`.
std::string InvoiceNumber(uint64_t index);
// "I-0000123": the ERP's invoice id of invoice `index`.
std::string InvoiceId(uint64_t index);
// "C-00123": the id of customer `index`.
std::string CustomerId(uint64_t index);
// "021000021-0001234": the bank account customer `index` pays from.
std::string CustomerAccount(uint64_t index);
// Open amount of invoice `index` in minor units: varied, always positive.
int64_t InvoiceAmountMinor(uint64_t index);

// One NDJSON payment line (with its '\n') that settles invoice
// `invoice_index` exactly: the invoice number appears both in the
// remittance text and as a structured reference with its amount.
struct PaymentLineSpec {
  std::string_view payment_id;
  uint64_t invoice_index = 0;
  uint64_t customer_index = 0;
  bool with_account = true;  // payer_account present (costs one HMAC)
};
void AppendPaymentLine(const PaymentLineSpec& spec, std::string* out);

// Open USD invoice `index` of the benchmark book, owned by customer
// index % kBookCustomersCount.
constexpr uint64_t kBookCustomersCount = 10000;
Invoice BenchInvoice(uint64_t index);

// The portfolio of the end-to-end benchmarks: kBookCustomersCount
// customers, each with one known bank account, and `invoices_count` open
// USD invoices spread over them, upserted in one write.
Status UpsertBenchBook(io::Ledger& ledger, uint64_t invoices_count);

// A payment file of `payments_count` lines; round r pays invoices
// [r * payments_count, (r + 1) * payments_count) exactly, with payment ids
// unique to the round, so every round stays on the apply path instead of
// re-paying settled invoices.
std::string MakePaymentFile(uint64_t round, uint64_t payments_count);

}  // namespace cashmatch::bench
