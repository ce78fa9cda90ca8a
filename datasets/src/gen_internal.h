// Internal to the generator: the random stream, the planned payment that
// the planner (gen.cc) hands to the format writers (gen_writers.cc), and the
// writers' interface.
#pragma once

#include <cstdint>
#include <cstdio>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cashmatch/datasets/gen.h"
#include "cashmatch/engine/date.h"
#include "cashmatch/engine/status.h"

namespace cashmatch::datasets {

// SplitMix64: small, fast, and good enough for test data; the same seed
// gives the same stream on every platform (no std:: distributions, whose
// results differ between standard libraries).
class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  static uint64_t Mix(uint64_t a, uint64_t b) {
    Rng r(a ^ (b * 0x9E3779B97F4A7C15ULL));
    r.Next();
    return r.Next();
  }
  uint64_t Next() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  // Uniform in [0, n); n > 0. The modulo bias is far below what matters here.
  uint64_t Below(uint64_t n) { return Next() % n; }
  // Uniform in [lo, hi].
  int64_t Between(int64_t lo, int64_t hi) {
    return lo + static_cast<int64_t>(Below(static_cast<uint64_t>(hi - lo + 1)));
  }
  bool PerMille(uint32_t rate) { return Below(1000) < rate; }

 private:
  uint64_t state_;
};

// Where a payment is written.
enum class Channel : uint8_t { kBai2 = 0, kCamt = 1, kNdjson = 2, kStripe = 3 };
constexpr size_t kChannelCount = 4;
const char* ChannelName(Channel c);

struct PlannedRef {
  std::string number;                   // as the payer wrote it
  std::optional<int64_t> amount_minor;  // structured remittance with amounts
};

struct PlannedAllocation {
  std::string invoice_id;
  int64_t amount_minor = 0;
};

// One payment as the planner decided it, with its expected treatment.
struct PlannedPayment {
  Scenario scenario = Scenario::kExactReference;
  Channel channel = Channel::kNdjson;
  const char* source = "ach";  // ach, wire, check (bank channels)
  uint32_t day = 0;            // 0-based settlement day
  std::string currency;        // ISO code
  int64_t amount_minor = 0;
  std::string payer_name;
  std::string payer_account;     // empty: none given
  std::string remittance;        // free text; may be empty
  std::vector<PlannedRef> refs;  // structured references (NDJSON, camt)
  // Stripe charges:
  std::string stripe_customer_id, stripe_invoice_id;
  // The answer key.
  std::string customer_id;  // expected identified customer; empty: nobody
  const char* outcome = "applied";
  const char* reason = "";  // for outcome exception
  std::vector<PlannedAllocation> allocations;
  std::vector<PlannedAllocation> held;
  int64_t written_off_minor = 0;
  int64_t unapplied_minor = 0;
  bool returned = false;  // a full return follows on the next day
};

class OutFile;

// The settlement files: one writer per format and day, opened on first use
// and closed (trailers, payout totals) by Finish.
class SettlementWriters {
 public:
  // With `payout_lines`, every Stripe payout's net amount also arrives as a
  // bank line on the next day (issue 14), and its answer-key line (outcome
  // `payout`) goes to `truth`, which must outlive the writers.
  SettlementWriters(const GenOptions& options, bool payout_lines, OutFile* truth);
  ~SettlementWriters();
  // Writes the payment (and, when p.returned, its return a day later) and
  // returns the payment id the format gives it, plus the file it went to.
  Status Add(const PlannedPayment& p, std::string* payment_id, std::string* file, std::string* return_id);
  // Closes every file; lists them in apply order.
  Status Finish(GenSummary* summary);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// A buffered output file; errors are remembered and reported at Close.
class OutFile {
 public:
  Status Open(const std::string& path);
  void Write(std::string_view s) {
    if (f_ != nullptr && std::fwrite(s.data(), 1, s.size(), f_) != s.size()) failed_ = true;
  }
  Status Close();
  bool is_open() const { return f_ != nullptr; }
  ~OutFile();

 private:
  std::FILE* f_ = nullptr;
  std::string path_;
  bool failed_ = false;
};

}  // namespace cashmatch::datasets
