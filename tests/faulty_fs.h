// A rocksdb::FileSystem for failure tests: writes fail with "no space"
// while `full` is set, hard links fail while `fail_links` is set.
//
// Example:
//   auto fs = std::make_shared<FaultyFs>(rocksdb::FileSystem::Default());
//   std::unique_ptr<rocksdb::Env> env = rocksdb::NewCompositeEnv(fs);
//   options.env = env.get();  // LedgerOptions
//   fs->full = true;          // the next commit fails
#pragma once

#include <rocksdb/file_system.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

namespace cashmatch::testing_util {

class FaultyFs : public rocksdb::FileSystemWrapper {
 public:
  explicit FaultyFs(std::shared_ptr<rocksdb::FileSystem> base) : FileSystemWrapper(std::move(base)) {}
  const char* Name() const override { return "FaultyFs"; }
  std::atomic<bool> fail_links{false};
  std::atomic<bool> full{false};
  // When >= 0: how many more appends succeed before the disk is full
  // (`full` is then set), so a test can fill the disk at any point of a
  // write. Default: -1, never.
  std::atomic<int64_t> appends_left{-1};

  rocksdb::IOStatus LinkFile(const std::string& s, const std::string& t, const rocksdb::IOOptions& o,
                             rocksdb::IODebugContext* d) override {
    if (fail_links) return rocksdb::IOStatus::IOError("link failed (test)");
    return target()->LinkFile(s, t, o, d);
  }
  rocksdb::IOStatus NewWritableFile(const std::string& f, const rocksdb::FileOptions& opts,
                                    std::unique_ptr<rocksdb::FSWritableFile>* r,
                                    rocksdb::IODebugContext* dbg) override {
    rocksdb::IOStatus s = target()->NewWritableFile(f, opts, r, dbg);
    if (s.ok()) *r = std::make_unique<File>(std::move(*r), this);
    return s;
  }

 private:
  bool Full() {
    if (appends_left.load() >= 0 && appends_left.fetch_sub(1) <= 0) full = true;
    return full;
  }
  class File : public rocksdb::FSWritableFileOwnerWrapper {
   public:
    File(std::unique_ptr<rocksdb::FSWritableFile> t, FaultyFs* fs)
        : FSWritableFileOwnerWrapper(std::move(t)), fs_(fs) {}
    rocksdb::IOStatus Append(const rocksdb::Slice& d, const rocksdb::IOOptions& o,
                             rocksdb::IODebugContext* g) override {
      if (fs_->Full()) return rocksdb::IOStatus::NoSpace("disk full (test)");
      return FSWritableFileOwnerWrapper::Append(d, o, g);
    }
    rocksdb::IOStatus Append(const rocksdb::Slice& d, const rocksdb::IOOptions& o,
                             const rocksdb::DataVerificationInfo& v, rocksdb::IODebugContext* g) override {
      if (fs_->Full()) return rocksdb::IOStatus::NoSpace("disk full (test)");
      return FSWritableFileOwnerWrapper::Append(d, o, v, g);
    }

   private:
    FaultyFs* fs_;
  };
};

}  // namespace cashmatch::testing_util
