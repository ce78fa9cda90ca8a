// File: cashmatch/engine/domain.h
//
// The receivables domain of DESIGN.md §2: customers, invoices, payments and
// the settlement batch that is the unit of ingest and of atomic commit.
// Plain value types; no I/O. Bank account numbers never appear here in
// clear: a Customer or Payment holds keyed fingerprints (see io/digest.h)
// and, for people, a mask of the last four characters.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "cashmatch/engine/date.h"
#include "cashmatch/engine/money.h"

namespace cashmatch {

struct Customer {
  std::string customer_id;
  std::string name;
  std::vector<std::string> aliases;
  std::vector<std::string> bank_account_fps;  // keyed fingerprints, hex
  std::vector<std::string> stripe_customer_ids;
  std::string parent_id;  // empty: no parent
  std::string tier;
  uint32_t source_line = 0;  // 1-based line in the input file, for messages; not stored
};

enum class BillingModel : uint8_t { kSubscription = 0, kUsage = 1, kServices = 2, kOneOff = 3 };
enum class UsageStatus : uint8_t { kFinal = 0, kReconciling = 1 };

const char* BillingModelName(BillingModel m);
bool ParseBillingModel(std::string_view text, BillingModel* out);
const char* UsageStatusName(UsageStatus s);
bool ParseUsageStatus(std::string_view text, UsageStatus* out);

struct Invoice {
  std::string invoice_id;
  std::string number;  // the human number, e.g. "INV-2026-004211"
  std::string customer_id;
  const Currency* currency = nullptr;
  int64_t amount_total_minor = 0;
  int64_t amount_open_minor = 0;
  int64_t disputed_minor = 0;
  Date issue_date;
  Date due_date;
  std::string po_number;
  BillingModel billing_model = BillingModel::kSubscription;
  UsageStatus usage_status = UsageStatus::kFinal;
  std::string stripe_invoice_id;
  uint32_t source_line = 0;  // 1-based line in the input file, for messages; not stored
  // Ledger bookkeeping: the open amount as last loaded from the ERP and the
  // ledger sequence at that moment. Events after it explain every change
  // since (cashmatch verify folds them). Set by the ledger, not by loaders.
  int64_t loaded_open_minor = 0;
  uint64_t loaded_at_seq = 0;

  bool is_open() const { return amount_open_minor > 0; }
};

enum class PaymentSource : uint8_t { kAch = 0, kWire = 1, kCheck = 2, kCard = 3, kStripe = 4, kOther = 5 };
const char* PaymentSourceName(PaymentSource s);
bool ParsePaymentSource(std::string_view text, PaymentSource* out);

// A reference the bank or payer gave: an invoice number, with the amount
// meant for it when the remittance says so.
struct RemittanceRef {
  std::string invoice_number;
  std::optional<int64_t> amount_minor;
};

struct Payment {
  std::string payment_id;
  PaymentSource source = PaymentSource::kOther;
  int64_t amount_minor = 0;
  const Currency* currency = nullptr;
  Date value_date;
  std::string payer_name;
  std::string payer_account_fp;    // keyed fingerprint; empty if none given
  std::string payer_account_mask;  // "****1234"; empty if none given
  std::string remittance;
  std::vector<RemittanceRef> references;
  std::string bank_batch_id;  // the batch id the bank or upstream gave, if any
  uint32_t source_line = 0;   // 1-based line in the input file, for messages
  // Where the format gives them:
  std::string bank_reference;      // the bank's own reference (BAI2 16 bank ref, camt AcctSvcrRef)
  std::string end_to_end_id;       // camt EndToEndId (not "NOTPROVIDED")
  std::string stripe_customer_id;  // cus_…
  std::string stripe_charge_id;    // ch_… / py_…
  std::string stripe_invoice_id;   // in_…
  std::string rf_reference;        // ISO 11649 creditor reference, "RF18539007547034"
  int64_t fee_minor = 0;           // fees deducted before the money reached us (Stripe): fees, not short pay
};

// A return of money that had come in: an ACH return (R01 …), a returned
// check, a Stripe refund or dispute, a bank reversal. The matcher undoes
// what the original payment settled.
enum class ReversalKind : uint8_t {
  kAchReturn = 0,
  kReturnedCheck = 1,
  kStripeRefund = 2,
  kStripeDispute = 3,
  kBankReversal = 4,
};
const char* ReversalKindName(ReversalKind k);

struct Reversal {
  std::string reversal_id;  // stable id of the return record itself
  // The reader made reversal_id up (the input gave the return no id of its
  // own), so it may differ when the same return comes in another file:
  // the return's idempotency then rests on what it names instead
  // (ReturnIdempotencyKey).
  bool id_assigned = false;
  ReversalKind kind = ReversalKind::kAchReturn;
  std::string original_payment_id;  // when the input names the payment (Stripe charge id)
  std::string original_reference;   // otherwise a reference to look up (bank ref, trace number)
  int64_t amount_minor = 0;         // positive: how much went back
  const Currency* currency = nullptr;
  Date value_date;
  std::string reason_code;  // "R01", "insufficient_funds" …
  std::string text;         // free text the bank gave
  uint32_t source_line = 0;
};

// A Stripe payout: the one bank line that carries a whole listing.
struct PayoutInfo {
  std::string payout_id;  // po_…
  int64_t amount_minor = 0;
  const Currency* currency = nullptr;
  Date arrival_date;
};

// The unit of ingest and atomic commit: one file, one payout, one message.
struct SettlementBatch {
  std::string batch_id;         // stable, derived from the idempotency key
  std::string idempotency_key;  // e.g. "sha256:<hex of the file>", "stripe:po_…"
  std::string source_name;      // the file name, for messages and audit
  std::vector<Payment> payments;
  std::vector<Reversal> reversals;
  std::optional<PayoutInfo> payout;  // set for a Stripe payout listing
  // Fees charged outside any one payment (Stripe stripe_fee balance
  // transactions), per currency code, in minor units.
  std::map<std::string, int64_t> standalone_fees_minor;
};

}  // namespace cashmatch
