// File: io/src/readers/camt.cc
//
// ISO 20022 bank-to-customer messages — camt.053 statements, camt.054
// debit/credit notifications and camt.052 account reports, any version —
// read into one SettlementBatch (FORMATS.md §3; the contract is at the top
// of cashmatch/io/settlement.h).
//
// How an entry (Ntry) becomes settlement input:
//   CRDT                      -> one Payment per TxDtls (none: the entry itself)
//   DBIT + RvslInd or return  -> one Reversal (kBankReversal) per TxDtls
//   CRDT + RvslInd            -> skipped with a warning: it undoes a debit,
//                                it is not a customer's money
//   other DBIT                -> ignored (money going out)
//   Sts other than BOOK       -> skipped with a warning (not booked yet)
// Elements are matched by local name, so prefixes and schemaLocation do not
// matter; the message type comes from the namespace of the Document.
//
// Thread safety: stateless; every call has its own pugixml document.
#include <algorithm>
#include <cstdint>
#include <exception>
#include <initializer_list>
#include <optional>
#include <pugixml.hpp>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "bank_text.h"
#include "cashmatch/engine/currency.h"
#include "cashmatch/engine/date.h"
#include "cashmatch/engine/invoice_keys.h"
#include "cashmatch/engine/money.h"
#include "cashmatch/io/digest.h"
#include "parsers.h"
#include "reader_util.h"

namespace cashmatch::io {
namespace {

// A reject keeps this much of the record: enough to recognise it, bounded
// so that a huge entry cannot blow up the rejects file.
constexpr size_t kExcerptBytesMax = 240;
// Text echoed from the file into a message is clipped to this.
constexpr size_t kQuoteBytesMax = 64;
// Warnings kept per file; the rest are counted in one last line.
constexpr size_t kWarningsMax = 1000;
// Derived payment ids use this many hex digits of the file's SHA-256.
constexpr size_t kDerivedIdHexCount = 12;

constexpr std::string_view kIsoNamespacePrefix = "urn:iso:std:iso:20022:tech:xsd:";

// The three message types read here and where their entries live.
struct MessageShape {
  std::string_view type;       // "camt.053"
  std::string_view container;  // child of Document
  std::string_view record;     // repeated child of the container that holds Ntry
};
constexpr MessageShape kShapes[] = {
    {"camt.052", "BkToCstmrAcctRpt", "Rpt"},
    {"camt.053", "BkToCstmrStmt", "Stmt"},
    {"camt.054", "BkToCstmrDbtCdtNtfctn", "Ntfctn"},
};

// Sub-family codes (ISO external bank transaction codes) that mark a debit
// as money that had come in going back: returns and reversals.
constexpr std::string_view kReturnSubFamilies[] = {"RRTN", "PRDD", "UPDD", "ARET", "UPCQ", "RPCR"};

// ---------------------------------------------------------------------------
// Small text and XML helpers.

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i] >= 'a' && a[i] <= 'z' ? static_cast<char>(a[i] - 'a' + 'A') : a[i];
    char y = b[i] >= 'a' && b[i] <= 'z' ? static_cast<char>(b[i] - 'a' + 'A') : b[i];
    if (x != y) return false;
  }
  return true;
}

std::string Quote(std::string_view s) { return QuoteClipped(s, kQuoteBytesMax); }

std::string_view LocalName(const char* qualified) {
  std::string_view n(qualified);
  size_t colon = n.rfind(':');
  return colon == std::string_view::npos ? n : n.substr(colon + 1);
}

pugi::xml_node Child(pugi::xml_node n, std::string_view local) {
  for (pugi::xml_node c = n.first_child(); c; c = c.next_sibling()) {
    if (c.type() == pugi::node_element && LocalName(c.name()) == local) return c;
  }
  return {};
}

std::vector<pugi::xml_node> Children(pugi::xml_node n, std::string_view local) {
  std::vector<pugi::xml_node> out;
  for (pugi::xml_node c = n.first_child(); c; c = c.next_sibling()) {
    if (c.type() == pugi::node_element && LocalName(c.name()) == local) out.push_back(c);
  }
  return out;
}

pugi::xml_node Path(pugi::xml_node n, std::initializer_list<std::string_view> steps) {
  for (std::string_view step : steps) {
    if (!n) break;
    n = Child(n, step);
  }
  return n;
}

// The element's own text, trimmed; empty for a missing element.
std::string_view Text(pugi::xml_node n) { return n ? Trim(n.text().get()) : std::string_view(); }

bool IsTrue(std::string_view s) { return s == "true" || s == "1"; }

// The namespace URI bound to the element's prefix (or the default one).
std::string_view NamespaceOf(pugi::xml_node el) {
  std::string_view qualified(el.name());
  size_t colon = qualified.find(':');
  std::string attr = colon == std::string_view::npos ? "xmlns" : "xmlns:" + std::string(qualified.substr(0, colon));
  for (pugi::xml_node n = el; n && n.type() == pugi::node_element; n = n.parent()) {
    pugi::xml_attribute a = n.attribute(attr.c_str());
    if (a) return Trim(a.value());
  }
  return {};
}

// Collects printed XML up to a cap: a reject's excerpt.
class CappedWriter : public pugi::xml_writer {
 public:
  explicit CappedWriter(size_t cap) : cap_(cap) {}
  void write(const void* data, size_t size) override {
    size_t room = cap_ > out_.size() ? cap_ - out_.size() : 0;
    out_.append(static_cast<const char*>(data), std::min(size, room));
    if (size > room) truncated_ = true;
  }
  std::string Take() { return truncated_ ? Clip(out_, out_.size() - 1) : out_; }

 private:
  size_t cap_;
  std::string out_;
  bool truncated_ = false;
};

