#include "cashmatch/io/book_csv.h"

#include <unordered_map>

#include "cashmatch/io/csv.h"

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

Status RequireNonEmpty(const CsvTable& t, size_t i, const std::string& col) {
  if (t.Get(i, col).empty()) return Status::InvalidInput(t.Where(i, col) + ": expected a value, found none");
  return Status::Ok();
}

// Checks ids are unique within the file; the message names both lines.
Status CheckUnique(const CsvTable& t, size_t i, const std::string& col,
                   std::unordered_map<std::string, uint32_t>* seen) {
  std::string id(t.Get(i, col));
  auto [it, inserted] = seen->emplace(id, t.record(i).line);
  if (!inserted) {
    return Status::InvalidInput(t.Where(i, col) + ": duplicate id '" + id + "' (first on line " +
                                std::to_string(it->second) + ")");
  }
  return Status::Ok();
}

Result<int64_t> AmountField(const CsvTable& t, size_t i, const std::string& col, const Currency* ccy) {
  auto r = ParseAmountMinor(t.Get(i, col), ccy->exponent());
  if (!r.ok()) return r.status().WithContext(t.Where(i, col));
  if (r.value() < 0) return Status::InvalidInput(t.Where(i, col) + ": expected a non-negative amount");
  return r;
}

// An optional amount column: left as *out when empty, else parsed and
// checked to be at most `max_minor` (named `max_name` in the message).
Status OptionalAmountAtMost(const CsvTable& t, size_t i, const std::string& col, const Currency* ccy,
                            int64_t max_minor, const char* max_name, int64_t* out) {
  if (t.Get(i, col).empty()) return Status::Ok();
  auto r = AmountField(t, i, col, ccy);
  if (!r.ok()) return r.status();
  if (r.value() > max_minor) return Status::InvalidInput(t.Where(i, col) + ": exceeds " + max_name);
  *out = r.value();
  return Status::Ok();
}

Result<Date> DateField(const CsvTable& t, size_t i, const std::string& col) {
  auto r = ParseIsoDate(t.Get(i, col));
  if (!r.ok()) return r.status().WithContext(t.Where(i, col));
  return r;
}

Result<Invoice> ParseInvoiceRow(const CsvTable& t, size_t i) {
  for (const char* col : {"invoice_id", "number", "customer_id", "currency", "amount_total", "due_date"}) {
    CASHMATCH_RETURN_IF_ERROR(RequireNonEmpty(t, i, col));
  }
  Invoice inv;
  inv.invoice_id = t.Get(i, "invoice_id");
  inv.number = t.Get(i, "number");
  inv.customer_id = t.Get(i, "customer_id");
  inv.currency = Currency::Find(t.Get(i, "currency"));
  if (inv.currency == nullptr) {
    return Status::InvalidInput(t.Where(i, "currency") + ": unknown currency '" + std::string(t.Get(i, "currency")) +
                                "', expected an ISO 4217 code");
  }
  auto total = AmountField(t, i, "amount_total", inv.currency);
  if (!total.ok()) return total.status();
  inv.amount_total_minor = total.value();
  inv.amount_open_minor = inv.amount_total_minor;
  CASHMATCH_RETURN_IF_ERROR(OptionalAmountAtMost(t, i, "amount_open", inv.currency, inv.amount_total_minor,
                                                 "amount_total", &inv.amount_open_minor));
  CASHMATCH_RETURN_IF_ERROR(OptionalAmountAtMost(t, i, "disputed_amount", inv.currency, inv.amount_open_minor,
                                                 "the open amount", &inv.disputed_minor));
  auto due = DateField(t, i, "due_date");
  if (!due.ok()) return due.status();
  inv.due_date = due.value();
  inv.issue_date = inv.due_date;
  if (!t.Get(i, "issue_date").empty()) {
    auto issued = DateField(t, i, "issue_date");
    if (!issued.ok()) return issued.status();
    inv.issue_date = issued.value();
  }
  inv.po_number = t.Get(i, "po_number");
  std::string_view model = t.Get(i, "billing_model");
  if (!model.empty() && !ParseBillingModel(model, &inv.billing_model)) {
    return Status::InvalidInput(t.Where(i, "billing_model") + ": expected subscription|usage|services|one_off, got '" +
                                std::string(model) + "'");
  }
  std::string_view usage = t.Get(i, "usage_status");
  if (!usage.empty() && !ParseUsageStatus(usage, &inv.usage_status)) {
    return Status::InvalidInput(t.Where(i, "usage_status") + ": expected final|reconciling, got '" +
                                std::string(usage) + "'");
  }
  inv.stripe_invoice_id = t.Get(i, "stripe_invoice_id");
  inv.source_line = t.record(i).line;
  return inv;
}

}  // namespace

