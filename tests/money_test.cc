// Money, currencies and dates: exact parsing and formatting, with property
// tests that parse(format(x)) == x for random values at every exponent.
#include <gtest/gtest.h>

#include <limits>
#include <random>

#include "cashmatch/engine/currency.h"
#include "cashmatch/engine/date.h"
#include "cashmatch/engine/money.h"

namespace cashmatch {
namespace {

int64_t Parse(std::string_view text, int exponent) {
  auto r = ParseAmountMinor(text, exponent);
  EXPECT_TRUE(r.ok()) << text << ": " << r.status().message();
  return r.ok() ? r.value() : 0;
}

TEST(Money, ParsesTheFormsBanksAndPeopleWrite) {
  EXPECT_EQ(Parse("1,234.50", 2), 123450);
  EXPECT_EQ(Parse("1234.5", 2), 123450);
  EXPECT_EQ(Parse("-0.01", 2), -1);
  EXPECT_EQ(Parse("+7", 2), 700);
  EXPECT_EQ(Parse(" 12.00 ", 2), 1200);
  EXPECT_EQ(Parse(".5", 2), 50);
  EXPECT_EQ(Parse("1,000,000", 0), 1000000);
  EXPECT_EQ(Parse("12.345", 3), 12345);     // KWD
  EXPECT_EQ(Parse("1250000", 0), 1250000);  // JPY
  EXPECT_EQ(Parse("12.50000", 2), 1250);    // zeros past the exponent carry no value
}

TEST(Money, RejectsWhatWouldNeedRoundingOrGuessing) {
  for (auto [text, exponent] : std::vector<std::pair<std::string, int>>{{"", 2},
                                                                        {"-", 2},
                                                                        {"abc", 2},
                                                                        {"12.3.4", 2},
                                                                        {"1.234", 2},
                                                                        {"1.5", 0},
                                                                        {"1,23.00", 2},
                                                                        {",123", 2},
                                                                        {"1,2345", 2},
                                                                        {"12a", 2},
                                                                        {"1e5", 2},
                                                                        {"--1", 2},
                                                                        {"92233720368547758.08", 2},
                                                                        {"0x10", 2}}) {
    auto r = ParseAmountMinor(text, exponent);
    EXPECT_FALSE(r.ok()) << "'" << text << "' at exponent " << exponent << " should be rejected";
    if (!r.ok()) {
      EXPECT_EQ(r.status().code(), StatusCode::kInvalidInput);
      EXPECT_NE(r.status().message().find("amount"), std::string::npos) << r.status().message();
    }
  }
  auto too_many = ParseAmountMinor("1.234", 2);
  ASSERT_FALSE(too_many.ok());
  EXPECT_NE(too_many.status().message().find("more than 2 decimals"), std::string::npos);
}

TEST(Money, Int64LimitsParseExactly) {
  EXPECT_EQ(Parse("92233720368547758.07", 2), std::numeric_limits<int64_t>::max());
  EXPECT_EQ(Parse("-92233720368547758.08", 2), std::numeric_limits<int64_t>::min());
  EXPECT_EQ(FormatAmountMinor(std::numeric_limits<int64_t>::min(), 2), "-92233720368547758.08");
}

TEST(Money, FormatsWithoutSeparatorsSoItParsesBack) {
  EXPECT_EQ(FormatAmountMinor(123450, 2), "1234.50");
  EXPECT_EQ(FormatAmountMinor(-1, 2), "-0.01");
  EXPECT_EQ(FormatAmountMinor(0, 2), "0.00");
  EXPECT_EQ(FormatAmountMinor(500, 0), "500");
  EXPECT_EQ(FormatAmountMinor(5, 3), "0.005");
}

// Property: for random int64 values and every exponent in the currency
// table, formatting then parsing gives the value back.
TEST(Money, PropertyParseFormatRoundTripsAtEveryExponent) {
  std::mt19937_64 rng(20261124);
  std::uniform_int_distribution<int64_t> any(std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max());
  std::uniform_int_distribution<int64_t> small(-1000000, 1000000);
  for (size_t c = 0; c < Currency::Count(); ++c) {
    const Currency* ccy = Currency::FromIndex(static_cast<uint16_t>(c));
    ASSERT_NE(ccy, nullptr);
    for (int i = 0; i < 300; ++i) {
      int64_t x = (i % 2 == 0) ? any(rng) : small(rng);
      std::string text = FormatAmountMinor(x, ccy->exponent());
      auto back = ParseAmountMinor(text, ccy->exponent());
      ASSERT_TRUE(back.ok()) << ccy->code() << " " << text << ": " << back.status().message();
      ASSERT_EQ(back.value(), x) << ccy->code() << " " << text;
    }
  }
}

TEST(Money, SumIsCheckedAndWiderThanInt64) {
  MoneySum sum;
  sum.Add(std::numeric_limits<int64_t>::max());
  sum.Add(std::numeric_limits<int64_t>::max());
  EXPECT_FALSE(sum.FitsInt64());
  EXPECT_FALSE(sum.ToInt64().ok());
  EXPECT_EQ(sum.Format(2), "184467440737095516.14");
  sum.Sub(std::numeric_limits<int64_t>::max());
  ASSERT_TRUE(sum.ToInt64().ok());
  EXPECT_EQ(sum.ToInt64().value(), std::numeric_limits<int64_t>::max());
  MoneySum negative;
  negative.Sub(150);
  EXPECT_EQ(negative.Format(2), "-1.50");
}

TEST(Money, MinorUnitIntegers) {
  EXPECT_EQ(ParseMinorUnits("+000000000012").value(), 12);
  EXPECT_EQ(ParseMinorUnits("-500000").value(), -500000);
  EXPECT_FALSE(ParseMinorUnits("12.5").ok());
  EXPECT_FALSE(ParseMinorUnits("").ok());
}

TEST(Currency, KnowsIsoExponentsCaseInsensitively) {
  ASSERT_NE(Currency::Find("USD"), nullptr);
  EXPECT_EQ(Currency::Find("usd"), Currency::Find("USD"));
  EXPECT_EQ(Currency::Find("USD")->exponent(), 2);
  EXPECT_EQ(Currency::Find("JPY")->exponent(), 0);
  EXPECT_EQ(Currency::Find("KWD")->exponent(), 3);
  EXPECT_EQ(Currency::Find("ISK")->exponent(), 0);  // ISO; Stripe's table differs
  EXPECT_EQ(Currency::Find("XXX"), nullptr);
  EXPECT_EQ(Currency::Find("US"), nullptr);
  EXPECT_EQ(Currency::Find("US1"), nullptr);
  for (size_t i = 0; i < Currency::Count(); ++i) {
    const Currency* c = Currency::FromIndex(static_cast<uint16_t>(i));
    EXPECT_EQ(Currency::Find(c->code()), c);
  }
}

TEST(Date, ParsesRealCalendarDaysOnly) {
  auto d = ParseIsoDate("2026-11-24");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(FormatIsoDate(d.value()), "2026-11-24");
  EXPECT_EQ(ParseIsoDate("1970-01-01").value().days, 0);
  EXPECT_TRUE(ParseIsoDate("2024-02-29").ok());
  for (const char* bad :
       {"2026-02-29", "2026-13-01", "2026-11-31", "26-11-24", "2026/11/24", "2026-1-05", "", "2026-11-2x"}) {
    EXPECT_FALSE(ParseIsoDate(bad).ok()) << bad;
  }
  EXPECT_LT(ParseIsoDate("2026-11-23").value(), ParseIsoDate("2026-11-24").value());
}

TEST(Date, RoundTripsEveryDayOfFourHundredYears) {
  Date start;
  ASSERT_TRUE(MakeDate(2000, 1, 1, &start));
  for (int32_t i = 0; i < 146097; i += 7) {
    Date d{start.days + i};
    auto back = ParseIsoDate(FormatIsoDate(d));
    ASSERT_TRUE(back.ok()) << FormatIsoDate(d);
    ASSERT_EQ(back.value().days, d.days);
  }
}

}  // namespace
}  // namespace cashmatch