std::string Excerpt(pugi::xml_node n) {
  CappedWriter w(kExcerptBytesMax + 1);
  n.print(w, "", pugi::format_raw);
  return w.Take();
}

// Byte offsets (what pugixml reports) to 1-based lines.
class LineIndex {
 public:
  explicit LineIndex(std::string_view data) {
    for (size_t i = 0; i < data.size(); ++i) {
      if (data[i] == '\n') newlines_.push_back(i);
    }
  }
  uint32_t LineOf(ptrdiff_t offset) const {
    if (offset < 0) return 0;
    auto it = std::lower_bound(newlines_.begin(), newlines_.end(), static_cast<size_t>(offset));
    return static_cast<uint32_t>(it - newlines_.begin()) + 1;
  }

 private:
  std::vector<size_t> newlines_;
};

// ---------------------------------------------------------------------------
// Parse context and messages.

struct Ctx {
  const std::string& name;
  const Fingerprinter& fp;
  LineIndex lines;
  std::string derived_id_prefix;             // "camt-<12 hex of the file's SHA-256>"
  const BankTextProfile* us_text = nullptr;  // US rail fields in free text (bank_text.h)

  uint32_t Line(pugi::xml_node n) const { return n ? lines.LineOf(n.offset_debug()) : 0; }
};

// Names where a problem is: "x.xml:42: Ntry 3: TxDtls 2: ".
struct Where {
  const Ctx* ctx;
  uint32_t entry = 0;  // 1-based over the whole file
  uint32_t tx = 0;     // 1-based TxDtls within the entry; 0: the entry itself

  std::string Prefix(pugi::xml_node at) const {
    std::string s = ctx->name + ":" + std::to_string(ctx->Line(at)) + ": Ntry " + std::to_string(entry) + ": ";
    if (tx > 0) s += "TxDtls " + std::to_string(tx) + ": ";
    return s;
  }
  Status Field(pugi::xml_node at, std::string_view field, const std::string& why) const {
    return Status::InvalidInput(Prefix(at) + "field '" + std::string(field) + "': " + why);
  }
  std::string Note(pugi::xml_node at, const std::string& what) const { return Prefix(at) + what; }
};

struct Amount {
  int64_t minor = 0;
  const Currency* currency = nullptr;
};

std::string FormatAmount(const Amount& a) {
  return std::string(a.currency->code()) + " " + FormatAmountMinor(a.minor, a.currency->exponent());
}

// ISO 20022 decimals: digits with an optional '.' and more digits; the sign
// is in CdtDbtInd, never in the number.
bool IsPlainDecimal(std::string_view s) {
  size_t dot = s.find('.');
  std::string_view whole = s.substr(0, dot);
  std::string_view frac = dot == std::string_view::npos ? std::string_view() : s.substr(dot + 1);
  if (whole.empty() || whole.find_first_not_of("0123456789") != std::string_view::npos) return false;
  if (dot == std::string_view::npos) return true;
  return !frac.empty() && frac.find_first_not_of("0123456789") == std::string_view::npos;
}

// Reads an active-currency amount element: <Amt Ccy="EUR">8.850</Amt>.
// `owner` is where a missing element is reported.
Result<Amount> ReadAmount(const Where& w, pugi::xml_node owner, pugi::xml_node amt, std::string_view field) {
  if (!amt) return w.Field(owner, field, "missing");
  std::string_view code = Trim(amt.attribute("Ccy").value());
  if (code.empty()) return w.Field(amt, field, "missing the Ccy attribute");
  const Currency* currency = Currency::Find(code);
  if (currency == nullptr) return w.Field(amt, field, "unknown currency " + Quote(code) + " (not an ISO 4217 code)");
  std::string_view text = Text(amt);
  if (!IsPlainDecimal(text)) {
    return w.Field(amt, field, "amount " + Quote(text) + " is not a decimal number (digits, optional '.')");
  }
  Result<int64_t> minor = ParseAmountMinor(text, currency->exponent());
  if (!minor.ok()) return w.Field(amt, field, minor.status().message() + " for " + std::string(code));
  return Amount{minor.value(), currency};
}

// Reads a DateAndDateTimeChoice (ValDt, BookgDt): Dt, or DtTm's date part.
Result<Date> ReadDateChoice(const Where& w, pugi::xml_node holder, std::string_view field) {
  pugi::xml_node at = Child(holder, "Dt");
  std::string_view text = Text(at);
  if (!at) {
    at = Child(holder, "DtTm");
    if (!at) return w.Field(holder, field, "has neither Dt nor DtTm");
    text = Text(at);
    if (text.size() > 10 && text[10] == 'T') text = text.substr(0, 10);
  }
  if (text.size() != 10) return w.Field(at, field, "expected a date YYYY-MM-DD, got " + Quote(text));
  Result<Date> d = ParseIsoDate(text);
  if (!d.ok()) return w.Field(at, field, d.status().message());
  return d.value();
}

// ---------------------------------------------------------------------------
// One entry.

enum class Role : uint8_t { kPayment, kReversal, kIgnore };

// What ParseEntry produces for one Ntry; committed only if it all parsed.
struct EntryOut {
  std::vector<Payment> payments;
  std::vector<Reversal> reversals;
  std::vector<std::string> warnings;
};

// Facts about the entry that every item of it shares.
struct EntryFacts {
  pugi::xml_node ntry;
  Amount amount;
  Date value_date;
  std::vector<pugi::xml_node> txs;  // every NtryDtls/TxDtls, in order
  pugi::xml_node batch;             // first NtryDtls/Btch, may be null
  uint64_t batch_tx_count = 0;      // sum of Btch/NbOfTxs
  std::string_view acct_svcr_ref;   // Ntry/AcctSvcrRef

