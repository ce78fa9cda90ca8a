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

#include "cashmatch/engine/domain.h"
#include "cashmatch/engine/event.h"
#include "cashmatch/engine/match.h"
#include "cashmatch/engine/status.h"
#include "cashmatch/io/ledger.h"

namespace cashmatch::io::codec {

class Writer {
 public:
  void U8(uint8_t v) { out_.push_back(static_cast<char>(v)); }
  void U64(uint64_t v) {
    while (v >= 0x80) {
      out_.push_back(static_cast<char>((v & 0x7f) | 0x80));
      v >>= 7;
    }
    out_.push_back(static_cast<char>(v));
  }
  void I64(int64_t v) { U64((static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63)); }
  void Str(std::string_view s) {
    U64(s.size());
    out_.append(s.data(), s.size());
  }
  std::string& out() { return out_; }

 private:
  std::string out_;
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
  bool done() const { return in_.empty(); }

 private:
  std::string_view in_;
};

std::string BigEndian64(uint64_t v);
uint64_t FromBigEndian64(std::string_view s);

std::string EncodeEvent(const Event& e);
Status DecodeEvent(std::string_view in, Event* e);

std::string EncodeInvoice(const Invoice& inv);
Status DecodeInvoice(std::string_view in, Invoice* inv);

std::string EncodeCustomer(const Customer& c);
Status DecodeCustomer(std::string_view in, Customer* c);

std::string EncodePayment(const PaymentRecord& p);
Status DecodePayment(std::string_view in, PaymentRecord* p);

std::string EncodeBatch(const CommittedBatch& b);
Status DecodeBatch(std::string_view in, CommittedBatch* b);

}  // namespace cashmatch::io::codec
