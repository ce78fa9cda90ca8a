// Stable text names of the domain's and events' enums: these strings are
// part of the export format and the CSV inputs, so they never change.
#include <algorithm>
#include <iterator>
#include <string_view>

#include "cashmatch/engine/domain.h"
#include "cashmatch/engine/event.h"
#include "cashmatch/engine/match.h"
#include "cashmatch/engine/signals.h"

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
// Indexed by Rule.
constexpr const char* kRules[] = {"",
                                  "exact_reference",
                                  "reference_overpaid",
                                  "reference_short_within_tolerance",
                                  "reference_partial",
                                  "reference_fuzzy",
                                  "reference_po",
                                  "reference_tail",
                                  "exact_amount",
                                  "amount_within_tolerance",
                                  "subset_sum",
                                  "subset_sum_within_tolerance",
                                  "fallback_oldest_first",
                                  "fallback_past_due_first",
                                  "on_account",
                                  "match",
                                  "cash_held",
                                  "invoice_settled",
                                  "disputed_open",
                                  "mostly_paid",
                                  "hold_released",
                                  "usage_final",
                                  "stripe_fee",
                                  "stripe_fee_refund",
                                  "stripe_payout"};
static_assert(std::size(kRules) == static_cast<size_t>(Rule::kStripePayout) + 1, "one name per Rule");

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

const char* RuleName(Rule r) {
  const auto i = static_cast<size_t>(r);
  return i < std::size(kRules) ? kRules[i] : "unknown";
}
bool ParseRule(std::string_view t, Rule* out) { return ParseByName(t, kRules, out); }

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

const std::vector<std::string_view>& KnownSignalKeys() {
  static const std::vector<std::string_view> kKeys = {"amount",
                                                      "amount_delta",
                                                      "candidate",
                                                      "candidates",
                                                      "candidates_beyond_window",
                                                      "date_distance",
                                                      "equal_amount_by_reference",
                                                      "fallback",
                                                      "hierarchy",
                                                      "identified_by",
                                                      "name",
                                                      "name_ambiguous",
                                                      "name_similarity",
                                                      "original",
                                                      "payer",
                                                      "payer_customer",
                                                      "payout",
                                                      "po",
                                                      "reference",
                                                      "reference_customer",
                                                      "reference_fuzzy",
                                                      "reference_tail",
                                                      "return_reason",
                                                      "reversal_id",
                                                      "rf",
                                                      "score",
                                                      "search",
                                                      "set",
                                                      "stripe_charge",
                                                      "stripe_customer",
                                                      "stripe_invoice",
                                                      "stripe_payment_intent",
                                                      "unknown_references",
                                                      "write_off"};
  return kKeys;
}

bool IsKnownSignalKey(std::string_view key) {
  const auto& keys = KnownSignalKeys();
  return std::binary_search(keys.begin(), keys.end(), key);
}

}  // namespace cashmatch
