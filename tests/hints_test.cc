// Hint extraction (engine/hints.h): the policy's RE2 patterns for invoice
// and PO numbers, RF references and Stripe ids in free text, the order in
// which readers take text, and the error for a pattern RE2 refuses.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "cashmatch/engine/hints.h"
#include "cashmatch/engine/invoice_keys.h"

namespace cashmatch {
namespace {

PaymentHints ExtractWith(const Policy& policy, const std::string& remittance) {
  auto ex = HintExtractor::Create(policy);
  EXPECT_TRUE(ex.ok()) << ex.status().message();
  Payment p;
  p.remittance = remittance;
  return ex.value()->Extract(p);
}

std::vector<std::string> Texts(const PaymentHints& h) {
  std::vector<std::string> out;
  for (const InvoiceHint& i : h.invoices) out.push_back(i.text);
  return out;
}

bool Has(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

TEST(Hints, DefaultPatternsFindNumbersInTheFormsPayersWrite) {
  Policy policy;
  PaymentHints h = ExtractWith(policy, "PAYMENT INV-2026-004211, inv 2026 4212 and Invoice no. 2026-4213; also #4214");
  EXPECT_EQ(Texts(h), (std::vector<std::string>{"INV-2026-004211", "inv 2026 4212", "2026-4213", "4214"}));
  EXPECT_EQ(h.invoices[1].tolerant, "2026-4212");
  EXPECT_EQ(h.invoices[2].tolerant, "2026-4213");
  EXPECT_EQ(h.invoices[3].tolerant, "4214");
  for (const InvoiceHint& i : h.invoices) EXPECT_FALSE(i.from_structured);
  // A mistyped letter inside the serial is still one number.
  EXPECT_EQ(Texts(ExtractWith(policy, "RE INV-2026-0042I1 ACME")), (std::vector<std::string>{"INV-2026-0042I1"}));
}

TEST(Hints, CapturingGroupIsTheNumberAndOverlapsAreReadOnce) {
  Policy policy;
  policy.invoice_number_patterns = {R"(ref:\s*(\d{4,}))", R"(\d{4,})"};
  PaymentHints h = ExtractWith(policy, "ref: 123456 then 777777");
  // The second pattern does not read 123456 again: the first took that text.
  EXPECT_EQ(Texts(h), (std::vector<std::string>{"123456", "777777"}));
}

TEST(Hints, PurchaseOrderNumbersAreTheirOwnHintsAndNotInvoiceNumbers) {
  Policy policy;
  PaymentHints h = ExtractWith(policy, "P.O. #4500012345 INV-2026-004211; PO-ACME-4471; po number: 7781; PO Box 12");
  std::vector<std::string> po, numbers;
  for (const InvoiceHint& i : h.invoices) (i.purchase_order ? po : numbers).push_back(i.text);
  EXPECT_EQ(po, (std::vector<std::string>{"4500012345", "ACME-4471", "7781"}));
  EXPECT_EQ(numbers, (std::vector<std::string>{"INV-2026-004211"}));  // "PO 4500012345" would fit the invoice pattern
  EXPECT_EQ(h.invoices[0].tolerant, PurchaseOrderKey("PO-4500012345"));
  // Turned off by an empty list.
  policy.po_number_patterns.clear();
  for (const InvoiceHint& i : ExtractWith(policy, "P.O. #4500012345").invoices) EXPECT_FALSE(i.purchase_order);
}

TEST(Hints, StripeIdsInTextAreInvoicesCustomersAndSignals) {
  Policy policy;
  PaymentHints h = ExtractWith(
      policy,
      "stripe in_1OkQ3bLkdIwHu7ix cus_PqR8sT1uV2wX ch_3OkQ3bLkdIwHu7ix1 pi_3OkQ3bLkdIwHu7ix0 in_full in_short1");
  ASSERT_EQ(h.invoices.size(), 1u);
  EXPECT_TRUE(h.invoices[0].stripe_invoice);
  EXPECT_EQ(h.invoices[0].text, "in_1OkQ3bLkdIwHu7ix");
  EXPECT_EQ(h.stripe_customer_id, "cus_PqR8sT1uV2wX");
  EXPECT_TRUE(Has(h.signals, "stripe_charge=ch_3OkQ3bLkdIwHu7ix1"));
  EXPECT_TRUE(Has(h.signals, "stripe_payment_intent=pi_3OkQ3bLkdIwHu7ix0"));
  // The payment's own Stripe customer wins over one in its text.
  auto ex = HintExtractor::Create(policy);
  ASSERT_TRUE(ex.ok());
  Payment p;
  p.stripe_customer_id = "cus_Own00000001";
  p.remittance = "cus_PqR8sT1uV2wX";
  PaymentHints own = ex.value()->Extract(p);
  EXPECT_EQ(own.stripe_customer_id, "cus_Own00000001");
  EXPECT_TRUE(Has(own.signals, "stripe_customer=cus_PqR8sT1uV2wX"));
}

TEST(Hints, RfReferencesInTextAreCheckedAndTheirCreditorPartIsTheNumber) {
  Policy policy;
  const std::string rf = MakeRfReference("INV2026004211");
  // In print groups of four, with words after it.
  std::string grouped;
  for (size_t i = 0; i < rf.size(); i += 4) grouped += (i ? " " : "") + rf.substr(i, 4);
  PaymentHints h = ExtractWith(policy, "REF " + grouped + " THANKS");
  ASSERT_EQ(h.invoices.size(), 1u) << grouped;
  EXPECT_EQ(h.invoices[0].normalized, "INV2026004211");
  EXPECT_EQ(h.invoices[0].rf_reference, grouped);
  // Wrong check digits: reported, and the text is not read as anything else.
  PaymentHints bad = ExtractWith(policy, "REF RF19539007547034");
  EXPECT_TRUE(bad.invoices.empty());
  EXPECT_TRUE(Has(bad.signals, "rf=invalid_checksum:RF19539007547034"));
  // The payment's structured RF reference.
  auto ex = HintExtractor::Create(policy);
  ASSERT_TRUE(ex.ok());
  Payment p;
  p.rf_reference = rf;
  PaymentHints s = ex.value()->Extract(p);
  ASSERT_EQ(s.invoices.size(), 1u);
  EXPECT_TRUE(s.invoices[0].from_structured);
  EXPECT_EQ(s.invoices[0].text, "INV2026004211");
  p.rf_reference = "RF00INV2026004211";
  EXPECT_TRUE(Has(ex.value()->Extract(p).signals, "rf=invalid_checksum:RF00INV2026004211"));
}

TEST(Hints, PatternThatRe2RefusesIsNamedWithItsKeyAndReason) {
  Policy policy;
  policy.invoice_number_patterns = {R"(INV-\d+)", R"((?<=INV-)\d+)"};  // lookbehind: ECMAScript yes, RE2 no
  auto ex = HintExtractor::Create(policy);
  ASSERT_FALSE(ex.ok());
  const std::string& m = ex.status().message();
  EXPECT_NE(m.find("matching.invoice_number_patterns[1]"), std::string::npos) << m;
  EXPECT_NE(m.find("(?<=INV-)"), std::string::npos) << m;
  EXPECT_NE(m.find("not a valid regular expression (RE2 syntax)"), std::string::npos) << m;
  policy = Policy();
  policy.po_number_patterns = {"PO(\\d+"};
  auto po = HintExtractor::Create(policy);
  ASSERT_FALSE(po.ok());
  EXPECT_NE(po.status().message().find("matching.po_number_patterns[0]"), std::string::npos) << po.status().message();
}

TEST(Hints, ExtractionIsAFunctionOfThePayment) {
  // The same payment gives the same hints, from one extractor or another,
  // and an extractor keeps no state between payments.
  Policy policy;
  auto a = HintExtractor::Create(policy);
  auto b = HintExtractor::Create(policy);
  ASSERT_TRUE(a.ok() && b.ok());
  Payment p;
  p.remittance = "INV-2026-004211 #4212 PO 88123 RF18539007547034 ch_3OkQ3bLkdIwHu7ix1";
  Payment other;
  other.remittance = "INV-2026-000001";
  PaymentHints first = a.value()->Extract(p);
  (void)a.value()->Extract(other);
  PaymentHints again = a.value()->Extract(p);
  PaymentHints elsewhere = b.value()->Extract(p);
  EXPECT_EQ(Texts(first), Texts(again));
  EXPECT_EQ(Texts(first), Texts(elsewhere));
  EXPECT_EQ(first.signals, elsewhere.signals);
  EXPECT_EQ(first.invoices.size(), 4u);  // RF creditor part, PO, the number, the tail
}

// Arbitrary bytes in the remittance (control bytes, invalid UTF-8, pieces of
// every kind of hint glued together) never crash extraction or the key
// functions, and the hints stay within the policy's bound.
TEST(Hints, ArbitraryRemittanceBytesAreSafeAndBounded) {
  Policy policy;
  policy.references_count_max = 16;
  auto ex = HintExtractor::Create(policy);
  ASSERT_TRUE(ex.ok());
  static const char* kPieces[] = {"INV-2026-", "00421",        "#", "RF18 ", "5390 ", "in_",  "cus_",     "ch_", "PO ",
                                  "P.O. #",    "Invoice no. ", " ", "-",     "/",     "\xff", "\xc3\xa9", "9",   "A",
                                  "_"};
  std::mt19937 rng(20261124);
  for (int round = 0; round < 2000; ++round) {
    Payment p;
    const int pieces = static_cast<int>(rng() % 40);
    for (int i = 0; i < pieces; ++i) {
      if (rng() % 4 == 0) {
        p.remittance.push_back(static_cast<char>(rng() % 256));
      } else {
        p.remittance += kPieces[rng() % (sizeof(kPieces) / sizeof(kPieces[0]))];
      }
    }
    p.rf_reference = p.remittance.substr(0, rng() % 30);
    PaymentHints h = ex.value()->Extract(p);
    EXPECT_LE(h.invoices.size(), 16u) << p.remittance;
    for (const InvoiceHint& i : h.invoices) {
      const std::string_view body = TypoBodyKey(i.normalized);
      for (const std::string& v : DeletionNeighbourhood(body)) EXPECT_LE(EditDistanceUpToOne(body, v), 1);
      (void)TailDigits(i.tolerant);
    }
    (void)TolerantInvoiceKey(p.remittance);
    (void)RfCreditorPart(p.remittance);
  }
}

TEST(Hints, PatternsAreCaseInsensitiveAndStructuredRefsComeFirst) {
  Policy policy;
  policy.invoice_number_patterns = {R"(\bINV[- ]?\d{4}[- ]?\d{6}\b)"};
  auto ex = HintExtractor::Create(policy);
  ASSERT_TRUE(ex.ok());
  Payment p;
  p.references = {{"INV-2026-000009", std::nullopt}};
  p.remittance = "inv 2026 000001, INV-2026-000001 and INV2026000009";
  PaymentHints h = ex.value()->Extract(p);
  ASSERT_EQ(h.invoices.size(), 2u);
  EXPECT_EQ(h.invoices[0].normalized, "INV2026000009");
  EXPECT_TRUE(h.invoices[0].from_structured);
  EXPECT_EQ(h.invoices[1].normalized, "INV2026000001");
  EXPECT_EQ(NormalizeInvoiceNumber("inv-2026/004211 "), "INV2026004211");
}

TEST(Hints, ReferenceCountIsBounded) {
  Policy policy;
  policy.references_count_max = 3;
  auto ex = HintExtractor::Create(policy);
  ASSERT_TRUE(ex.ok());
  Payment p;
  for (int i = 0; i < 10; ++i) p.references.push_back({"INV-" + std::to_string(i), std::nullopt});
  PaymentHints h = ex.value()->Extract(p);
  EXPECT_EQ(h.invoices.size(), 3u);
  EXPECT_TRUE(h.truncated);
}

// Issue 14 §4: check numbers, account numbers, trace and wire ids and
// amounts are bank data, not invoice numbers; the invoice beside them is
// still read. The policy can turn the noise patterns off.
TEST(Hints, NoiseTokensAreNotReferences) {
  Policy policy;
  EXPECT_EQ(Texts(ExtractWith(policy, "CHECK NO 100418 INV-2026-000031")),
            (std::vector<std::string>{"INV-2026-000031"}));
  EXPECT_TRUE(Texts(ExtractWith(policy, "CHK# 100418")).empty());
  EXPECT_TRUE(Texts(ExtractWith(policy, "ACCT 792851897599")).empty());
  EXPECT_TRUE(Texts(ExtractWith(policy, "TRACE# 021000021234567 TRN 2026120700123")).empty());
  EXPECT_TRUE(Texts(ExtractWith(policy, "IMAD: 20261207QMGFT015000123")).empty());
  EXPECT_EQ(Texts(ExtractWith(policy, "AMT 186.78 AMT 12345.67 INV-2026-000032")),
            (std::vector<std::string>{"INV-2026-000032"}));
  // Labelled invoice numbers are untouched.
  EXPECT_EQ(Texts(ExtractWith(policy, "Invoice no. 2026-4213 PO 4500012345")),
            (std::vector<std::string>{"4500012345", "2026-4213"}));
  policy.noise_patterns.clear();
  EXPECT_EQ(Texts(ExtractWith(policy, "CHECK NO 100418")), (std::vector<std::string>{"NO 100418"}));
}

}  // namespace
}  // namespace cashmatch