  // One TxDtls that stands for the whole entry (not one of a batch).
  bool lone() const { return txs.size() == 1 && batch_tx_count <= 1; }
};

// One payment or reversal to be: a TxDtls (or the whole entry) and its amount.
struct Item {
  pugi::xml_node tx;  // null when the entry has no TxDtls
  uint32_t index = 1;
  Amount amount;
};

std::string_view EntryStatus(pugi::xml_node ntry) {
  pugi::xml_node sts = Child(ntry, "Sts");
  std::string_view s = Text(sts);
  if (s.empty()) s = Text(Child(sts, "Cd"));
  if (s.empty()) s = Text(Child(sts, "Prtry"));
  return s;
}

std::string_view SubFamily(pugi::xml_node bk_tx_cd) { return Text(Path(bk_tx_cd, {"Domn", "Fmly", "SubFmlyCd"})); }

bool IsReturnCode(std::string_view sub_family) {
  return std::find(std::begin(kReturnSubFamilies), std::end(kReturnSubFamilies), sub_family) !=
         std::end(kReturnSubFamilies);
}

// Whether the entry is marked as a return (a return code or RtrInf): on a
// debit, money that had come in going back; on a credit, one of our own
// payments coming back.
bool HasReturnMarks(const EntryFacts& f) {
  if (IsReturnCode(SubFamily(Child(f.ntry, "BkTxCd")))) return true;
  for (pugi::xml_node tx : f.txs) {
    if (Child(tx, "RtrInf") || IsReturnCode(SubFamily(Child(tx, "BkTxCd")))) return true;
  }
  return false;
}

// The bank transaction code's family says how the money came: direct
// debits are ACH-like, cheques are checks, card settlements are card;
// everything else (SEPA and other credit transfers) is a wire.
PaymentSource SourceOf(pugi::xml_node bk_tx_cd) {
  std::string_view family = Text(Path(bk_tx_cd, {"Domn", "Fmly", "Cd"}));
  std::string_view sub = SubFamily(bk_tx_cd);
  if (family == "RDDT" || family == "IDDT" || sub == "ACDT") return PaymentSource::kAch;
  if (family == "RCHQ" || family == "ICHQ" || family == "LBOX") return PaymentSource::kCheck;
  if (family == "CCRD" || family == "MCRD") return PaymentSource::kCard;
  if (family == "CNTR") return PaymentSource::kOther;  // cash paid in at a counter
  return PaymentSource::kWire;
}

pugi::xml_node ItemBkTxCd(const EntryFacts& f, const Item& it) {
  pugi::xml_node own = Child(it.tx, "BkTxCd");
  return Child(own, "Domn") ? own : Child(f.ntry, "BkTxCd");
}

std::string_view EndToEndId(pugi::xml_node tx) {
  std::string_view e2e = Text(Path(tx, {"Refs", "EndToEndId"}));
  return EqualsIgnoreCase(e2e, "NOTPROVIDED") ? std::string_view() : e2e;
}

// Stable id: the bank's transaction reference, else the payer's end-to-end
// id (payments only), else the entry's reference, else derived from the
// file and the position.
std::string ItemId(const Ctx& c, const Where& w, const EntryFacts& f, const Item& it, bool use_end_to_end) {
  std::string_view tx_ref = Text(Path(it.tx, {"Refs", "AcctSvcrRef"}));
  if (!tx_ref.empty()) return std::string(tx_ref);
  if (use_end_to_end && !EndToEndId(it.tx).empty()) return std::string(EndToEndId(it.tx));
  if (!f.acct_svcr_ref.empty()) {
    return f.txs.size() > 1 ? std::string(f.acct_svcr_ref) + "-" + std::to_string(it.index)
                            : std::string(f.acct_svcr_ref);
  }
  return c.derived_id_prefix + "-" + std::to_string(w.entry) + "-" + std::to_string(it.index);
}

std::string_view PartyName(pugi::xml_node party) {
  std::string_view nm = Text(Child(party, "Nm"));
  return nm.empty() ? Text(Path(party, {"Pty", "Nm"})) : nm;
}

// Amount of one TxDtls. A lone TxDtls stands for the whole entry, so the
// booked entry amount wins (its own Amt may be in the instructed currency,
// even 0); in a batch each TxDtls carries its own amount, preferably in the
// entry's currency (a batch's only TxDtls without one takes the entry's).
Result<Amount> TxAmount(const Where& w, const EntryFacts& f, pugi::xml_node tx, EntryOut* out) {
  std::optional<Amount> own, booked;
  if (pugi::xml_node amt = Child(tx, "Amt")) {
    Result<Amount> a = ReadAmount(w, tx, amt, "Amt");
    if (!a.ok()) return a.status();
    own = a.value();
  }
  if (pugi::xml_node amt = Path(tx, {"AmtDtls", "TxAmt", "Amt"})) {
    Result<Amount> a = ReadAmount(w, tx, amt, "AmtDtls/TxAmt/Amt");
    if (!a.ok()) return a.status();
    booked = a.value();
  }
  if (f.lone()) {
    std::optional<Amount> given = own.has_value() ? own : booked;
    if (given.has_value() && (given->currency != f.amount.currency || given->minor != f.amount.minor)) {
      out->warnings.push_back(w.Note(tx, "amount " + FormatAmount(*given) + " differs from the entry's " +
                                             FormatAmount(f.amount) + "; the entry amount is used"));
    }
    return f.amount;
  }
  if (own.has_value() && own->currency == f.amount.currency) return *own;
  if (booked.has_value() && booked->currency == f.amount.currency) return *booked;
  if (own.has_value() || booked.has_value()) {
    Amount a = own.has_value() ? *own : *booked;
    out->warnings.push_back(w.Note(tx, "amount " + FormatAmount(a) + " is not in the entry's currency " +
                                           std::string(f.amount.currency->code()) + "; kept as given"));
    return a;
  }
  if (f.txs.size() == 1) return f.amount;
  return w.Field(tx, "Amt", "missing: each TxDtls of a batch entry needs its own amount (Amt or AmtDtls/TxAmt/Amt)");
}

