// Hint extraction's bounds on hostile remittances (engine/src/hints.cc):
// a remittance naming hundreds of thousands of invoice numbers completes,
// keeps the policy's references_count_max and says it cut references off.
// No timing is asserted; before the fix the 200k-token case took ~20 s
// (quadratic), it now runs in a fraction of that.
#include <gtest/gtest.h>

#include <string>

#include "cashmatch/engine/hints.h"

namespace cashmatch {
namespace {

std::string ManyInvoiceNumbers(int count) {
  std::string text;
  text.reserve(static_cast<size_t>(count) * 16);
  for (int i = 0; i < count; ++i) text += "INV-2026-" + std::to_string(100000 + i) + " ";
  return text;
}

TEST(HintsLimits, RemittanceOf200kInvoiceNumbersIsCappedAndFlagged) {
  Policy policy;  // references_count_max: 256 by default
  auto ex = HintExtractor::Create(policy);
  ASSERT_TRUE(ex.ok()) << ex.status().message();
  Payment p;
  p.remittance = ManyInvoiceNumbers(200000);
  PaymentHints h = ex.value()->Extract(p);
  EXPECT_TRUE(h.truncated);
  ASSERT_EQ(h.invoices.size(), static_cast<size_t>(policy.references_count_max));
  EXPECT_EQ(h.invoices.front().text, "INV-2026-100000");  // the first ones, in order of appearance
  EXPECT_EQ(h.invoices.back().text, "INV-2026-100255");
}

// 200k tokens of every kind the readers take (RF references, Stripe ids,
// PO numbers, invoice numbers) interleaved: every reader completes.
TEST(HintsLimits, RemittanceOf200kMixedTokensIsCappedAndFlagged) {
  Policy policy;
  policy.references_count_max = 100;
  auto ex = HintExtractor::Create(policy);
  ASSERT_TRUE(ex.ok());
  Payment p;
  for (int i = 0; i < 50000; ++i) {
    const std::string n = std::to_string(100000 + i);
    p.remittance += "PO " + n + " RF18 5390 0754 7034 in_" + n + "abcd INV-2026-" + n + " ";
  }
  PaymentHints h = ex.value()->Extract(p);
  EXPECT_TRUE(h.truncated);
  EXPECT_EQ(h.invoices.size(), 100u);
}

// At the bound exactly nothing is cut: the flag means references were lost.
TEST(HintsLimits, RemittanceAtTheBoundIsNotFlagged) {
  Policy policy;
  policy.references_count_max = 10;
  auto ex = HintExtractor::Create(policy);
  ASSERT_TRUE(ex.ok());
  Payment p;
  p.remittance = ManyInvoiceNumbers(10);
  PaymentHints h = ex.value()->Extract(p);
  EXPECT_FALSE(h.truncated);
  EXPECT_EQ(h.invoices.size(), 10u);
}

}  // namespace
}  // namespace cashmatch
