#include "cashmatch/io/book_csv.h"

#include <initializer_list>
#include <unordered_map>

#include "cashmatch/io/csv.h"
#include "readers/reader_util.h"

namespace cashmatch::io {
namespace {

std::vector<std::string> SplitPipes(std::string_view s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= s.size()) {
    size_t bar = s.find('|', start);
    if (bar == std::string_view::npos) bar = s.size();
    std::string_view part = s.substr(start, bar - start);
    while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
    while (!part.empty() && part.back() == ' ') part.remove_suffix(1);
    if (!part.empty()) out.emplace_back(part);
    start = bar + 1;
  }
  return out;
}

Status RequireNonEmpty(const CsvRow& r, const std::string& col) {
  if (r.Get(col).empty()) return Status::InvalidInput(r.Where(col) + ": expected a value, found none");
  return Status::Ok();
}

// Checks ids are unique within the file; the message names both lines.
// Ids become ledger keys: printable UTF-8 (reader_util.h), checked with
// the column that holds them. A pipe-separated list is checked whole.
Status CheckIds(const CsvRow& r, std::initializer_list<const char*> cols) {
  for (const char* col : cols) {
    if (const char* why = IdProblem(r.Get(col))) return Status::InvalidInput(r.Where(col) + ": " + why);
  }
  return Status::Ok();
}

Status CheckUnique(const CsvRow& r, const std::string& col, std::unordered_map<std::string, uint32_t>* seen) {
  std::string id(r.Get(col));
  auto [it, inserted] = seen->emplace(id, r.line());
  if (!inserted) {
    return Status::InvalidInput(r.Where(col) + ": duplicate id '" + id + "' (first on line " +
                                std::to_string(it->second) + ")");
  }
  return Status::Ok();
}

Result<int64_t> AmountField(const CsvRow& row, const std::string& col, const Currency* ccy) {
  auto r = ParseAmountMinor(row.Get(col), ccy->exponent());
  if (!r.ok()) return r.status().WithContext(row.Where(col));
  if (r.value() < 0) return Status::InvalidInput(row.Where(col) + ": expected a non-negative amount");
  return r;
}

// An optional amount column: left as *out when empty, else parsed and
// checked to be at most `max_minor` (named `max_name` in the message).
Status OptionalAmountAtMost(const CsvRow& row, const std::string& col, const Currency* ccy, int64_t max_minor,
                            const char* max_name, int64_t* out) {
  if (row.Get(col).empty()) return Status::Ok();
  auto r = AmountField(row, col, ccy);
  if (!r.ok()) return r.status();
  if (r.value() > max_minor) return Status::InvalidInput(row.Where(col) + ": exceeds " + max_name);
  *out = r.value();
  return Status::Ok();
}

Result<Date> DateField(const CsvRow& row, const std::string& col) {
  auto r = ParseIsoDate(row.Get(col));
  if (!r.ok()) return r.status().WithContext(row.Where(col));
  return r;
}

Result<Invoice> ParseInvoiceRow(const CsvRow& t) {
  for (const char* col : {"invoice_id", "number", "customer_id", "currency", "amount_total", "due_date"}) {
    CASHMATCH_RETURN_IF_ERROR(RequireNonEmpty(t, col));
  }
  CASHMATCH_RETURN_IF_ERROR(CheckIds(t, {"invoice_id", "number", "customer_id", "po_number", "stripe_invoice_id"}));
  Invoice inv;
  inv.invoice_id = t.Get("invoice_id");
  inv.number = t.Get("number");
  inv.customer_id = t.Get("customer_id");
  inv.currency = Currency::Find(t.Get("currency"));
  if (inv.currency == nullptr) {
    return Status::InvalidInput(t.Where("currency") + ": unknown currency '" + std::string(t.Get("currency")) +
                                "', expected an ISO 4217 code");
  }
  auto total = AmountField(t, "amount_total", inv.currency);
  if (!total.ok()) return total.status();
  inv.amount_total_minor = total.value();
  inv.amount_open_minor = inv.amount_total_minor;
  CASHMATCH_RETURN_IF_ERROR(OptionalAmountAtMost(t, "amount_open", inv.currency, inv.amount_total_minor, "amount_total",
                                                 &inv.amount_open_minor));
  CASHMATCH_RETURN_IF_ERROR(OptionalAmountAtMost(t, "disputed_amount", inv.currency, inv.amount_open_minor,
                                                 "the open amount", &inv.disputed_minor));
  auto due = DateField(t, "due_date");
  if (!due.ok()) return due.status();
  inv.due_date = due.value();
  inv.issue_date = inv.due_date;
  if (!t.Get("issue_date").empty()) {
    auto issued = DateField(t, "issue_date");
    if (!issued.ok()) return issued.status();
    inv.issue_date = issued.value();
  }
  inv.po_number = t.Get("po_number");
  std::string_view model = t.Get("billing_model");
  if (!model.empty() && !ParseBillingModel(model, &inv.billing_model)) {
    return Status::InvalidInput(t.Where("billing_model") + ": expected subscription|usage|services|one_off, got '" +
                                std::string(model) + "'");
  }
  std::string_view usage = t.Get("usage_status");
  if (!usage.empty() && !ParseUsageStatus(usage, &inv.usage_status)) {
    return Status::InvalidInput(t.Where("usage_status") + ": expected final|reconciling, got '" + std::string(usage) +
                                "'");
  }
  inv.stripe_invoice_id = t.Get("stripe_invoice_id");
  inv.source_line = t.line();
  return inv;
}

Result<Customer> ParseCustomerRow(const CsvRow& t, const Fingerprinter& fp) {
  CASHMATCH_RETURN_IF_ERROR(RequireNonEmpty(t, "customer_id"));
  CASHMATCH_RETURN_IF_ERROR(RequireNonEmpty(t, "name"));
  CASHMATCH_RETURN_IF_ERROR(CheckIds(t, {"customer_id", "parent_id", "stripe_customer_ids"}));
  Customer c;
  c.customer_id = t.Get("customer_id");
  c.name = t.Get("name");
  c.aliases = SplitPipes(t.Get("aliases"));
  for (const std::string& account : SplitPipes(t.Get("bank_accounts"))) {
    std::string f = fp.Account(account);
    if (f.empty()) return Status::InvalidInput(t.Where("bank_accounts") + ": an account has no letters or digits");
    c.bank_account_fps.push_back(std::move(f));
  }
  c.stripe_customer_ids = SplitPipes(t.Get("stripe_customer_ids"));
  c.parent_id = t.Get("parent_id");
  c.tier = t.Get("tier");
  c.source_line = t.line();
  if (c.parent_id == c.customer_id) {
    return Status::InvalidInput(t.Where("parent_id") + ": a customer cannot be its own parent");
  }
  return c;
}

const std::vector<std::string> kCustomerRequired = {"customer_id", "name"};
const std::vector<std::string> kCustomerOptional = {"aliases", "bank_accounts", "stripe_customer_ids", "parent_id",
                                                    "tier"};
const std::vector<std::string> kInvoiceRequired = {"invoice_id", "number",       "customer_id",
                                                   "currency",   "amount_total", "due_date"};
const std::vector<std::string> kInvoiceOptional = {
    "amount_open", "issue_date", "po_number", "billing_model", "usage_status", "disputed_amount", "stripe_invoice_id"};

}  // namespace

