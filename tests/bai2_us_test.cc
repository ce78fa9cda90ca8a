// BAI2 16/88 text in US bank conventions (issue 14 §3, io/src/readers/bai2.cc,
// Policy::bai2): one test per convention — ACH CCD (ORIG CO NAME, ORIG ID),
// CTX with several X12 RMR segments, Fedwire (ORG:/account, OBI:), lockbox
// (CHECK NO, REMITTER, MICR) — then a profile chosen and changed in the
// policy file, and the whole way from a BAI2 file through hints and the
// matcher to the right invoices. Each file is built here; the expected
// values are read off the text by hand.
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "../io/src/readers/parsers.h"
#include "cashmatch/engine/book.h"
#include "cashmatch/engine/currency.h"
#include "cashmatch/engine/date.h"
#include "cashmatch/engine/hints.h"
#include "cashmatch/engine/match.h"
#include "cashmatch/io/digest.h"
#include "cashmatch/io/policy_toml.h"
#include "cashmatch/io/settlement.h"

namespace cashmatch::io {
namespace {

const Fingerprinter kFp(std::string(32, 'k'));

// One USD account with the given 16/88 lines; the 01 sender is `sender`
// (a routing number detects a bank profile).
std::string File(const std::vector<std::string>& details, const std::string& sender = "999999999") {
  std::string out = "01," + sender + ",CASHMATCH,261207,0800,1,9999,,2/\n";
  out += "02,CASHMATCH," + sender + ",1,261207,,USD,2/\n";
  out += "03,1234567890,USD,010,0,,/\n";
  for (const std::string& d : details) out += d + "\n";
  out += "49,,/\n98,,1,/\n99,,1,/\n";
  return out;
}

ParsedSettlement Read(const std::string& data, const Bai2TextPolicy* text_policy = nullptr) {
  ParseOptions options;
  options.bai2_text = text_policy;
  Result<ParsedSettlement> r = ParseBai2("us.bai2", data, kFp, options);
  EXPECT_TRUE(r.ok()) << r.status().message();
  if (!r.ok()) return ParsedSettlement();
  return std::move(r).value();
}

// ACH CCD: the originator's company name (16 characters, cut by the rail)
// is the payer, its company id is fingerprinted like an account, the
// receiver (IND NAME: us) and the trace number are not remittance, and the
// addenda is.
TEST(Bai2Us, AchCcdOrigCoNameAndOrigIdIdentifyThePayer) {
  ParsedSettlement p = Read(File({
      "16,165,1250000,0,ACH0001,,ORIG CO NAME:ACME INDUSTRIAL ORIG ID:1234567890 DESC DATE:261207",
      "88,CO ENTRY DESCR:PAYMENT SEC:CCD TRACE#:021000021234567 EED:261207 IND ID:CUST77",
      "88,IND NAME:OUR COMPANY INC ADDENDA:PMT FOR INV-2026-004211 THANK YOU",
  }));
  ASSERT_EQ(p.batch.payments.size(), 1u);
  const Payment& pay = p.batch.payments[0];
  EXPECT_EQ(pay.payer_name, "ACME INDUSTRIAL");
  EXPECT_EQ(pay.payer_account_fp, kFp.Account("1234567890"));
  EXPECT_EQ(pay.payer_account_mask, "****7890");
  EXPECT_EQ(pay.remittance, "PMT FOR INV-2026-004211 THANK YOU");
  EXPECT_TRUE(pay.references.empty());
  EXPECT_EQ(pay.source, PaymentSource::kAch);
}

// Labels vary by bank: '=' for ':', blanks around it, lower case.
TEST(Bai2Us, LabelsWithEqualsSignsAndExtraBlanksAreTheSameLabels) {
  ParsedSettlement p = Read(File({
      "16,165,5000,0,ACH0002,,ORIG CO NAME = BETA LLC  ORIG ID= 9876543210 Trace# 021000029999999",
      "88,RMT = INV-2026-000077",
  }));
  ASSERT_EQ(p.batch.payments.size(), 1u);
  EXPECT_EQ(p.batch.payments[0].payer_name, "BETA LLC");
  EXPECT_EQ(p.batch.payments[0].payer_account_fp, kFp.Account("9876543210"));
  EXPECT_EQ(p.batch.payments[0].remittance, "INV-2026-000077");
}

// CTX: each RMR*IV segment is a structured reference with the amount paid
// on it (RMR04, decimal); the segments are not left in the free text.
TEST(Bai2Us, CtxWithSeveralRmrSegmentsGivesOneReferenceWithAmountEach) {
  ParsedSettlement p = Read(File({
      "16,165,465050,0,CTX0001,,ORIG CO NAME:GAMMA HOLDINGS CO ORIG ID:1112223334 SEC:CTX",
      "88,ADDENDA:RMR*IV*INV-2026-000001*PI*3200.00\\RMR*IV*INV-2026-000002*PI*1450.50\\",
      "88,RMR*PO*4500012345\\",
  }));
  ASSERT_EQ(p.batch.payments.size(), 1u);
  const Payment& pay = p.batch.payments[0];
  ASSERT_EQ(pay.references.size(), 2u);
  EXPECT_EQ(pay.references[0].invoice_number, "INV-2026-000001");
  EXPECT_EQ(pay.references[0].amount_minor, 320000);
  EXPECT_EQ(pay.references[1].invoice_number, "INV-2026-000002");
  EXPECT_EQ(pay.references[1].amount_minor, 145050);
  EXPECT_EQ(pay.payer_name, "GAMMA HOLDINGS CO");
  // A segment that names no invoice stays as words for the PO patterns.
  EXPECT_EQ(pay.remittance, "PO 4500012345");
}

// Fedwire: ORG:/account NAME gives the payer's account and name, OBI is the
// remittance, OGB (the payer's bank), BNF (us), IMAD, OMAD and REF are not.
TEST(Bai2Us, FedwireOrgWithAccountAndObi) {
  ParsedSettlement p = Read(File({
      "16,195,1000000,0,FW0001,,ORG:/000123456789 DELTA MANUFACTURING INC OGB:BANK OF NOWHERE",
      "88,BNF:OUR COMPANY INC OBI:INV 2026-4211 AND INV-2026-004212 IMAD:20261207QMGFT015000123",
      "88,OMAD:20261207ABCDEF12000456 REF:FW26120712345",
  }));
  ASSERT_EQ(p.batch.payments.size(), 1u);
  const Payment& pay = p.batch.payments[0];
  EXPECT_EQ(pay.payer_name, "DELTA MANUFACTURING INC");
  EXPECT_EQ(pay.payer_account_fp, kFp.Account("000123456789"));
  EXPECT_EQ(pay.remittance, "INV 2026-4211 AND INV-2026-004212");
  EXPECT_EQ(pay.source, PaymentSource::kWire);
  // B/O and ORIGINATOR are the same field at other banks.
  ParsedSettlement q = Read(File({"16,195,100,0,FW0002,,B/O: EPSILON GMBH OBI: INV-2026-000009"}));
  EXPECT_EQ(q.batch.payments[0].payer_name, "EPSILON GMBH");
  EXPECT_EQ(q.batch.payments[0].remittance, "INV-2026-000009");
}

// Lockbox: the check number is no reference, the remitter names the payer
// and the MICR account identifies it; words after a bare "CHECK NO 100418"
// are remittance again.
TEST(Bai2Us, LockboxCheckNoIsNotAReferenceAndMicrIdentifiesThePayer) {
  ParsedSettlement p = Read(File({
      "16,115,18678,0,LBX0001,,LOCKBOX:4471 CHECK NO 100418 INV-2026-000031",
      "88,REMITTER:ZETA SUPPLY CO MICR:987654321",
  }));
  ASSERT_EQ(p.batch.payments.size(), 1u);
  const Payment& pay = p.batch.payments[0];
  EXPECT_EQ(pay.payer_name, "ZETA SUPPLY CO");
  EXPECT_EQ(pay.payer_account_fp, kFp.Account("987654321"));
  EXPECT_EQ(pay.remittance, "INV-2026-000031");
  EXPECT_EQ(pay.source, PaymentSource::kCheck);
}

// The file's 01 sender detects the bank; GS- and Citi-style tags in a
// file of no known bank still read the legacy way (the whole text).
TEST(Bai2Us, ProfileIsDetectedFromTheSenderAndLegacyTagsKeepTheWholeText) {
  ParsedSettlement jpm = Read(File({"16,165,100,0,A1,,ORIG CO NAME:ACME TRACE#:1 RMT:INV-2026-1"}, "021000021"));
  EXPECT_EQ(jpm.batch.payments[0].remittance, "INV-2026-1");
  ParsedSettlement gs = Read(File({"16,195,100,0,G1,,DBNM: TEST INC DACT: 12345678 EREF: E1 INV-9"}));
  EXPECT_EQ(gs.batch.payments[0].payer_name, "TEST INC");
  EXPECT_EQ(gs.batch.payments[0].remittance, "DBNM: TEST INC DACT: ****5678 EREF: E1 INV-9");
  EXPECT_EQ(gs.batch.payments[0].end_to_end_id, "E1 INV-9");
}

// The policy file adds a label to a built-in profile and chooses it; a new
// profile can start from "us". An unknown profile name or role is an
// error naming the key and line.
TEST(Bai2Us, PolicyFileProfileOverride) {
  auto policy = ParsePolicyToml("p.toml",
                                "[bai2]\n"
                                "profile = \"mybank\"\n"
                                "[bai2.profiles.mybank]\n"
                                "base = \"us\"\n"
                                "tags = { \"PAYOR\" = \"payer_name\", \"INVC\" = \"remittance\","
                                " \"RMT\" = \"ignore\" }\n");
  ASSERT_TRUE(policy.ok()) << policy.status().message();
  ParsedSettlement p =
      Read(File({"16,165,100,0,M1,,PAYOR:OMEGA LTD RMT:NOT THIS INVC:INV-2026-000005"}), &policy.value().bai2);
  ASSERT_EQ(p.batch.payments.size(), 1u);
  EXPECT_EQ(p.batch.payments[0].payer_name, "OMEGA LTD");
  EXPECT_EQ(p.batch.payments[0].remittance, "INV-2026-000005");

  auto unknown = ParsePolicyToml("p.toml", "[bai2]\nprofile = \"nobank\"\n");
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.status().message().find("p.toml:2: key 'bai2.profile'"), std::string::npos)
      << unknown.status().message();
  auto bad_role = ParsePolicyToml("p.toml", "[bai2.profiles.jpmorgan.tags]\n\"X\" = \"payer\"\n");
  ASSERT_FALSE(bad_role.ok());
  EXPECT_NE(bad_role.status().message().find("bai2.profiles.jpmorgan.tags.X"), std::string::npos)
      << bad_role.status().message();
}

// End to end: a BAI2 file in US conventions, its hints and the matcher. The
// CTX pays two invoices by RMR segments; the ACH CCD has only a check-like
// number and the customer's ORIG ID listed among its bank accounts; the
// lockbox check names one invoice beside its check number.
TEST(Bai2Us, UsBankFileAppliesToTheRightInvoices) {
  ParsedSettlement parsed = Read(File({
      "16,165,465050,0,CTX1,,ORIG CO NAME:GAMMA HOLDINGS CO ORIG ID:1112223334 SEC:CTX TRACE#:021000021000001",
      "88,ADDENDA:RMR*IV*INV-2026-000001*PI*3200.00\\RMR*IV*INV-2026-000002*PI*1450.50\\",
      "16,165,77700,0,CCD1,,ORIG CO NAME:ACME INDUSTRIAL ORIG ID:1234567890 TRACE#:021000021000002",
      "16,115,18678,0,LBX1,,CHECK NO 100418 INV-2026-000031 REMITTER:ZETA SUPPLY CO",
  }));
  ASSERT_EQ(parsed.batch.payments.size(), 3u);
  OpenBook book;
  Customer gamma;
  gamma.customer_id = "C-GAMMA";
  gamma.name = "Gamma Holdings Co";
  book.AddCustomer(gamma);
  Customer acme;
  acme.customer_id = "C-ACME";
  acme.name = "Acme Industrial Supplies";
  acme.bank_account_fps = {kFp.Account("1234567890")};
  book.AddCustomer(acme);
  Customer zeta;
  zeta.customer_id = "C-ZETA";
  zeta.name = "Zeta Supply Co";
  book.AddCustomer(zeta);
  auto invoice = [&](const char* id, const char* number, const char* customer, int64_t open) {
    Invoice inv;
    inv.invoice_id = id;
    inv.number = number;
    inv.customer_id = customer;
    inv.currency = Currency::Find("USD");
    inv.amount_total_minor = open;
    inv.amount_open_minor = open;
    inv.due_date = ParseIsoDate("2026-11-30").value();
    book.AddInvoice(inv);
  };
  invoice("I1", "INV-2026-000001", "C-GAMMA", 320000);
  invoice("I2", "INV-2026-000002", "C-GAMMA", 145050);
  invoice("I3", "INV-2026-000100", "C-ACME", 77700);
  invoice("I4", "INV-2026-000101", "C-ACME", 12000);
  invoice("I5", "INV-2026-000031", "C-ZETA", 18678);
  invoice("I6", "INV-2026-100418", "C-ZETA", 50000);  // what a check number read as a number would hit
  book.Seal();
  Policy policy;
  auto extractor = HintExtractor::Create(policy);
  ASSERT_TRUE(extractor.ok());
  parsed.batch.batch_id = "b-us";
  MatchOptions options;
  auto hints = ExtractAllHints(parsed.batch, *extractor.value(), options);
  BatchOutcome out = MatchBatch(parsed.batch, hints, book, policy, options);
  std::map<std::string, std::vector<std::string>> applied;  // payment -> invoices
  for (const Event& e : out.events) {
    if (e.type == EventType::kApplied) applied[e.payment_id].push_back(e.invoice_id);
  }
  EXPECT_EQ(applied["CTX1"], (std::vector<std::string>{"I1", "I2"}));
  EXPECT_EQ(applied["CCD1"], (std::vector<std::string>{"I3"}));
  EXPECT_EQ(applied["LBX1"], (std::vector<std::string>{"I5"}));
  EXPECT_EQ(out.applied_count, 3u);
}

}  // namespace
}  // namespace cashmatch::io
