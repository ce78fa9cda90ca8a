// The settlement files of `cashmatch gen`, one writer per format and day:
//   dNN-DATE.bai2         BAI2: ACH (142), wire (195) and check (175)
//                         credits, half with DBNM:/DACT: continuation tags,
//                         half in US bank conventions (Bai2UsPayment); ACH
//                         returns of the day before as 557 debits naming the
//                         original's bank reference (R01)
//   dNN-DATE.camt.xml     camt.053.001.02: one Ntry with one TxDtls per
//                         payment (Ustrd text or Strd referred documents)
//   dNN-DATE.ndjson       cashmatch NDJSON payments (text or structured
//                         references) and return lines
//   dNN-DATE-poK.stripe.json  one Stripe payout listing each: charges with
//                         expanded sources (customer, invoice in_…), a
//                         Stripe fee line, refunds of earlier charges, and
//                         the payout line (Σ net = payout amount)
//   dNN-DATE-eur.bai2     --format bai2 only: EUR payments, an EUR account
// In the messy profile every payout's net amount also arrives as a bank
// line from STRIPE on the next day (PayoutBankLine), with its key line.
// Files are opened on first use; trailers (BAI2 control totals, the payout
// line) are written when a file closes. Day `days_count` holds only the
// returns of the last day's payments (and the last day's payout lines).
#include <fmt/format.h>

#include <array>
#include <cassert>
#include <cerrno>
#include <cstring>
#include <deque>

#include "cashmatch/engine/date.h"
#include "cashmatch/engine/money.h"
#include "cashmatch/io/export.h"
#include "gen_internal.h"

namespace cashmatch::datasets {

const char* ChannelName(Channel c) {
  switch (c) {
    case Channel::kBai2: return "bai2";
    case Channel::kCamt: return "camt";
    case Channel::kNdjson: return "ndjson";
    case Channel::kStripe: return "stripe-json";
  }
  return "ndjson";
}

Status OutFile::Open(const std::string& path) {
  assert(f_ == nullptr);
  path_ = path;
  f_ = std::fopen(path.c_str(), "wb");
  if (f_ == nullptr) return Status::IOError(path + ": cannot create: " + std::strerror(errno));
  std::setvbuf(f_, nullptr, _IOFBF, 1 << 20);
  return Status::Ok();
}

Status OutFile::Close() {
  if (f_ == nullptr) return Status::Ok();
  bool failed = std::fclose(f_) != 0 || failed_;
  f_ = nullptr;
  if (failed) return Status::IOError(path_ + ": write failed");
  return Status::Ok();
}

OutFile::~OutFile() {
  if (f_ != nullptr) std::fclose(f_);
}

namespace {

std::string Amount(int64_t minor, const std::string& currency) {
  return FormatAmountMinor(minor, Currency::Find(currency)->exponent());
}

std::string XmlEscape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out.push_back(c);
    }
  }
  return out;
}

// "261123": BAI2's YYMMDD.
std::string Yymmdd(Date d) {
  std::string iso = FormatIsoDate(d);
  return iso.substr(2, 2) + iso.substr(5, 2) + iso.substr(8, 2);
}

int64_t UnixSeconds(Date d, int64_t seconds_into_day) { return int64_t{d.days} * 86400 + seconds_into_day; }

// A Stripe refund waiting for a payout of a later day.
struct PendingRefund {
  std::string refund_id, charge_id, currency;
  int64_t amount_minor = 0;
};

struct Bai2File {
  OutFile out;
  std::string name;
  int64_t total_minor = 0;
  uint64_t detail_records = 0;  // 16 and 88 records
};

struct StripePayout {
  OutFile out;
  std::string name, payout_id;
  int64_t net_minor = 0;
  uint32_t charges = 0;
  bool first = true;  // no BT written yet (commas)
};

struct DayFiles {
  Date date;
  Bai2File bai2;
  Bai2File bai2_eur;  // --format bai2 only: EUR payments in an account of their own
  OutFile camt, ndjson;
  std::string camt_name, ndjson_name;
  StripePayout stripe;
  std::vector<std::string> stripe_names;  // closed payouts, in order
  std::deque<PendingRefund> refunds;      // refunds this day's payouts carry
};

}  // namespace

struct SettlementWriters::Impl {
  const GenOptions& o;
  const bool payout_lines;
  OutFile* const truth;
  uint64_t payout_lines_count = 0;
  std::vector<DayFiles> days;
  uint64_t counter = 0;  // ids: one sequence for all formats keeps them unique
  std::array<uint64_t, kChannelCount> records{};
  std::string buf;

