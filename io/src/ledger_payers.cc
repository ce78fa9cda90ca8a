// LoadBook's payers: the customers a batch's payments may come from, found
// through the index (never by a scan of all customers):
//   - by account fingerprint ('a') and Stripe customer id ('u');
//   - by payer name ('m'), for payments whose account and Stripe id do not
//     name exactly one customer: every token of the normalized name is
//     looked up (one seek each, at most name_postings_count_max customers
//     read; a more common token is not searched), the customers found are
//     scored with the engine's rule (payer_name.h) and those it accepts are
//     loaded. When the words left unsearched could by themselves make an
//     unread customer as similar as the best one read, the name is marked
//     inconclusive in the book and identifies nobody;
//   - the children ('h') of every customer found these ways, so a parent's
//     payment can be matched against its subsidiaries' invoices.
// The caller loads the open invoices and records of every customer id
// returned. Per distinct payer name the cost is bounded by the options,
// plus one logarithmic seek per token: it does not grow with the ledger.
#include <rocksdb/db.h>

#include <algorithm>
#include <cassert>
#include <limits>
#include <map>

#include "cashmatch/io/ledger.h"
#include "codec.h"
#include "customer_keys.h"
#include "ledger_keys.h"

namespace cashmatch::io {

Status Ledger::ScanIndexIds(char kind, const std::string& group, size_t count_max, std::vector<std::string>* ids,
                            bool* more) const {
  ids->clear();
  *more = false;
  std::string prefix = Key2(kind, group);
  prefix.push_back('\0');
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), index_));
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    if (ids->size() == count_max) {
      *more = true;
      break;
    }
    ids->emplace_back(it->key().ToStringView().substr(prefix.size()));
  }
  return FromRocksStatus(it->status());
}

Status Ledger::SearchPayerName(const BookRequest& req, const std::vector<std::string>& tokens, OpenBook& book,
                               std::map<std::string, std::vector<PayerName>>* names_of,
                               std::set<std::string>* found) const {
  assert(!tokens.empty());
  std::set<std::string> candidates;
  size_t unsearched = 0;
  std::vector<std::string> ids;
  for (size_t i = 0; i < tokens.size(); ++i) {
    bool more = false;
    if (i < options_.name_tokens_count_max) {
      CASHMATCH_RETURN_IF_ERROR(ScanIndexIds(kNameKind, tokens[i], options_.name_postings_count_max, &ids, &more));
    }
    if (i >= options_.name_tokens_count_max || more) {
      ++unsearched;
      continue;
    }
    candidates.insert(ids.begin(), ids.end());
  }
  std::string value;
  std::vector<std::string> accepted;
  int32_t best = 0;
  for (const std::string& id : candidates) {
    auto cached = names_of->find(id);
    if (cached == names_of->end()) {
      bool exists = false;
      CASHMATCH_RETURN_IF_ERROR(Get(customers_, id, &value, &exists));
      if (!exists) return Status::LedgerCorrupt("name index names customer '" + id + "' which is not stored");
      Customer c;
      CASHMATCH_RETURN_IF_ERROR(codec::DecodeCustomer(value, &c));
      cached = names_of->emplace(id, CustomerNames(c)).first;
    }
    const int32_t s = CustomerNameSimilarityMilli(tokens, cached->second);
    if (!NameSimilarityAccepted(s, req.name_similarity_min_milli)) continue;
    best = std::max(best, s);
    accepted.push_back(id);
  }
  const int32_t unread_bound = NameSimilarityBoundMilli(unsearched, tokens.size());
  if (NameSimilarityAccepted(unread_bound, req.name_similarity_min_milli) && unread_bound >= best) {
    book.AddInconclusivePayerName(tokens);
    return Status::Ok();
  }
  found->insert(accepted.begin(), accepted.end());
  return Status::Ok();
}

Status Ledger::LoadPayerCustomers(const BookRequest& req, OpenBook& book, std::set<std::string>* customer_ids) const {
  constexpr size_t kAll = std::numeric_limits<size_t>::max();
  std::set<std::string> payers;
  // How many customers each account and Stripe id names: exactly one
  // identifies the payer, and its name need not be searched.
  std::map<std::string, size_t> by_account, by_stripe;
  std::vector<std::string> ids;
  bool more = false;
  for (const std::string& fp : req.account_fps) {
    CASHMATCH_RETURN_IF_ERROR(ScanIndexIds(kAccountKind, fp, kAll, &ids, &more));
    by_account[fp] = ids.size();
    payers.insert(ids.begin(), ids.end());
  }
  for (const std::string& cus : req.stripe_customer_ids) {
    CASHMATCH_RETURN_IF_ERROR(ScanIndexIds(kStripeCusKind, cus, kAll, &ids, &more));
    by_stripe[cus] = ids.size();
    payers.insert(ids.begin(), ids.end());
  }
  std::set<std::vector<std::string>> searched;
  std::map<std::string, std::vector<PayerName>> names_of;
  for (const PayerNameRequest& n : req.payer_names) {
    auto a = by_account.find(n.account_fp);
    auto s = by_stripe.find(n.stripe_customer_id);
    if ((a != by_account.end() && a->second == 1) || (s != by_stripe.end() && s->second == 1)) continue;
    if (n.tokens.empty() || !searched.insert(n.tokens).second) continue;
    CASHMATCH_RETURN_IF_ERROR(SearchPayerName(req, n.tokens, book, &names_of, &payers));
  }
  customer_ids->insert(payers.begin(), payers.end());
  for (const std::string& parent : payers) {
    CASHMATCH_RETURN_IF_ERROR(ScanIndexIds(kChildKind, parent, options_.children_count_max, &ids, &more));
    customer_ids->insert(ids.begin(), ids.end());
  }
  return Status::Ok();
}

}  // namespace cashmatch::io