// Charges deducted from this credit before it was booked: records with
// ChrgInclInd=true (v03+). Records without the indicator (v02) are not
// counted: nothing says they were taken out of this amount.
Result<int64_t> ReadFees(const Where& w, pugi::xml_node owner, const Currency* currency, EntryOut* out) {
  MoneySum fee;
  for (pugi::xml_node chrgs : Children(owner, "Chrgs")) {
    std::vector<pugi::xml_node> records = Children(chrgs, "Rcrd");
    if (records.empty()) records.push_back(chrgs);  // v02: the amount sits on Chrgs itself
    for (pugi::xml_node rec : records) {
      if (!IsTrue(Text(Child(rec, "ChrgInclInd")))) continue;
      Result<Amount> a = ReadAmount(w, rec, Child(rec, "Amt"), "Chrgs/Rcrd/Amt");
      if (!a.ok()) return a.status();
      if (a.value().currency != currency) {
        out->warnings.push_back(w.Note(rec, "charges of " + FormatAmount(a.value()) +
                                                " are in another currency than the payment; not counted as a fee"));
        continue;
      }
      if (Text(Child(rec, "CdtDbtInd")) == "CRDT") {
        fee.Sub(a.value().minor);
      } else {
        fee.Add(a.value().minor);
      }
    }
  }
  if (fee.wide() <= 0) return int64_t{0};  // a net charge credit is not a fee
  Result<int64_t> narrow = fee.ToInt64();
  if (!narrow.ok()) return w.Field(owner, "Chrgs", "charges total is out of range");
  return narrow.value();
}

// One Strd block's referred documents: every RfrdDocInf/Nb becomes a
// reference; the block's RfrdDocAmt (RmtdAmt, else DuePyblAmt) belongs to
// a document only when the block names exactly one.
Status ReadReferredDocuments(const Where& w, pugi::xml_node strd, const Currency* currency, Payment* p, EntryOut* out) {
  std::vector<std::string_view> numbers;
  for (pugi::xml_node doc : Children(strd, "RfrdDocInf")) {
    std::string_view nb = Text(Child(doc, "Nb"));
    if (!nb.empty()) numbers.push_back(nb);
  }
  std::optional<int64_t> amount;
  pugi::xml_node doc_amt = Child(strd, "RfrdDocAmt");
  pugi::xml_node amt = Child(doc_amt, "RmtdAmt");
  std::string_view field = "RfrdDocAmt/RmtdAmt";
  if (!amt) {
    amt = Child(doc_amt, "DuePyblAmt");
    field = "RfrdDocAmt/DuePyblAmt";
  }
  if (amt && numbers.size() == 1) {
    Result<Amount> a = ReadAmount(w, doc_amt, amt, field);
    if (!a.ok()) return a.status();
    if (a.value().currency == currency) {
      amount = a.value().minor;
    } else {
      out->warnings.push_back(w.Note(amt, "document " + Quote(numbers.front()) + " amount " + FormatAmount(a.value()) +
                                              " is not in the payment's currency; dropped"));
    }
  }
  for (std::string_view nb : numbers) {
    p->references.push_back(RemittanceRef{std::string(nb), numbers.size() == 1 ? amount : std::nullopt});
  }
  return Status::Ok();
}

void AppendText(std::string* to, std::string_view text) {
  text = Trim(text);
  if (text.empty()) return;
  if (!to->empty()) to->push_back(' ');
  to->append(text);
}

// RmtInf: every Ustrd line joined with spaces, creditor references (a valid
// ISO 11649 RF goes to rf_reference, anything else into the text), and the
// referred documents.
Status ReadRemittance(const Where& w, pugi::xml_node tx, Payment* p, EntryOut* out) {
  pugi::xml_node rmt = Child(tx, "RmtInf");
  for (pugi::xml_node line : Children(rmt, "Ustrd")) AppendText(&p->remittance, Text(line));
  for (pugi::xml_node strd : Children(rmt, "Strd")) {
    for (pugi::xml_node cref : Children(strd, "CdtrRefInf")) {
      pugi::xml_node ref_node = Child(cref, "Ref");
      std::string_view ref = Text(ref_node);
      if (ref.empty()) continue;
      if (p->rf_reference.empty() && IsValidRfReference(ref)) {
        p->rf_reference = std::string(ref);
        continue;
      }
      if (EqualsIgnoreCase(ref.substr(0, 2), "RF") && !IsValidRfReference(ref)) {
        out->warnings.push_back(w.Note(ref_node, "creditor reference " + Quote(ref) +
                                                     " looks like ISO 11649 but its check digits are wrong; "
                                                     "kept as remittance text"));
      }
      AppendText(&p->remittance, ref);
    }
    CASHMATCH_RETURN_IF_ERROR(ReadReferredDocuments(w, strd, p->currency, p, out));
  }
  return Status::Ok();
}

