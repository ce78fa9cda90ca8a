// File: cashmatch/io/book_csv.h
//
// The AR book as CSV (the `load` command's inputs):
//   customers.csv: customer_id, name (required); aliases, bank_accounts,
//     stripe_customer_ids (each '|'-separated), parent_id, tier (optional).
//   invoices.csv: invoice_id, number, customer_id, currency, amount_total,
//     due_date (required); amount_open, issue_date, po_number, billing_model,
//     usage_status, disputed_amount, stripe_invoice_id (optional).
// Unknown columns are ignored with a warning. Any bad field is an error
// naming file, line and field; nothing of the file is returned then.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "cashmatch/engine/domain.h"
#include "cashmatch/engine/status.h"
#include "cashmatch/io/digest.h"

namespace cashmatch::io {

// Bank accounts are fingerprinted with `fp` on the way in.
Result<std::vector<Customer>> ParseCustomersCsv(const std::string& name, std::string_view data, const Fingerprinter& fp,
                                                std::vector<std::string>* warnings);

Result<std::vector<Invoice>> ParseInvoicesCsv(const std::string& name, std::string_view data,
                                              std::vector<std::string>* warnings);

// Streaming: reads the file at `path` a block at a time and passes each
// parsed row to `sink`, stopping at the first bad row or the first error
// `sink` returns. Rows are checked one by one, not against each other
// (duplicate ids are the caller's to find). Header warnings go to
// `warnings` (pass nullptr on a second scan of the same file).
Status ScanCustomersCsv(const std::string& path, const Fingerprinter& fp, std::vector<std::string>* warnings,
                        const std::function<Status(Customer&&)>& sink);
Status ScanInvoicesCsv(const std::string& path, std::vector<std::string>* warnings,
                       const std::function<Status(Invoice&&)>& sink);

}  // namespace cashmatch::io
