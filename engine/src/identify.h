// Internal: identifying the paying customer (DESIGN.md §3, stage 2).
//
// In order of strength, the first that names exactly one customer wins:
//   1. the payer's bank account fingerprint;
//   2. the Stripe customer id (cus_…) of a card or Stripe payment;
//   3. the customer of the first invoice the remittance references;
//   4. the payer's name, normalized (payer_name.h), against the customers'
//      names and aliases in the book: the most similar customer when its
//      similarity reaches the policy's minimum and no other customer is as
//      similar. Two equally similar customers identify neither: the engine
//      never guesses between them, and the detail says so.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "cashmatch/engine/book.h"
#include "cashmatch/engine/domain.h"
#include "cashmatch/engine/policy.h"

namespace cashmatch {

enum class IdentifiedBy { kNone, kAccount, kStripeCustomer, kReference, kName };

struct Identification {
  std::string customer_id;  // empty: not identified
  IdentifiedBy by = IdentifiedBy::kNone;
  // By name: the similarity of the payer's name to the customer's, in
  // thousandths; 1000 for every stronger way.
  int32_t confidence_milli = 0;
  // "identified_by=…" first, then what the name search found.
  std::vector<std::string> signals;
  // Not identified: why, for the exception's detail ("" when nothing
  // beyond "no reference and no known account" can be said).
  std::string detail;
};

Identification IdentifyPayer(const Payment& p, const std::string& referenced_customer_id, const OpenBook& book,
                             const Policy& policy);

// The payer-name lookups a payment needs from the ledger (BookRequest).
void AddPayerNameRequest(const Payment& p, BookRequest* req);

}  // namespace cashmatch