  Impl(const GenOptions& options, bool with_payout_lines, OutFile* truth_file)
      : o(options), payout_lines(with_payout_lines), truth(truth_file), days(options.days_count + 1) {
    for (uint32_t d = 0; d < days.size(); ++d) days[d].date = Date{options.first_day.days + static_cast<int32_t>(d)};
  }

  std::string FileName(uint32_t day, const char* suffix) {
    return fmt::format("d{:02}-{}{}", day, FormatIsoDate(days[day].date), suffix);
  }

  Status Ensure(OutFile* f, std::string* name, uint32_t day, const char* suffix) {
    if (f->is_open()) return Status::Ok();
    *name = FileName(day, suffix);
    return f->Open(o.out_dir + "/" + *name);
  }

  // --- BAI2 ---
  // The day's BAI2 file of the currency: USD, or (--format bai2 only) EUR
  // in a file and account of its own.
  Bai2File& Bai2Of(uint32_t day, const std::string& currency) {
    return currency == "USD" ? days[day].bai2 : days[day].bai2_eur;
  }

  Status Bai2Open(uint32_t day, const std::string& currency) {
    Bai2File& b = Bai2Of(day, currency);
    if (b.out.is_open()) return Status::Ok();
    const bool usd = currency == "USD";
    CASHMATCH_RETURN_IF_ERROR(Ensure(&b.out, &b.name, day, usd ? ".bai2" : "-eur.bai2"));
    std::string date = Yymmdd(days[day].date);
    b.out.Write(fmt::format("01,CASHMATCHGEN,CASHMATCH,{},0600,{},,,2/\n", date, day + 1));
    b.out.Write(fmt::format("02,CASHMATCH,021000021,1,{},0600,{},2/\n", date, usd ? "USD" : currency));
    b.out.Write(usd ? std::string("03,000123456789,USD,/\n") : "03,000987654321," + currency + ",/\n");
    return Status::Ok();
  }

  void Bai2Detail(Bai2File& b, int type_code, int64_t amount, const std::string& ref, const std::string& text) {
    b.out.Write(fmt::format("16,{},{},0,{},,{}\n", type_code, amount, ref, text));
    b.total_minor += amount;
    b.detail_records += 1;
  }

  Status Bai2Payment(const PlannedPayment& p, const std::string& id) {
    CASHMATCH_RETURN_IF_ERROR(Bai2Open(p.day, p.currency));
    Bai2File& b = Bai2Of(p.day, p.currency);
    std::string_view src = p.source;
    int type = src == "wire" ? 195 : src == "check" ? 175 : 142;
    if (!p.refs.empty() || UsStyle(id)) return Bai2UsPayment(b, p, id, type);
    Bai2Detail(b, type, p.amount_minor, id, p.remittance);
    if (!p.payer_name.empty()) b.out.Write("88,DBNM: " + p.payer_name + "\n");
    if (!p.payer_account.empty()) b.out.Write("88,DACT: " + p.payer_account + "\n");
    b.detail_records += (p.payer_name.empty() ? 0 : 1) + (p.payer_account.empty() ? 0 : 1);
    return Status::Ok();
  }

  // Half of the BAI2 payments (by id), and every one with structured
  // references, in US bank conventions (issue 14 §3): ACH with the NACHA
  // fields (the company name cut at 16, the payer's account as ORIG ID, a
  // trace number, RMR segments in the addenda), wires as Fedwire text
  // (ORG:/account name, OBI, IMAD), checks as lockbox items (CHECK NO,
  // REMITTER, MICR). Each line ends in '/' so none is read as cut at the
  // record length.
  static bool UsStyle(const std::string& id) {
    unsigned sum = 0;
    for (char c : id) sum += static_cast<unsigned char>(c);
    return sum % 2 == 0;
  }

