// The keys invoice numbers are found by (engine/invoice_keys.h): what each
// one forgives, what it must keep apart, the typo index's neighbourhoods
// and distance, and ISO 11649 RF checksums.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "cashmatch/engine/hints.h"
#include "cashmatch/engine/invoice_keys.h"

namespace cashmatch {
namespace {

TEST(InvoiceKeys, TolerantKeyForgivesCaseSpacingPunctuationPrefixesAndLeadingZeros) {
  for (const char* form : {"INV-2026-004211", "inv 2026 4211", "INV2026-4211", "2026/004211", "Invoice no. 2026-4211",
                           "  inv_2026__0004211 "}) {
    EXPECT_EQ(TolerantInvoiceKey(form), "2026-4211") << form;
  }
}

TEST(InvoiceKeys, TolerantKeyKeepsWhatMakesNumbersDifferent) {
  // Digit runs are not merged or split: 2026-4211 is not 20264211 nor 202-64211.
  EXPECT_NE(TolerantInvoiceKey("INV-2026-4211"), TolerantInvoiceKey("INV-20264211"));
  EXPECT_NE(TolerantInvoiceKey("INV-2026-4211"), TolerantInvoiceKey("INV-202-64211"));
  // Zeros inside or at the end of a run are part of the number.
  EXPECT_NE(TolerantInvoiceKey("INV-2026-4201"), TolerantInvoiceKey("INV-2026-421"));
  EXPECT_NE(TolerantInvoiceKey("INV-2026-42110"), TolerantInvoiceKey("INV-2026-4211"));
  // Letters after the first digit are kept: a suffix or a revision.
  EXPECT_EQ(TolerantInvoiceKey("INV-2026-4211a"), "2026-4211-A");
  EXPECT_NE(TolerantInvoiceKey("INV-2026-4211-A"), TolerantInvoiceKey("INV-2026-4211-B"));
  // A run of zeros is a zero, not nothing.
  EXPECT_EQ(TolerantInvoiceKey("INV-000-7"), "0-7");
  // No digit: no tolerant key (the strict key alone applies).
  EXPECT_EQ(TolerantInvoiceKey("ACME-STD"), "");
  EXPECT_EQ(TolerantInvoiceKey(""), "");
}

TEST(InvoiceKeys, BodyAndTailKeys) {
  EXPECT_EQ(TypoBodyKey(NormalizeInvoiceNumber("INV-2026-004211")), "2026004211");
  EXPECT_EQ(TypoBodyKey("2026004211"), "2026004211");
  EXPECT_EQ(TypoBodyKey("ABC"), "");
  EXPECT_EQ(TailDigits("2026-4211"), "4211");
  EXPECT_EQ(TailDigits("4211"), "4211");
  EXPECT_EQ(TailDigits("2026-4211-A"), "");
  EXPECT_TRUE(IsBareNumber("4211"));
  EXPECT_FALSE(IsBareNumber("2026-4211"));
  EXPECT_FALSE(IsBareNumber(""));
}

TEST(InvoiceKeys, EditDistanceCountsOneDamerauEdit) {
  EXPECT_EQ(EditDistanceUpToOne("2026004211", "2026004211"), 0);
  EXPECT_EQ(EditDistanceUpToOne("2026004211", "2026004311"), 1);   // substitution
  EXPECT_EQ(EditDistanceUpToOne("2026004211", "2026004121"), 1);   // neighbours swapped
  EXPECT_EQ(EditDistanceUpToOne("2026004211", "202600421"), 1);    // deletion
  EXPECT_EQ(EditDistanceUpToOne("2026004211", "20260042117"), 1);  // insertion
  EXPECT_EQ(EditDistanceUpToOne("2026004211", "2026004112"), 2);   // a rotation is two
  EXPECT_EQ(EditDistanceUpToOne("2026004211", "2026005311"), 2);
  EXPECT_EQ(EditDistanceUpToOne("2026004211", "20260042"), 2);
  EXPECT_EQ(EditDistanceUpToOne("", "1"), 1);
}

// The property the typo index rests on: two bodies within one edit always
// have deletion neighbourhoods that share a string, so the index never
// misses one. Checked over every string one edit from a body. The converse
// does not hold (4211 and 4112 meet at 411 but are two edits apart), so the
// index gives candidates and the edit distance decides.
TEST(InvoiceKeys, DeletionNeighbourhoodsMeetForEveryBodyOneEditAway) {
  auto meet = [](const std::string& a, const std::string& b) {
    std::vector<std::string> na = DeletionNeighbourhood(a);
    std::vector<std::string> nb = DeletionNeighbourhood(b);
    for (const std::string& x : na) {
      if (std::find(nb.begin(), nb.end(), x) != nb.end()) return true;
    }
    return false;
  };
  const std::string body = "2026004211";
  const std::string alphabet = "0123456789AZ";
  std::vector<std::string> near;
  for (size_t i = 0; i <= body.size(); ++i) {
    for (char c : alphabet) {
      near.push_back(body.substr(0, i) + c + body.substr(i));
      if (i < body.size()) near.push_back(body.substr(0, i) + c + body.substr(i + 1));
    }
    if (i < body.size()) near.push_back(body.substr(0, i) + body.substr(i + 1));
    if (i + 1 < body.size()) {
      std::string t = body;
      std::swap(t[i], t[i + 1]);
      near.push_back(t);
    }
  }
  for (const std::string& n : near) {
    EXPECT_LE(EditDistanceUpToOne(body, n), 1) << n;
    EXPECT_TRUE(meet(body, n)) << n;
  }
  for (const char* far : {"2026005311", "20260042", "1026004213"}) {
    EXPECT_EQ(EditDistanceUpToOne(body, far), 2) << far;
    EXPECT_FALSE(meet(body, far)) << far;
  }
  EXPECT_TRUE(meet(body, "2026004112"));  // a candidate only
  EXPECT_EQ(EditDistanceUpToOne(body, "2026004112"), 2);
  // The body first, repeated letters' deletions once, short bodies none.
  std::vector<std::string> n = DeletionNeighbourhood("200011");
  EXPECT_EQ(n.front(), "200011");
  EXPECT_EQ(n.size(), 1u + 3u);  // "00011", "20011", "20001"
  EXPECT_TRUE(DeletionNeighbourhood("2001").empty());
}

TEST(InvoiceKeys, RfChecksumIsVerifiedModulo97) {
  // The ISO 11649 example, compact and in print groups, any case.
  EXPECT_TRUE(IsValidRfReference("RF18539007547034"));
  EXPECT_TRUE(IsValidRfReference("rf18539007547034"));
  EXPECT_EQ(RfCreditorPart("RF18 5390 0754 7034"), std::optional<std::string>("539007547034"));
  EXPECT_TRUE(IsValidRfReference("RF712348231"));
  // One digit off, check digits swapped, letters in the check digits, too
  // long, too short: all refused.
  EXPECT_FALSE(IsValidRfReference("RF18539007547035"));
  EXPECT_FALSE(IsValidRfReference("RF81539007547034"));
  EXPECT_FALSE(IsValidRfReference("RFAB539007547034"));
  EXPECT_FALSE(IsValidRfReference("RF18" + std::string(22, '1')));
  EXPECT_FALSE(IsValidRfReference("RF18"));
  EXPECT_FALSE(IsValidRfReference("XX18539007547034"));
  EXPECT_EQ(RfCreditorPart("RF18 5390 0754 7035"), std::nullopt);
  // MakeRfReference computes the check digits; letters count as 10..35.
  EXPECT_EQ(MakeRfReference("539007547034"), "RF18539007547034");
  const std::string rf = MakeRfReference("INV2026004211");
  EXPECT_TRUE(IsValidRfReference(rf));
  EXPECT_EQ(RfCreditorPart(rf), std::optional<std::string>("INV2026004211"));
  EXPECT_EQ(MakeRfReference(""), "");
  EXPECT_EQ(MakeRfReference("INV-1"), "");
}

TEST(InvoiceKeys, PurchaseOrderKeyIsTolerantOrStrict) {
  EXPECT_EQ(PurchaseOrderKey("PO-000881"), "881");
  EXPECT_EQ(PurchaseOrderKey("881"), "881");
  EXPECT_EQ(PurchaseOrderKey("ACME/4471"), "4471");
  EXPECT_EQ(PurchaseOrderKey("blanket-po"), "BLANKETPO");
}

}  // namespace
}  // namespace cashmatch
