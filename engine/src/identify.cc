// Identifying the paying customer; see identify.h for the order.
#include "identify.h"

#include <cassert>

#include "cashmatch/engine/payer_name.h"

namespace cashmatch {
namespace {

Identification Identified(const std::string& customer_id, IdentifiedBy by, const char* signal) {
  assert(!customer_id.empty());
  Identification id;
  id.customer_id = customer_id;
  id.by = by;
  id.confidence_milli = 1000;
  id.signals.emplace_back(signal);
  return id;
}

std::string Milli(int32_t v) { return std::to_string(v) + "/1000"; }

// The payer's name against the book's name index.
Identification IdentifyByName(const Payment& p, const OpenBook& book, const Policy& policy) {
  Identification id;
  const PayerName name = NormalizePayerName(p.payer_name);
  const bool cut = PayerNameLooksCut(p.payer_name);
  const NameMatch m = book.MatchPayerName(name, cut, policy.name_similarity_min_milli);
  if (m.customer != nullptr) {
    id.customer_id = m.customer->customer_id;
    id.by = IdentifiedBy::kName;
    id.confidence_milli = m.similarity_milli;
    id.signals = {"identified_by=name", "name_similarity=" + std::to_string(m.similarity_milli)};
    // An exact name reads as a similarity of 1000, as it always has; a cut
    // one says so, for the person who checks it.
    if (m.by == NameMatchBy::kPrefix) id.signals.push_back("name=prefix");
    return id;
  }
  id.signals = {"identified_by=none"};
  if (m.similarity_milli > 0) id.signals.push_back("name_similarity=" + std::to_string(m.similarity_milli));
  if (!m.tied.empty()) {
    std::string ids;
    for (const Customer* c : m.tied) ids += (ids.empty() ? "" : "|") + c->customer_id;
    id.signals.push_back("name_ambiguous=" + ids);
    id.detail = "ambiguous payer name: '" + name.text + "' is equally similar (" + Milli(m.similarity_milli) +
                ") to customers " + ids + "; not guessed";
  } else if (m.inconclusive) {
    id.signals.push_back("name=too_common");
    id.detail = "payer name '" + name.text + "' is made of words too common among customers to tell them apart";
  } else if (m.similarity_milli > 0) {
    id.detail = "payer name '" + name.text + "' is at best " + Milli(m.similarity_milli) +
                " similar to a customer's, below the policy's minimum of " + Milli(policy.name_similarity_min_milli);
  }
  return id;
}

}  // namespace

Identification IdentifyPayer(const Payment& p, const std::string& referenced_customer_id, const OpenBook& book,
                             const Policy& policy) {
  if (!p.payer_account_fp.empty()) {
    if (const Customer* c = book.FindCustomerByAccountFp(p.payer_account_fp)) {
      return Identified(c->customer_id, IdentifiedBy::kAccount, "identified_by=account");
    }
  }
  if (!p.stripe_customer_id.empty()) {
    if (const Customer* c = book.FindCustomerByStripeId(p.stripe_customer_id)) {
      return Identified(c->customer_id, IdentifiedBy::kStripeCustomer, "identified_by=stripe_customer");
    }
  }
  if (!referenced_customer_id.empty()) {
    return Identified(referenced_customer_id, IdentifiedBy::kReference, "identified_by=reference");
  }
  return IdentifyByName(p, book, policy);
}

void AddPayerNameRequest(const Payment& p, BookRequest* req) {
  if (p.payer_name.empty()) return;
  PayerName name = NormalizePayerName(p.payer_name);
  if (name.empty()) return;
  const bool cut = PayerNameLooksCut(p.payer_name);
  req->payer_names.insert(
      PayerNameRequest{std::move(name.tokens), p.payer_account_fp, p.stripe_customer_id, std::move(name.text), cut});
}

}  // namespace cashmatch