  Status Bai2UsPayment(Bai2File& b, const PlannedPayment& p, const std::string& id, int type) {
    uint64_t n = 1469598103934665603ull;  // FNV-1a of the id: trace and check numbers without a draw
    for (char c : id) n = (n ^ static_cast<unsigned char>(c)) * 1099511628211ull;
    std::vector<std::string> lines;
    // Only ACH carries RMR segments; a wire or check planned with
    // structured references (--format bai2) writes their numbers as text.
    std::string remittance = p.remittance;
    if (type != 142) {
      for (const PlannedRef& r : p.refs) remittance += (remittance.empty() ? "" : " ") + r.number;
    }
    if (type == 195) {
      std::string org = p.payer_account.empty() ? p.payer_name : "/" + p.payer_account + " " + p.payer_name;
      lines.push_back("ORG:" + org + " OGB:FIRST BANK OF THE PAYER");
      lines.push_back("BNF:CASHMATCH INC" + (remittance.empty() ? std::string() : " OBI:" + remittance));
      lines.push_back(fmt::format("IMAD:{}QMGFT015{:06}", Yymmdd(days[p.day].date), n % 1000000));
    } else if (type == 175) {
      lines.push_back(fmt::format("CHECK NO {:06} {}", 100000 + n % 900000, remittance));
      std::string who = p.payer_name.empty() ? std::string() : "REMITTER:" + p.payer_name;
      if (!p.payer_account.empty()) who += (who.empty() ? "" : " ") + std::string("MICR:") + p.payer_account;
      if (!who.empty()) lines.push_back(who);
    } else {
      std::string head = p.payer_name.empty() ? std::string() : "ORIG CO NAME:" + p.payer_name.substr(0, 16) + " ";
      if (!p.payer_account.empty()) head += "ORIG ID:" + p.payer_account + " ";
      head += p.refs.empty() ? "SEC:CCD" : "SEC:CTX";
      lines.push_back(head + fmt::format(" TRACE#:021000021{:07}", n % 10000000));
      lines.push_back("IND NAME:CASHMATCH INC");
      std::string addenda;
      for (const PlannedRef& r : p.refs) {
        addenda += "RMR*IV*" + r.number + "*PI*" +
                   (r.amount_minor ? Amount(*r.amount_minor, p.currency) : std::string()) + "\\";
      }
      if (!p.remittance.empty()) addenda += (addenda.empty() ? "" : " ") + p.remittance;
      if (!addenda.empty()) lines.push_back("ADDENDA:" + addenda);
    }
    Bai2Detail(b, type, p.amount_minor, id, lines.front() + "/");
    for (size_t i = 1; i < lines.size(); ++i) b.out.Write("88," + lines[i] + "/\n");
    b.detail_records += lines.size() - 1;
    return Status::Ok();
  }

  Status Bai2Close(Bai2File& b) {
    if (!b.out.is_open()) return Status::Ok();
    uint64_t account_records = b.detail_records + 2;  // 03 + details + 49
    b.out.Write(fmt::format("49,{},{}/\n", b.total_minor, account_records));
    b.out.Write(fmt::format("98,{},1,{}/\n", b.total_minor, account_records + 2));
    b.out.Write(fmt::format("99,{},1,{}/\n", b.total_minor, account_records + 4));
    return b.out.Close();
  }

