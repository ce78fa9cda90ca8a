// File: cashmatch/engine/event.h
//
// Events are the ledger's output (DESIGN.md §4): every state change is one,
// in sequence. The enums have explicit, stable numbers because they are
// stored; never renumber, only append.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "cashmatch/engine/currency.h"

namespace cashmatch {

enum class EventType : uint8_t {
  kPaymentReceived = 1,
  kApplied = 2,
  kWrittenOff = 3,
  kUnapplied = 4,
  kHeld = 5,
  kReleased = 6,
  kReversed = 7,
  kException = 8,
  kSuppression = 9,
  kFee = 10,            // a processor's fee (Stripe): money kept before it reached us, not a short payment
  kPayoutMatched = 11,  // a bank line is the transfer of a Stripe payout, not new customer money
};

// Where the cash a `reversed` event takes back was sitting. Stored with
// every event; kNone for every other type.
enum class CashBucket : uint8_t {
  kNone = 0,
  kApplied = 1,    // applied to the event's invoice: the invoice reopens
  kUnapplied = 2,  // on the customer's account
  kHeld = 3,       // held against the event's invoice
  kReview = 4,     // in the review queue (an exception held it)
};
const char* CashBucketName(CashBucket b);

enum class SuppressionAction : uint8_t {
  kNone = 0,
  kCancel = 1,  // invoice settled: stop every reminder
  kSoften = 2,  // mostly paid: courtesy cadence only
  kPause = 3,   // hold or dispute
  kResume = 4,  // reversal or released hold
};

// Why a payment went to a person instead of being applied. Ordered by
// precedence: when several hold, the lowest number is reported.
enum class ExceptionReason : uint8_t {
  kNone = 0,
  kDuplicatePayment = 1,  // this payment id was already committed
  kCurrencyMismatch = 2,  // referenced invoice is in another currency
  kInvoiceNotOpen = 3,    // referenced invoice is already settled
  kUnknownInvoice = 4,    // a reference names no invoice we know
  kAmountMismatch = 5,    // references found, but the amounts disagree
  kAmbiguous = 6,         // several allocations fit and nothing separates them
  kOverTolerance = 7,     // short by more than the tolerance allows
  kNeedsReview = 8,       // a proposal exists, scored below auto-apply
  kNoCustomer = 9,        // no customer could be identified
  kUnmatched = 10,        // nothing to go on
  kReturnUnmatched = 11,  // a return names no payment we hold, or more than it settled
  kPayoutPending = 12,    // a bank line looks like a Stripe payout no listing has shown yet
};

const char* EventTypeName(EventType t);
const char* SuppressionActionName(SuppressionAction a);
const char* ExceptionReasonName(ExceptionReason r);

struct Event {
  uint64_t seq = 0;  // assigned at commit; 0 until then
  EventType type = EventType::kPaymentReceived;
  std::string batch_id;
  std::string payment_id;
  std::string invoice_id;
  std::string customer_id;
  int64_t amount_minor = 0;
  const Currency* currency = nullptr;
  std::string rule;        // the rule that fired, e.g. "exact_reference"
  int32_t score_milli = -1;  // [0, 1000]; -1: not scored
  SuppressionAction action = SuppressionAction::kNone;
  ExceptionReason reason = ExceptionReason::kNone;
  CashBucket from = CashBucket::kNone;  // `reversed`: where the returned cash was
  std::vector<std::string> signals;  // "name=value" strings that made the score
  std::string detail;      // a sentence for people, e.g. what did not agree
};

}  // namespace cashmatch
