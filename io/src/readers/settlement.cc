// Format detection and dispatch for settlement files.
#include "cashmatch/io/settlement.h"

#include <iterator>

#include "cashmatch/io/payments_ndjson.h"
#include "parsers.h"

namespace cashmatch::io {
namespace {

// One row per line, `{SettlementFormat::kX, "name"},`: fuzz/CMakeLists.txt
// reads the names from these lines to make one fuzz target per format.
constexpr SettlementFormatInfo kSettlementFormats[] = {
    {SettlementFormat::kAuto, "auto"},
    {SettlementFormat::kNdjson, "ndjson"},
    {SettlementFormat::kBai2, "bai2"},
    {SettlementFormat::kCamt, "camt"},
    {SettlementFormat::kStripeJson, "stripe-json"},
    {SettlementFormat::kStripeCsv, "stripe-csv"},
    {SettlementFormat::kNacha, "nacha"},
    {SettlementFormat::kMt940, "mt940"},
};
static_assert(std::size(kSettlementFormats) == static_cast<size_t>(SettlementFormat::kMt940) + 1);

std::string_view SkipBomAndBlanks(std::string_view s) {
  if (s.substr(0, 3) == "\xEF\xBB\xBF") s.remove_prefix(3);
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r' || s.front() == '\n')) {
    s.remove_prefix(1);
  }
  return s;
}

std::string_view FirstLine(std::string_view s) {
  size_t nl = s.find_first_of("\r\n");
  return nl == std::string_view::npos ? s : s.substr(0, nl);
}

}  // namespace

std::span<const SettlementFormatInfo> SettlementFormats() { return kSettlementFormats; }

std::string SettlementFormatNames() {
  std::string out;
  for (const SettlementFormatInfo& f : kSettlementFormats) out += (out.empty() ? "" : ", ") + std::string(f.name);
  return out;
}

const char* SettlementFormatName(SettlementFormat f) {
  for (const SettlementFormatInfo& info : kSettlementFormats) {
    if (info.format == f) return info.name;
  }
  return "unknown";
}

bool ParseSettlementFormat(std::string_view text, SettlementFormat* out) {
  for (const SettlementFormatInfo& info : kSettlementFormats) {
    if (text == info.name) {
      *out = info.format;
      return true;
    }
  }
  return false;
}

SettlementFormat DetectSettlementFormat(std::string_view data) {
  std::string_view s = SkipBomAndBlanks(data);
  std::string_view head = s.substr(0, 4096);
  if (s.substr(0, 3) == "01," || s.substr(0, 3) == "01/") return SettlementFormat::kBai2;
  if (s.substr(0, 1) == "<") {
    return head.find("camt.05") != std::string_view::npos ? SettlementFormat::kCamt : SettlementFormat::kAuto;
  }
  if (s.substr(0, 1) == "{" || s.substr(0, 1) == "[") {
    // Stripe objects name themselves; our own NDJSON has payment_id.
    if (head.find("\"balance_transaction\"") != std::string_view::npos ||
        head.find("\"object\": \"list\"") != std::string_view::npos ||
        head.find("\"object\":\"list\"") != std::string_view::npos) {
      return SettlementFormat::kStripeJson;
    }
    if (head.find("\"payment_id\"") != std::string_view::npos) return SettlementFormat::kNdjson;
    // Any other Stripe API object ("object": "charge", "invoice_payment" …).
    if (head.find("\"object\"") != std::string_view::npos) return SettlementFormat::kStripeJson;
    return SettlementFormat::kAuto;
  }
  if (s.substr(0, 4) == ":20:" || s.substr(0, 3) == "{1:" || s.substr(0, 4) == ":940") return SettlementFormat::kMt940;
  // A bank preamble ("ABNANL2A\n940\n") before the first tag.
  if (head.find("\n:20:") != std::string_view::npos &&
      (head.find("\n:60F:") != std::string_view::npos || head.find("\n:25:") != std::string_view::npos)) {
    return SettlementFormat::kMt940;
  }
  std::string_view line = FirstLine(s);
  if (line.size() == 94 && line.substr(0, 3) == "101") return SettlementFormat::kNacha;
  if (line.find("balance_transaction_id") != std::string_view::npos ||
      (line.find("gross") != std::string_view::npos && line.find("net") != std::string_view::npos &&
       line.find("fee") != std::string_view::npos)) {
    return SettlementFormat::kStripeCsv;
  }
  return SettlementFormat::kAuto;
}

