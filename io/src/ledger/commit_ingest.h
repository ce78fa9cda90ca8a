// Internal: commits a large settlement batch without the memtable, for
// Ledger::CommitBatch.
//
// A WriteBatch costs RocksDB one skiplist insert per key, and Debian's
// librocksdb checks every insert with its assertions on (BENCHMARKS.md,
// "Ledger commit"). Above LedgerOptions::commit_ingest_keys_min keys, the
// batch is written instead as one SST file per column family
// (rocksdb::SstFileWriter, keys in order) and the files are ingested in one
// DB::IngestExternalFiles call, which records them in the MANIFEST as one
// atomic group: after a crash or an error either every column family has
// its file or none does (rocksdb/db.h). The files are staged in a
// subdirectory of the ledger and hard-linked into it, not copied.
//
// Example (what Ledger::CommitBatch does):
//   CommitIngester& in = ...;             // one per writing Ledger
//   in.Stage(events_cf, "events", {&w.events});
//   in.Stage(index_cf, "index", {&w.trails, &w.index});
//   ...
//   rocksdb::Status s = in.Ingest(db);    // all staged files, or none
//
// Thread safety: none; a Ledger has one and uses it from its one thread.
#pragma once

#include <rocksdb/db.h>
#include <rocksdb/options.h>

#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

namespace cashmatch::io {

class PutList;

class CommitIngester {
 public:
  // The staging directory, inside the ledger directory `ledger_dir`.
  static std::string StagingDir(const std::string& ledger_dir);
  // Removes what a commit that crashed between writing its files and
  // ingesting them left behind. Call with the ledger's lock held.
  static void RemoveStaged(const std::string& ledger_dir);

  // `options`: the database and column family options the ledger was
  // opened with (the files must use the same comparator and table format).
  CommitIngester(const rocksdb::Options& options, const std::string& ledger_dir);

  // Writes the entries of `lists`, all bound for `cf`, into one SST file:
  // merged in key order, each key once. Of equal keys the one in the later
  // list, or put later into the same list, wins, as in a WriteBatch. Lists
  // must be in key order already (PutList::Sort). Nothing is staged when
  // the lists are empty (an SST file cannot be empty).
  rocksdb::Status Stage(rocksdb::ColumnFamilyHandle* cf, std::string_view name,
                        std::initializer_list<const PutList*> lists);
  // Ingests every staged file in one atomic call and forgets them; on
  // failure removes them, so nothing of the batch is left anywhere.
  rocksdb::Status Ingest(rocksdb::DB* db);
  // Removes the staged files without ingesting them.
  void Discard();

 private:
  rocksdb::Options options_;
  std::string dir_;
  std::vector<rocksdb::IngestExternalFileArg> args_;
};

}  // namespace cashmatch::io
