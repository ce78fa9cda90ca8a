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
  std::string bank_reference;   // for finding it when a return names this reference
  std::string end_to_end_id;    // the same, for returns that name the payer's EndToEndId
};

// Whether an exception event's amount is cash waiting for a person. A
// duplicate is the same money seen twice, and an unmatched return is money
// going out: neither is received cash in review.
inline bool ExceptionHoldsCash(ExceptionReason r) {
  return r != ExceptionReason::kDuplicatePayment && r != ExceptionReason::kReturnUnmatched;
}

}  // namespace cashmatch