// US banks write the ACH, Fedwire and lockbox fields into the free text of
// their camt.053 too ("ORIG CO NAME:ACME CORP ORIG ID:1234567890 ...
// ADDENDA:RMR*IV*INV-1*PI*100.00\"), in Ustrd or, with no RmtInf, in
// AddtlTxInf or the entry's AddtlNtryInf. Text with a label of the profile
// is cut as BAI2 text is (bank_text.h): it names the payer and its
// originator id when the parties do not, RMR segments become references
// with their amounts, and bank data (trace numbers, IMAD, our own name)
// leaves the remittance so that no pattern reads it as an invoice number.
void ReadUsFields(const Ctx& c, pugi::xml_node tx, const EntryFacts& f, Payment* p) {
  if (c.us_text == nullptr) return;
  std::string text = p->remittance;
  if (text.empty() && tx) AppendText(&text, Text(Child(tx, "AddtlTxInf")));
  if (text.empty() && (f.txs.empty() || f.lone())) AppendText(&text, Text(Child(f.ntry, "AddtlNtryInf")));
  if (text.empty() || !HasProfileTag(text, *c.us_text)) return;
  BankText t;
  ReadBankText(text, *c.us_text, p->currency != nullptr ? p->currency->exponent() : 2, &t);
  if (p->payer_name.empty()) p->payer_name = t.payer_name;
  if (p->payer_account_fp.empty() && LooksLikePayerId(t.payer_id)) {
    p->payer_account_fp = c.fp.Account(t.payer_id);
    p->payer_account_mask = MaskAccount(t.payer_id);
  }
  for (RemittanceRef& r : t.references) p->references.push_back(std::move(r));
  p->remittance = std::move(t.remittance);
}

Status BuildPayment(const Ctx& c, const Where& w, const EntryFacts& f, const Item& it, EntryOut* out) {
  Payment p;
  p.payment_id = ItemId(c, w, f, it, /*use_end_to_end=*/true);
  p.source = SourceOf(ItemBkTxCd(f, it));
  p.amount_minor = it.amount.minor;
  p.currency = it.amount.currency;
  p.value_date = f.value_date;
  p.source_line = c.Line(it.tx ? it.tx : f.ntry);
  std::string_view tx_ref = Text(Path(it.tx, {"Refs", "AcctSvcrRef"}));
  p.bank_reference = std::string(tx_ref.empty() ? f.acct_svcr_ref : tx_ref);
  p.end_to_end_id = std::string(EndToEndId(it.tx));
  if (f.batch || f.txs.size() > 1) {
    std::string_view id = Text(Child(f.batch, "PmtInfId"));
    if (id.empty()) id = Text(Child(f.batch, "MsgId"));
    if (id.empty()) id = f.acct_svcr_ref;
    if (id.empty()) id = Text(Child(f.ntry, "NtryRef"));
    p.bank_batch_id = std::string(id);
  }
  pugi::xml_node parties = Child(it.tx, "RltdPties");
  std::string_view payer = PartyName(Child(parties, "Dbtr"));
  if (payer.empty()) payer = PartyName(Child(parties, "UltmtDbtr"));
  p.payer_name = std::string(payer);
  pugi::xml_node acct_id = Path(parties, {"DbtrAcct", "Id"});
  std::string_view account = Text(Child(acct_id, "IBAN"));
  if (account.empty()) account = Text(Path(acct_id, {"Othr", "Id"}));
  p.payer_account_fp = c.fp.Account(account);
  p.payer_account_mask = MaskAccount(account);
  // Charges: the TxDtls's own; the entry's only when the entry is this one payment.
  pugi::xml_node fee_owner = Child(it.tx, "Chrgs") ? it.tx : (f.txs.empty() || f.lone() ? f.ntry : pugi::xml_node());
  Result<int64_t> fee = ReadFees(w, fee_owner, p.currency, out);
  if (!fee.ok()) return fee.status();
  p.fee_minor = fee.value();
  if (it.tx) {
    CASHMATCH_RETURN_IF_ERROR(ReadRemittance(w, it.tx, &p, out));
  } else if (f.batch_tx_count > 1) {
    // Only the bank's total is known: no remittance may let the matcher
    // settle invoices with it.
    p.remittance = "unitemized batch of " + std::to_string(f.batch_tx_count);
    out->warnings.push_back(w.Note(f.ntry, "batch of " + std::to_string(f.batch_tx_count) +
                                               " transactions booked as one credit without TxDtls; kept as one "
                                               "payment that will not match automatically"));
  } else {
    AppendText(&p.remittance, Text(Child(f.ntry, "AddtlNtryInf")));
  }
  ReadUsFields(c, it.tx, f, &p);
  out->payments.push_back(std::move(p));
  return Status::Ok();
}

void BuildReversal(const Ctx& c, const Where& w, const EntryFacts& f, const Item& it, EntryOut* out) {
  Reversal r;
  r.reversal_id = ItemId(c, w, f, it, /*use_end_to_end=*/false);
  r.id_assigned = r.reversal_id.starts_with(c.derived_id_prefix + "-");
  r.kind = ReversalKind::kBankReversal;
  // The end-to-end id travels with the money both ways: it names the
  // original credit. Other payer references are the fallback.
  pugi::xml_node refs = Child(it.tx, "Refs");
  std::string_view original = EndToEndId(it.tx);
  if (original.empty()) original = Text(Child(refs, "InstrId"));
  if (original.empty()) original = Text(Child(refs, "TxId"));
  r.original_reference = std::string(original);
  r.amount_minor = it.amount.minor;
  r.currency = it.amount.currency;
  r.value_date = f.value_date;
  pugi::xml_node rtr = Child(it.tx, "RtrInf");
  std::string_view reason = Text(Path(rtr, {"Rsn", "Cd"}));
  r.reason_code = std::string(reason.empty() ? Text(Path(rtr, {"Rsn", "Prtry"})) : reason);
  for (pugi::xml_node info : Children(rtr, "AddtlInf")) AppendText(&r.text, Text(info));
  if (r.text.empty()) AppendText(&r.text, Text(Child(it.tx, "AddtlTxInf")));
  if (r.text.empty()) AppendText(&r.text, Text(Child(f.ntry, "AddtlNtryInf")));
  r.source_line = c.Line(it.tx ? it.tx : f.ntry);
  out->reversals.push_back(std::move(r));
}

