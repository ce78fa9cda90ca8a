// Internal: the bounded subset search of the amount stage
// (propose_amount.cc), and the check that a set found among the first
// candidates_count_max invoices has no rival beyond them. Tested against a
// brute-force oracle in tests/subset_search_test.cc.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

#include "cashmatch/engine/domain.h"
#include "cashmatch/engine/event.h"
#include "wide.h"

namespace cashmatch::matcher {

// Bounded subset-sum over the distinct open amounts of a customer's
// candidates. Equal amounts are one value with a multiplicity, so sets that
// differ only in which of several equal invoices they take are one answer.
// Finds at most two distinct answers (one is an answer, two is ambiguous)
// within a fixed budget of search nodes.
//
// After Run(lo, hi): answers() empty and !cut(): no set of at most
// set_size_max invoices sums into [lo, hi]; one answer: it is the unique
// smallest set, and no set of the same or one more invoice (distinct in
// its amounts) fits too; two answers: ambiguous (the first two found).
// cut(): the node budget ran out, and what answers() holds is not proven.
class SubsetSearch {
 public:
  struct Value {
    int64_t amount;
    std::vector<const Invoice*> invoices;  // oldest due first
  };
  using Answer = std::vector<std::pair<size_t, int>>;  // (value index, how many)

  SubsetSearch(std::vector<Value> values, int set_size_max);

  // Sets whose sum lies in [lo, hi], smallest first: the fewest invoices
  // that fit, then rivals at most one invoice larger; stops at two. With
  // 64 candidates and 12 per set some large set sums to almost any amount
  // to the cent, so a much larger coincidence is no rival to a small set
  // (a payment for three invoices is not a payment for nine), while {A, B}
  // against {C} is.
  // Sets of up to four invoices are found through sorted pair sums
  // (ExactSize), larger ones by a depth-first walk.
  void Run(int64_t lo, int64_t hi);

  const std::vector<Answer>& answers() const { return answers_; }
  bool cut() const { return cut_; }
  const Value& value(size_t i) const { return values_[i]; }
  // The invoices an answer takes: of each value, the first (oldest due)
  // as many as the answer counts.
  std::vector<const Invoice*> InvoicesOf(const Answer& a) const;

  static constexpr uint64_t kNodeBudget = 200000;
  static constexpr int kPairSizeMax = 4;
  static constexpr size_t kPairItemsMin = 16;
  static constexpr size_t kPairItemsMax = 256;  // at most ~32k pairs

 private:
  struct Item {
    int64_t amount;
    uint32_t value;  // index into values_
  };
  struct Pair {
    i128 sum;
    uint16_t a, b;  // item indices, a < b
  };

  // Items: each value once per invoice it may contribute to a set of at
  // most kPairSizeMax (equal amounts: the oldest invoices first), in value
  // order; pairs of items sorted by sum. Built once per search object.
  void BuildPairs();

  // Pairs whose sum lies in [lo, hi]: [first, last).
  std::pair<size_t, size_t> PairsIn(i128 lo, i128 hi) const;

  // Adds the set of these items unless an equal set (the same amounts
  // taken as often) is there already.
  void AddItems(std::initializer_list<size_t> item_indices);

  // Sets of exactly k <= kPairSizeMax invoices in [lo, hi], added to the
  // answers until there are `want`: one item, a pair, an item and a pair
  // with higher indices, or a pair and a pair with higher indices. Items
  // are in value order, so each set of items is seen once.
  void ExactSize(int64_t lo, int64_t hi, int k, size_t want);

  // Every set of at most `limit` invoices in [lo, hi], up to two; the
  // node budget bounds each search.
  void Search(int64_t lo, int64_t hi, int limit);

  void Walk(size_t i, i128 lo, i128 hi, int size, Answer& current);

  std::vector<Value> values_;
  std::vector<i128> suffix_;
  int size_max_;
  int pair_size_max_ = 0;
  int limit_ = 0;
  std::vector<Item> items_;
  std::vector<Pair> pairs_;
  std::vector<Answer> answers_;
  uint64_t nodes_ = 0;
  bool cut_ = false;
};

// A set found among the first candidates_count_max open invoices is the
// answer only if the invoices past the window cannot rival it. For one
// invoice that is checked over all of them: no other single invoice of
// another amount and no pair in [lo, hi] (the rivals that count against a
// set of one, as in SubsetSearch). A larger set is not proven unique
// without searching every invoice: a person reviews it. False: `reason`
// and `why` say which.
bool RivalFreeBeyondWindow(const std::vector<const Invoice*>& chosen, const std::vector<const Invoice*>& window,
                           const std::vector<const Invoice*>& beyond, int64_t lo, int64_t hi, ExceptionReason* reason,
                           std::string* why);

}  // namespace cashmatch::matcher
