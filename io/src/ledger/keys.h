// Internal: how the ledger's index keys are spelled (the layout is listed in
// cashmatch/io/ledger.h). Shared by the reads in ledger.cc and the commit
// path in commit_writer.cc, so both spell every key the same way.
#pragma once

#include <algorithm>
#include <cassert>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "cashmatch/engine/event.h"
#include "cashmatch/engine/hints.h"
#include "cashmatch/engine/invoice_keys.h"
#include "cashmatch/io/ledger.h"
#include "codec.h"

namespace cashmatch::io {

// Appends "<kind>\0<a>".
inline void AppendIndexKey(std::string* out, char kind, std::string_view a) {
  out->push_back(kind);
  out->push_back('\0');
  out->append(a);
}
// Appends "<kind>\0<a>\0<b>".
inline void AppendIndexKey(std::string* out, char kind, std::string_view a, std::string_view b) {
  AppendIndexKey(out, kind, a);
  out->push_back('\0');
  out->append(b);
}
inline std::string Key2(char kind, std::string_view a) {
  std::string k;
  AppendIndexKey(&k, kind, a);
  return k;
}
inline std::string Key3(char kind, std::string_view a, std::string_view b) {
  std::string k;
  AppendIndexKey(&k, kind, a, b);
  return k;
}

// Appends the payout-half key "<kind>\0<currency>\0<big-endian amount>\0<id>"
// (kind 'y' for payouts, 'Y' for bank lines), or only its prefix up to the
// amount's trailing separator when `id` is empty.
inline void AppendPayoutKey(std::string* out, char kind, std::string_view currency, int64_t amount, std::string_view id) {
  assert(amount >= 0);
  AppendIndexKey(out, kind, currency);
  out->push_back('\0');
  codec::AppendBigEndian64(static_cast<uint64_t>(amount), out);
  out->push_back('\0');
  out->append(id);
}

// The keys that find an invoice by the looser keys of
// cashmatch/engine/invoice_keys.h, each "<kind>\0<key>\0<invoice_id>", so
// two invoices may share a key and renumbering one never touches another's:
// 't' its tolerant key -> "", 'd' every string of its body's deletion
// neighbourhood -> the body, so a lookup checks the edit distance before
// loading anything (the typo index: about a dozen keys per invoice, so only
// for invoices open when loaded, the only ones a typo may name, and none
// for bodies under five characters), 'o' its PO number's key -> "".
// Sorted by key, keys distinct. An invoice the matcher settles keeps its
// 'd' keys until the next load of it: the matcher skips settled invoices.
// meta: present while a chunked load is being written (load.cc);
// its value names the load.
inline constexpr char kMetaLoadPending[] = "load_pending";

struct IndexEntry {
  std::string key;
  std::string value;
};
inline std::vector<IndexEntry> LooseIndexEntries(const Invoice& inv) {
  std::vector<IndexEntry> entries;
  const std::string tolerant = TolerantInvoiceKey(inv.number);
  if (!tolerant.empty()) entries.push_back({Key3('t', tolerant, inv.invoice_id), {}});
  const std::string strict = NormalizeInvoiceNumber(inv.number);
  const std::string_view body = TypoBodyKey(strict);
  if (inv.is_open()) {
    for (const std::string& v : DeletionNeighbourhood(body)) {
      entries.push_back({Key3('d', v, inv.invoice_id), std::string(body)});
    }
  }
  if (!inv.po_number.empty()) {
    const std::string po = PurchaseOrderKey(inv.po_number);
    if (!po.empty()) entries.push_back({Key3('o', po, inv.invoice_id), {}});
  }
  std::sort(entries.begin(), entries.end(), [](const IndexEntry& a, const IndexEntry& b) { return a.key < b.key; });
  return entries;
}

// Audit-trail key kinds, indexed by Subject.
constexpr char kTrailKinds[] = {'I', 'P', 'C'};
inline char TrailKind(Subject subject) { return kTrailKinds[static_cast<int>(subject)]; }

// Appends the audit-trail key "<kind>\0<id>\0<big-endian seq>": `seq` is
// the first event of the batch that touched the subject; the value lists
// them all (codec::AppendTrailSeqs).
inline void AppendTrailKey(std::string* out, char kind, std::string_view id, uint64_t seq) {
  AppendIndexKey(out, kind, id);
  out->push_back('\0');
  codec::AppendBigEndian64(seq, out);
}

// Appends the review-queue key of exception event `e`:
// "x\0<currency>\0<inverted amount>\0<seq>", so a scan goes by currency,
// then highest amount first, then seq.
inline void AppendExceptionKey(std::string* out, const Event& e) {
  assert(e.amount_minor >= 0);
  assert(e.currency != nullptr);
  uint64_t inverted = static_cast<uint64_t>(INT64_MAX) - static_cast<uint64_t>(e.amount_minor);
  AppendIndexKey(out, 'x', e.currency->code());
  out->push_back('\0');
  codec::AppendBigEndian64(inverted, out);
  out->push_back('\0');
  codec::AppendBigEndian64(e.seq, out);
}

}  // namespace cashmatch::io
