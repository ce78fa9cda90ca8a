// Report formatting: tables for people (thousands separators, escaped
// control characters, names beside ids, columns that fit 120 characters,
// long fields cut with "…") and JSON shaped like `export` (null for none,
// arrays for signals). The pure helpers are checked directly; the reports
// over a small ledger whose customer has a long non-ASCII name.
#include <gtest/gtest.h>

#include <cstdio>
#include <sstream>

#include "cashmatch/engine/hints.h"
#include "cashmatch/io/pipeline.h"
#include "cashmatch/io/reports.h"
#include "test_util.h"

namespace cashmatch::io {
namespace {

using testing_util::TempDir;

TEST(ReportFormat, AmountsGroupThousandsInTheIntegerPartOnly) {
  EXPECT_EQ(GroupThousands("0.00"), "0.00");
  EXPECT_EQ(GroupThousands("999.99"), "999.99");
  EXPECT_EQ(GroupThousands("1000.00"), "1,000.00");
  EXPECT_EQ(GroupThousands("347718.02"), "347,718.02");
  EXPECT_EQ(GroupThousands("-1234567.5"), "-1,234,567.5");
  EXPECT_EQ(GroupThousands("1234567"), "1,234,567");  // JPY: no decimals
  EXPECT_EQ(GroupThousands("-100"), "-100");
}

TEST(ReportFormat, ControlCharactersAreShownEscaped) {
  EXPECT_EQ(EscapeControls("plain Müller"), "plain Müller");
  EXPECT_EQ(EscapeControls("a\nb"), "a\\nb");
  EXPECT_EQ(EscapeControls("a\r\tb"), "a\\r\\tb");
  EXPECT_EQ(EscapeControls(std::string("x\0y", 3)), "x\\x00y");
  EXPECT_EQ(EscapeControls("\x1b[31mred\x7f"), "\\x1b[31mred\\x7f");
}

TEST(ReportFormat, LongFieldsAreCutByCharactersWithAnEllipsis) {
  EXPECT_EQ(Truncate("short", 10), "short");
  EXPECT_EQ(Truncate("exactly10!", 10), "exactly10!");
  EXPECT_EQ(Truncate("eleven char", 10), "eleven ch…");
  // A multi-byte character is never split; widths count characters.
  EXPECT_EQ(Truncate("ÄÖÜäöüßéèê", 5), "ÄÖÜä…");
  EXPECT_EQ(DisplayWidth(Truncate("ÄÖÜäöüßéèê", 5)), 5u);
  EXPECT_EQ(DisplayWidth("Müller…"), 7u);
}

// A ledger with one customer whose name is longer than any table column,
// two open invoices and one payment left on account.
class ReportTablesTest : public ::testing::Test {
 protected:
  static constexpr char kLongName[] =
      "Überseeische Handelsgesellschaft für Maschinenbau und Präzisionswerkzeuge mbH & Co. KG";

  void SetUp() override {
    auto l = Ledger::Open(tmp_.Join("ledger"), testing_util::Creating());
    ASSERT_TRUE(l.ok()) << l.status().message();
    ledger_ = std::move(l).value();
    auto r = LoadBookFiles(*ledger_, tmp_.Write("c.csv", std::string("customer_id,name\nC1,\"") + kLongName + "\"\n"),
                           tmp_.Write("i.csv",
                                      "invoice_id,number,customer_id,currency,amount_total,due_date\n"
                                      "I1,INV-2026-000001,C1,USD,1234567.89,2026-10-01\n"
                                      "I2,INV-2026-000002,C1,USD,2500.00,2026-12-20\n"));
    ASSERT_TRUE(r.ok()) << r.status().message();
    Policy policy;
    auto ex = HintExtractor::Create(policy);
    ASSERT_TRUE(ex.ok());
    auto a = ApplyPaymentFile(
        *ledger_,
        tmp_.Write(
            "p.ndjson",
            R"({"payment_id":"P1","amount":"1300000.00","currency":"USD","value_date":"2026-11-23","references":[{"invoice_number":"INV-2026-000001"}]})"
            "\n"),
        policy, *ex.value(), MatchOptions());
    ASSERT_TRUE(a.ok()) << a.status().message();
  }

  // What a report writes, as text.
  std::string Capture(const std::function<Status(std::FILE*)>& report) {
    std::FILE* f = std::tmpfile();
    EXPECT_NE(f, nullptr);
    Status s = report(f);
    EXPECT_TRUE(s.ok()) << s.message();
    std::fflush(f);
    std::rewind(f);
    std::string out;
    char buf[4096];
    for (size_t n; (n = std::fread(buf, 1, sizeof(buf), f)) > 0;) out.append(buf, n);
    std::fclose(f);
    return out;
  }

  static void ExpectLinesFit(const std::string& table) {
    std::istringstream in(table);
    for (std::string line; std::getline(in, line);) {
      EXPECT_LE(DisplayWidth(line), kTableWidthMax) << line;
    }
  }

