// Shared helpers for the test suite: temporary directories and files, and
// the ledger's RocksDB database opened directly.
#pragma once

#include <gtest/gtest.h>
#include <rocksdb/db.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <map>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "cashmatch/io/ledger.h"
#include "cashmatch/io/settlement.h"

namespace cashmatch::testing_util {

// Ledger options that create the ledger when it is absent (as load and
// init do; every other open refuses a missing ledger).
inline io::LedgerOptions Creating() {
  io::LedgerOptions options;
  options.create_if_missing = true;
  return options;
}

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

// The content of a file of tests/corpus, by its path below the corpus
// (e.g. "bai2/sample1.txt"); a test failure and "" when it cannot be read.
inline std::string ReadCorpus(const std::string& rel) {
  std::ifstream in(std::string(CASHMATCH_CORPUS_DIR) + "/" + rel, std::ios::binary);
  EXPECT_TRUE(in.good()) << "cannot read corpus file " << rel;
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// Opens the ledger in `dir` as a plain RocksDB database (no cashmatch
// checks) and hands it to `fn`, which finds column families by name: how a
// test makes a ledger as an older or newer cashmatch would have left it.
using ColumnFamilyOf = std::function<rocksdb::ColumnFamilyHandle*(const char*)>;
inline void WithRawLedger(const std::string& dir, const std::function<void(rocksdb::DB*, const ColumnFamilyOf&)>& fn) {
  std::vector<std::string> names;
  ASSERT_TRUE(rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), dir, &names).ok());
  std::vector<rocksdb::ColumnFamilyDescriptor> descs;
  for (const auto& n : names) descs.emplace_back(n, rocksdb::ColumnFamilyOptions());
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  ASSERT_TRUE(rocksdb::DB::Open(rocksdb::DBOptions(), dir, descs, &handles, &raw).ok());
  fn(raw, [&](const char* name) {
    const size_t i = static_cast<size_t>(std::find(names.begin(), names.end(), name) - names.begin());
    EXPECT_LT(i, names.size()) << name;
    return i < names.size() ? handles[i] : nullptr;
  });
  for (auto* h : handles) ASSERT_TRUE(raw->DestroyColumnFamilyHandle(h).ok());
  delete raw;
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
  EXPECT_TRUE(ledger
                  .ForEachEvent(seq,
                                [&](const Event& e) {
                                  out.push_back(e);
                                  return true;
                                })
                  .ok());
  return out;
}

// Expects an InvalidInput error whose message contains every fragment
// (for the readers' "file:line: field 'x': why" messages).
template <typename R>
void ExpectError(const R& r, std::initializer_list<std::string> fragments) {
  ASSERT_FALSE(r.ok()) << "expected an error";
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidInput);
  for (const std::string& f : fragments) {
    EXPECT_NE(r.status().message().find(f), std::string::npos)
        << "message '" << r.status().message() << "' lacks '" << f << "'";
  }
}

}  // namespace cashmatch::testing_util
