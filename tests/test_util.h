// Shared helpers for the test suite: temporary directories and files.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <string_view>
#include <fstream>
#include <iterator>
#include <random>
#include <string>

#include "cashmatch/io/ledger.h"
#include "cashmatch/io/settlement.h"

namespace cashmatch::testing_util {

// A fresh directory under the system temp dir, removed on destruction.
class TempDir {
 public:
  TempDir() {
    std::random_device rd;
    path_ = std::filesystem::temp_directory_path() / ("cashmatch-test-" + std::to_string(rd()) + std::to_string(rd()));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string path() const { return path_.string(); }
  std::string Join(const std::string& name) const { return (path_ / name).string(); }
  std::string Write(const std::string& name, const std::string& content) const {
    std::string p = Join(name);
    std::ofstream(p, std::ios::binary) << content;
    return p;
  }

 private:
  std::filesystem::path path_;
};

// The content of a file of ../shared/corpus, by its path below the corpus
// (e.g. "bai2/sample1.txt"); a test failure and "" when it cannot be read.
inline std::string ReadCorpus(const std::string& rel) {
  std::ifstream in(std::string(CASHMATCH_CORPUS_DIR) + "/" + rel, std::ios::binary);
  EXPECT_TRUE(in.good()) << "cannot read corpus file " << rel;
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// Helpers for the parser tests: totals and look-ups over a parsed batch.
inline std::map<std::string, int64_t> PaymentTotals(const io::ParsedSettlement& p) {
  std::map<std::string, int64_t> out;
  for (const Payment& x : p.batch.payments) out[std::string(x.currency->code())] += x.amount_minor;
  return out;
}

inline std::map<std::string, int64_t> ReversalTotals(const io::ParsedSettlement& p) {
  std::map<std::string, int64_t> out;
  for (const Reversal& x : p.batch.reversals) out[std::string(x.currency->code())] += x.amount_minor;
  return out;
}

// The payment with this id, or a test failure and nullptr.
inline const Payment* FindPayment(const io::ParsedSettlement& p, std::string_view id) {
  for (const Payment& x : p.batch.payments) {
    if (x.payment_id == id) return &x;
  }
  ADD_FAILURE() << "no payment '" << id << "'";
  return nullptr;
}

inline const Reversal* FindReversal(const io::ParsedSettlement& p, std::string_view id) {
  for (const Reversal& x : p.batch.reversals) {
    if (x.reversal_id == id) return &x;
  }
  ADD_FAILURE() << "no reversal '" << id << "'";
  return nullptr;
}

// The ledger's events after `seq`, in order.
inline std::vector<Event> EventsSince(const io::Ledger& ledger, uint64_t seq) {
  std::vector<Event> out;
  EXPECT_TRUE(ledger.ForEachEvent(seq, [&](const Event& e) {
    out.push_back(e);
    return true;
  }).ok());
  return out;
}

}  // namespace cashmatch::testing_util