  // --- camt.053 ---
  Status CamtPayment(const PlannedPayment& p, const std::string& id) {
    DayFiles& day = days[p.day];
    if (!day.camt.is_open()) {
      CASHMATCH_RETURN_IF_ERROR(Ensure(&day.camt, &day.camt_name, p.day, ".camt.xml"));
      std::string date = FormatIsoDate(day.date);
      day.camt.Write(
          fmt::format("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                      "<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.053.001.02\">\n<BkToCstmrStmt>\n"
                      "<GrpHdr><MsgId>GEN-{}-{}</MsgId><CreDtTm>{}T18:00:00</CreDtTm></GrpHdr>\n"
                      "<Stmt><Id>STMT-{}</Id><CreDtTm>{}T18:00:00</CreDtTm>\n"
                      "<Acct><Id><IBAN>DE89370400440532013000</IBAN></Id></Acct>\n",
                      date, o.seed, date, date, date));
    }
    std::string_view src = p.source;
    const char* family = src == "check" ? "RCHQ" : "RCDT";
    const char* sub = src == "ach" ? "ACDT" : src == "check" ? "CCHQ" : "XBCT";
    std::string amt = fmt::format("<Amt Ccy=\"{}\">{}</Amt>", p.currency, Amount(p.amount_minor, p.currency));
    std::string date = FormatIsoDate(day.date);
    buf.clear();
    fmt::format_to(std::back_inserter(buf),
                   "<Ntry>{}<CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts><BookgDt><Dt>{}</Dt></BookgDt>"
                   "<ValDt><Dt>{}</Dt></ValDt><AcctSvcrRef>{}</AcctSvcrRef>"
                   "<BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>{}</Cd><SubFmlyCd>{}</SubFmlyCd></Fmly></Domn></BkTxCd>"
                   "<NtryDtls><TxDtls><Refs><AcctSvcrRef>{}</AcctSvcrRef><EndToEndId>NOTPROVIDED</EndToEndId></Refs>"
                   "<AmtDtls><TxAmt>{}</TxAmt></AmtDtls><RltdPties>",
                   amt, date, date, id, family, sub, id, amt);
    if (!p.payer_name.empty()) buf += "<Dbtr><Nm>" + XmlEscape(p.payer_name) + "</Nm></Dbtr>";
    if (!p.payer_account.empty()) {
      buf += "<DbtrAcct><Id><Othr><Id>" + XmlEscape(p.payer_account) + "</Id></Othr></Id></DbtrAcct>";
    }
    buf += "</RltdPties>";
    if (!p.remittance.empty() || !p.refs.empty()) {
      buf += "<RmtInf>";
      if (!p.remittance.empty()) buf += "<Ustrd>" + XmlEscape(p.remittance.substr(0, 140)) + "</Ustrd>";
      for (const PlannedRef& r : p.refs) {
        buf += "<Strd><RfrdDocInf><Tp><CdOrPrtry><Cd>CINV</Cd></CdOrPrtry></Tp><Nb>" + XmlEscape(r.number) +
               "</Nb></RfrdDocInf>";
        if (r.amount_minor) {
          buf += fmt::format("<RfrdDocAmt><RmtdAmt Ccy=\"{}\">{}</RmtdAmt></RfrdDocAmt>", p.currency,
                             Amount(*r.amount_minor, p.currency));
        }
        buf += "</Strd>";
      }
      buf += "</RmtInf>";
    }
    buf += "</TxDtls></NtryDtls></Ntry>\n";
    day.camt.Write(buf);
    return Status::Ok();
  }

  // --- NDJSON ---
  Status NdjsonOpen(uint32_t day) { return Ensure(&days[day].ndjson, &days[day].ndjson_name, day, ".ndjson"); }

  void JsonField(const char* key, std::string_view value) {
    fmt::format_to(std::back_inserter(buf), ",\"{}\":", key);
    io::AppendJsonString(&buf, value);
  }

  Status NdjsonPayment(const PlannedPayment& p, const std::string& id) {
    CASHMATCH_RETURN_IF_ERROR(NdjsonOpen(p.day));
    buf = "{\"payment_id\":";
    io::AppendJsonString(&buf, id);
    JsonField("amount", Amount(p.amount_minor, p.currency));
    JsonField("currency", p.currency);
    JsonField("value_date", FormatIsoDate(days[p.day].date));
    JsonField("source", p.source);
    if (!p.payer_name.empty()) JsonField("payer_name", p.payer_name);
    if (!p.payer_account.empty()) JsonField("payer_account", p.payer_account);
    if (!p.remittance.empty()) JsonField("remittance", p.remittance);
    if (!p.refs.empty()) {
      buf += ",\"references\":[";
      for (size_t i = 0; i < p.refs.size(); ++i) {
        buf += i == 0 ? "{\"invoice_number\":" : ",{\"invoice_number\":";
        io::AppendJsonString(&buf, p.refs[i].number);
        if (p.refs[i].amount_minor) JsonField("amount", Amount(*p.refs[i].amount_minor, p.currency));
        buf += "}";
      }
      buf += "]";
    }
    buf += "}\n";
    days[p.day].ndjson.Write(buf);
    return Status::Ok();
  }

  Status NdjsonReturn(uint32_t day, const std::string& id, const std::string& original, int64_t amount,
                      const std::string& currency, const char* kind) {
    CASHMATCH_RETURN_IF_ERROR(NdjsonOpen(day));
    buf = "{\"type\":\"return\",\"payment_id\":";
    io::AppendJsonString(&buf, id);
    JsonField("original_payment_id", original);
    JsonField("amount", Amount(amount, currency));
    JsonField("currency", currency);
    JsonField("value_date", FormatIsoDate(days[day].date));
    JsonField("kind", kind);
    if (std::string_view(kind) == "ach_return") JsonField("reason_code", "R01");
    buf += "}\n";
    days[day].ndjson.Write(buf);
    return Status::Ok();
  }

