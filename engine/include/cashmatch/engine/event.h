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
  kCurrencyMismatch = 2,  // the payment and an invoice it would move money on differ in currency
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
// kCurrencyMismatch also stops a release of held cash and a return that
// would reopen an invoice now in another currency: money never moves
// between two currencies.

// The rule that fired, on the events the matcher writes. The ledger stores
// and `export` writes its name (RuleName), never its number, so the names
// never change; the matcher steers by the enum, never by the string. Returns
// name their rule by ReversalKindName (domain.h) instead.
enum class Rule : uint8_t {
  kNone = 0,
  // Referenced invoices (propose_reference.cc, resolve.cc).
  kExactReference = 1,                 // the payment pays exactly what its references owe
  kReferenceOverpaid = 2,              // more: the rest on the customer's account
  kReferenceShortWithinTolerance = 3,  // short within the tolerance: the difference written off
  kReferencePartial = 4,               // short beyond it: the last invoices stay partly open
  kReferenceFuzzy = 5,                 // exact, through a one-edit typo of the number
  kReferencePo = 6,                    // exact, through a PO number
  kReferenceTail = 7,                  // exact, through a bare tail of the number
  // The amount against the customer's open invoices (propose_amount.cc).
  kExactAmount = 8,
  kAmountWithinTolerance = 9,
  kSubsetSum = 10,
  kSubsetSumWithinTolerance = 11,
  kFallbackOldestFirst = 12,
  kFallbackPastDueFirst = 13,
  kOnAccount = 14,  // nothing fits: cash on the customer's account
  kMatch = 15,      // an exception the matcher raised
  // Dunning, on `suppression` events (allocate.cc, release.cc).
  kCashHeld = 16,
  kInvoiceSettled = 17,
  kDisputedOpen = 18,
  kMostlyPaid = 19,
  kHoldReleased = 20,
  kUsageFinal = 21,  // a hold released now the usage invoice is final
  // Stripe (stripe_payouts.cc). A `fee` event of kStripeFeeRefund gives
  // fees back: counted negative wherever fees are summed.
  kStripeFee = 22,
  kStripeFeeRefund = 23,
  kStripePayout = 24,
};
const char* RuleName(Rule r);  // "" for kNone
bool ParseRule(std::string_view text, Rule* out);

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
  std::string rule;          // the rule that fired: RuleName(Rule) or ReversalKindName, e.g. "exact_reference"
  int32_t score_milli = -1;  // [0, 1000]; -1: not scored
  SuppressionAction action = SuppressionAction::kNone;
  ExceptionReason reason = ExceptionReason::kNone;
  CashBucket from = CashBucket::kNone;  // `reversed`: where the returned cash was
  std::vector<std::string> signals;     // "name=value" strings that made the score
  std::string detail;                   // a sentence for people, e.g. what did not agree
};

}  // namespace cashmatch