Result<std::vector<Customer>> ParseCustomersCsv(const std::string& name, std::string_view data,
                                                const Fingerprinter& fp, std::vector<std::string>* warnings) {
  auto table = CsvTable::Parse(name, data, {"customer_id", "name"},
                               {"aliases", "bank_accounts", "stripe_customer_ids", "parent_id", "tier"}, warnings);
  if (!table.ok()) return table.status();
  const CsvTable& t = table.value();
  std::vector<Customer> out;
  out.reserve(t.size());
  std::unordered_map<std::string, uint32_t> seen;
  for (size_t i = 0; i < t.size(); ++i) {
    CASHMATCH_RETURN_IF_ERROR(RequireNonEmpty(t, i, "customer_id"));
    CASHMATCH_RETURN_IF_ERROR(RequireNonEmpty(t, i, "name"));
    CASHMATCH_RETURN_IF_ERROR(CheckUnique(t, i, "customer_id", &seen));
    Customer c;
    c.customer_id = t.Get(i, "customer_id");
    c.name = t.Get(i, "name");
    c.aliases = SplitPipes(t.Get(i, "aliases"));
    for (const std::string& account : SplitPipes(t.Get(i, "bank_accounts"))) {
      std::string f = fp.Account(account);
      if (f.empty()) {
        return Status::InvalidInput(t.Where(i, "bank_accounts") + ": an account has no letters or digits");
      }
      c.bank_account_fps.push_back(std::move(f));
    }
    c.stripe_customer_ids = SplitPipes(t.Get(i, "stripe_customer_ids"));
    c.parent_id = t.Get(i, "parent_id");
    c.tier = t.Get(i, "tier");
    c.source_line = t.record(i).line;
    if (c.parent_id == c.customer_id) {
      return Status::InvalidInput(t.Where(i, "parent_id") + ": a customer cannot be its own parent");
    }
    out.push_back(std::move(c));
  }
  return out;
}

Result<std::vector<Invoice>> ParseInvoicesCsv(const std::string& name, std::string_view data,
                                              std::vector<std::string>* warnings) {
  auto table = CsvTable::Parse(name, data, {"invoice_id", "number", "customer_id", "currency", "amount_total", "due_date"},
                               {"amount_open", "issue_date", "po_number", "billing_model", "usage_status",
                                "disputed_amount", "stripe_invoice_id"},
                               warnings);
  if (!table.ok()) return table.status();
  const CsvTable& t = table.value();
  std::vector<Invoice> out;
  out.reserve(t.size());
  std::unordered_map<std::string, uint32_t> seen_ids;
  std::unordered_map<std::string, uint32_t> seen_numbers;
  for (size_t i = 0; i < t.size(); ++i) {
    auto inv = ParseInvoiceRow(t, i);
    if (!inv.ok()) return inv.status();
    CASHMATCH_RETURN_IF_ERROR(CheckUnique(t, i, "invoice_id", &seen_ids));
    CASHMATCH_RETURN_IF_ERROR(CheckUnique(t, i, "number", &seen_numbers));
    out.push_back(std::move(inv).value());
  }
  return out;
}

}  // namespace cashmatch::io
