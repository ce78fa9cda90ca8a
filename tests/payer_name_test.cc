// Payer-name normalization and similarity (engine/payer_name.h): the forms
// a bank writes a company's name in reduce to the same tokens, bad UTF-8
// is read as Latin-1 rather than failing, and the Dice score is exact
// integer arithmetic.
#include <gtest/gtest.h>

#include <random>
#include <string>

#include "cashmatch/engine/payer_name.h"

namespace cashmatch {
namespace {

std::string Text(std::string_view raw) { return NormalizePayerName(raw).text; }

TEST(PayerName, LegalFormsCaseAndPunctuationReduceTheIssueExamplesToOneName) {
  for (const char* raw : {"Acme Corp.", "ACME CORPORATION INC", "Acme GmbH", "acme, inc", "The Acme Company",
                          "A.C.M.E. Ltd", "Acme Co., Ltd.", "ACME S.A.", "Acme L.L.C.", "Acme GmbH & Co. KG",
                          "  acme   pty   ltd  ", "ACME B.V.", "Acme plc"}) {
    EXPECT_EQ(Text(raw), "acme") << raw;
  }
  // Only trailing legal forms go; words inside the name stay.
  EXPECT_EQ(Text("Acme Corp Holdings Inc"), "acme corp holdings");
  EXPECT_EQ(Text("The Company"), "company");  // never normalized to nothing
  EXPECT_EQ(Text("Inc."), "inc");
  EXPECT_EQ(Text("Johnson & Johnson"), "johnson johnson");
  EXPECT_EQ(Text("Johnson and Johnson"), "johnson johnson");
  EXPECT_EQ(Text("McDonald's Restaurants Ltd"), "mcdonalds restaurants");
}

TEST(PayerName, UnicodeIsFoldedAndStrippedOfDiacritics) {
  EXPECT_EQ(Text("Société Générale S.A."), "societe generale");
  EXPECT_EQ(Text("MÜLLER GmbH"), "muller");
  EXPECT_EQ(Text("Straße AG"), "strasse");                                          // case fold: ß -> ss
  EXPECT_EQ(Text("\xEF\xBC\xA1\xEF\xBC\xA3\xEF\xBC\xAD\xEF\xBC\xA5 Inc"), "acme");  // full-width ＡＣＭＥ (NFKC)
  EXPECT_EQ(Text("Øresund Æble ApS"), "oresund aeble");
  EXPECT_EQ(Text("Łódź Logistics sp"), "lodz logistics sp");
  EXPECT_EQ(Text("O\xE2\x80\x99"
                 "Brien\xC2\xA0Partners"),
            "obrien partners");  // ’ and no-break space
  EXPECT_EQ(Text("Ac\xC2\xAD"
                 "me Inc"),
            "acme");                                      // soft hyphen is ignorable
  EXPECT_EQ(Text("株式会社 トヨタ"), "株式会社 トヨタ");  // other scripts keep their letters
  EXPECT_FALSE(NormalizePayerName("Société").latin1);
}

TEST(PayerName, InvalidUtf8IsReadAsLatin1AndNeverFails) {
  PayerName n = NormalizePayerName("Soci\xE9t\xE9 G\xE9n\xE9rale SA");
  EXPECT_TRUE(n.latin1);
  EXPECT_EQ(n.text, "societe generale");
  // Random bytes: never a crash, always sorted distinct tokens.
  std::mt19937 rng(4);
  for (int i = 0; i < 2000; ++i) {
    std::string raw(rng() % 24, '\0');
    for (char& c : raw) c = static_cast<char>(rng());
    PayerName r = NormalizePayerName(raw);
    EXPECT_TRUE(std::is_sorted(r.tokens.begin(), r.tokens.end()));
    EXPECT_EQ(std::adjacent_find(r.tokens.begin(), r.tokens.end()), r.tokens.end());
    EXPECT_EQ(r.empty(), r.text.empty());
  }
}

// Pure-ASCII names take a fast path; with one accented letter the same
// text goes through utf8proc. Every ASCII byte must be treated alike by both.
TEST(PayerName, AsciiFastPathAgreesWithTheUnicodePathOnEveryByte) {
  for (int c = 0; c < 0x80; ++c) {
    std::string middle(1, static_cast<char>(c));
    std::string ascii = "Ab" + middle + "Cd Fin e";
    std::string unicode = "Ab" + middle + "Cd Fin \xC3\xA9";  // é -> e
    EXPECT_EQ(NormalizePayerName(ascii).tokens, NormalizePayerName(unicode).tokens) << "byte " << c;
  }
}

TEST(PayerName, DiceSimilarityOfTokenSetsInThousandths) {
  auto sim = [](std::string_view a, std::string_view b) {
    return NameSimilarityMilli(NormalizePayerName(a).tokens, NormalizePayerName(b).tokens);
  };
  EXPECT_EQ(sim("ACME CORPORATION INC", "Acme Corp."), 1000);
  EXPECT_EQ(sim("Logistics Acme", "Acme Logistics Inc"), 1000);  // order does not matter
  EXPECT_EQ(sim("Acme", "Acme Logistics"), 666);                 // 2*1/(1+2), rounded down
  EXPECT_EQ(sim("Umbrella Pharma", "Umbrella Pharma Europe"), 800);
  EXPECT_EQ(sim("Acme", "Globex"), 0);
  EXPECT_EQ(sim("", "Acme"), 0);
  Customer c;
  c.name = "Tenpenelven Networks Co.";
  c.aliases = {"Tenpenelven", "---"};
  std::vector<PayerName> names = CustomerNames(c);
  EXPECT_EQ(names.size(), 2u);  // the alias with no letters is left out
  EXPECT_EQ(CustomerNameSimilarityMilli(NormalizePayerName("TENPENELVEN CO.").tokens, names), 1000);
  EXPECT_EQ(CustomerNameSimilarityMilli(NormalizePayerName("TENPENELVEN NETWORKS COMPANY").tokens, names), 1000);
  // A customer made of the payer's unsearched words alone scores at most this.
  EXPECT_EQ(NameSimilarityBoundMilli(0, 3), 0);
  EXPECT_EQ(NameSimilarityBoundMilli(1, 2), 666);
  EXPECT_EQ(NameSimilarityBoundMilli(2, 2), 1000);
  EXPECT_TRUE(NameSimilarityAccepted(800, 800));
  EXPECT_FALSE(NameSimilarityAccepted(799, 800));
  EXPECT_FALSE(NameSimilarityAccepted(0, 0));
}

}  // namespace
}  // namespace cashmatch
