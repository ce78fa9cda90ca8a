// OpenBook's customer indexes: Stripe customer ids, the bill-to hierarchy
// (children and the open invoices a parent may pay) and the payer-name
// index. Built once in Seal(); read-only afterwards.
//
// The name index maps each token of every customer's normalized name and
// aliases to the customers that have it. A payer name is scored only
// against customers sharing at least one token, with the same rule the
// ledger used to load them (payer_name.h), so the cost follows the
// number of customers in the book that share a word, never all customers.
#include <algorithm>
#include <cassert>
#include <cstdint>

#include "cashmatch/engine/book.h"

namespace cashmatch {
namespace {

bool DueOrder(const Invoice* a, const Invoice* b) {
  if (a->due_date != b->due_date) return a->due_date < b->due_date;
  if (a->issue_date != b->issue_date) return a->issue_date < b->issue_date;
  return a->invoice_id < b->invoice_id;
}

}  // namespace

void OpenBook::AddInconclusivePayerName(std::vector<std::string> tokens) {
  assert(!sealed_);
  inconclusive_names_.insert(std::move(tokens));
}

void OpenBook::SealCustomers() {
  assert(!sealed_);
  customer_names_.resize(customers_.size());
  for (size_t i = 0; i < customers_.size(); ++i) {
    const Customer& c = customers_[i];
    // A Stripe customer id on two customers identifies neither.
    for (const std::string& id : c.stripe_customer_ids) {
      auto [it, inserted] = customer_by_stripe_id_.emplace(id, i);
      if (!inserted && it->second != i) it->second = kAmbiguous;
    }
    customer_names_[i] = CustomerNames(c);
    std::vector<std::string> tokens;
    for (const PayerName& n : customer_names_[i]) tokens.insert(tokens.end(), n.tokens.begin(), n.tokens.end());
    std::sort(tokens.begin(), tokens.end());
    tokens.erase(std::unique(tokens.begin(), tokens.end()), tokens.end());
    for (std::string& t : tokens) customers_by_token_[std::move(t)].push_back(static_cast<uint32_t>(i));
    for (const std::string& text : CustomerNameTexts(customer_names_[i])) {
      customers_by_text_[text].push_back(static_cast<uint32_t>(i));
    }
    if (!c.parent_id.empty() && customer_by_id_.count(c.parent_id) != 0) children_[c.parent_id].push_back(&c);
  }
  // In customer id order, as the ledger's keys are.
  for (auto& [text, ids] : customers_by_text_) {
    std::sort(ids.begin(), ids.end(),
              [&](uint32_t a, uint32_t b) { return customers_[a].customer_id < customers_[b].customer_id; });
  }
  for (auto& [parent, kids] : children_) {
    std::sort(kids.begin(), kids.end(),
              [](const Customer* a, const Customer* b) { return a->customer_id < b->customer_id; });
    std::vector<const Invoice*>& family = open_by_family_[parent];
    auto own = open_by_customer_.find(parent);
    if (own != open_by_customer_.end()) family = own->second;
    for (const Customer* kid : kids) {
      auto theirs = open_by_customer_.find(kid->customer_id);
      if (theirs != open_by_customer_.end()) family.insert(family.end(), theirs->second.begin(), theirs->second.end());
    }
    std::sort(family.begin(), family.end(), DueOrder);
  }
}

const Customer* OpenBook::FindCustomerByStripeId(const std::string& id) const {
  assert(sealed_);
  auto it = customer_by_stripe_id_.find(id);
  if (it == customer_by_stripe_id_.end() || it->second == kAmbiguous) return nullptr;
  return &customers_[it->second];
}

const std::vector<const Customer*>& OpenBook::ChildrenOf(const std::string& customer_id) const {
  assert(sealed_);
  static const std::vector<const Customer*> kNone;
  auto it = children_.find(customer_id);
  return it == children_.end() ? kNone : it->second;
}

const std::vector<const Invoice*>& OpenBook::OpenInvoicesOfFamily(const std::string& customer_id) const {
  assert(sealed_);
  auto it = open_by_family_.find(customer_id);
  return it == open_by_family_.end() ? OpenInvoicesOf(customer_id) : it->second;
}

NameMatch OpenBook::MatchNameText(const std::string& text, bool cut) const {
  NameMatch m;
  std::vector<uint32_t> found;
  auto exact = customers_by_text_.find(text);
  if (exact != customers_by_text_.end()) {
    m.by = NameMatchBy::kExact;
    found = exact->second;
  } else if (cut) {
    // The first keys starting with the text, until two customers are seen.
    size_t keys = 0;
    for (auto it = customers_by_text_.lower_bound(text);
         it != customers_by_text_.end() && it->first.starts_with(text) && found.size() < 2; ++it) {
      for (size_t k = 0; k < it->second.size() && found.size() < 2 && keys < kNamePrefixKeysCountMax; ++k, ++keys) {
        if (std::find(found.begin(), found.end(), it->second[k]) == found.end()) found.push_back(it->second[k]);
      }
      if (keys == kNamePrefixKeysCountMax) break;
    }
    // An ambiguous prefix says nothing: the token search decides.
    if (found.size() != 1) return m;
    m.by = NameMatchBy::kPrefix;
  }
  if (found.empty()) return m;
  m.similarity_milli = 1000;
  if (found.size() == 1) {
    m.customer = &customers_[found.front()];
    return m;
  }
  for (uint32_t i : found) m.tied.push_back(&customers_[i]);
  return m;
}

NameMatch OpenBook::MatchPayerName(const PayerName& name, bool cut, int32_t min_milli) const {
  assert(sealed_);
  if (name.empty()) return NameMatch();
  NameMatch m = MatchNameText(name.text, cut);
  if (m.customer != nullptr || !m.tied.empty()) return m;
  return MatchPayerName(name.tokens, min_milli);
}

NameMatch OpenBook::MatchPayerName(const std::vector<std::string>& tokens, int32_t min_milli) const {
  assert(sealed_);
  NameMatch m;
  if (tokens.empty()) return m;
  if (inconclusive_names_.count(tokens) != 0) {
    m.inconclusive = true;
    return m;
  }
  // A book of thousands of "… Logistics" customers does not score them all
  // for every payment: the token is too common to search.
  auto postings = [&](const std::string& token, const std::vector<uint32_t>** ids, bool* too_common) {
    auto it = customers_by_token_.find(token);
    if (it == customers_by_token_.end()) return Status::Ok();
    *too_common = it->second.size() > kNamePostingsCountMaxDefault;
    *ids = &it->second;
    return Status::Ok();
  };
  auto similarity = [&](uint32_t i, int32_t* milli) {
    *milli = CustomerNameSimilarityMilli(tokens, customer_names_[i]);
    return Status::Ok();
  };
  NameSearch<uint32_t> search;
  Status s = SearchPayerName<uint32_t>(tokens, SIZE_MAX, min_milli, postings, similarity, &search);
  assert(s.ok());  // the book's index cannot fail
  (void)s;
  m.similarity_milli = search.best_milli;
  if (search.inconclusive) {
    m.inconclusive = true;
    return m;
  }
  std::vector<const Customer*> best;
  for (const auto& [i, milli] : search.scored) {
    if (milli == search.best_milli) best.push_back(&customers_[i]);
  }
  if (!NameSimilarityAccepted(m.similarity_milli, min_milli)) return m;
  if (best.size() == 1) {
    m.customer = best.front();
    return m;
  }
  std::sort(best.begin(), best.end(),
            [](const Customer* a, const Customer* b) { return a->customer_id < b->customer_id; });
  m.tied = std::move(best);
  return m;
}

}  // namespace cashmatch
