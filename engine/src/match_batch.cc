// The matcher's driver (engine/README.md): a batch's payments in canonical
// order, duplicates and Stripe transfer lines apart, the rest in groups
// that can touch the same invoices (allocated in parallel), then returns,
// fees and the payout link.

#include <algorithm>
#include <cassert>
#include <cstdint>
#include <iterator>
#include <numeric>
#include <unordered_map>
#include <unordered_set>

#include "cashmatch/engine/match.h"
#include "match_internal.h"
#include "parallel.h"

namespace cashmatch {
namespace {

using namespace matcher;  // NOLINT(google-build-using-namespace): this file drives the stages

// One payment's share of the batch outcome, decided apart and joined in
// canonical order.
struct PaymentSlot {
  BatchOutcome out;
  SettledPayment settled;  // what it applied and held: for returns in the same batch
};

// Whether two groups' allocations changed the same invoice: the grouping
// (AllocationGroups) was a prediction, and this checks it afterwards.
bool GroupsOverlap(const std::vector<std::vector<Invoice>>& group_updates) {
  if (group_updates.size() < 2) return false;
  std::unordered_set<std::string_view> seen;
  for (const std::vector<Invoice>& updates : group_updates) {
    for (const Invoice& inv : updates) {
      if (!seen.insert(inv.invoice_id).second) return true;
    }
  }
  return false;
}

// Groups of payments (positions of `order`, ascending) that can touch the
// same invoices: a payment can touch its identified customer's open
// invoices (a parent's: its children's too) and the invoices it
// references, so payments are joined through the customers of both
// (union-find). Groups come in the order of their first payment.
std::vector<std::vector<size_t>> AllocationGroups(const SettlementBatch& batch, const std::vector<PaymentHints>& hints,
                                                  const OpenBook& book, const Policy& policy,
                                                  const std::vector<size_t>& order,
                                                  const std::vector<size_t>& positions,
                                                  std::vector<Identities>& identities) {
  std::vector<size_t> parent(positions.size());
  std::iota(parent.begin(), parent.end(), 0);
  auto find = [&](size_t x) {
    while (parent[x] != x) x = parent[x] = parent[parent[x]];
    return x;
  };
  const WorkingBalances untouched(book);
  std::unordered_map<std::string, size_t> first_of_customer;  // customer -> index into positions
  for (size_t i = 0; i < positions.size(); ++i) {
    const size_t idx = order[positions[i]];
    const Payment& p = batch.payments[idx];
    // As DecidePayment does, against the snapshot; the identification is
    // kept for it.
    const auto [res, id] = ResolveAndIdentify(p, hints[idx], book, policy, untouched, identities[positions[i]]);
    std::vector<std::string> customers;
    if (!id.customer_id.empty()) customers.push_back(id.customer_id);
    for (const Customer* child : book.ChildrenOf(id.customer_id)) customers.push_back(child->customer_id);
    for (const Invoice* inv : res.found) customers.push_back(inv->customer_id);
    if (id.by == IdentifiedBy::kReference && !res.found.empty()) {
      // WeighReferences may move the payment to the invoices of the payer
      // its name identifies, when that is not the referenced customer.
      const Identification payer = identities[positions[i]].Get(p, std::string(), book, policy);
      if (!payer.customer_id.empty()) customers.push_back(payer.customer_id);
    }
    for (const std::string& c : customers) {
      auto [it, inserted] = first_of_customer.emplace(c, i);
      if (!inserted) {
        const size_t a = find(i), b = find(it->second);
        parent[std::max(a, b)] = std::min(a, b);  // the root stays the earliest payment
      }
    }
  }
  std::vector<std::vector<size_t>> groups;
  std::vector<size_t> group_of_root(positions.size(), SIZE_MAX);
  for (size_t i = 0; i < positions.size(); ++i) {
    const size_t root = find(i);
    if (group_of_root[root] == SIZE_MAX) {
      group_of_root[root] = groups.size();
      groups.emplace_back();
    }
    groups[group_of_root[root]].push_back(positions[i]);
  }
  return groups;
}

}  // namespace

BatchOutcome MatchBatch(const SettlementBatch& batch, const std::vector<PaymentHints>& hints, const OpenBook& book,
                        const Policy& policy, const MatchOptions& options) {
  assert(hints.size() == batch.payments.size());
  std::vector<size_t> order(batch.payments.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    const Payment& pa = batch.payments[a];
    const Payment& pb = batch.payments[b];
    if (pa.value_date != pb.value_date) return pa.value_date < pb.value_date;
    return pa.payment_id < pb.payment_id;
  });

