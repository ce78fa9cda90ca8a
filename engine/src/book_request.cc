// Before matching: what the ledger must load into an OpenBook for a batch
// (the invoices its hints name, its payers' accounts, names and Stripe ids,
// the payments its returns name, the payout halves it may link).
#include <cassert>

#include "cashmatch/engine/match.h"
#include "identify.h"
#include "match_internal.h"
#include "references.h"

namespace cashmatch {

using matcher::IsStripeTransferLine;

BookRequest PlanBookRequest(const SettlementBatch& batch, const std::vector<PaymentHints>& hints) {
  assert(hints.size() == batch.payments.size());
  BookRequest req;
  for (size_t i = 0; i < batch.payments.size(); ++i) {
    const Payment& p = batch.payments[i];
    req.payment_ids.insert(p.payment_id);
    if (!p.payer_account_fp.empty()) req.account_fps.insert(p.payer_account_fp);
    if (!p.stripe_customer_id.empty()) req.stripe_customer_ids.insert(p.stripe_customer_id);
    AddPayerNameRequest(p, &req);
    if (IsStripeTransferLine(p)) req.payouts_wanted.emplace(p.currency->code(), p.amount_minor);
    for (const InvoiceHint& h : hints[i].invoices) AddToBookRequest(h, &req);
  }
  for (const Reversal& r : batch.reversals) {
    if (!r.original_payment_id.empty()) req.returned_payment_refs.insert(r.original_payment_id);
    if (!r.original_reference.empty()) req.returned_payment_refs.insert(r.original_reference);
    req.return_keys.insert(ReturnIdempotencyKey(r));
  }
  if (batch.payout.has_value())
    req.bank_lines_wanted.emplace(batch.payout->currency->code(), batch.payout->amount_minor);
  return req;
}

}  // namespace cashmatch
