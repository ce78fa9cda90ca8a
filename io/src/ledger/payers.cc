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
//     inconclusive in the book and identifies nobody
//     (NameSearchInconclusive);
//   - by whole normalized name ('N', payer_name.h "Exact names and cut
//     names"): the customers whose name or alias normalizes exactly to
//     the payer's, at most name_postings_count_max, however common their
//     words; when there are none and the payer's name looks cut by the
//     rail, the customers whose normalized name starts with it, by one
//     seek, reading keys until two customers are seen (at most
//     kNamePrefixKeysCountMax). OpenBook applies the same rule to what is
//     loaded, so the two agree;
//   - the children ('h') of every customer found these ways, so a parent's
//     payment can be matched against its subsidiaries' invoices.
// The caller loads the open invoices and records of every customer id
// returned. Per distinct payer name the cost is bounded by the options,
// plus one logarithmic seek per token: it does not grow with the ledger.
// Within one LoadBook each token is read once and each candidate customer
// decoded once, however many payer names share them.
#include <rocksdb/db.h>

#include <algorithm>
#include <cassert>
#include <limits>
#include <map>

#include "cashmatch/io/ledger.h"
#include "book_index.h"
#include "codec.h"
#include "customer_keys.h"
#include "keys.h"

namespace cashmatch::io {
namespace {

// The ids under one index group, read through one reused iterator.
struct Postings {
  std::vector<std::string> ids;
  bool more = false;  // the group holds more than were read
};

class PayerSearch {
 public:
  PayerSearch(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* index, rocksdb::ColumnFamilyHandle* customers,
              const BookIndex* resident, const LedgerOptions& options, const BookRequest& req)
      : db_(db),
        customers_(customers),
        resident_(resident),
        options_(options),
        req_(req),
        // With the resident book every scan is answered from memory: no
        // iterator is made (creating one costs more than a seek).
        it_(resident == nullptr ? db->NewIterator(rocksdb::ReadOptions(), index) : nullptr) {}

  // The ids of "<kind>\0<group>\0<id>" keys, at most `count_max`.
  rocksdb::Status Scan(char kind, const std::string& group, size_t count_max, Postings* out) {
    out->ids.clear();
    out->more = false;
    if (resident_ != nullptr) {
      Status s = resident_->Scan(kind, group, count_max, &out->ids, &out->more);
      return s.ok() ? rocksdb::Status::OK() : rocksdb::Status::Corruption(s.message());
    }
    prefix_.clear();
    AppendIndexKey(&prefix_, kind, group);
    prefix_.push_back('\0');
    for (it_->Seek(prefix_); it_->Valid() && it_->key().starts_with(prefix_); it_->Next()) {
      if (out->ids.size() == count_max) {
        out->more = true;
        break;
      }
      out->ids.emplace_back(it_->key().ToStringView().substr(prefix_.size()));
    }
    return it_->status();
  }

  // The ids of "N\0<text>…" keys in key order (names starting with
  // `text`), at most `count_max`.
  rocksdb::Status ScanNamePrefix(const std::string& text, size_t count_max, Postings* out) {
    out->ids.clear();
    out->more = false;
    if (resident_ != nullptr) {
      Status s = resident_->ScanNameText(text, /*prefix=*/true, count_max, &out->ids, &out->more);
      return s.ok() ? rocksdb::Status::OK() : rocksdb::Status::Corruption(s.message());
    }
    prefix_.clear();
    AppendIndexKey(&prefix_, kIndexNameText, text);
    for (it_->Seek(prefix_); it_->Valid() && it_->key().starts_with(prefix_); it_->Next()) {
      if (out->ids.size() == count_max) {
        out->more = true;
        break;
      }
      const std::string_view key = it_->key().ToStringView();
      const size_t sep = key.rfind('\0');
      if (sep < prefix_.size()) return rocksdb::Status::Corruption("malformed name key");
      out->ids.emplace_back(key.substr(sep + 1));
    }
    return it_->status();
  }

  // Adds to `found` the customers whose whole normalized name is `text`
  // or, when there are none and `cut`, the first two whose name starts
  // with it (payer_name.h, "Exact names and cut names").
  Status SearchNameText(const std::string& text, bool cut, std::set<std::string>* found) {
    Postings p;
    status_ = Scan(kIndexNameText, text, options_.name_postings_count_max, &p);
    if (!status_.ok()) return Status::IOError("ledger name index scan: " + status_.ToString());
    if (p.ids.empty() && cut) {
      status_ = ScanNamePrefix(text, kNamePrefixKeysCountMax, &p);
      if (!status_.ok()) return Status::IOError("ledger name index scan: " + status_.ToString());
      std::vector<std::string> distinct;
      for (std::string& id : p.ids) {
        if (distinct.size() == 2) break;
        if (std::find(distinct.begin(), distinct.end(), id) == distinct.end()) distinct.push_back(std::move(id));
      }
      p.ids = std::move(distinct);
    }
    found->insert(p.ids.begin(), p.ids.end());
    return Status::Ok();
  }

