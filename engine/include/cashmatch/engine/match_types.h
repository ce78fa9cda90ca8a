// File: cashmatch/engine/match_types.h
//
// The state of a payment after matching, shared by the matcher, the book
// snapshot and the ledger.
#pragma once

#include <cstdint>
#include <string>

#include "cashmatch/engine/domain.h"
#include "cashmatch/engine/event.h"

namespace cashmatch {

enum class PaymentStatus : uint8_t {
  kApplied = 1,    // fully applied to invoices
  kPartial = 2,    // part applied, the rest unapplied on account
  kUnapplied = 3,  // cash on account
  kException = 4,  // waiting for a person
  kReturned = 5,   // everything it settled was returned (ACH return, refund, dispute)
  kPayout = 6,     // a bank line that carried a Stripe payout's money: no customer cash
};
const char* PaymentStatusName(PaymentStatus s);

// A payment's state in the ledger after its batch is committed.
struct PaymentRecord {
  std::string payment_id;
  std::string batch_id;
  std::string customer_id;  // empty when unidentified
  PaymentSource source = PaymentSource::kOther;
  int64_t amount_minor = 0;
  const Currency* currency = nullptr;
  Date value_date;
  std::string payer_name;
  std::string payer_account_mask;
  PaymentStatus status = PaymentStatus::kException;
  int64_t applied_minor = 0;
  int64_t unapplied_minor = 0;
  int64_t held_minor = 0;       // held against invoices whose usage is reconciling
  int64_t exception_minor = 0;  // cash waiting in the review queue
  int64_t returned_minor = 0;   // sent back by returns, refunds and disputes
  ExceptionReason reason = ExceptionReason::kNone;
  std::string bank_reference;  // for finding it when a return names this reference
  std::string end_to_end_id;   // the same, for returns that name the payer's EndToEndId
};

// The two halves of a Stripe payout: the payout listing (the charges, at
// their gross, with fees and refunds) and the bank line that brought its
// net amount. Whichever arrives first waits in the ledger for the other,
// keyed by currency and amount; once both are known they are linked.
struct PayoutLink {
  std::string payout_id;        // po_…; empty: a bank line still waiting for its listing
  std::string bank_payment_id;  // the bank line's payment id; empty: a payout still waiting for its bank line
  const Currency* currency = nullptr;
  int64_t amount_minor = 0;  // the payout's net amount, positive
  Date date;                 // the payout's arrival date, or the bank line's value date
  std::string batch_id;      // the batch that recorded this half
  bool linked() const { return !payout_id.empty() && !bank_payment_id.empty(); }
};

// Whether an exception event's amount is cash waiting for a person. A
// duplicate is the same money seen twice, and an unmatched return is money
// going out, and a bank line waiting for its Stripe payout is the transfer
// of money already received charge by charge: none is received cash in review.
inline bool ExceptionHoldsCash(ExceptionReason r) {
  return r != ExceptionReason::kDuplicatePayment && r != ExceptionReason::kReturnUnmatched &&
         r != ExceptionReason::kPayoutPending;
}
// The same for one exception event: one that names a bucket (`from`)
// refused to move cash that stays in that bucket (a release or a return
// across two currencies), so its amount is not in review either.
inline bool ExceptionHoldsCash(const Event& e) { return e.from == CashBucket::kNone && ExceptionHoldsCash(e.reason); }

}  // namespace cashmatch