  TempDir tmp_;
  std::unique_ptr<Ledger> ledger_;
};

TEST_F(ReportTablesTest, AgingTableShowsTheNameCutToItsColumnAndFits120) {
  const std::string table =
      Capture([&](std::FILE* f) { return ReportAging(*ledger_, Date{20450}, ReportFormat::kTable, f); });
  EXPECT_NE(table.find("C1"), std::string::npos) << table;
  EXPECT_NE(table.find("Überseeische Ha…"), std::string::npos) << table;
  EXPECT_EQ(table.find(kLongName), std::string::npos) << table;
  EXPECT_NE(table.find("2,500.00"), std::string::npos) << table;
  ExpectLinesFit(table);
}

TEST_F(ReportTablesTest, JsonAndCsvCarryTheWholeNameAndPlainAmounts) {
  const std::string json =
      Capture([&](std::FILE* f) { return ReportAging(*ledger_, Date{20450}, ReportFormat::kJson, f); });
  EXPECT_NE(json.find(std::string("\"customer_name\":\"") + kLongName + "\""), std::string::npos) << json;
  EXPECT_NE(json.find("\"customer_id\":\"ALL\",\"customer_name\":null"), std::string::npos) << json;
  EXPECT_NE(json.find("\"total\":\"2500.00\""), std::string::npos) << json;
  const std::string csv =
      Capture([&](std::FILE* f) { return ReportAging(*ledger_, Date{20450}, ReportFormat::kCsv, f); });
  EXPECT_NE(csv.find(kLongName), std::string::npos) << csv;
}

TEST_F(ReportTablesTest, UnappliedShowsTheNameAndFits120) {
  const std::string table = Capture([&](std::FILE* f) { return ReportUnapplied(*ledger_, ReportFormat::kTable, f); });
  EXPECT_NE(table.find("65,432.11"), std::string::npos) << table;
  EXPECT_NE(table.find("…"), std::string::npos) << table;
  ExpectLinesFit(table);
}

TEST_F(ReportTablesTest, TrailJsonHasSignalsAsArraysAndNullForNone) {
  const std::string json =
      Capture([&](std::FILE* f) { return ReportTrail(*ledger_, Subject::kPayment, "P1", ReportFormat::kJson, f); });
  EXPECT_NE(json.find("\"signals\":[\""), std::string::npos) << json;
  EXPECT_NE(json.find("\"reason\":null"), std::string::npos) << json;
  EXPECT_EQ(json.find("\"signals\":\""), std::string::npos) << json;
  EXPECT_EQ(json.find(":\"\""), std::string::npos) << "empty strings are null: " << json;
  const std::string table =
      Capture([&](std::FILE* f) { return ReportTrail(*ledger_, Subject::kPayment, "P1", ReportFormat::kTable, f); });
  // The first line describes the payment in a sentence; the rows below fit.
  ExpectLinesFit(table.substr(table.find('\n') + 1));
}

TEST_F(ReportTablesTest, SummaryTableGroupsThousands) {
  const std::string table = Capture([&](std::FILE* f) { return ReportSummary(*ledger_, ReportFormat::kTable, f); });
  EXPECT_NE(table.find("1,300,000.00"), std::string::npos) << table;
  ExpectLinesFit(table);
}

// Rejects files keep the record but never an account number in clear.
TEST(RejectsMasking, NdjsonPayerAccountIsMasked) {
  const std::string masked =
      MaskAccountsInRecord(R"({"payment_id":"X","payer_account":"DE89 3704 0044 0532 0130 00","amount":"1,234.50"})");
  EXPECT_EQ(masked.find("3704"), std::string::npos) << masked;
  EXPECT_NE(masked.find(R"("payer_account":"****3000")"), std::string::npos) << masked;
  EXPECT_NE(masked.find(R"("amount":"1,234.50")"), std::string::npos) << "other fields stay: " << masked;
}

TEST(RejectsMasking, Bai2AccountTagsAreMasked) {
  const std::string masked =
      MaskAccountsInRecord("16,195,1000,,,REF1/88,DACT: 4455667788, DBNM: ACME INC, CACT:998877665544/");
  EXPECT_EQ(masked.find("4455667788"), std::string::npos) << masked;
  EXPECT_EQ(masked.find("998877665544"), std::string::npos) << masked;
  EXPECT_NE(masked.find("DACT: ****7788"), std::string::npos) << masked;
  EXPECT_NE(masked.find("DBNM: ACME INC"), std::string::npos) << masked;
  EXPECT_NE(masked.find("16,195,1000,,,REF1"), std::string::npos) << "amounts and codes stay: " << masked;
}

TEST(RejectsMasking, CamtIbanMt940AndNachaAccountsAreMasked) {
  EXPECT_EQ(MaskAccountsInRecord("<DbtrAcct><Id><IBAN>DE89370400440532013000</IBAN></Id></DbtrAcct>"),
            "<DbtrAcct><Id><IBAN>****3000</IBAN></Id></DbtrAcct>");
  EXPECT_EQ(MaskAccountsInRecord("<Othr>\n <Id>123456789</Id>"), "<Othr>\n <Id>****6789</Id>");
  EXPECT_EQ(MaskAccountsInRecord(":25:123456789/USD"), ":25:****6789/USD");
  EXPECT_EQ(MaskAccountsInRecord("/REMI/ paid from GB29NWBK60161331926819 thanks"), "/REMI/ paid from ****6819 thanks");
  // NACHA entry detail: columns 13-29 hold the DFI account; the width stays.
  const std::string entry =
      "622091000019123456789        0000012500ID-1           ACME INC                0091000010000001";
  const std::string masked = MaskAccountsInRecord(entry);
  EXPECT_EQ(masked.size(), entry.size());
  EXPECT_EQ(masked.find("123456789"), std::string::npos) << masked;
  EXPECT_EQ(masked.substr(12, 17), "****6789         ");
  EXPECT_EQ(masked.substr(29), entry.substr(29));
}

}  // namespace
}  // namespace cashmatch::io