  // Adds to `found` the customers the engine's rule accepts for `tokens`,
  // or marks the name inconclusive in `book`.
  // (the engine's search, SearchPayerName, over the ledger's postings).
  Status SearchName(const std::vector<std::string>& tokens, OpenBook& book, std::set<std::string>* found) {
    auto postings = [&](const std::string& token, const std::vector<std::string>** ids, bool* too_common) {
      const Postings* p = nullptr;
      CASHMATCH_RETURN_IF_ERROR(TokenPostings(token, &p));
      *too_common = p->more;
      *ids = &p->ids;
      return Status::Ok();
    };
    auto similarity = [&](const std::string& id, int32_t* milli) {
      const std::vector<PayerName>* names = nullptr;
      CASHMATCH_RETURN_IF_ERROR(NamesOf(id, &names));
      *milli = CustomerNameSimilarityMilli(tokens, *names);
      return Status::Ok();
    };
    NameSearch<std::string> search;
    CASHMATCH_RETURN_IF_ERROR(SearchPayerName<std::string>(
        tokens, options_.name_tokens_count_max, req_.name_similarity_min_milli, postings, similarity, &search));
    if (search.inconclusive) {
      book.AddInconclusivePayerName(tokens);
      return Status::Ok();
    }
    for (const auto& [id, milli] : search.scored) {
      if (NameSimilarityAccepted(milli, req_.name_similarity_min_milli)) found->insert(id);
    }
    return Status::Ok();
  }

  // The RocksDB failure behind the last error SearchName returned, if it
  // was one (LoadPayerCustomers maps it to the ledger's status codes).
  rocksdb::Status status() const { return status_; }

 private:
  Status TokenPostings(const std::string& token, const Postings** out) {
    auto [it, inserted] = by_token_.try_emplace(token);
    if (inserted) {
      status_ = Scan(kIndexNameToken, token, options_.name_postings_count_max, &it->second);
      if (!status_.ok()) return Status::IOError("ledger name index scan: " + status_.ToString());
    }
    *out = &it->second;
    return Status::Ok();
  }

  Status NamesOf(const std::string& id, const std::vector<PayerName>** out) {
    auto it = names_of_.find(id);
    if (it == names_of_.end()) {
      if (resident_ != nullptr) {
        std::vector<char> found;
        resident_->GetCustomerRecords({id}, &values_, &found);
        status_ = found[0] ? rocksdb::Status::OK() : rocksdb::Status::NotFound();
        value_ = std::move(values_[0]);
      } else {
        status_ = db_->Get(rocksdb::ReadOptions(), customers_, id, &value_);
      }
      if (status_.IsNotFound()) {
        status_ = rocksdb::Status::OK();  // not a RocksDB failure: the index and the records disagree
        return Status::LedgerCorrupt("name index names customer '" + id + "' which is not stored");
      }
      if (!status_.ok()) return Status::IOError("ledger read: " + status_.ToString());
      Customer c;
      CASHMATCH_RETURN_IF_ERROR(codec::DecodeCustomer(value_, &c));
      it = names_of_.emplace(id, CustomerNames(c)).first;
    }
    *out = &it->second;
    return Status::Ok();
  }

  rocksdb::DB* db_;
  rocksdb::ColumnFamilyHandle* customers_;
  const BookIndex* resident_;  // when the ledger has one, read instead of RocksDB
  const LedgerOptions& options_;
  const BookRequest& req_;
  std::unique_ptr<rocksdb::Iterator> it_;
  std::string prefix_;
  std::string value_;
  std::vector<std::string> values_;
  rocksdb::Status status_;
  std::map<std::string, Postings> by_token_;
  std::map<std::string, std::vector<PayerName>> names_of_;
};

}  // namespace

Status Ledger::LoadPayerCustomers(const BookRequest& req, OpenBook& book, std::set<std::string>* customer_ids) const {
  constexpr size_t kAll = std::numeric_limits<size_t>::max();
  PayerSearch search(db_.get(), index_, customers_, resident_.get(), options_, req);
  std::set<std::string> payers;
  // How many customers each account and Stripe id names: exactly one
  // identifies the payer, and its name need not be searched.
  std::map<std::string, size_t> by_account, by_stripe;
  Postings p;
  for (const std::string& fp : req.account_fps) {
    CASHMATCH_RETURN_IF_ERROR(FromRocksStatus(search.Scan(kIndexAccount, fp, kAll, &p)));
    by_account[fp] = p.ids.size();
    payers.insert(p.ids.begin(), p.ids.end());
  }
  for (const std::string& cus : req.stripe_customer_ids) {
    CASHMATCH_RETURN_IF_ERROR(FromRocksStatus(search.Scan(kIndexStripeCustomer, cus, kAll, &p)));
    by_stripe[cus] = p.ids.size();
    payers.insert(p.ids.begin(), p.ids.end());
  }
  std::set<std::vector<std::string>> searched;
  std::set<std::pair<std::string, bool>> texts;
  for (const PayerNameRequest& n : req.payer_names) {
    auto a = by_account.find(n.account_fp);
    auto s = by_stripe.find(n.stripe_customer_id);
    if ((a != by_account.end() && a->second == 1) || (s != by_stripe.end() && s->second == 1)) continue;
    if (n.tokens.empty()) continue;
    if (!n.text.empty() && texts.insert({n.text, n.cut}).second) {
      Status st = search.SearchNameText(n.text, n.cut, &payers);
      if (!st.ok()) return FromRocksStatus(search.status());
    }
    if (!searched.insert(n.tokens).second) continue;
    Status st = search.SearchName(n.tokens, book, &payers);
    if (!st.ok()) return search.status().ok() ? st : FromRocksStatus(search.status());
  }
  customer_ids->insert(payers.begin(), payers.end());
  for (const std::string& parent : payers) {
    CASHMATCH_RETURN_IF_ERROR(FromRocksStatus(search.Scan(kIndexChild, parent, options_.children_count_max, &p)));
    customer_ids->insert(p.ids.begin(), p.ids.end());
  }
  return Status::Ok();
}

}  // namespace cashmatch::io