  // --- Stripe ---
  void StripeBt(StripePayout& po, const std::string& bt) {
    po.out.Write(po.first ? "\n" : ",\n");
    po.out.Write(bt);
    po.first = false;
  }

  Status StripeCharge(const PlannedPayment& p, const std::string& charge_id) {
    DayFiles& day = days[p.day];
    StripePayout& po = day.stripe;
    if (!po.out.is_open()) {
      po.name = FileName(p.day, fmt::format("-po{}.stripe.json", day.stripe_names.size() + 1).c_str());
      po.payout_id = fmt::format("po_G{:010}", ++counter);
      CASHMATCH_RETURN_IF_ERROR(po.out.Open(o.out_dir + "/" + po.name));
      po.out.Write("{\"object\":\"list\",\"url\":\"/v1/balance_transactions\",\"has_more\":false,\"data\":[");
    }
    int64_t fee = (p.amount_minor * 29 + 500) / 1000 + 30;  // 2.9% + 0.30, rounded half up
    int64_t created = UnixSeconds(day.date, 3600 + po.charges);
    buf = fmt::format(
        "{{\"id\":\"txn_G{:010}\",\"object\":\"balance_transaction\",\"amount\":{},\"currency\":\"usd\","
        "\"fee\":{},\"net\":{},\"type\":\"charge\",\"reporting_category\":\"charge\",\"status\":\"available\","
        "\"created\":{},\"available_on\":{},\"exchange_rate\":null,\"description\":",
        ++counter, p.amount_minor, fee, p.amount_minor - fee, created, created);
    io::AppendJsonString(&buf, p.remittance);
    buf += fmt::format(
        ",\"source\":{{\"id\":\"{}\",\"object\":\"charge\",\"amount\":{},\"currency\":\"usd\","
        "\"customer\":\"{}\",\"invoice\":\"{}\",\"billing_details\":{{\"name\":",
        charge_id, p.amount_minor, p.stripe_customer_id, p.stripe_invoice_id);
    io::AppendJsonString(&buf, p.payer_name);
    buf += "}}}";
    StripeBt(po, buf);
    po.net_minor += p.amount_minor - fee;
    po.charges += 1;
    if (po.charges >= o.stripe_payout_charges_max) return StripeClose(p.day);
    return Status::Ok();
  }

  // Refunds waiting for this day, as many as the payout's net can carry,
  // one Stripe fee line, then the payout line itself.
  Status StripeClose(uint32_t d) {
    DayFiles& day = days[d];
    StripePayout& po = day.stripe;
    if (!po.out.is_open()) return Status::Ok();
    int64_t created = UnixSeconds(day.date, 7200);
    while (!day.refunds.empty() && day.refunds.front().amount_minor < po.net_minor) {
      const PendingRefund& r = day.refunds.front();
      StripeBt(po, fmt::format("{{\"id\":\"txn_G{:010}\",\"object\":\"balance_transaction\",\"amount\":-{},"
                               "\"currency\":\"usd\",\"fee\":0,\"net\":-{},\"type\":\"refund\","
                               "\"reporting_category\":\"refund\",\"status\":\"available\",\"created\":{},"
                               "\"source\":{{\"id\":\"{}\",\"object\":\"refund\",\"charge\":\"{}\",\"amount\":{}}}}}",
                               ++counter, r.amount_minor, r.amount_minor, created, r.refund_id, r.charge_id,
                               r.amount_minor));
      po.net_minor -= r.amount_minor;
      records[static_cast<size_t>(Channel::kStripe)] += 1;
      day.refunds.pop_front();
    }
    int64_t stripe_fee = 50 + 5 * static_cast<int64_t>(po.charges);
    if (stripe_fee < po.net_minor) {
      StripeBt(po, fmt::format("{{\"id\":\"txn_G{:010}\",\"object\":\"balance_transaction\",\"amount\":-{},"
                               "\"currency\":\"usd\",\"fee\":0,\"net\":-{},\"type\":\"stripe_fee\","
                               "\"reporting_category\":\"fee\",\"status\":\"available\",\"created\":{},"
                               "\"description\":\"Billing - Usage Fee\"}}",
                               ++counter, stripe_fee, stripe_fee, created));
      po.net_minor -= stripe_fee;
    }
    assert(po.net_minor > 0);
    StripeBt(po, fmt::format("{{\"id\":\"txn_G{:010}\",\"object\":\"balance_transaction\",\"amount\":-{},"
                             "\"currency\":\"usd\",\"fee\":0,\"net\":-{},\"type\":\"payout\","
                             "\"reporting_category\":\"payout\",\"status\":\"available\",\"created\":{},"
                             "\"available_on\":{},\"source\":\"{}\",\"description\":\"STRIPE PAYOUT\"}}",
                             ++counter, po.net_minor, po.net_minor, created, created + 86400, po.payout_id));
    po.out.Write("\n]}\n");
    day.stripe_names.push_back(po.name);
    CASHMATCH_RETURN_IF_ERROR(po.out.Close());
    if (payout_lines) CASHMATCH_RETURN_IF_ERROR(PayoutBankLine(d, po.payout_id, po.net_minor));
    po.name.clear();
    po.payout_id.clear();
    po.net_minor = 0;
    po.charges = 0;
    po.first = true;
    return Status::Ok();
  }

