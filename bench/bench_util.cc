#include "bench_util.h"

#include <unistd.h>

#include <atomic>
#include <cassert>
#include <cstdio>
#include <vector>

#include "cashmatch/engine/currency.h"
#include "cashmatch/engine/date.h"
#include "cashmatch/engine/domain.h"
#include "cashmatch/engine/money.h"

namespace cashmatch::bench {
namespace {

std::string Padded(const char* prefix, uint64_t value, int width) {
  char buf[48];
  int n = std::snprintf(buf, sizeof(buf), "%s%0*llu", prefix, width, static_cast<unsigned long long>(value));
  assert(n > 0);
  assert(static_cast<size_t>(n) < sizeof(buf));
  return std::string(buf, static_cast<size_t>(n));
}

}  // namespace

ScratchDir::ScratchDir() {
  static std::atomic<uint64_t> counter{0};
  path_ = std::filesystem::temp_directory_path() /
          ("cashmatch-bench-" + std::to_string(::getpid()) + "-" + std::to_string(counter.fetch_add(1)));
  std::filesystem::remove_all(path_);
  std::filesystem::create_directories(path_);
}

ScratchDir::~ScratchDir() {
  std::error_code ec;  // a leftover scratch directory is not worth aborting over
  std::filesystem::remove_all(path_, ec);
}

std::string InvoiceNumber(uint64_t index) { return Padded("INV-2026-", index, 7); }
std::string InvoiceId(uint64_t index) { return Padded("I-", index, 7); }
std::string CustomerId(uint64_t index) { return Padded("C-", index, 5); }
std::string CustomerAccount(uint64_t index) { return Padded("021000021-", index, 7); }

int64_t InvoiceAmountMinor(uint64_t index) {
  // A multiplicative hash spreads amounts over 1.00 .. 99,999.99.
  return 100 + static_cast<int64_t>((index * 2654435761u) % 9999900u);
}

void AppendPaymentLine(const PaymentLineSpec& spec, std::string* out) {
  const std::string amount = FormatAmountMinor(InvoiceAmountMinor(spec.invoice_index), 2);
  const std::string number = InvoiceNumber(spec.invoice_index);
  out->append(R"({"payment_id":")").append(spec.payment_id);
  out->append(R"(","amount":")").append(amount);
  out->append(R"(","currency":"USD","value_date":"2026-11-02","source":"ach","payer_name":"Acme Corp )");
  out->append(CustomerId(spec.customer_index)).append("\"");
  if (spec.with_account) out->append(R"(,"payer_account":")").append(CustomerAccount(spec.customer_index)).append("\"");
  out->append(R"(,"remittance":"Payment for )").append(number).append(R"( thank you")");
  out->append(R"(,"references":[{"invoice_number":")").append(number);
  out->append(R"(","amount":")").append(amount).append("\"}]}\n");
}

Invoice BenchInvoice(uint64_t index) {
  static const Date issued = ParseIsoDate("2026-09-30").value();
  static const Date due = ParseIsoDate("2026-10-30").value();
  Invoice inv;
  inv.invoice_id = InvoiceId(index);
  inv.number = InvoiceNumber(index);
  inv.customer_id = CustomerId(index % kBookCustomersCount);
  inv.currency = Currency::Find("USD");
  inv.amount_total_minor = InvoiceAmountMinor(index);
  inv.amount_open_minor = inv.amount_total_minor;
  inv.issue_date = issued;
  inv.due_date = due;
  inv.source_line = static_cast<uint32_t>(index + 2);
  return inv;
}

Status UpsertBenchBook(io::Ledger& ledger, uint64_t invoices_count) {
  std::vector<Customer> customers;
  customers.reserve(kBookCustomersCount);
  for (uint64_t c = 0; c < kBookCustomersCount; ++c) {
    Customer customer;
    customer.customer_id = CustomerId(c);
    customer.name = "Acme Corp " + customer.customer_id;
    customer.bank_account_fps = {ledger.fingerprinter().Account(CustomerAccount(c))};
    customer.source_line = static_cast<uint32_t>(c + 2);
    customers.push_back(std::move(customer));
  }
  std::vector<Invoice> invoices;
  invoices.reserve(invoices_count);
  for (uint64_t i = 0; i < invoices_count; ++i) invoices.push_back(BenchInvoice(i));
  return ledger.UpsertBook(customers, invoices);
}

std::string MakePaymentFile(uint64_t round, uint64_t payments_count) {
  std::string data;
  data.reserve(payments_count * 320);
  const std::string prefix = "P-" + std::to_string(round) + "-";
  for (uint64_t i = 0; i < payments_count; ++i) {
    const uint64_t invoice = round * payments_count + i;
    const std::string id = prefix + std::to_string(i);
    AppendPaymentLine(PaymentLineSpec{id, invoice, invoice % kBookCustomersCount, true}, &data);
  }
  return data;
}

}  // namespace cashmatch::bench