// Reads NtryDtls: the TxDtls and the batch size the bank declares.
Status ReadEntryDetails(const Where& w, EntryFacts* f) {
  for (pugi::xml_node dtls : Children(f->ntry, "NtryDtls")) {
    pugi::xml_node btch = Child(dtls, "Btch");
    if (btch && !f->batch) f->batch = btch;
    if (pugi::xml_node nb = Child(btch, "NbOfTxs")) {
      std::string_view text = Text(nb);
      if (text.empty() || text.size() > 9 || text.find_first_not_of("0123456789") != std::string_view::npos) {
        return w.Field(nb, "Btch/NbOfTxs", "expected a count, got " + Quote(text));
      }
      f->batch_tx_count = std::min<uint64_t>(f->batch_tx_count + std::stoul(std::string(text)), UINT32_MAX);
    }
    for (pugi::xml_node tx : Children(dtls, "TxDtls")) f->txs.push_back(tx);
  }
  return Status::Ok();
}

// The items of an entry: each TxDtls going the entry's way, or the entry.
Status CollectItems(const Where& entry_where, const EntryFacts& f, bool credit, EntryOut* out,
                    std::vector<Item>* items) {
  if (f.txs.empty()) {
    items->push_back(Item{pugi::xml_node(), 1, f.amount});
    return Status::Ok();
  }
  MoneySum total;
  bool same_currency = true;
  for (size_t i = 0; i < f.txs.size(); ++i) {
    Where w = entry_where;
    w.tx = static_cast<uint32_t>(i + 1);
    pugi::xml_node tx = f.txs[i];
    std::string_view dir = Text(Child(tx, "CdtDbtInd"));
    if (f.txs.size() > 1 && !dir.empty() && dir != (credit ? "CRDT" : "DBIT")) {
      out->warnings.push_back(w.Note(tx, "goes the other way (" + std::string(dir) + ") than its entry; skipped"));
      continue;
    }
    Result<Amount> a = TxAmount(w, f, tx, out);
    if (!a.ok()) return a.status();
    same_currency = same_currency && a.value().currency == f.amount.currency;
    total.Add(a.value().minor);
    items->push_back(Item{tx, w.tx, a.value()});
  }
  if (!f.lone() && same_currency && total.wide() != MoneySum::Wide(f.amount.minor)) {
    out->warnings.push_back(
        entry_where.Note(f.ntry, "TxDtls amounts add up to " + total.Format(f.amount.currency->exponent()) +
                                     " but the entry books " + FormatAmount(f.amount) + " (charges deducted?)"));
  }
  if (f.batch_tx_count > 0 && f.batch_tx_count != f.txs.size()) {
    out->warnings.push_back(entry_where.Note(f.ntry, "Btch/NbOfTxs says " + std::to_string(f.batch_tx_count) +
                                                         " transactions but " + std::to_string(f.txs.size()) +
                                                         " TxDtls are given"));
  }
  return Status::Ok();
}

Status ParseEntry(const Ctx& c, pugi::xml_node ntry, uint32_t entry_index, EntryOut* out) {
  Where w{&c, entry_index, 0};
  EntryFacts f;
  f.ntry = ntry;
  Result<Amount> amount = ReadAmount(w, ntry, Child(ntry, "Amt"), "Amt");
  if (!amount.ok()) return amount.status();
  f.amount = amount.value();
  pugi::xml_node ind = Child(ntry, "CdtDbtInd");
  std::string_view dir = Text(ind);
  if (dir != "CRDT" && dir != "DBIT") {
    return w.Field(ind ? ind : ntry, "CdtDbtInd", "expected CRDT or DBIT, got " + Quote(dir));
  }
  const bool credit = dir == "CRDT";
  const bool reversal = IsTrue(Text(Child(ntry, "RvslInd")));
  std::string_view status = EntryStatus(ntry);
  if (!status.empty() && status != "BOOK") {
    out->warnings.push_back(w.Note(ntry, "status " + Quote(status) + " is not booked; entry skipped"));
    return Status::Ok();
  }
  CASHMATCH_RETURN_IF_ERROR(ReadEntryDetails(w, &f));
  Role role = Role::kIgnore;
  if (credit && !reversal) role = Role::kPayment;
  if (!credit && (reversal || HasReturnMarks(f))) role = Role::kReversal;
  if (role == Role::kPayment && HasReturnMarks(f)) {
    // Still cash in: kept, so that the books see it, but a person should
    // know it is not a customer paying.
    out->warnings.push_back(w.Note(ntry,
                                   "credit is marked as a return (return code or RtrInf): probably an "
                                   "outgoing payment coming back, not a customer's payment"));
  }
  if (credit && reversal) {
    out->warnings.push_back(w.Note(ntry,
                                   "credit with RvslInd=true undoes an earlier debit, it is no customer's "
                                   "payment; entry skipped"));
  }
  if (role == Role::kIgnore) return Status::Ok();
  pugi::xml_node value_date = Child(ntry, "ValDt");
  pugi::xml_node booking_date = Child(ntry, "BookgDt");
  if (!value_date && !booking_date) return w.Field(ntry, "ValDt", "missing, and there is no BookgDt either");
  Result<Date> date = value_date ? ReadDateChoice(w, value_date, "ValDt") : ReadDateChoice(w, booking_date, "BookgDt");
  if (!date.ok()) return date.status();
  f.value_date = date.value();
  f.acct_svcr_ref = Text(Child(ntry, "AcctSvcrRef"));
  std::vector<Item> items;
  CASHMATCH_RETURN_IF_ERROR(CollectItems(w, f, credit, out, &items));
  for (const Item& it : items) {
    Where iw = w;
    iw.tx = it.tx ? it.index : 0;
    if (it.amount.minor == 0) {  // no money moved: nothing to apply or undo
      out->warnings.push_back(iw.Note(it.tx ? it.tx : ntry, "amount is zero; skipped"));
      continue;
    }
    if (role == Role::kPayment) {
      CASHMATCH_RETURN_IF_ERROR(BuildPayment(c, iw, f, it, out));
    } else {
      BuildReversal(c, iw, f, it, out);
    }
  }
  return Status::Ok();
}