  // --- Dispatch ---
  Status Add(const PlannedPayment& p, std::string* id, std::string* file, std::string* return_id) {
    assert(p.day < o.days_count);
    CASHMATCH_RETURN_IF_ERROR(Write(p, id, file));
    if (p.returned) CASHMATCH_RETURN_IF_ERROR(Return(p, *id, return_id));
    return Status::Ok();
  }

  // Writes the payment in its channel's file of its day; its id and file.
  Status Write(const PlannedPayment& p, std::string* id, std::string* file) {
    assert(p.day <= o.days_count);
    assert(p.amount_minor > 0);
    const std::string date = FormatIsoDate(days[p.day].date);
    const std::string compact = date.substr(0, 4) + date.substr(5, 2) + date.substr(8, 2);
    records[static_cast<size_t>(p.channel)] += 1;
    switch (p.channel) {
      case Channel::kBai2:
        *id = fmt::format("B{}{:09}", compact, ++counter);
        CASHMATCH_RETURN_IF_ERROR(Bai2Payment(p, *id));
        *file = Bai2Of(p.day, p.currency).name;
        break;
      case Channel::kCamt:
        *id = fmt::format("CAMT{}{:09}", compact, ++counter);
        CASHMATCH_RETURN_IF_ERROR(CamtPayment(p, *id));
        *file = days[p.day].camt_name;
        break;
      case Channel::kNdjson:
        *id = fmt::format("P-{}-{:09}", compact, ++counter);
        CASHMATCH_RETURN_IF_ERROR(NdjsonPayment(p, *id));
        *file = days[p.day].ndjson_name;
        break;
      case Channel::kStripe:
        *id = fmt::format("ch_G{:010}", ++counter);
        *file = days[p.day].stripe.name.empty()
                    ? FileName(p.day, fmt::format("-po{}.stripe.json", days[p.day].stripe_names.size() + 1).c_str())
                    : days[p.day].stripe.name;
        CASHMATCH_RETURN_IF_ERROR(StripeCharge(p, *id));
        break;
    }
    return Status::Ok();
  }

  // The bank line that brings payout `payout_id`'s net amount, on the day
  // after its listing (the payout's available_on): Stripe as the payer and
  // the payout id in the text, as IsStripeTransferLine and
  // DecideTransferLine (engine/src/stripe_payouts.cc) expect. files.txt
  // lists the next day's bank files after this day's listings, so the
  // listing waits in the book and the line links to it (payout_matched).
  // Its key line has outcome `payout`: no customer's cash.
  Status PayoutBankLine(uint32_t day, const std::string& payout_id, int64_t net_minor) {
    PlannedPayment p;
    p.scenario = Scenario::kStripePayoutLine;
    p.day = day + 1;
    p.currency = "USD";
    p.amount_minor = net_minor;
    p.payer_name = "STRIPE";
    p.remittance = (payout_lines_count % 2 == 0 ? "STRIPE TRANSFER " : "STRIPE PAYOUT ") + payout_id;
    static constexpr std::array<Channel, 3> kMixed = {Channel::kBai2, Channel::kNdjson, Channel::kCamt};
    switch (o.format) {
      case BankFormat::kMixed: p.channel = kMixed[payout_lines_count % kMixed.size()]; break;
      case BankFormat::kNdjson: p.channel = Channel::kNdjson; break;
      case BankFormat::kCamt: p.channel = Channel::kCamt; break;
      case BankFormat::kBai2: p.channel = Channel::kBai2; break;
    }
    ++payout_lines_count;
    std::string id, file;
    CASHMATCH_RETURN_IF_ERROR(Write(p, &id, &file));
    buf = "{\"payment_id\":";
    io::AppendJsonString(&buf, id);
    fmt::format_to(std::back_inserter(buf),
                   ",\"scenario\":\"{}\",\"outcome\":\"payout\",\"allocations\":[],\"customer_id\":null,"
                   "\"amount\":{},\"currency\":\"USD\",\"format\":\"{}\",\"file\":\"{}\",\"payout_id\":\"{}\"}}\n",
                   ScenarioName(p.scenario), p.amount_minor, ChannelName(p.channel), file, payout_id);
    truth->Write(buf);
    return Status::Ok();
  }

