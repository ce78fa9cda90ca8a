// File: cashmatch/io/settlement.h
//
// Settlement files as banks and Stripe produce them, read into one
// SettlementBatch each (payments, reversal inputs, a Stripe payout, fees).
// The format is detected from the content, never from the file name;
// `cashmatch apply --format` overrides. A parser never decides a match.
//
// Every parser has the same contract:
//   Result<ParsedSettlement> ParseX(name, data, fingerprinter, options)
// - a payment's payment_id is the bank's own reference where there is one,
//   the Stripe `source` id for Stripe, else derived deterministically from
//   the file and the record's position (re-reading gives the same ids);
// - account numbers go through the Fingerprinter and MaskAccount at once;
// - a bad record is an error naming file, line (or byte offset), record and
//   field, and nothing is returned; with options.skip_bad_records the record
//   goes to `rejects` with its reason and the rest is returned;
// - no exception escapes, no input crashes it.
#pragma once

#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cashmatch/engine/domain.h"
#include "cashmatch/engine/policy.h"
#include "cashmatch/engine/status.h"
#include "cashmatch/io/digest.h"

namespace cashmatch::io {

enum class SettlementFormat : uint8_t {
  kAuto = 0,
  kNdjson = 1,      // cashmatch's own NDJSON payments (payments_ndjson.h)
  kBai2 = 2,        // BAI2 cash management balance reporting
  kCamt = 3,        // ISO 20022 camt.053 / camt.054 (and camt.052)
  kStripeJson = 4,  // Stripe balance transactions: API list object or NDJSON
  kStripeCsv = 5,   // Stripe payout reconciliation report (itemized CSV)
  kNacha = 6,       // NACHA ACH file (return entries)
  kMt940 = 7,       // SWIFT MT940
};

// The one list of formats, in SettlementFormat order (kAuto first). The
// CLI's --format help and check and the fuzz targets (fuzz/CMakeLists.txt
// reads the rows of kSettlementFormats in settlement.cc) come from it.
struct SettlementFormatInfo {
  SettlementFormat format;
  const char* name;  // as --format spells it
};
std::span<const SettlementFormatInfo> SettlementFormats();
// "auto, ndjson, bai2, …": every name, for help and messages.
std::string SettlementFormatNames();
const char* SettlementFormatName(SettlementFormat f);
bool ParseSettlementFormat(std::string_view text, SettlementFormat* out);

// Detects the format from the first bytes of the content. kAuto when
// nothing fits (the caller reports it).
SettlementFormat DetectSettlementFormat(std::string_view data);

struct ParseOptions {
  // Put bad records in `rejects` and go on, instead of failing the file.
  // Default: false — a bad record fails the whole batch.
  bool skip_bad_records = false;
  // The file's SHA-256 in hex, when the caller has computed it (the
  // pipeline does, for the batch's identity): readers that derive ids from
  // it use it instead of hashing the file again. Empty: computed when needed.
  std::string sha256_hex;
  // Streaming, for files too large to hold whole: when `on_chunk` is set,
  // the readers that can (NDJSON, BAI2, camt, MT940) hand their payments
  // over each time `chunk_payments` (at least 1) have been read, instead of
  // keeping them all. `on_chunk` gets a batch holding only those payments,
  // already checked like a final batch (ParseSettlement's checks), and may
  // take them; the reader clears them after. Returns, a payout and fees
  // stay in the final batch, whatever their place in the file, as do the
  // payments read after the last full chunk. An error from `on_chunk` ends
  // the parse with that error. Stripe files are never split: a payout
  // listing is one bundle. Default: unset, one batch.
  size_t chunk_payments = 0;
  std::function<Status(SettlementBatch& chunk)> on_chunk;
  // How the BAI2 reader reads the 16/88 text: the policy's bank profiles
  // (Policy::bai2), not owned. Default: nullptr — the built-in profiles,
  // detected from the file.
  const Bai2TextPolicy* bai2_text = nullptr;
};

struct Reject {
  uint32_t line = 0;   // 1-based line (or record number where lines mean nothing)
  std::string record;  // the offending record as read, for the rejects file
  std::string reason;  // the same sentence an error would carry
};

struct ParsedSettlement {
  SettlementBatch batch;  // batch_id / idempotency_key may be left empty
  std::vector<Reject> rejects;
  std::vector<std::string> warnings;  // e.g. a control total that does not add up
};

// Reads `data` as `format` (kAuto: detect). The dispatcher for all formats.
Result<ParsedSettlement> ParseSettlement(const std::string& name, std::string_view data, SettlementFormat format,
                                         const Fingerprinter& fp, const ParseOptions& options);

}  // namespace cashmatch::io
