// Internal: the index keys a customer record owns (layout in
// cashmatch/io/ledger.h): its account fingerprints ('a'), the tokens of
// its normalized name and aliases ('m', payer_name.h), the whole
// normalized name and each alias ('N', CustomerNameTexts: found exactly,
// or by a prefix seek when the payer's name was cut), its Stripe customer
// ids ('u') and its place under its parent ('h'). UpsertBook deletes the
// keys of the stored record and puts those of the new one in the same
// WriteBatch, so a renamed customer leaves no stale name token behind.
#pragma once

#include <algorithm>
#include <string>
#include <vector>

#include "cashmatch/engine/domain.h"
#include "cashmatch/engine/payer_name.h"
#include "keys.h"

namespace cashmatch::io {

// Every index key of `c`, each once; values are empty.
inline std::vector<std::string> CustomerIndexKeys(const Customer& c) {
  std::vector<std::string> keys;
  for (const std::string& fp : c.bank_account_fps) keys.push_back(Key3(kIndexAccount, fp, c.customer_id));
  const std::vector<PayerName> names = CustomerNames(c);
  std::vector<std::string> tokens;
  for (const PayerName& n : names) tokens.insert(tokens.end(), n.tokens.begin(), n.tokens.end());
  std::sort(tokens.begin(), tokens.end());
  tokens.erase(std::unique(tokens.begin(), tokens.end()), tokens.end());
  for (const std::string& t : tokens) keys.push_back(Key3(kIndexNameToken, t, c.customer_id));
  for (const std::string& text : CustomerNameTexts(names)) keys.push_back(Key3(kIndexNameText, text, c.customer_id));
  for (const std::string& id : c.stripe_customer_ids) keys.push_back(Key3(kIndexStripeCustomer, id, c.customer_id));
  if (!c.parent_id.empty()) keys.push_back(Key3(kIndexChild, c.parent_id, c.customer_id));
  return keys;
}

}  // namespace cashmatch::io
