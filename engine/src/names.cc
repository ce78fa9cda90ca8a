// Stable text names of the domain's and events' enums: these strings are
// part of the export format and the CSV inputs, so they never change.
#include <string_view>

#include "cashmatch/engine/domain.h"
#include "cashmatch/engine/event.h"
#include "cashmatch/engine/match.h"

namespace cashmatch {
namespace {

template <typename E, size_t N>
bool ParseByName(std::string_view text, const char* const (&names)[N], E* out) {
  for (size_t i = 0; i < N; ++i) {
    if (text == names[i]) {
      *out = static_cast<E>(i);
      return true;
    }
  }
  return false;
}

constexpr const char* kBillingModels[] = {"subscription", "usage", "services", "one_off"};
constexpr const char* kUsageStatuses[] = {"final", "reconciling"};
constexpr const char* kSources[] = {"ach", "wire", "check", "card", "stripe", "other"};

}  // namespace

const char* BillingModelName(BillingModel m) { return kBillingModels[static_cast<int>(m)]; }
bool ParseBillingModel(std::string_view t, BillingModel* out) { return ParseByName(t, kBillingModels, out); }
const char* UsageStatusName(UsageStatus s) { return kUsageStatuses[static_cast<int>(s)]; }
bool ParseUsageStatus(std::string_view t, UsageStatus* out) { return ParseByName(t, kUsageStatuses, out); }
const char* PaymentSourceName(PaymentSource s) { return kSources[static_cast<int>(s)]; }

const char* ReversalKindName(ReversalKind k) {
  switch (k) {
    case ReversalKind::kAchReturn: return "ach_return";
    case ReversalKind::kReturnedCheck: return "returned_check";
    case ReversalKind::kStripeRefund: return "stripe_refund";
    case ReversalKind::kStripeDispute: return "stripe_dispute";
    case ReversalKind::kBankReversal: return "bank_reversal";
  }
  return "unknown";
}
bool ParsePaymentSource(std::string_view t, PaymentSource* out) { return ParseByName(t, kSources, out); }

const char* EventTypeName(EventType t) {
  switch (t) {
    case EventType::kPaymentReceived: return "payment_received";
    case EventType::kApplied: return "applied";
    case EventType::kWrittenOff: return "written_off";
    case EventType::kUnapplied: return "unapplied";
    case EventType::kHeld: return "held";
    case EventType::kReleased: return "released";
    case EventType::kReversed: return "reversed";
    case EventType::kException: return "exception";
    case EventType::kSuppression: return "suppression";
    case EventType::kFee: return "fee";
    case EventType::kPayoutMatched: return "payout_matched";
  }
  return "unknown";
}

const char* SuppressionActionName(SuppressionAction a) {
  switch (a) {
    case SuppressionAction::kNone: return "";
    case SuppressionAction::kCancel: return "cancel";
    case SuppressionAction::kSoften: return "soften";
    case SuppressionAction::kPause: return "pause";
    case SuppressionAction::kResume: return "resume";
  }
  return "unknown";
}

const char* CashBucketName(CashBucket b) {
  switch (b) {
    case CashBucket::kNone: return "";
    case CashBucket::kApplied: return "applied";
    case CashBucket::kUnapplied: return "unapplied";
    case CashBucket::kHeld: return "held";
    case CashBucket::kReview: return "review";
  }
  return "unknown";
}

const char* ExceptionReasonName(ExceptionReason r) {
  switch (r) {
    case ExceptionReason::kNone: return "";
    case ExceptionReason::kDuplicatePayment: return "duplicate_payment";
    case ExceptionReason::kCurrencyMismatch: return "currency_mismatch";
    case ExceptionReason::kInvoiceNotOpen: return "invoice_not_open";
    case ExceptionReason::kUnknownInvoice: return "unknown_invoice";
    case ExceptionReason::kAmountMismatch: return "amount_mismatch";
    case ExceptionReason::kAmbiguous: return "ambiguous";
    case ExceptionReason::kOverTolerance: return "over_tolerance";
    case ExceptionReason::kNeedsReview: return "needs_review";
    case ExceptionReason::kNoCustomer: return "no_customer";
    case ExceptionReason::kUnmatched: return "unmatched";
    case ExceptionReason::kReturnUnmatched: return "return_unmatched";
    case ExceptionReason::kPayoutPending: return "payout_pending";
  }
  return "unknown";
}

const char* PaymentStatusName(PaymentStatus s) {
  switch (s) {
    case PaymentStatus::kApplied: return "applied";
    case PaymentStatus::kPartial: return "partial";
    case PaymentStatus::kUnapplied: return "unapplied";
    case PaymentStatus::kException: return "exception";
    case PaymentStatus::kReturned: return "returned";
    case PaymentStatus::kPayout: return "payout";
  }
  return "unknown";
}

}  // namespace cashmatch