Result<std::vector<Customer>> ParseCustomersCsv(const std::string& name, std::string_view data, const Fingerprinter& fp,
                                                std::vector<std::string>* warnings) {
  auto table = CsvTable::Parse(name, data, kCustomerRequired, kCustomerOptional, warnings);
  if (!table.ok()) return table.status();
  const CsvTable& t = table.value();
  std::vector<Customer> out;
  out.reserve(t.size());
  std::unordered_map<std::string, uint32_t> seen;
  for (size_t i = 0; i < t.size(); ++i) {
    auto c = ParseCustomerRow(t.Row(i), fp);
    if (!c.ok()) return c.status();
    CASHMATCH_RETURN_IF_ERROR(CheckUnique(t.Row(i), "customer_id", &seen));
    out.push_back(std::move(c).value());
  }
  return out;
}

Result<std::vector<Invoice>> ParseInvoicesCsv(const std::string& name, std::string_view data,
                                              std::vector<std::string>* warnings) {
  auto table = CsvTable::Parse(name, data, kInvoiceRequired, kInvoiceOptional, warnings);
  if (!table.ok()) return table.status();
  const CsvTable& t = table.value();
  std::vector<Invoice> out;
  out.reserve(t.size());
  std::unordered_map<std::string, uint32_t> seen_ids;
  std::unordered_map<std::string, uint32_t> seen_numbers;
  for (size_t i = 0; i < t.size(); ++i) {
    auto inv = ParseInvoiceRow(t.Row(i));
    if (!inv.ok()) return inv.status();
    CASHMATCH_RETURN_IF_ERROR(CheckUnique(t.Row(i), "invoice_id", &seen_ids));
    CASHMATCH_RETURN_IF_ERROR(CheckUnique(t.Row(i), "number", &seen_numbers));
    out.push_back(std::move(inv).value());
  }
  return out;
}

Status ScanCustomersCsv(const std::string& path, const Fingerprinter& fp, std::vector<std::string>* warnings,
                        const std::function<Status(Customer&&)>& sink) {
  auto file = CsvFile::Open(path, kCustomerRequired, kCustomerOptional, warnings);
  if (!file.ok()) return file.status();
  CsvFile& f = *file.value();
  while (f.Next()) {
    auto c = ParseCustomerRow(f.Row(), fp);
    if (!c.ok()) return c.status();
    CASHMATCH_RETURN_IF_ERROR(sink(std::move(c).value()));
  }
  return f.status();
}

Status ScanInvoicesCsv(const std::string& path, std::vector<std::string>* warnings,
                       const std::function<Status(Invoice&&)>& sink) {
  auto file = CsvFile::Open(path, kInvoiceRequired, kInvoiceOptional, warnings);
  if (!file.ok()) return file.status();
  CsvFile& f = *file.value();
  while (f.Next()) {
    auto inv = ParseInvoiceRow(f.Row());
    if (!inv.ok()) return inv.status();
    CASHMATCH_RETURN_IF_ERROR(sink(std::move(inv).value()));
  }
  return f.status();
}

}  // namespace cashmatch::io
