// Internal: the ledger's compact, versioned binary encoding.
//
// Every stored value starts with a one-byte record tag and a one-byte
// version. Integers are LEB128 varints (signed ones zigzag-encoded), strings
// are length-prefixed. A reader checks every length against what is left, so
// a truncated or foreign value decodes to an error, never to garbage.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "cashmatch/engine/domain.h"
#include "cashmatch/engine/event.h"
#include "cashmatch/engine/match.h"
#include "cashmatch/engine/status.h"
#include "cashmatch/io/ledger.h"

namespace cashmatch::io::codec {

// Appends to a caller's buffer, so the commit path can encode many records
// into one reused buffer instead of one new string each.
class Writer {
 public:
  explicit Writer(std::string* out) : out_(out) {}
  void U8(uint8_t v) { out_->push_back(static_cast<char>(v)); }
  void U64(uint64_t v) {
    while (v >= 0x80) {
      out_->push_back(static_cast<char>((v & 0x7f) | 0x80));
      v >>= 7;
    }
    out_->push_back(static_cast<char>(v));
  }
  void I64(int64_t v) { U64((static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63)); }
  void Str(std::string_view s) {
    U64(s.size());
    out_->append(s.data(), s.size());
  }

 private:
  std::string* out_;
};

class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  bool U8(uint8_t* v) {
    if (in_.empty()) return false;
    *v = static_cast<uint8_t>(in_.front());
    in_.remove_prefix(1);
    return true;
  }
  bool U64(uint64_t* v) {
    uint64_t result = 0;
    for (int shift = 0; shift <= 63; shift += 7) {
      if (in_.empty()) return false;
      uint8_t b = static_cast<uint8_t>(in_.front());
      in_.remove_prefix(1);
      result |= static_cast<uint64_t>(b & 0x7f) << shift;
      if ((b & 0x80) == 0) {
        *v = result;
        return true;
      }
    }
    return false;
  }
  bool I64(int64_t* v) {
    uint64_t u = 0;
    if (!U64(&u)) return false;
    *v = static_cast<int64_t>((u >> 1) ^ (~(u & 1) + 1));
    return true;
  }
  bool Str(std::string* s) {
    uint64_t n = 0;
    if (!U64(&n) || n > in_.size()) return false;
    s->assign(in_.data(), n);
    in_.remove_prefix(n);
    return true;
  }
  // The string's bytes, in place: valid while the input is.
  bool StrView(std::string_view* s) {
    uint64_t n = 0;
    if (!U64(&n) || n > in_.size()) return false;
    *s = in_.substr(0, n);
    in_.remove_prefix(n);
    return true;
  }
  bool done() const { return in_.empty(); }

 private:
  std::string_view in_;
};

std::string BigEndian64(uint64_t v);
// The same 8 bytes, appended to `out`.
void AppendBigEndian64(uint64_t v, std::string* out);
uint64_t FromBigEndian64(std::string_view s);

// Each Encode* returns a new string; each Append* appends the same bytes to
// `out` (the commit path's reused buffers).
std::string EncodeEvent(const Event& e);
void AppendEvent(const Event& e, std::string* out);
Status DecodeEvent(std::string_view in, Event* e);

std::string EncodeInvoice(const Invoice& inv);
void AppendInvoice(const Invoice& inv, std::string* out);
Status DecodeInvoice(std::string_view in, Invoice* inv);
// The first fields of an encoded invoice, in place (no copy, no full
// decode): what the resident book index checks a hash hit against.
Status PeekInvoiceHead(std::string_view in, std::string_view* invoice_id, std::string_view* number,
                       std::string_view* customer_id);

std::string EncodeCustomer(const Customer& c);
Status DecodeCustomer(std::string_view in, Customer* c);
// An encoded customer's id, in place.
Status PeekCustomerId(std::string_view in, std::string_view* customer_id);

std::string EncodePayment(const PaymentRecord& p);
void AppendPayment(const PaymentRecord& p, std::string* out);
Status DecodePayment(std::string_view in, PaymentRecord* p);

// A Stripe payout half waiting for the other, or the two linked.
void AppendPayoutLink(const PayoutLink& l, std::string* out);
Status DecodePayoutLink(std::string_view in, PayoutLink* l);

std::string EncodeBatch(const CommittedBatch& b);
Status DecodeBatch(std::string_view in, CommittedBatch* b);

// The value of an audit-trail key (schema 2): the sequence numbers of every
// event of one batch that touched the key's subject, ascending. The first is
// the one in the key, so the value holds the count and the gaps after it:
//   tag 'T', version, varint count, then count - 1 varint gaps (each >= 1).
// An empty value is a schema-1 trail key, which named exactly one event.
void AppendTrailSeqs(const uint64_t* seqs, size_t count, std::string* out);
// Decodes into `seqs` (cleared first); `first_seq` is the key's seq.
Status DecodeTrailSeqs(std::string_view in, uint64_t first_seq, std::vector<uint64_t>* seqs);

}  // namespace cashmatch::io::codec
