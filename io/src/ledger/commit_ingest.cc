#include "commit_ingest.h"

#include <rocksdb/sst_file_writer.h>

#include <cassert>
#include <filesystem>
#include <system_error>

#include "commit_writer.h"

namespace cashmatch::io {
namespace {

namespace fs = std::filesystem;

// RocksDB ignores subdirectories of its own directory.
constexpr char kStagingDirName[] = "commit-staging";

// Why each option is set as it is:
rocksdb::IngestExternalFileOptions IngestOptions() {
  rocksdb::IngestExternalFileOptions o;
  // Hard-link the staged file into the database instead of copying it.
  // Ingestion then syncs the linked file and the database directory itself
  // (it does not trust the caller to have done so), and the MANIFEST record
  // is synced, so a crash after the call returns loses nothing.
  o.move_files = true;
  // Our keys overlap what is stored (next_seq in every batch, invoices and
  // trails again and again), so the files need a sequence number above
  // everything in the database, and they must win over older versions of
  // the same keys: no ingest_behind.
  o.allow_global_seqno = true;
  o.ingest_behind = false;
  // When a file's key range overlaps a memtable (the small batches' commits
  // are there until flushed), RocksDB flushes that memtable first, inside
  // the call. Refusing instead would make a large commit after small ones
  // fail; the flush is the price (see BENCHMARKS.md).
  o.allow_blocking_flush = true;
  // The sequence number lives in the MANIFEST only, as RocksDB recommends
  // for databases that never go back to a RocksDB before 5.16: no rewrite
  // of the file in place.
  o.write_global_seqno = false;
  // The files were written by this process a moment ago and every block
  // carries its checksum, checked when it is read; reading them all back
  // here would cost a second pass over the batch.
  o.verify_checksums_before_ingest = false;
  return o;
}

}  // namespace

std::string CommitIngester::StagingDir(const std::string& ledger_dir) {
  return (fs::path(ledger_dir) / kStagingDirName).string();
}

void CommitIngester::RemoveStaged(const std::string& ledger_dir) {
  std::error_code ec;
  fs::remove_all(StagingDir(ledger_dir), ec);  // best effort: the files are never read
}

CommitIngester::CommitIngester(const rocksdb::Options& options, const std::string& ledger_dir)
    : options_(options), dir_(StagingDir(ledger_dir)) {}

rocksdb::Status CommitIngester::Stage(rocksdb::ColumnFamilyHandle* cf, std::string_view name,
                                      std::initializer_list<const PutList*> lists) {
  size_t entries_count = 0;
  for (const PutList* list : lists) entries_count += list->count();
  if (entries_count == 0) return rocksdb::Status::OK();
  if (args_.empty()) {
    std::error_code ec;
    fs::create_directories(dir_, ec);
    if (ec) return rocksdb::Status::IOError("cannot create " + dir_, ec.message());
  }
  const std::string path = (fs::path(dir_) / (std::string(name) + ".sst")).string();
  // The page cache keeps the file: ingestion reads its bounds right away.
  rocksdb::SstFileWriter writer(rocksdb::EnvOptions(options_), options_, cf, /*invalidate_page_cache=*/false);
  rocksdb::Status s = writer.Open(path);
  if (!s.ok()) return s;
  // Merge: each round takes the smallest key at the head of any list and
  // the last entry holding it, over all lists in order.
  std::vector<size_t> at(lists.size(), 0);
  size_t written = 0;
  for (;;) {
    std::string_view key;
    bool any = false;
    size_t i = 0;
    for (const PutList* list : lists) {
      if (at[i] < list->count() && (!any || list->key(at[i]) < key)) {
        key = list->key(at[i]);
        any = true;
      }
      ++i;
    }
    if (!any) break;
    std::string_view value;
    i = 0;
    for (const PutList* list : lists) {
      for (; at[i] < list->count() && list->key(at[i]) == key; ++at[i]) value = list->value(at[i]);
      ++i;
    }
    s = writer.Put(rocksdb::Slice(key.data(), key.size()), rocksdb::Slice(value.data(), value.size()));
    if (!s.ok()) return s;
    ++written;
  }
  assert(written > 0);
  assert(written <= entries_count);
  s = writer.Finish();  // syncs the file
  if (!s.ok()) return s;
  rocksdb::IngestExternalFileArg arg;
  arg.column_family = cf;
  arg.external_files.push_back(path);
  arg.options = IngestOptions();
  args_.push_back(std::move(arg));
  return rocksdb::Status::OK();
}

rocksdb::Status CommitIngester::Ingest(rocksdb::DB* db) {
  assert(!args_.empty());
  rocksdb::Status s = db->IngestExternalFiles(args_);
  // On success RocksDB has removed the staged links itself; on failure it
  // has removed whatever it linked into the database, and we remove ours.
  Discard();
  return s;
}

void CommitIngester::Discard() {
  args_.clear();
  std::error_code ec;
  std::vector<fs::path> staged;
  for (fs::directory_iterator it(dir_, ec), end; !ec && it != end; it.increment(ec)) staged.push_back(it->path());
  for (const fs::path& path : staged) fs::remove(path, ec);  // best effort: RemoveStaged at the next open
}

}  // namespace cashmatch::io
