// File: cashmatch/io/payments_ndjson.h
//
// The plain NDJSON payment format for stream processors: one JSON object
// per line with payment_id, amount (decimal string in major units),
// currency, value_date (YYYY-MM-DD) required; source
// (ach|wire|check|card|stripe|other), payer_name, payer_account,
// remittance, references ([{invoice_number, amount?}]) and batch_id
// optional. Blank lines are skipped. One file is one settlement batch.
#pragma once

#include <string>
#include <vector>

#include "cashmatch/engine/domain.h"
#include "cashmatch/engine/status.h"
#include "cashmatch/io/digest.h"

namespace cashmatch::io {

// Parses a whole file's contents into a batch (payments only; the caller
// sets the batch id and idempotency key). Any bad line is an error naming
// the file, line and field; no partial batch is returned.
Result<SettlementBatch> ParsePaymentsNdjson(const std::string& name, std::string_view data, const Fingerprinter& fp,
                                            std::vector<std::string>* warnings);

}  // namespace cashmatch::io