  // Each payment's decision goes into its own slot (positions of `order`);
  // the slots are joined in canonical order at the end, so the events do
  // not depend on which thread decided what.
  const bool has_returns = !batch.reversals.empty();
  std::vector<PaymentSlot> slots(order.size());
  std::vector<size_t> to_allocate;  // positions of `order` the customer groups decide
  PayoutClaims payouts;
  for (size_t k = 0; k < order.size(); ++k) {
    const Payment& p = batch.payments[order[k]];
    PaymentSlot& slot = slots[k];
    if (book.IsPaymentCommitted(p.payment_id)) {
      // Not new money: the same payment id was committed by an earlier
      // batch. A person decides; nothing is received or applied twice.
      Event dup = BaseEvent(EventType::kException, batch, p);
      dup.amount_minor = p.amount_minor;
      dup.reason = ExceptionReason::kDuplicatePayment;
      dup.detail = "payment id already committed by an earlier batch";
      slot.out.events.push_back(dup);
      ++slot.out.duplicate_count;
    } else if (IsStripeTransferLine(p)) {
      // Touches no invoice; the payouts it may claim are shared, so serial.
      PaymentRecord rec = NewRecord(batch, p);
      DecideTransferLine(batch, p, book, payouts, rec, slot.out);
      slot.out.payments.push_back(std::move(rec));
    } else {
      to_allocate.push_back(k);
    }
  }

  // Allocation: per group of payments that can touch the same invoices, in
  // canonical order against the balances the group's earlier payments
  // left; groups share no invoice, so they run in parallel and give what
  // one walk over all payments would.
  std::vector<Identities> identities(order.size());  // by position of `order`, made once
  std::vector<std::vector<size_t>> groups =
      AllocationGroups(batch, hints, book, policy, order, to_allocate, identities);
  std::vector<std::vector<Invoice>> group_updates(groups.size());
  auto allocate = [&](size_t g) {
    WorkingBalances balances(book);
    for (size_t k : groups[g]) {
      const Payment& p = batch.payments[order[k]];
      PaymentSlot& slot = slots[k];
      PaymentRecord rec = NewRecord(batch, p);
      DecidePayment(batch, p, hints[order[k]], book, policy, balances, identities[k], rec, slot.out,
                    has_returns ? &slot.settled : nullptr);
      if (p.fee_minor > 0) slot.out.events.push_back(FeeEvent(batch, p, rec.customer_id));
      slot.settled.record = rec;
      slot.out.payments.push_back(std::move(rec));
    }
    group_updates[g] = balances.Take();
  };
  if (groups.size() < 2 || options.threads == 1) {
    for (size_t g = 0; g < groups.size(); ++g) allocate(g);
  } else {
    ParallelFor(options.threads, groups.size(), allocate);
  }

  // The groups are a prediction made before allocation (a typo or PO number
  // may resolve differently against balances earlier payments left). Should
  // two groups have changed the same invoice, the prediction failed: the
  // whole batch is allocated again as one group, serially. Either way the
  // result depends on the input only, never on the threads.
  if (GroupsOverlap(group_updates)) {
    for (size_t k : to_allocate) slots[k] = PaymentSlot();
    groups.assign(1, to_allocate);
    group_updates.assign(1, {});
    allocate(0);
  }

  BatchOutcome out;
  WorkingBalances balances(book);
  for (std::vector<Invoice>& updates : group_updates) balances.Absorb(std::move(updates));
  std::unordered_map<std::string, SettledPayment> settled_here;
  for (size_t k = 0; k < order.size(); ++k) {
    BatchOutcome& part = slots[k].out;
    std::move(part.events.begin(), part.events.end(), std::back_inserter(out.events));
    std::move(part.payout_links.begin(), part.payout_links.end(), std::back_inserter(out.payout_links));
    out.applied_count += part.applied_count;
    out.exception_count += part.exception_count;
    out.duplicate_count += part.duplicate_count;
    out.payout_linked_count += part.payout_linked_count;
    for (PaymentRecord& rec : part.payments) {
      if (has_returns && slots[k].settled.record.payment_id == rec.payment_id) {
        settled_here[rec.payment_id] = std::move(slots[k].settled);
      }
      out.payments.push_back(std::move(rec));
    }
  }
  if (has_returns) ApplyReversals(batch, book, balances, settled_here, out);
  BookStandaloneFees(batch, out);
  if (batch.payout.has_value()) LinkPayout(batch, book, out);
  out.invoice_updates = balances.Take();
  return out;
}

}  // namespace cashmatch
