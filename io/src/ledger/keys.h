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

// The key kinds of the index column family (the layout in
// cashmatch/io/ledger.h): the first byte of every index key. Each is named
// once here; code never spells a kind as a bare character.
inline constexpr char kIndexNumber = 'n';           // invoice number -> invoice id
inline constexpr char kIndexAccount = 'a';          // account fingerprint, customer
inline constexpr char kIndexNameToken = 'm';        // payer-name token, customer
inline constexpr char kIndexNameText = 'N';         // whole normalized name, customer (schema 4)
inline constexpr char kIndexStripeCustomer = 'u';   // Stripe customer id, customer
inline constexpr char kIndexChild = 'h';            // parent, child customer
inline constexpr char kIndexCustomerInvoice = 'c';  // customer, invoice
inline constexpr char kIndexCustomerPayment = 'p';  // customer, payment
inline constexpr char kIndexException = 'x';        // the review queue
inline constexpr char kIndexReference = 'r';        // bank reference -> payment id
inline constexpr char kIndexStripeInvoice = 's';    // Stripe invoice id -> invoice id
inline constexpr char kIndexHold = 'H';             // invoice, payment holding cash
inline constexpr char kIndexPayout = 'y';           // a Stripe payout waiting for its bank line
inline constexpr char kIndexPayoutBankLine = 'Y';   // a bank line waiting for its payout
inline constexpr char kIndexTolerant = 't';         // tolerant number key, invoice
inline constexpr char kIndexTypo = 'd';             // deletion-neighbourhood string, invoice
inline constexpr char kIndexPurchaseOrder = 'o';    // PO key, invoice
inline constexpr char kIndexTrailInvoice = 'I';     // audit trails, by Subject
inline constexpr char kIndexTrailPayment = 'P';
inline constexpr char kIndexTrailCustomer = 'C';
// The keys of the meta column family (besides the schema version, the
// sequence counter and the fingerprint key or its check value, ledger.cc).
inline constexpr char kMetaBatch = 'b';  // "b\0<idempotency key>" -> committed batch
// "R\0<return idempotency key>" -> the return's id, written in the return's
// commit (ReturnIdempotencyKey): the same return in a later file is a
// duplicate.
inline constexpr char kMetaReturnKind = 'R';
// Present while a chunked load is being written (load.cc): "<load id>
// <sources>", the id a hash of the load's rows.
inline constexpr char kMetaLoadPending[] = "load_pending";

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
// (kIndexPayout or kIndexPayoutBankLine), or only its prefix up to the
// amount's trailing separator when `id` is empty.
inline void AppendPayoutKey(std::string* out, char kind, std::string_view currency, int64_t amount,
                            std::string_view id) {
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
struct IndexEntry {
  std::string key;
  std::string value;
};
// The group of an invoice's 't' key ("" for none).
inline std::string TolerantGroup(const Invoice& inv) { return TolerantInvoiceKey(inv.number); }
// The group of an invoice's 'o' key ("" for none).
inline std::string PurchaseOrderGroup(const Invoice& inv) {
  return inv.po_number.empty() ? std::string() : PurchaseOrderKey(inv.po_number);
}
inline std::vector<IndexEntry> LooseIndexEntries(const Invoice& inv) {
  std::vector<IndexEntry> entries;
  const std::string tolerant = TolerantGroup(inv);
  if (!tolerant.empty()) entries.push_back({Key3(kIndexTolerant, tolerant, inv.invoice_id), {}});
  const std::string strict = NormalizeInvoiceNumber(inv.number);
  const std::string_view body = TypoBodyKey(strict);
  if (inv.is_open()) {
    for (const std::string& v : DeletionNeighbourhood(body)) {
      entries.push_back({Key3(kIndexTypo, v, inv.invoice_id), std::string(body)});
    }
  }
  const std::string po = PurchaseOrderGroup(inv);
  if (!po.empty()) entries.push_back({Key3(kIndexPurchaseOrder, po, inv.invoice_id), {}});
  std::sort(entries.begin(), entries.end(), [](const IndexEntry& a, const IndexEntry& b) { return a.key < b.key; });
  return entries;
}

// Audit-trail key kinds, indexed by Subject.
constexpr char kTrailKinds[] = {kIndexTrailInvoice, kIndexTrailPayment, kIndexTrailCustomer};
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
  AppendIndexKey(out, kIndexException, e.currency->code());
  out->push_back('\0');
  codec::AppendBigEndian64(inverted, out);
  out->push_back('\0');
  codec::AppendBigEndian64(e.seq, out);
}

}  // namespace cashmatch::io