  // The full return of payment `id`, on the next day, in its own format.
  Status Return(const PlannedPayment& p, const std::string& id, std::string* return_id) {
    const uint32_t next = p.day + 1;
    if (p.channel == Channel::kStripe) {
      *return_id = fmt::format("re_G{:010}", ++counter);
      days[next].refunds.push_back({*return_id, id, p.currency, p.amount_minor});
      return Status::Ok();
    }
    if (p.channel == Channel::kBai2) {
      *return_id = fmt::format("R{:09}", ++counter);
      CASHMATCH_RETURN_IF_ERROR(Bai2Open(next, p.currency));
      Bai2Detail(Bai2Of(next, p.currency), 557, p.amount_minor, *return_id,
                 "ACH RETURN Reason: R01 Return of Client Ref ID: " + id);
      records[static_cast<size_t>(Channel::kBai2)] += 1;
      return Status::Ok();
    }
    *return_id = fmt::format("RET-{:09}", ++counter);
    records[static_cast<size_t>(Channel::kNdjson)] += 1;
    return NdjsonReturn(next, *return_id, id, p.amount_minor, p.currency, "ach_return");
  }

  Status Finish(GenSummary* summary) {
    for (uint32_t d = 0; d < days.size(); ++d) {
      DayFiles& day = days[d];
      CASHMATCH_RETURN_IF_ERROR(StripeClose(d));
      // Refunds no payout of their day could carry travel as NDJSON returns.
      for (const PendingRefund& r : day.refunds) {
        CASHMATCH_RETURN_IF_ERROR(
            NdjsonReturn(d, r.refund_id, r.charge_id, r.amount_minor, r.currency, "stripe_refund"));
        records[static_cast<size_t>(Channel::kNdjson)] += 1;
      }
      day.refunds.clear();
      CASHMATCH_RETURN_IF_ERROR(Bai2Close(day.bai2));
      CASHMATCH_RETURN_IF_ERROR(Bai2Close(day.bai2_eur));
      if (day.camt.is_open()) {
        day.camt.Write("</Stmt>\n</BkToCstmrStmt>\n</Document>\n");
        CASHMATCH_RETURN_IF_ERROR(day.camt.Close());
      }
      CASHMATCH_RETURN_IF_ERROR(day.ndjson.Close());
      for (const std::string* name : {&day.bai2.name, &day.bai2_eur.name, &day.camt_name, &day.ndjson_name}) {
        if (!name->empty()) summary->settlement_files.push_back(*name);
      }
      for (const std::string& name : day.stripe_names) summary->settlement_files.push_back(name);
    }
    summary->payout_lines_count = payout_lines_count;
    summary->scenario_counts[static_cast<size_t>(Scenario::kStripePayoutLine)] += payout_lines_count;
    for (size_t c = 0; c < kChannelCount; ++c) {
      summary->records_by_format.emplace_back(ChannelName(static_cast<Channel>(c)), records[c]);
    }
    OutFile list;
    CASHMATCH_RETURN_IF_ERROR(list.Open(o.out_dir + "/files.txt"));
    for (const std::string& name : summary->settlement_files) list.Write(name + "\n");
    return list.Close();
  }
};

SettlementWriters::SettlementWriters(const GenOptions& options, bool payout_lines, OutFile* truth)
    : impl_(std::make_unique<Impl>(options, payout_lines, truth)) {}
SettlementWriters::~SettlementWriters() = default;

Status SettlementWriters::Add(const PlannedPayment& p, std::string* payment_id, std::string* file,
                              std::string* return_id) {
  return impl_->Add(p, payment_id, file, return_id);
}

Status SettlementWriters::Finish(GenSummary* summary) { return impl_->Finish(summary); }

}  // namespace cashmatch::datasets