// ---------------------------------------------------------------------------
// The message around the entries.

// Finds the Document element (the root, or a child of a business message
// envelope) and the shape its namespace announces.
Result<const MessageShape*> Identify(const Ctx& c, pugi::xml_node root, pugi::xml_node* document) {
  pugi::xml_node doc = LocalName(root.name()) == "Document" ? root : Child(root, "Document");
  std::string where = c.name + ":" + std::to_string(c.Line(root)) + ": ";
  if (!doc) {
    return Status::InvalidInput(where + "not an ISO 20022 message: root element " + Quote(root.name()) +
                                " is not Document");
  }
  std::string_view ns = NamespaceOf(doc);
  where = c.name + ":" + std::to_string(c.Line(doc)) + ": ";
  std::string_view rest = ns.substr(0, kIsoNamespacePrefix.size()) == kIsoNamespacePrefix
                              ? ns.substr(kIsoNamespacePrefix.size())
                              : std::string_view();
  // rest: "camt.053.001.08"
  for (const MessageShape& shape : kShapes) {
    if (rest.size() < 13 || rest.substr(0, 8) != shape.type || rest[8] != '.') continue;
    std::string_view version = rest.substr(9);
    if (version.find_first_not_of("0123456789.") != std::string_view::npos) continue;
    *document = doc;
    return &shape;
  }
  return Status::InvalidInput(where + "unknown message type: namespace " + Quote(ns) +
                              " is not camt.052, camt.053 or camt.054 (" + std::string(kIsoNamespacePrefix) +
                              "camt.05N.001.NN)");
}

struct RecordTotals {
  uint32_t count = 0, credit_count = 0, debit_count = 0;
  MoneySum sum, credit_sum, debit_sum;
  const Currency* currency = nullptr;
  bool one_currency = true;
};

// Compares a TxsSummry block (NbOfNtries, Sum) with what the record holds.
void CheckSummaryBlock(const Ctx& c, pugi::xml_node block, std::string_view label, uint32_t count, const MoneySum& sum,
                       const RecordTotals& t, std::vector<std::string>* warnings) {
  if (!block) return;
  std::string where = c.name + ":" + std::to_string(c.Line(block)) + ": TxsSummry/" + std::string(label) + ": ";
  std::string_view nb = Text(Child(block, "NbOfNtries"));
  if (!nb.empty() && nb != std::to_string(count)) {
    warnings->push_back(where + "says " + Quote(nb) + " entries, the record holds " + std::to_string(count));
  }
  std::string_view declared = Text(Child(block, "Sum"));
  if (declared.empty() || t.currency == nullptr || !t.one_currency) return;
  Result<int64_t> minor = IsPlainDecimal(declared) ? ParseAmountMinor(declared, t.currency->exponent())
                                                   : Result<int64_t>(Status::InvalidInput("not a number"));
  if (!minor.ok() || MoneySum::Wide(minor.value()) != sum.wide()) {
    warnings->push_back(where + "says a sum of " + Quote(declared) + ", the entries add up to " +
                        sum.Format(t.currency->exponent()));
  }
}

// Adds an entry's amount to the record's totals, when it can be read.
void CountEntry(pugi::xml_node ntry, RecordTotals* t) {
  ++t->count;
  std::string_view dir = Text(Child(ntry, "CdtDbtInd"));
  pugi::xml_node amt = Child(ntry, "Amt");
  const Currency* currency = Currency::Find(Trim(amt.attribute("Ccy").value()));
  std::string_view text = Text(amt);
  Result<int64_t> minor = currency != nullptr && IsPlainDecimal(text) ? ParseAmountMinor(text, currency->exponent())
                                                                      : Result<int64_t>(Status::InvalidInput("bad"));
  if (!minor.ok()) {
    t->one_currency = false;  // cannot add it up: no sum check
    return;
  }
  if (t->currency == nullptr) t->currency = currency;
  if (t->currency != currency) t->one_currency = false;
  t->sum.Add(minor.value());
  if (dir == "CRDT") {
    ++t->credit_count;
    t->credit_sum.Add(minor.value());
  } else if (dir == "DBIT") {
    ++t->debit_count;
    t->debit_sum.Add(minor.value());
  }
}

struct FileState {
  uint32_t entry_index = 0;
  UniqueIds payment_ids, reversal_ids;  // a bank may repeat a reference
};

