// The bounded subset search (subset_search.h).
#include "subset_search.h"

#include <algorithm>
#include <cassert>
#include <tuple>

#include "match_internal.h"

namespace cashmatch::matcher {

SubsetSearch::SubsetSearch(std::vector<Value> values, int set_size_max)
    : values_(std::move(values)), size_max_(set_size_max) {
  std::sort(values_.begin(), values_.end(), [](const Value& a, const Value& b) { return a.amount > b.amount; });
  suffix_.assign(values_.size() + 1, 0);
  for (size_t i = values_.size(); i-- > 0;) {
    suffix_[i] = suffix_[i + 1] + static_cast<i128>(values_[i].amount) * static_cast<i128>(values_[i].invoices.size());
  }
  size_t items = 0;
  for (const Value& v : values_) items += std::min<size_t>(v.invoices.size(), kPairSizeMax);
  // A few items walk faster than pairs are built; a policy with thousands
  // of candidates walks too (the pairs would not fit in memory).
  pair_size_max_ = items > kPairItemsMin && items <= kPairItemsMax ? kPairSizeMax : 0;
}

void SubsetSearch::Run(int64_t lo, int64_t hi) {
  cut_ = false;
  answers_.clear();
  for (int limit = 1; limit <= size_max_; ++limit) {
    if (limit <= pair_size_max_) {
      ExactSize(lo, hi, limit, 2);
    } else {
      Search(lo, hi, limit);
    }
    if (cut_) return;
    if (answers_.empty()) continue;
    if (answers_.size() == 1 && limit < size_max_) {
      if (limit + 1 <= pair_size_max_) {
        ExactSize(lo, hi, limit + 1, 2);
      } else {
        Search(lo, hi, limit + 1);  // finds the first answer again, and a rival if there is one
      }
    }
    return;
  }
}

void SubsetSearch::BuildPairs() {
  if (!pairs_.empty() || !items_.empty()) return;
  for (size_t v = 0; v < values_.size(); ++v) {
    const size_t copies = std::min<size_t>(values_[v].invoices.size(), kPairSizeMax);
    for (size_t c = 0; c < copies; ++c) items_.push_back(Item{values_[v].amount, static_cast<uint32_t>(v)});
  }
  for (size_t a = 0; a < items_.size(); ++a) {
    for (size_t b = a + 1; b < items_.size(); ++b) {
      pairs_.push_back(Pair{static_cast<i128>(items_[a].amount) + items_[b].amount, static_cast<uint16_t>(a),
                            static_cast<uint16_t>(b)});
    }
  }
  std::sort(pairs_.begin(), pairs_.end(),
            [](const Pair& x, const Pair& y) { return std::tie(x.sum, x.a, x.b) < std::tie(y.sum, y.a, y.b); });
}

std::pair<size_t, size_t> SubsetSearch::PairsIn(i128 lo, i128 hi) const {
  auto first = std::lower_bound(pairs_.begin(), pairs_.end(), lo, [](const Pair& p, i128 v) { return p.sum < v; });
  auto last = std::upper_bound(first, pairs_.end(), hi, [](i128 v, const Pair& p) { return v < p.sum; });
  return {static_cast<size_t>(first - pairs_.begin()), static_cast<size_t>(last - pairs_.begin())};
}

void SubsetSearch::AddItems(std::initializer_list<size_t> item_indices) {
  Answer a;
  for (size_t i : item_indices) {
    const size_t v = items_[i].value;
    if (!a.empty() && a.back().first == v) {
      ++a.back().second;
    } else {
      a.emplace_back(v, 1);
    }
  }
  std::sort(a.begin(), a.end());
  if (std::find(answers_.begin(), answers_.end(), a) == answers_.end()) answers_.push_back(std::move(a));
}

void SubsetSearch::ExactSize(int64_t lo, int64_t hi, int k, size_t want) {
  assert(k >= 1 && k <= kPairSizeMax);
  BuildPairs();
  nodes_ = 0;
  auto budget_left = [&] {
    if (++nodes_ <= kNodeBudget) return true;
    cut_ = true;
    return false;
  };
  if (k == 1) {
    for (size_t i = 0; i < items_.size() && answers_.size() < want; ++i) {
      if (items_[i].amount >= lo && items_[i].amount <= hi) AddItems({i});
    }
    return;
  }
  if (k == 2) {
    const auto [first, last] = PairsIn(lo, hi);
    for (size_t q = first; q < last && answers_.size() < want && budget_left(); ++q)
      AddItems({pairs_[q].a, pairs_[q].b});
    return;
  }
  if (k == 3) {
    for (size_t i = 0; i < items_.size() && answers_.size() < want; ++i) {
      const auto [first, last] =
          PairsIn(static_cast<i128>(lo) - items_[i].amount, static_cast<i128>(hi) - items_[i].amount);
      for (size_t q = first; q < last && answers_.size() < want; ++q) {
        if (!budget_left()) return;
        if (pairs_[q].a > i) AddItems({i, pairs_[q].a, pairs_[q].b});
      }
    }
    return;
  }
  for (size_t p = 0; p < pairs_.size() && answers_.size() < want; ++p) {
    const auto [first, last] = PairsIn(static_cast<i128>(lo) - pairs_[p].sum, static_cast<i128>(hi) - pairs_[p].sum);
    for (size_t q = first; q < last && answers_.size() < want; ++q) {
      if (!budget_left()) return;
      if (pairs_[q].a > pairs_[p].b) AddItems({pairs_[p].a, pairs_[p].b, pairs_[q].a, pairs_[q].b});
    }
  }
}

void SubsetSearch::Search(int64_t lo, int64_t hi, int limit) {
  answers_.clear();
  nodes_ = 0;
  limit_ = limit;
  Answer current;
  Walk(0, lo, hi, 0, current);
}

void SubsetSearch::Walk(size_t i, i128 lo, i128 hi, int size, Answer& current) {
  if (answers_.size() >= 2) return;
  if (++nodes_ > kNodeBudget) {
    cut_ = true;
    return;
  }
  if (lo <= 0 && hi >= 0 && !current.empty()) {
    answers_.push_back(current);
    return;  // amounts are positive: adding more only overshoots
  }
  if (i == values_.size() || size >= limit_ || hi < 0 || suffix_[i] < lo) return;
  const Value& v = values_[i];
  const int most = std::min<int>(static_cast<int>(v.invoices.size()), limit_ - size);
  for (int k = most; k >= 1; --k) {
    const i128 take = static_cast<i128>(v.amount) * k;
    if (take > hi) continue;
    current.emplace_back(i, k);
    Walk(i + 1, lo - take, hi - take, size + k, current);
    current.pop_back();
    if (answers_.size() >= 2 || cut_) return;
  }
  Walk(i + 1, lo, hi, size, current);
}

std::vector<const Invoice*> SubsetSearch::InvoicesOf(const Answer& a) const {
  std::vector<const Invoice*> out;
  for (const auto& [vi, k] : a) {
    assert(k >= 1 && static_cast<size_t>(k) <= values_[vi].invoices.size());
    for (int j = 0; j < k; ++j) out.push_back(values_[vi].invoices[j]);
  }
  return out;
}

bool RivalFreeBeyondWindow(const std::vector<const Invoice*>& chosen, const std::vector<const Invoice*>& window,
                           const std::vector<const Invoice*>& beyond, int64_t lo, int64_t hi, ExceptionReason* reason,
                           std::string* why) {
  const size_t total = window.size() + beyond.size();
  if (chosen.size() > 1) {
    *reason = ExceptionReason::kNeedsReview;
    *why = "a set of " + std::to_string(chosen.size()) + " open invoices fits, but only the " +
           std::to_string(window.size()) + " due first of the customer's " + std::to_string(total) +
           " were searched; another set may fit too";
    return false;
  }
  const int64_t mine = Settleable(*chosen.front());
  std::vector<int64_t> amounts;
  amounts.reserve(total);
  for (const auto* list : {&window, &beyond}) {
    for (const Invoice* inv : *list) amounts.push_back(Settleable(*inv));
  }
  std::sort(amounts.begin(), amounts.end());
  auto count_in = [&](int64_t from, int64_t to) -> size_t {
    if (from > to) return 0;
    return static_cast<size_t>(std::upper_bound(amounts.begin(), amounts.end(), to) -
                               std::lower_bound(amounts.begin(), amounts.end(), from));
  };
  const Invoice* rival = nullptr;
  for (const Invoice* inv : beyond) {
    const int64_t x = Settleable(*inv);
    if (x >= lo && x <= hi && x != mine) rival = inv;
  }
  bool pair = false;
  for (size_t i = 0; i < amounts.size() && !pair; ++i) {
    const int64_t x = amounts[i];
    if (x >= hi) break;  // amounts are positive: x plus anything exceeds hi
    // Partners y >= x (each pair counted from its smaller member); x itself
    // is not its own partner.
    const int64_t from = std::max(lo - x, x);
    size_t n = count_in(from, hi - x);
    if (from <= x && x <= hi - x) --n;
    pair = n > 0;
  }
  if (rival == nullptr && !pair) return true;
  *reason = ExceptionReason::kAmbiguous;
  *why =
      "invoice " + chosen.front()->invoice_id + " fits the amount among the " + std::to_string(window.size()) +
      " open invoices due first, but " +
      (rival != nullptr ? "invoice " + rival->invoice_id + " fits too" : std::string("two invoices together fit too")) +
      " among all " + std::to_string(total);
  return false;
}

}  // namespace cashmatch::matcher