namespace {

template <typename T>
void MoveAppend(std::vector<T>* from, std::vector<T>* to) {
  to->insert(to->end(), std::make_move_iterator(from->begin()), std::make_move_iterator(from->end()));
  from->clear();
}

Result<ParsedSettlement> Dispatch(const std::string& name, std::string_view data, SettlementFormat format,
                                  const Fingerprinter& fp, const ParseOptions& options) {
  switch (format) {
    case SettlementFormat::kNdjson: return ParseNdjsonSettlement(name, data, fp, options);
    case SettlementFormat::kBai2: return ParseBai2(name, data, fp, options);
    case SettlementFormat::kCamt: return ParseCamt(name, data, fp, options);
    case SettlementFormat::kAuto:
      return Status::InvalidInput(name +
                                  ": not a settlement format cashmatch recognizes (expected NDJSON payments, "
                                  "BAI2, camt.053/054, Stripe balance transactions or payout CSV, NACHA, "
                                  "MT940); give --format to say which");
    case SettlementFormat::kStripeJson: return ParseStripeJson(name, data, fp, options);
    case SettlementFormat::kNacha: return ParseNacha(name, data, fp, options);
    case SettlementFormat::kStripeCsv: return ParseStripeCsv(name, data, fp, options);
    case SettlementFormat::kMt940: return ParseMt940(name, data, fp, options);
  }
  // Every SettlementFormat is handled above; only a corrupted value gets here.
  return Status::InvalidInput(name + ": unknown settlement format value " + std::to_string(static_cast<int>(format)));
}

}  // namespace

Result<ParsedSettlement> ParseSettlement(const std::string& name, std::string_view data, SettlementFormat format,
                                         const Fingerprinter& fp, const ParseOptions& options) {
  // A day without transactions: some banks send an empty file (or only a
  // BOM and blank lines). That is a valid batch of zero payments in any
  // format, not an unknown one.
  if (SkipBomAndBlanks(data).empty()) {
    ParsedSettlement empty;
    empty.batch.source_name = name;
    return empty;
  }
  if (format == SettlementFormat::kAuto) format = DetectSettlementFormat(data);
  if (!options.on_chunk || format == SettlementFormat::kStripeJson || format == SettlementFormat::kStripeCsv) {
    ParseOptions whole = options;
    whole.on_chunk = nullptr;
    auto parsed = Dispatch(name, data, format, fp, whole);
    if (!parsed.ok()) return parsed;
    CASHMATCH_RETURN_IF_ERROR(CheckParsedBatch(name, data, whole, &parsed.value()));
    return parsed;
  }
  // In chunks: each is checked before the caller sees it; the rejects and
  // warnings of those checks come first in the final batch's, then the
  // reader's own.
  BatchChecker checker(name, data, options);
  ParsedSettlement from_chunks;
  ParseOptions chunked = options;
  // The reader's batch also holds the returns read so far: only its
  // payments make the chunk.
  chunked.on_chunk = [&](SettlementBatch& read_so_far) {
    ParsedSettlement part;
    part.batch.source_name = read_so_far.source_name;
    part.batch.payments = std::move(read_so_far.payments);
    Status s = checker.CheckRecords(&part);
    MoveAppend(&part.rejects, &from_chunks.rejects);
    MoveAppend(&part.warnings, &from_chunks.warnings);
    if (!s.ok()) return s;
    s = options.on_chunk(part.batch);
    // The reader reuses its vector's room for the next chunk.
    read_so_far.payments = std::move(part.batch.payments);
    return s;
  };
  auto parsed = Dispatch(name, data, format, fp, chunked);
  if (!parsed.ok()) return parsed;
  ParsedSettlement& last = parsed.value();
  MoveAppend(&last.rejects, &from_chunks.rejects);
  MoveAppend(&last.warnings, &from_chunks.warnings);
  last.rejects = std::move(from_chunks.rejects);
  last.warnings = std::move(from_chunks.warnings);
  CASHMATCH_RETURN_IF_ERROR(checker.Finish(&last));
  return parsed;
}

}  // namespace cashmatch::io