Status ParseRecord(const Ctx& c, pugi::xml_node record, const ParseOptions& options, FileState* st,
                   ParsedSettlement* out) {
  RecordTotals totals;
  for (pugi::xml_node ntry : Children(record, "Ntry")) {
    ++st->entry_index;
    CountEntry(ntry, &totals);
    EntryOut eo;
    Status s = ParseEntry(c, ntry, st->entry_index, &eo);
    if (!s.ok()) {
      if (!options.skip_bad_records) return s;
      out->rejects.push_back(Reject{c.Line(ntry), Excerpt(ntry), s.message()});
      continue;
    }
    for (std::string& w : eo.warnings) out->warnings.push_back(std::move(w));
    for (Payment& p : eo.payments) {
      st->payment_ids.Claim(&p.payment_id, p.source_line, c.name + ":" + std::to_string(p.source_line), &out->warnings);
      CASHMATCH_RETURN_IF_ERROR(HandOverFullChunk(options, &out->batch));
      out->batch.payments.push_back(std::move(p));
    }
    for (Reversal& r : eo.reversals) {
      st->reversal_ids.Claim(&r.reversal_id, r.source_line, c.name + ":" + std::to_string(r.source_line),
                             &out->warnings);
      out->batch.reversals.push_back(std::move(r));
    }
  }
  pugi::xml_node summary = Child(record, "TxsSummry");
  CheckSummaryBlock(c, Child(summary, "TtlNtries"), "TtlNtries", totals.count, totals.sum, totals, &out->warnings);
  CheckSummaryBlock(c, Child(summary, "TtlCdtNtries"), "TtlCdtNtries", totals.credit_count, totals.credit_sum, totals,
                    &out->warnings);
  CheckSummaryBlock(c, Child(summary, "TtlDbtNtries"), "TtlDbtNtries", totals.debit_count, totals.debit_sum, totals,
                    &out->warnings);
  return Status::Ok();
}

// XML 1.0 allows no character reference to NUL or to a C0 control other
// than tab, LF and CR. pugixml decodes "&#0;" into a NUL, which then cuts
// the text it is in short without a word (an id "AB&#0;CD" read as "AB"):
// such a reference is an error naming its line.
Status CheckCharacterReferences(const Ctx& c, std::string_view data) {
  for (size_t at = data.find("&#"); at != std::string_view::npos; at = data.find("&#", at + 2)) {
    size_t i = at + 2;
    const bool hex = i < data.size() && (data[i] == 'x' || data[i] == 'X');
    if (hex) ++i;
    uint32_t value = 0;
    size_t digits = 0;
    for (; i < data.size() && digits < 8; ++i, ++digits) {
      const char ch = data[i];
      int d = -1;
      if (ch >= '0' && ch <= '9') d = ch - '0';
      if (hex && ch >= 'a' && ch <= 'f') d = ch - 'a' + 10;
      if (hex && ch >= 'A' && ch <= 'F') d = ch - 'A' + 10;
      if (d < 0) break;
      value = value * (hex ? 16 : 10) + static_cast<uint32_t>(d);
    }
    if (digits == 0 || digits == 8 || i >= data.size() || data[i] != ';') continue;
    if (value >= 0x20 || value == 0x9 || value == 0xA || value == 0xD) continue;
    return Status::InvalidInput(c.name + ":" + std::to_string(c.lines.LineOf(static_cast<ptrdiff_t>(at))) +
                                ": character reference '" + std::string(data.substr(at, i + 1 - at)) +
                                "' names a control character, which XML does not allow (it would cut the text short)");
  }
  return Status::Ok();
}

Result<ParsedSettlement> ParseCamtDocument(const std::string& name, std::string_view data, const Fingerprinter& fp,
                                           const ParseOptions& options) {
  Ctx c{name, fp, LineIndex(data), "camt-" + FileDigestPrefix(data, options, kDerivedIdHexCount),
        UsTextProfile(options.bai2_text)};
  CASHMATCH_RETURN_IF_ERROR(CheckCharacterReferences(c, data));
  pugi::xml_document xml;
  pugi::xml_parse_result parsed = xml.load_buffer(data.data(), data.size(), pugi::parse_default, pugi::encoding_auto);
  if (!parsed) {
    return Status::InvalidInput(name + ":" + std::to_string(c.lines.LineOf(parsed.offset)) + ": not well-formed XML: " +
                                parsed.description() + " (at byte " + std::to_string(parsed.offset) + ")");
  }
  pugi::xml_node root = xml.document_element();
  if (!root) return Status::InvalidInput(name + ":1: not well-formed XML: no root element");
  pugi::xml_node document;
  Result<const MessageShape*> shape = Identify(c, root, &document);
  if (!shape.ok()) return shape.status();
  pugi::xml_node container = Child(document, shape.value()->container);
  if (!container) {
    return Status::InvalidInput(name + ":" + std::to_string(c.Line(document)) + ": a " +
                                std::string(shape.value()->type) + " Document must hold " +
                                std::string(shape.value()->container));
  }
  ParsedSettlement out;
  out.batch.source_name = name;
  FileState st;
  std::vector<pugi::xml_node> records = Children(container, shape.value()->record);
  if (records.empty()) {
    out.warnings.push_back(name + ":" + std::to_string(c.Line(container)) + ": " +
                           std::string(shape.value()->container) + " holds no " + std::string(shape.value()->record) +
                           "; nothing to read");
  }
  for (pugi::xml_node record : records) {
    CASHMATCH_RETURN_IF_ERROR(ParseRecord(c, record, options, &st, &out));
  }
  if (out.warnings.size() > kWarningsMax) {
    const size_t dropped = out.warnings.size() - kWarningsMax;
    out.warnings.resize(kWarningsMax);
    out.warnings.push_back(name + ": " + std::to_string(dropped) + " more warnings not shown");
  }
  return out;
}

}  // namespace

Result<ParsedSettlement> ParseCamt(const std::string& name, std::string_view data, const Fingerprinter& fp,
                                   const ParseOptions& options) {
  // Allocation is the only thing here that can throw; it must not escape.
  try {
    return ParseCamtDocument(name, data, fp, options);
  } catch (const std::exception& e) {
    return Status::InvalidInput(name + ": cannot read the camt file: " + e.what());
  }
}

}  // namespace cashmatch::io
