// SubsetSearch (engine/src/subset_search.h), the bounded subset-sum of the
// amount stage, checked against a brute-force oracle: random small books
// (seeded, reproducible; the seed is printed on failure) whose every set
// of at most set_size_max invoices is enumerated, and the search's answer
// must agree: none, the one smallest set (with nothing of its size or one
// more that fits too), or ambiguous (two). Sets that differ only in which
// of equal-amount invoices they take are one answer, and it takes the
// oldest due of them.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "subset_search.h"

namespace cashmatch {
namespace {

using matcher::SubsetSearch;

// The invoices of one random book, and the search's values over them: one
// per distinct amount, its invoices oldest due first (as the matcher
// builds them from OpenInvoicesOf).
struct RandomBook {
  std::vector<Invoice> invoices;
  std::vector<SubsetSearch::Value> Values() const {
    std::map<int64_t, std::vector<const Invoice*>> by_amount;
    for (const Invoice& inv : invoices) by_amount[inv.amount_open_minor].push_back(&inv);
    std::vector<SubsetSearch::Value> values;
    for (auto& [amount, list] : by_amount) {
      std::sort(list.begin(), list.end(), [](const Invoice* a, const Invoice* b) {
        return a->due_date != b->due_date ? a->due_date < b->due_date : a->invoice_id < b->invoice_id;
      });
      values.push_back(SubsetSearch::Value{amount, list});
    }
    return values;
  }
};

RandomBook MakeBook(std::mt19937_64& rng, int count, bool few_amounts) {
  RandomBook book;
  std::uniform_int_distribution<int64_t> wide(1, 100000);
  std::uniform_int_distribution<int64_t> narrow(1, std::max(2, count / 2));
  std::uniform_int_distribution<int32_t> day(0, 90);
  for (int i = 0; i < count; ++i) {
    Invoice inv;
    inv.invoice_id = "I" + std::to_string(i);
    inv.number = "INV-" + std::to_string(i);
    inv.amount_open_minor = inv.amount_total_minor = few_amounts ? narrow(rng) * 1000 : wide(rng);
    inv.due_date.days = 20000 + day(rng);
    book.invoices.push_back(inv);
  }
  return book;
}

// A set by its substance: how many invoices of each amount (the search
// orders its values its own way, so amounts, not indices, compare).
using Counts = std::map<int64_t, int>;

Counts CountsOf(const SubsetSearch& s, const SubsetSearch::Answer& a) {
  Counts c;
  for (const auto& [vi, k] : a) c[s.value(vi).amount] += k;
  return c;
}

// Every distinct set (counts per value) of 1..size_max invoices whose sum
// lies in [lo, hi], with its size.
void Enumerate(const std::vector<SubsetSearch::Value>& values, size_t vi, int size_max, int size, int64_t sum,
               int64_t lo, int64_t hi, Counts& current, std::vector<std::pair<int, Counts>>& out) {
  if (vi == values.size()) {
    if (size > 0 && sum >= lo && sum <= hi) out.emplace_back(size, current);
    return;
  }
  const int most = std::min<int>(static_cast<int>(values[vi].invoices.size()), size_max - size);
  for (int k = 0; k <= most; ++k) {
    if (k > 0) current[values[vi].amount] = k;
    Enumerate(values, vi + 1, size_max, size + k, sum + values[vi].amount * k, lo, hi, current, out);
  }
  current.erase(values[vi].amount);
}

// One random case against the oracle.
void CheckCase(uint64_t seed) {
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937_64 rng(seed);
  const int count = std::uniform_int_distribution<int>(1, 20)(rng);
  const bool few_amounts = rng() % 2 == 0;
  const int size_max = std::uniform_int_distribution<int>(1, 5)(rng);
  RandomBook book = MakeBook(rng, count, few_amounts);
  std::vector<SubsetSearch::Value> values = book.Values();
  // The target: a random set's sum (so something fits), or any amount.
  int64_t target = 0;
  if (rng() % 4 != 0) {
    for (const Invoice& inv : book.invoices) {
      if (rng() % 3 == 0) target += inv.amount_open_minor;
    }
  }
  if (target == 0) target = std::uniform_int_distribution<int64_t>(1, 200000)(rng);
  const int64_t tolerance = rng() % 3 == 0 ? std::uniform_int_distribution<int64_t>(1, 500)(rng) : 0;
  const int64_t lo = target, hi = target + tolerance;

  SubsetSearch search(values, size_max);
  search.Run(lo, hi);
  ASSERT_FALSE(search.cut()) << "a small book must not reach the node budget";

  std::vector<std::pair<int, Counts>> all;
  Counts current;
  Enumerate(values, 0, size_max, 0, 0, lo, hi, current, all);
  if (all.empty()) {
    EXPECT_TRUE(search.answers().empty());
    return;
  }
  int smallest = size_max;
  for (const auto& [size, c] : all) smallest = std::min(smallest, size);
  std::vector<Counts> rivals;  // the sets that count: the smallest size, or one more
  for (const auto& [size, c] : all) {
    if (size <= smallest + 1) rivals.push_back(c);
  }
  if (rivals.size() == 1) {
    ASSERT_EQ(search.answers().size(), 1u);
    EXPECT_EQ(CountsOf(search, search.answers()[0]), rivals[0]);
    // The invoices it takes of each amount are the oldest due of it.
    for (const Invoice* inv : search.InvoicesOf(search.answers()[0])) {
      for (const Invoice& other : book.invoices) {
        if (other.amount_open_minor != inv->amount_open_minor || other.due_date >= inv->due_date) continue;
        const std::vector<const Invoice*> taken = search.InvoicesOf(search.answers()[0]);
        EXPECT_NE(std::find(taken.begin(), taken.end(), &other), taken.end())
            << inv->invoice_id << " taken before the older-due " << other.invoice_id;
      }
    }
    return;
  }
  ASSERT_EQ(search.answers().size(), 2u) << rivals.size() << " sets fit: ambiguous";
  const Counts a = CountsOf(search, search.answers()[0]), b = CountsOf(search, search.answers()[1]);
  EXPECT_NE(a, b);
  EXPECT_NE(std::find(rivals.begin(), rivals.end(), a), rivals.end());
  EXPECT_NE(std::find(rivals.begin(), rivals.end(), b), rivals.end());
}

TEST(SubsetSearch, AgreesWithABruteForceOracleOnRandomSmallBooks) {
  for (uint64_t seed = 1; seed <= 400; ++seed) {
    CheckCase(seed);
    if (::testing::Test::HasFatalFailure()) return;
  }
}

// {A, B} and {C} both pay 300.00: two answers in substance, ambiguous.
TEST(SubsetSearch, TwoSetsThatDifferInSubstanceAreAmbiguous) {
  RandomBook book;
  for (auto [id, amount] : std::vector<std::pair<std::string, int64_t>>{{"A", 10000}, {"B", 20000}, {"C", 30000}}) {
    Invoice inv;
    inv.invoice_id = id;
    inv.amount_open_minor = inv.amount_total_minor = amount;
    book.invoices.push_back(inv);
  }
  SubsetSearch search(book.Values(), 4);
  search.Run(30000, 30000);
  EXPECT_EQ(search.answers().size(), 2u);
}

// Three invoices of 100.00, due on different days: a payment of 200.00 is
// one answer (two of them), and it takes the two due first.
TEST(SubsetSearch, EqualAmountsAreOneAnswerTakingTheOldestDue) {
  RandomBook book;
  for (int i = 0; i < 3; ++i) {
    Invoice inv;
    inv.invoice_id = "I" + std::to_string(i);
    inv.amount_open_minor = inv.amount_total_minor = 10000;
    inv.due_date.days = 20010 - i;  // I2 is due first, then I1
    book.invoices.push_back(inv);
  }
  SubsetSearch search(book.Values(), 4);
  search.Run(20000, 20000);
  ASSERT_EQ(search.answers().size(), 1u);
  std::vector<std::string> ids;
  for (const Invoice* inv : search.InvoicesOf(search.answers()[0])) ids.push_back(inv->invoice_id);
  EXPECT_EQ(ids, (std::vector<std::string>{"I2", "I1"}));
}

}  // namespace
}  // namespace cashmatch
