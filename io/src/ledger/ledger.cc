#include "cashmatch/io/ledger.h"

#include <openssl/rand.h>
#include <rocksdb/db.h>
#include <rocksdb/env.h>
#include <rocksdb/options.h>
#include <rocksdb/cache.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/slice_transform.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cassert>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "cashmatch/engine/hints.h"
#include "book_index.h"
#include "codec.h"
#include "commit_ingest.h"
#include "commit_writer.h"
#include "customer_keys.h"
#include "keys.h"

namespace cashmatch::io {
namespace {

namespace fs = std::filesystem;

const char* const kColumnFamilies[] = {"default", "events", "invoices", "payments", "customers", "index", "meta"};
constexpr char kMetaSchema[] = "schema_version";
constexpr char kMetaNextSeq[] = "next_seq";
constexpr char kMetaFpKey[] = "fingerprint_key";
// With a key kept outside the ledger: a check value of that key (the
// fingerprint it gives a fixed text), never the key itself.
constexpr char kMetaFpKeyCheck[] = "fingerprint_key_check";
constexpr char kFingerprintKeyEnv[] = "CASHMATCH_FINGERPRINT_KEY_FILE";
constexpr size_t kFingerprintKeyBytesMin = 32;
// The block cache (data blocks of every column family) and the memtables'
// budget: with the tables' index and filter blocks, what RocksDB holds.
constexpr size_t kBlockCacheBytes = size_t{256} << 20;
constexpr size_t kMemtablesBytes = size_t{256} << 20;

std::string BatchKey(const std::string& idem) { return Key2(kMetaBatch, idem); }

// The file holding the fingerprint key when it is kept outside the ledger
// (LedgerOptions::fingerprint_key_file, else the environment), or "".
std::string FingerprintKeyFile(const LedgerOptions& options) {
  if (!options.fingerprint_key_file.empty()) return options.fingerprint_key_file;
  const char* env = std::getenv(kFingerprintKeyEnv);
  return env != nullptr ? std::string(env) : std::string();
}

Result<std::string> ReadFingerprintKey(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return Status::InvalidInput("cannot read the fingerprint key file " + path + " (" + kFingerprintKeyEnv + ")");
  std::string key((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (key.size() < kFingerprintKeyBytesMin) {
    return Status::InvalidInput(path + ": a fingerprint key file holds at least " +
                                std::to_string(kFingerprintKeyBytesMin) + " random bytes; this one has " +
                                std::to_string(key.size()));
  }
  return key;
}

std::string FingerprintKeyCheck(const std::string& key) {
  return Fingerprinter(key).Account("cashmatch fingerprint key check");
}

Status FromRocks(const rocksdb::Status& s, const std::string& what) {
  if (s.ok()) return Status::Ok();
  if (s.IsIOError() && s.ToString().find("lock") != std::string::npos) {
    return Status::LedgerBusy(what + ": the ledger is in use by another process (" + s.ToString() + ")");
  }
  if (s.IsCorruption()) return Status::LedgerCorrupt(what + ": " + s.ToString());
  if (s.IsNoSpace()) return Status::IOError(what + ": no space left on device; nothing was committed");
  return Status::IOError(what + ": " + s.ToString());
}

// What CheckDirectory found at a ledger path.
enum class DirState {
  kLedger,           // a RocksDB database with every column family
  kNone,             // nothing, or an empty directory: create one there
  kNoCurrent,        // half-created: RocksDB's first files, no CURRENT
  kPartialFamilies,  // half-created: a database with some of our column families, all empty
};

Status HalfCreated(const std::string& dir, const std::string& what) {
  return Status::LedgerCorrupt(dir + " is a half-created ledger (" + what + "; an earlier creation was interrupted): " +
                               "run `cashmatch init --db " + dir + "` or `cashmatch load` to finish it");
}

bool AllDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// The files RocksDB writes while it creates a database, before its CURRENT
// file exists: LOG (and old LOGs), LOCK, IDENTITY, MANIFEST-N, OPTIONS-N,
// their N.dbtmp drafts, and an empty write-ahead log N.log. A database's
// data can only be reached through CURRENT, and nothing is written to its
// WAL before CURRENT is there, so a directory of only these (the WALs
// empty) provably holds nothing. Anything else (a table file, a non-empty
// WAL, a file of another name, a subdirectory) and it is not ours to touch.
bool IsRocksDbCreationFile(const fs::directory_entry& entry) {
  std::error_code ec;
  if (!entry.is_regular_file(ec) || entry.is_symlink(ec)) return false;
  const std::string name = entry.path().filename().string();
  if (name == "LOG" || name == "LOCK" || name == "IDENTITY" || name.starts_with("LOG.old.")) return true;
  if (name.ends_with(".dbtmp")) {
    std::string_view stem = std::string_view(name).substr(0, name.size() - 6);
    if (stem.starts_with("OPTIONS-")) stem.remove_prefix(8);
    return AllDigits(stem);
  }
  for (const char* prefix : {"MANIFEST-", "OPTIONS-"}) {
    if (name.starts_with(prefix)) return AllDigits(std::string_view(name).substr(std::strlen(prefix)));
  }
  if (name.ends_with(".log")) return AllDigits(name.substr(0, name.size() - 4)) && entry.file_size(ec) == 0 && !ec;
  return false;
}

// Whether `dir` (not empty, no CURRENT) holds only RocksDB's creation files.
bool HoldsOnlyCreationFiles(const std::string& dir) {
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; it != end; it.increment(ec)) {
    if (ec || !IsRocksDbCreationFile(*it)) return false;
  }
  return !ec;
}

// Whether every column family of the database in `dir` is empty (read
// only: nothing is changed to find out).
Result<bool> DatabaseIsEmpty(const std::string& dir, const std::vector<std::string>& families) {
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (const std::string& cf : families) descriptors.emplace_back(cf, rocksdb::ColumnFamilyOptions());
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s = rocksdb::DB::OpenForReadOnly(rocksdb::DBOptions(), dir, descriptors, &handles, &raw);
  if (!s.ok()) return FromRocks(s, "cannot read " + dir);
  std::unique_ptr<rocksdb::DB> db(raw);
  bool empty = true;
  for (rocksdb::ColumnFamilyHandle* h : handles) {
    std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), h));
    it->SeekToFirst();
    if (it->Valid() || !it->status().ok()) empty = false;
  }
  for (rocksdb::ColumnFamilyHandle* h : handles) (void)db->DestroyColumnFamilyHandle(h);
  return empty;
}

// A RocksDB database whose column families are not all ours. An older
// cashmatch created them one by one after the database itself, so a kill
// could leave some: that is half-created when the families it has are all
// ours, at least one besides RocksDB's "default" (an empty database of
// only "default" is anybody's), and every one is empty.
Status CheckFamilies(const std::string& dir, const std::vector<std::string>& families, DirState* state) {
  const std::set<std::string> ours(std::begin(kColumnFamilies), std::end(kColumnFamilies));
  const std::set<std::string> have(families.begin(), families.end());
  bool foreign = false;
  for (const std::string& cf : have) foreign = foreign || ours.count(cf) == 0;
  if (!foreign && have.size() > 1) {
    Result<bool> empty = DatabaseIsEmpty(dir, families);
    if (!empty.ok()) return empty.status();
    if (empty.value()) {
      *state = DirState::kPartialFamilies;
      return Status::Ok();
    }
  }
  for (const char* cf : kColumnFamilies) {
    if (have.count(cf) == 0) {
      return Status::LedgerCorrupt(dir + " is a RocksDB database but not a cashmatch ledger (no '" + std::string(cf) +
                                   "' column family)");
    }
  }
  *state = DirState::kLedger;
  return Status::Ok();
}

// A directory that holds something other than a cashmatch ledger is
// refused before RocksDB can create files in it; one a killed creation
// left half-made is recognised (and finished only when `create`).
Status CheckDirectory(const std::string& dir, bool read_only, bool create, DirState* state) {
  std::error_code ec;
  const bool can_create = create && !read_only;
  if (fs::exists(fs::path(dir) / "CURRENT", ec)) {
    std::vector<std::string> families;
    rocksdb::Status s = rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), dir, &families);
    if (!s.ok()) return FromRocks(s, dir).WithContext("cannot read ledger");
    CASHMATCH_RETURN_IF_ERROR(CheckFamilies(dir, families, state));
    if (*state == DirState::kPartialFamilies && !can_create) {
      return HalfCreated(dir, "an empty database with only some of the ledger's column families");
    }
    return Status::Ok();
  }
  *state = DirState::kNone;
  // Something that is there but is not a ledger is named as such, whatever
  // the command; only a missing (or empty) directory is "no ledger".
  if (fs::exists(dir, ec)) {
    if (!fs::is_directory(dir, ec)) return Status::LedgerCorrupt(dir + " is not a cashmatch ledger (not a directory)");
    if (!fs::is_empty(dir, ec)) {
      if (!HoldsOnlyCreationFiles(dir)) {
        return Status::LedgerCorrupt(dir +
                                     " is not a cashmatch ledger (the directory holds other files); refusing to "
                                     "write into it");
      }
      if (!can_create) return HalfCreated(dir, "RocksDB's first files, no CURRENT");
      *state = DirState::kNoCurrent;
      return Status::Ok();
    }
  }
  if (!can_create) {
    return Status::LedgerCorrupt("no ledger at " + dir + " (create one with `cashmatch load` or `cashmatch init`)");
  }
  return Status::Ok();
}

// Removes what a killed creation left in `dir` (HoldsOnlyCreationFiles),
// file by file: the directory itself stays, for the new ledger to be
// renamed onto.
Status RemoveCreationFiles(const std::string& dir) {
  std::error_code ec;
  std::vector<fs::path> files;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (!IsRocksDbCreationFile(*it)) return Status::LedgerCorrupt(dir + " changed while it was being finished");
    files.push_back(it->path());
  }
  for (const fs::path& f : files) {
    if (!ec) fs::remove(f, ec);
  }
  if (ec) return Status::IOError("cannot finish the half-created ledger " + dir + ": " + ec.message());
  return Status::Ok();
}

// How long a staging directory of a creation must have been left alone
// before another creation removes it; see RemoveAbandonedStaging.
constexpr auto kStagingAbandonedAfter = std::chrono::minutes(1);

// Whether `name` is exactly ".<target>.cashmatch-new-XXXXXX" (mkdtemp's
// six letters and digits).
bool IsStagingName(const std::string& name, const std::string& target) {
  const std::string prefix = "." + target + ".cashmatch-new-";
  if (name.size() != prefix.size() + 6 || !name.starts_with(prefix)) return false;
  return std::all_of(name.begin() + prefix.size(), name.end(),
                     [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; });
}

// Staging directories of earlier creations of `target` in `parent` that a
// kill left behind. One is removed only when nothing uses it: it is not
// locked (a creation in progress holds RocksDB's LOCK in it from its open
// to its close, as RocksDB itself decides whether a database is in use),
// and it has not changed for a minute (covering the instants before that
// open and between the close and the rename, when a live creation holds no
// lock). Nothing else is touched: only exact names, only next to the
// target, best effort (a leftover costs disk space, never correctness).
void RemoveAbandonedStaging(const fs::path& parent, const std::string& target, rocksdb::Env* env) {
  std::error_code ec;
  const auto now = fs::file_time_type::clock::now();
  std::vector<fs::path> abandoned;
  for (fs::directory_iterator it(parent, ec), end; !ec && it != end; it.increment(ec)) {
    if (!IsStagingName(it->path().filename().string(), target)) continue;
    std::error_code e;
    if (it->is_symlink(e) || !it->is_directory(e)) continue;
    const auto changed = fs::last_write_time(it->path(), e);
    if (e || now - changed < kStagingAbandonedAfter) continue;
    rocksdb::FileLock* lock = nullptr;
    if (!env->LockFile((it->path() / "LOCK").string(), &lock).ok()) continue;  // in use
    (void)env->UnlockFile(lock);
    abandoned.push_back(it->path());
  }
  for (const fs::path& path : abandoned) fs::remove_all(path, ec);
}

}  // namespace

Status Ledger::FromRocksStatus(const rocksdb::Status& s) { return FromRocks(s, "ledger"); }

Ledger::~Ledger() {
  // After a failed write RocksDB may be in its background-error state:
  // nothing more is asked of it but to close (the WAL has every commit).
  if (db_ != nullptr && !options_.read_only && !options_.follow && write_error_.ok()) {
    // What the memtables hold is safe in the synced WAL, but the next open
    // would replay it key by key into new memtables (after a large load,
    // seconds of every following apply). Writing it out as tables now
    // costs less; if that fails the WAL is still there.
    rocksdb::FlushOptions fo;
    fo.wait = true;
    rocksdb::Status s = db_->Flush(fo, handles_);
    (void)s;
  }
  if (db_ != nullptr) {
    for (auto* h : handles_) {
      rocksdb::Status s = db_->DestroyColumnFamilyHandle(h);
      assert(s.ok());
      (void)s;
    }
    db_.reset();
  }
  if (!secondary_dir_.empty()) {
    std::error_code ec;
    fs::remove_all(secondary_dir_, ec);
  }
}

Result<std::unique_ptr<Ledger>> Ledger::Open(const std::string& dir, const LedgerOptions& options) {
  DirState state = DirState::kLedger;
  const bool read_only = options.read_only || options.follow;
  CASHMATCH_RETURN_IF_ERROR(CheckDirectory(dir, read_only, options.create_if_missing, &state));
  if (state == DirState::kPartialFamilies) {
    // Finished in place, as the older cashmatch would have: its missing
    // column families and its meta keys. Killed again, it is still
    // half-created, and recognised again.
    auto finished = OpenAt(dir, options, /*create=*/true);
    if (finished.ok()) finished.value()->finished_half_created_ = true;
    return finished;
  }
  // Left by a kill before its CURRENT: its files go, and the ledger is
  // created anew over the directory.
  const bool finishing = state == DirState::kNoCurrent;
  if (finishing) CASHMATCH_RETURN_IF_ERROR(RemoveCreationFiles(dir));
  if (state != DirState::kLedger) CASHMATCH_RETURN_IF_ERROR(Create(dir, options));
  auto opened = OpenAt(dir, options, /*create=*/false);
  if (opened.ok() && finishing) opened.value()->finished_half_created_ = true;
  return opened;
}

// A new ledger is made whole in a sibling directory and renamed into place
// (over `dir` if that is an empty directory): a process killed while
// creating it leaves `dir` as it was, never a half-made ledger that every
// later command would refuse. What it leaves is the sibling
// ".<name>.cashmatch-new-XXXXXX", which nothing reads and the next
// creation of the same ledger removes (RemoveAbandonedStaging).
Status Ledger::Create(const std::string& dir, const LedgerOptions& options) {
  fs::path target = fs::path(dir).lexically_normal();
  if (target.filename().empty()) target = target.parent_path();
  const fs::path parent = target.has_parent_path() ? target.parent_path() : fs::path(".");
  RemoveAbandonedStaging(parent, target.filename().string(),
                         options.env != nullptr ? options.env : rocksdb::Env::Default());
  std::string staging = (parent / ("." + target.filename().string() + ".cashmatch-new-XXXXXX")).string();
  if (::mkdtemp(staging.data()) == nullptr) {
    return Status::IOError("cannot create ledger " + dir + ": cannot make a directory in " + parent.string() + ": " +
                           std::strerror(errno));
  }
  auto made = OpenAt(staging, options, /*create=*/true);
  if (!made.ok()) {
    std::error_code ec;
    fs::remove_all(staging, ec);
    return made.status().WithContext("cannot create ledger " + dir);
  }
  made.value().reset();  // closed: every file written and synced
  if (std::rename(staging.c_str(), target.c_str()) != 0) {
    Status s = Status::IOError("cannot create ledger " + dir + ": cannot move it into place: " + std::strerror(errno));
    std::error_code ec;
    fs::remove_all(staging, ec);
    return s;
  }
  // The rename is durable once the parent directory is synced.
  const int fd = ::open(parent.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd < 0 || ::fsync(fd) != 0) {
    if (fd >= 0) ::close(fd);
    return Status::IOError("cannot sync directory " + parent.string() + " after creating ledger " + dir);
  }
  ::close(fd);
  return Status::Ok();
}

Result<std::unique_ptr<Ledger>> Ledger::OpenAt(const std::string& dir, const LedgerOptions& options, bool create) {
  rocksdb::Options db_options;
  const bool read_only = options.read_only || options.follow;
  assert(!(create && read_only));
  db_options.create_if_missing = create;
  db_options.create_missing_column_families = create;
  if (options.env != nullptr) db_options.env = options.env;
  if (options.scratch) {
    db_options.allow_fallocate = false;
    db_options.max_file_opening_threads = 1;
  }
  db_options.info_log_level = rocksdb::InfoLogLevel::WARN_LEVEL;
  db_options.keep_log_file_num = 2;
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  rocksdb::ColumnFamilyOptions cf_options(db_options);
  // A commit puts each column family's keys in key order (CommitWriter).
  // With a hint, the memtable starts each insert's search from where the
  // previous insert of the same prefix (here the first byte: the index
  // kind) went and climbs only as far as needed; without one it searches
  // from the top unless the key lands right after the previous one.
  cf_options.memtable_insert_with_hint_prefix_extractor.reset(rocksdb::NewFixedPrefixTransform(1));
  // Reads: LoadBook makes several point lookups per payment, many of them
  // misses (a payment id not seen before, a number the index lacks). A
  // whole-key bloom filter answers most misses without reading a block.
  // Data blocks go through one block cache shared by every column family,
  // and the memtables of all column families share one budget. Index and
  // filter blocks stay with their open tables (RocksDB's default): about
  // 1.5% of the ledger's size. In the block cache, a ledger of a million
  // invoices evicted and re-read them on nearly every lookup (load_book
  // took 7x as long).
  rocksdb::BlockBasedTableOptions table_options;
  table_options.block_cache = rocksdb::NewLRUCache(kBlockCacheBytes);
  table_options.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  cf_options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table_options));
  db_options.db_write_buffer_size = kMemtablesBytes;
  for (const char* cf : kColumnFamilies) descriptors.emplace_back(cf, cf_options);

  std::unique_ptr<Ledger> ledger(new Ledger());
  ledger->options_ = options;
  ledger->dir_ = dir;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s;
  if (options.follow) {
    // A secondary instance keeps its own small directory of info logs; it
    // tails the writer's MANIFEST and WAL without taking the lock.
    std::string templ = (fs::temp_directory_path() / "cashmatch-follow-XXXXXX").string();
    if (::mkdtemp(templ.data()) == nullptr)
      return Status::IOError("cannot create a temporary directory to follow " + dir);
    ledger->secondary_dir_ = templ;
    db_options.max_open_files = -1;  // required by secondary instances
    s = rocksdb::DB::OpenAsSecondary(db_options, dir, templ, descriptors, &ledger->handles_, &raw);
  } else if (options.read_only) {
    s = rocksdb::DB::OpenForReadOnly(db_options, dir, descriptors, &ledger->handles_, &raw);
  } else {
    s = rocksdb::DB::Open(db_options, dir, descriptors, &ledger->handles_, &raw);
  }
  if (!s.ok()) return FromRocks(s, "cannot open ledger " + dir);
  ledger->db_.reset(raw);
  assert(ledger->handles_.size() == 7);
  ledger->events_ = ledger->handles_[1];
  ledger->invoices_ = ledger->handles_[2];
  ledger->payments_ = ledger->handles_[3];
  ledger->customers_ = ledger->handles_[4];
  ledger->index_ = ledger->handles_[5];
  ledger->meta_ = ledger->handles_[6];
  CASHMATCH_RETURN_IF_ERROR(ledger->LoadMeta(create));
  if (!read_only) {
    ledger->commit_writer_ = std::make_unique<CommitWriter>();
    // We hold the lock: whatever is staged is from a commit that never
    // reached IngestExternalFiles, or whose links RocksDB did not remove.
    CommitIngester::RemoveStaged(dir);
    ledger->commit_ingester_ = std::make_unique<CommitIngester>(rocksdb::Options(db_options, cf_options), dir);
  }
  return ledger;
}

Status Ledger::Get(rocksdb::ColumnFamilyHandle* cf, const std::string& key, std::string* value, bool* found) const {
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), cf, key, value);
  *found = s.ok();
  if (s.IsNotFound()) return Status::Ok();
  return FromRocks(s, "ledger read");
}

Status Ledger::MultiGet(rocksdb::ColumnFamilyHandle* cf, const std::vector<std::string>& keys,
                        std::vector<std::string>* values, std::vector<char>* found) const {
  values->assign(keys.size(), std::string());
  found->assign(keys.size(), 0);
  if (keys.empty()) return Status::Ok();
  std::vector<rocksdb::Slice> slices(keys.begin(), keys.end());
  std::vector<rocksdb::PinnableSlice> pinned(keys.size());
  std::vector<rocksdb::Status> statuses(keys.size());
  db_->MultiGet(rocksdb::ReadOptions(), cf, keys.size(), slices.data(), pinned.data(), statuses.data(),
                std::is_sorted(keys.begin(), keys.end()));
  for (size_t i = 0; i < keys.size(); ++i) {
    if (statuses[i].IsNotFound()) continue;
    if (!statuses[i].ok()) return FromRocks(statuses[i], "ledger read");
    (*found)[i] = 1;
    (*values)[i].assign(pinned[i].data(), pinned[i].size());
  }
  return Status::Ok();
}

Status Ledger::FindInvoiceIds(char kind, const std::set<std::string>& groups, std::vector<std::string>* invoice_ids,
                              std::set<std::string>* missing) const {
  if (resident_ != nullptr) {
    std::string id;
    bool found = false;
    for (const std::string& group : groups) {
      CASHMATCH_RETURN_IF_ERROR(resident_->FindInvoiceId(kind, group, &id, &found));
      if (found) {
        invoice_ids->push_back(id);
      } else if (missing != nullptr) {
        missing->insert(group);
      }
    }
    return Status::Ok();
  }
  std::vector<std::string> keys, values;
  std::vector<char> present;
  for (const std::string& group : groups) keys.push_back(Key2(kind, group));
  CASHMATCH_RETURN_IF_ERROR(MultiGet(index_, keys, &values, &present));
  for (size_t i = 0; i < keys.size(); ++i) {
    if (present[i]) {
      invoice_ids->push_back(std::move(values[i]));
    } else if (missing != nullptr) {
      missing->insert(keys[i].substr(2));
    }
  }
  return Status::Ok();
}

Status Ledger::EnableResidentBook() {
  assert(!options_.read_only && !options_.follow);
  resident_.reset();
  CASHMATCH_RETURN_IF_ERROR(CheckBookComplete());
  Result<std::unique_ptr<BookIndex>> built = BookIndex::Build(db_.get(), invoices_, customers_);
  if (!built.ok()) return built.status().WithContext("cannot build the resident book of ledger " + dir_);
  resident_ = std::move(built).value();
  return Status::Ok();
}

ResidentBookStats Ledger::resident_book_stats() const {
  if (resident_ == nullptr) return {};
  const BookIndexStats s = resident_->stats();
  return ResidentBookStats{s.invoices_count, s.customers_count, s.postings_count, s.bytes, s.build_seconds};
}

Status Ledger::CheckResidentBook() const {
  if (resident_ == nullptr) return Status::Ok();
  return resident_->CheckAgainst(db_.get(), invoices_, customers_);
}

Status Ledger::LoadInvoicesById(std::vector<std::string> invoice_ids, bool open_only, OpenBook& book,
                                std::set<std::string>* loaded_invoices, std::set<std::string>* customer_ids) const {
  std::erase_if(invoice_ids, [&](const std::string& id) { return loaded_invoices->count(id) != 0; });
  std::sort(invoice_ids.begin(), invoice_ids.end());
  invoice_ids.erase(std::unique(invoice_ids.begin(), invoice_ids.end()), invoice_ids.end());
  std::vector<std::string> values;
  std::vector<char> found;
  if (resident_ != nullptr) {
    resident_->GetInvoiceRecords(invoice_ids, &values, &found);
  } else {
    CASHMATCH_RETURN_IF_ERROR(MultiGet(invoices_, invoice_ids, &values, &found));
  }
  for (size_t i = 0; i < invoice_ids.size(); ++i) {
    if (!found[i]) return Status::LedgerCorrupt("index names invoice '" + invoice_ids[i] + "' which is not stored");
    Invoice inv;
    CASHMATCH_RETURN_IF_ERROR(codec::DecodeInvoice(values[i], &inv));
    // Checked after it is read back: the record is the one its key names,
    // in a currency, never below zero.
    if (inv.invoice_id != invoice_ids[i] || inv.currency == nullptr || inv.amount_open_minor < 0) {
      return Status::LedgerCorrupt("invoice record under '" + invoice_ids[i] +
                                   "' is malformed (another id, no currency or open below zero)");
    }
    if (open_only && !inv.is_open()) continue;
    if (customer_ids != nullptr) customer_ids->insert(inv.customer_id);
    loaded_invoices->insert(inv.invoice_id);
    book.AddInvoice(std::move(inv));
  }
  return Status::Ok();
}

Status Ledger::LoadMeta(bool created) {
  std::string value;
  bool found = false;
  CASHMATCH_RETURN_IF_ERROR(Get(meta_, kMetaSchema, &value, &found));
  if (!found && !created) {
    // An older cashmatch wrote the schema version in the first write after
    // creating the database: a kill in between left it without one, and
    // with nothing else either. Only such a database is half-created.
    bool empty = false;
    CASHMATCH_RETURN_IF_ERROR(IsEmpty(&empty));
    if (!empty) return Status::LedgerCorrupt(dir_ + ": ledger has no schema version");
    if (!options_.create_if_missing || options_.read_only || options_.follow) {
      return HalfCreated(dir_, "a database with no schema version and nothing in it");
    }
    created = finished_half_created_ = true;
  }
  if (!found) {
    // A new ledger: schema version, sequence and a fresh fingerprint key,
    // or the check value of the key kept outside it.
    rocksdb::WriteBatch wb;
    wb.Put(meta_, kMetaSchema, codec::BigEndian64(kSchemaVersion));
    wb.Put(meta_, kMetaNextSeq, codec::BigEndian64(1));
    const std::string key_file = FingerprintKeyFile(options_);
    if (!key_file.empty()) {
      Result<std::string> key = ReadFingerprintKey(key_file);
      if (!key.ok()) return key.status();
      wb.Put(meta_, kMetaFpKeyCheck, FingerprintKeyCheck(key.value()));
    } else {
      unsigned char key[32];
      if (RAND_bytes(key, sizeof(key)) != 1) return Status::IOError("cannot draw a random fingerprint key");
      wb.Put(meta_, kMetaFpKey, std::string(reinterpret_cast<char*>(key), sizeof(key)));
    }
    rocksdb::WriteOptions wo;
    wo.sync = true;
    CASHMATCH_RETURN_IF_ERROR(FromRocks(db_->Write(wo, &wb), "cannot initialize ledger " + dir_));
    CASHMATCH_RETURN_IF_ERROR(Get(meta_, kMetaSchema, &value, &found));
  }
  if (value.size() != 8) return Status::LedgerCorrupt(dir_ + ": malformed schema version");
  uint64_t version = codec::FromBigEndian64(value);
  if (version == 0) return Status::LedgerCorrupt(dir_ + ": malformed schema version");
  if (version > kSchemaVersion) {
    return Status::Unsupported(dir_ + ": ledger has schema version " + std::to_string(version) +
                               ", newer than this cashmatch (" + std::to_string(kSchemaVersion) +
                               "); upgrade cashmatch to open it");
  }
  schema_version_ = version;
  if (version < kSchemaVersion && !options_.read_only && !options_.follow) {
    CASHMATCH_RETURN_IF_ERROR(UpgradeSchema(version));
    schema_version_ = kSchemaVersion;
  }
  CASHMATCH_RETURN_IF_ERROR(Get(meta_, kMetaNextSeq, &value, &found));
  if (!found || value.size() != 8) return Status::LedgerCorrupt(dir_ + ": missing sequence counter");
  next_seq_ = codec::FromBigEndian64(value);
  CASHMATCH_RETURN_IF_ERROR(LoadFingerprintKey());
  CASHMATCH_RETURN_IF_ERROR(Get(meta_, kMetaLoadPending, &value, &found));
  interrupted_load_ = found ? value : std::string();
  return Status::Ok();
}

Status Ledger::IsEmpty(bool* empty) const {
  *empty = true;
  for (rocksdb::ColumnFamilyHandle* h : handles_) {
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), h));
    it->SeekToFirst();
    CASHMATCH_RETURN_IF_ERROR(FromRocks(it->status(), "ledger scan"));
    if (it->Valid()) *empty = false;
  }
  return Status::Ok();
}

// The fingerprint key: the ledger's own (meta), or the one in the key file
// named by LedgerOptions::fingerprint_key_file or CASHMATCH_FINGERPRINT_KEY_FILE,
// whose check value the ledger keeps. A key that does not give the stored
// check value is refused: it would fingerprint every account differently,
// and no payer would be recognised by account again.
Status Ledger::LoadFingerprintKey() {
  std::string value;
  bool found = false;
  const std::string key_file = FingerprintKeyFile(options_);
  CASHMATCH_RETURN_IF_ERROR(Get(meta_, kMetaFpKey, &value, &found));
  if (found) {
    if (value.size() != 32) return Status::LedgerCorrupt(dir_ + ": malformed fingerprint key");
    if (!key_file.empty()) {
      return Status::InvalidInput("ledger " + dir_ + " keeps its own fingerprint key; the key file " + key_file + " (" +
                                  kFingerprintKeyEnv + ") would fingerprint accounts differently: unset it");
    }
    fingerprinter_ = std::make_unique<Fingerprinter>(value);
    return Status::Ok();
  }
  CASHMATCH_RETURN_IF_ERROR(Get(meta_, kMetaFpKeyCheck, &value, &found));
  if (!found) return Status::LedgerCorrupt(dir_ + ": missing fingerprint key");
  if (key_file.empty()) {
    return Status::InvalidInput("ledger " + dir_ + " fingerprints accounts with a key kept outside it: set " +
                                kFingerprintKeyEnv + " to its key file");
  }
  Result<std::string> key = ReadFingerprintKey(key_file);
  if (!key.ok()) return key.status();
  if (FingerprintKeyCheck(key.value()) != value) {
    return Status::InvalidInput("the key in " + key_file + " is not the fingerprint key of ledger " + dir_ +
                                " (its check value differs); refusing to fingerprint accounts with it");
  }
  fingerprinter_ = std::make_unique<Fingerprinter>(key.value());
  return Status::Ok();
}

Status Ledger::UpgradeSchema(uint64_t version) {
  // Schema 1 differs from 2 only in its audit-trail keys: one per event,
  // with an empty value, which this version reads as a group of one. So the
  // ledger is read as it is; before this process writes grouped trails it
  // is marked, so that an older cashmatch refuses it instead of reading
  // only the first event of every group.
  // Schema 3 adds the looser invoice keys and the customer keys (name
  // tokens, Stripe customer ids, parent -> child): every stored invoice and
  // customer gets them before the mark is written, so a crash in between
  // redoes the backfill.
  // Schema 4 adds the whole-name customer keys ('N') and changes the
  // tolerant key (look-alike letters read as digits), which the PO key is
  // made of: the 't' and 'o' keys are dropped and written again with the
  // rest. Dropping and putting are idempotent, so a crash before the mark
  // redoes the whole upgrade at the next open.
  assert(version >= 1 && version < kSchemaVersion);
  (void)version;
  CASHMATCH_RETURN_IF_ERROR(DropIndexKind(kIndexTolerant));
  CASHMATCH_RETURN_IF_ERROR(DropIndexKind(kIndexPurchaseOrder));
  CASHMATCH_RETURN_IF_ERROR(BackfillLooseIndex());
  CASHMATCH_RETURN_IF_ERROR(BackfillCustomerIndex());
  rocksdb::WriteOptions wo;
  wo.sync = true;
  return FromRocks(db_->Put(wo, meta_, kMetaSchema, codec::BigEndian64(kSchemaVersion)),
                   "cannot upgrade ledger " + dir_ + " to schema " + std::to_string(kSchemaVersion));
}

Status Ledger::DropIndexKind(char kind) {
  // Every key starting "<kind>\0", deleted one by one in bounded writes.
  // Not DeleteRange: the index column family inserts with a prefix hint
  // (memtable_insert_with_hint_prefix_extractor), which RocksDB does not
  // support together with range tombstones.
  constexpr size_t kDeletesPerWrite = 4096;
  const std::string prefix{kind, '\0'};
  const std::string what = std::string("cannot drop the '") + kind + "' keys of ledger " + dir_;
  rocksdb::WriteOptions wo;
  wo.sync = options_.sync;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), index_));
  rocksdb::WriteBatch wb;
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    wb.Delete(index_, it->key());
    if (wb.Count() == kDeletesPerWrite) {
      CASHMATCH_RETURN_IF_ERROR(FromRocks(db_->Write(wo, &wb), what));
      wb.Clear();
    }
  }
  CASHMATCH_RETURN_IF_ERROR(FromRocks(it->status(), what));
  return wb.Count() == 0 ? Status::Ok() : FromRocks(db_->Write(wo, &wb), what);
}

Result<std::optional<CommittedBatch>> Ledger::FindBatch(const std::string& idempotency_key) const {
  std::string value;
  bool found = false;
  CASHMATCH_RETURN_IF_ERROR(Get(meta_, BatchKey(idempotency_key), &value, &found));
  if (!found) return std::optional<CommittedBatch>();
  CommittedBatch b;
  CASHMATCH_RETURN_IF_ERROR(codec::DecodeBatch(value, &b));
  return std::optional<CommittedBatch>(b);
}

Result<std::unique_ptr<OpenBook>> Ledger::LoadBook(const BookRequest& req) const {
  CASHMATCH_RETURN_IF_ERROR(CheckBookComplete());
  auto book = std::make_unique<OpenBook>();
  std::set<std::string> customer_ids;
  std::set<std::string> loaded_by_number;
  std::set<std::string> missing_numbers;  // strict keys the number index lacks: looked up loosely
  // Point lookups go through MultiGet, a batch per kind in key order:
  // RocksDB then reads each block once for all the keys in it.
  std::vector<std::string> keys;
  std::vector<std::string> values;
  std::vector<char> present;
  keys.assign(req.payment_ids.begin(), req.payment_ids.end());
  CASHMATCH_RETURN_IF_ERROR(MultiGet(payments_, keys, &values, &present));
  for (size_t i = 0; i < keys.size(); ++i) {
    if (present[i]) book->AddCommittedPayment(keys[i]);
  }
  keys.clear();
  for (const std::string& rk : req.return_keys) keys.push_back(Key2(kMetaReturnKind, rk));
  CASHMATCH_RETURN_IF_ERROR(MultiGet(meta_, keys, &values, &present));
  for (size_t i = 0; i < keys.size(); ++i) {
    if (present[i]) book->AddCommittedReturn(keys[i].substr(2));
  }
  std::vector<std::string> invoice_ids;
  CASHMATCH_RETURN_IF_ERROR(FindInvoiceIds(kIndexNumber, req.invoice_numbers, &invoice_ids, &missing_numbers));
  CASHMATCH_RETURN_IF_ERROR(
      LoadInvoicesById(std::move(invoice_ids), /*open_only=*/false, *book, &loaded_by_number, &customer_ids));
  invoice_ids.clear();
  CASHMATCH_RETURN_IF_ERROR(FindInvoiceIds(kIndexStripeInvoice, req.stripe_invoice_ids, &invoice_ids, nullptr));
  CASHMATCH_RETURN_IF_ERROR(
      LoadInvoicesById(std::move(invoice_ids), /*open_only=*/false, *book, &loaded_by_number, &customer_ids));
  CASHMATCH_RETURN_IF_ERROR(LoadLooseReferences(req, missing_numbers, *book, &loaded_by_number, &customer_ids));
  // The payers: by account, Stripe customer id and name, with the
  // children of each (ledger/payers.cc).
  CASHMATCH_RETURN_IF_ERROR(LoadPayerCustomers(req, *book, &customer_ids));
  CASHMATCH_RETURN_IF_ERROR(LoadReturnedPayments(req, *book, &loaded_by_number, &customer_ids));
  CASHMATCH_RETURN_IF_ERROR(LoadWaitingPayouts(req, *book));
  // Every open invoice of every customer the batch can be paying: payments
  // without a usable reference are matched on amount against these
  // (single invoice, then bounded subset-sum). The 'c' index is sorted by
  // customer, and so is customer_ids: one iterator seeks forward from
  // customer to customer.
  invoice_ids.clear();
  if (resident_ != nullptr) {
    std::vector<std::string> ids;
    bool more = false;
    for (const std::string& id : customer_ids) {
      CASHMATCH_RETURN_IF_ERROR(resident_->Scan(kIndexCustomerInvoice, id, SIZE_MAX, &ids, &more));
      invoice_ids.insert(invoice_ids.end(), std::make_move_iterator(ids.begin()), std::make_move_iterator(ids.end()));
    }
  } else {
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), index_));
    std::string prefix;
    for (const std::string& id : customer_ids) {
      prefix = Key2(kIndexCustomerInvoice, id);
      prefix.push_back('\0');
      for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
        invoice_ids.push_back(it->key().ToString().substr(prefix.size()));
      }
    }
    CASHMATCH_RETURN_IF_ERROR(FromRocks(it->status(), "ledger index scan"));
  }
  CASHMATCH_RETURN_IF_ERROR(
      LoadInvoicesById(std::move(invoice_ids), /*open_only=*/true, *book, &loaded_by_number, nullptr));
  keys.assign(customer_ids.begin(), customer_ids.end());
  if (resident_ != nullptr) {
    resident_->GetCustomerRecords(keys, &values, &present);
  } else {
    CASHMATCH_RETURN_IF_ERROR(MultiGet(customers_, keys, &values, &present));
  }
  for (size_t i = 0; i < keys.size(); ++i) {
    if (!present[i]) return Status::LedgerCorrupt("customer '" + keys[i] + "' is referenced but not stored");
    Customer c;
    CASHMATCH_RETURN_IF_ERROR(codec::DecodeCustomer(values[i], &c));
    book->AddCustomer(std::move(c));
  }
  book->Seal();
  return book;
}

// Stripe payout halves still waiting for the other, of the currencies and
// amounts the batch can link: one prefix scan per (currency, amount).
Status Ledger::LoadWaitingPayouts(const BookRequest& req, OpenBook& book) const {
  std::string prefix, value;
  bool found = false;
  for (const auto* wanted : {&req.payouts_wanted, &req.bank_lines_wanted}) {
    const char kind = wanted == &req.payouts_wanted ? kIndexPayout : kIndexPayoutBankLine;
    for (const auto& [ccy, amount] : *wanted) {
      if (amount < 0) continue;
      prefix.clear();
      AppendPayoutKey(&prefix, kind, ccy, amount, "");
      std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), index_));
      for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
        PayoutLink link;
        CASHMATCH_RETURN_IF_ERROR(codec::DecodePayoutLink(it->value().ToStringView(), &link));
        if (link.linked()) continue;
        if (kind == kIndexPayout) {
          book.AddWaitingPayout(std::move(link));
          continue;
        }
        CASHMATCH_RETURN_IF_ERROR(Get(payments_, link.bank_payment_id, &value, &found));
        if (!found)
          return Status::LedgerCorrupt("index names bank line '" + link.bank_payment_id + "' which is not stored");
        PaymentRecord rec;
        CASHMATCH_RETURN_IF_ERROR(codec::DecodePayment(value, &rec));
        book.AddWaitingBankLine(std::move(link), std::move(rec));
      }
      CASHMATCH_RETURN_IF_ERROR(FromRocks(it->status(), "ledger index scan"));
    }
  }
  return Status::Ok();
}

Status Ledger::LoadSettledPayment(const std::string& payment_id, const std::string& value,
                                  SettledPayment* settled) const {
  CASHMATCH_RETURN_IF_ERROR(codec::DecodePayment(value, &settled->record));
  // Net applications and holds per invoice, in the order each was first
  // made.
  std::map<std::string, size_t> applied_at, held_at;
  auto add = [](std::map<std::string, size_t>& at, std::vector<Application>& list, const std::string& invoice_id,
                int64_t amount) {
    auto [it, inserted] = at.emplace(invoice_id, list.size());
    if (inserted) list.push_back(Application{invoice_id, 0});
    list[it->second].amount_minor += amount;
  };
  return ForEachEventOf(Subject::kPayment, payment_id, [&](const Event& e) {
    if (e.invoice_id.empty()) return true;
    const bool reversed = e.type == EventType::kReversed;
    if (e.type == EventType::kApplied || (reversed && e.from == CashBucket::kApplied)) {
      add(applied_at, settled->applications, e.invoice_id, reversed ? -e.amount_minor : e.amount_minor);
    } else if (e.type == EventType::kHeld) {
      add(held_at, settled->holds, e.invoice_id, e.amount_minor);
    } else if (e.type == EventType::kReleased || (reversed && e.from == CashBucket::kHeld)) {
      add(held_at, settled->holds, e.invoice_id, -e.amount_minor);
    }
    return true;
  });
}

Result<std::unique_ptr<OpenBook>> Ledger::LoadReleasableHolds(const std::set<std::string>& only_invoices,
                                                              std::vector<HoldRelease>* holds,
                                                              std::vector<std::string>* still_reconciling) const {
  CASHMATCH_RETURN_IF_ERROR(CheckBookComplete());
  auto book = std::make_unique<OpenBook>();
  std::string prefix = Key2(kIndexHold, "");
  std::vector<std::pair<std::string, std::string>> pairs;  // invoice, payment
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), index_));
  for (const std::string& invoice_id : only_invoices.empty() ? std::set<std::string>{""} : only_invoices) {
    std::string scan = invoice_id.empty() ? prefix : Key2(kIndexHold, invoice_id) + std::string(1, '\0');
    for (it->Seek(scan); it->Valid() && it->key().starts_with(scan); it->Next()) {
      std::string_view rest = it->key().ToStringView().substr(prefix.size());
      const size_t sep = rest.find('\0');
      if (sep == std::string_view::npos) return Status::LedgerCorrupt("malformed hold index key");
      pairs.emplace_back(std::string(rest.substr(0, sep)), std::string(rest.substr(sep + 1)));
    }
    CASHMATCH_RETURN_IF_ERROR(FromRocks(it->status(), "ledger hold index scan"));
  }
  std::string value;
  bool found = false;
  std::optional<Invoice> invoice;  // of the pairs' current invoice
  for (const auto& [invoice_id, payment_id] : pairs) {
    CASHMATCH_RETURN_IF_ERROR(Get(payments_, payment_id, &value, &found));
    if (!found) return Status::LedgerCorrupt("hold index names payment '" + payment_id + "' which is not stored");
    SettledPayment settled;
    CASHMATCH_RETURN_IF_ERROR(LoadSettledPayment(payment_id, value, &settled));
    int64_t held = 0;  // released or returned holds leave their key behind
    for (const Application& h : settled.holds) held += h.invoice_id == invoice_id ? h.amount_minor : 0;
    if (held <= 0) continue;
    if (!invoice.has_value() || invoice->invoice_id != invoice_id) {
      CASHMATCH_RETURN_IF_ERROR(Get(invoices_, invoice_id, &value, &found));
      if (!found) return Status::LedgerCorrupt("hold index names invoice '" + invoice_id + "' which is not stored");
      invoice.emplace();
      CASHMATCH_RETURN_IF_ERROR(codec::DecodeInvoice(value, &*invoice));
      if (invoice->usage_status == UsageStatus::kFinal) {
        book->AddInvoice(*invoice);
      } else {
        still_reconciling->push_back(invoice_id);
      }
    }
    if (invoice->usage_status != UsageStatus::kFinal) continue;
    holds->push_back(HoldRelease{settled.record, invoice_id, held});
  }
  book->Seal();
  return book;
}

Status Ledger::LoadReturnedPayments(const BookRequest& req, OpenBook& book, std::set<std::string>* loaded_invoices,
                                    std::set<std::string>* customer_ids) const {
  std::string value;
  bool found = false;
  for (const std::string& ref : req.returned_payment_refs) {
    // By payment id first, then by the bank's reference.
    std::string payment_id = ref;
    CASHMATCH_RETURN_IF_ERROR(Get(payments_, payment_id, &value, &found));
    if (!found) {
      CASHMATCH_RETURN_IF_ERROR(Get(index_, Key2(kIndexReference, ref), &payment_id, &found));
      if (!found) continue;
      CASHMATCH_RETURN_IF_ERROR(Get(payments_, payment_id, &value, &found));
      if (!found)
        return Status::LedgerCorrupt("reference index names payment '" + payment_id + "' which is not stored");
    }
    SettledPayment settled;
    CASHMATCH_RETURN_IF_ERROR(LoadSettledPayment(payment_id, value, &settled));
    std::vector<Application> touched = settled.applications;
    touched.insert(touched.end(), settled.holds.begin(), settled.holds.end());
    for (const Application& a : touched) {
      if (!loaded_invoices->insert(a.invoice_id).second) continue;
      CASHMATCH_RETURN_IF_ERROR(Get(invoices_, a.invoice_id, &value, &found));
      if (!found) continue;  // the ERP removed it since; the matcher reports what it cannot undo
      Invoice inv;
      CASHMATCH_RETURN_IF_ERROR(codec::DecodeInvoice(value, &inv));
      customer_ids->insert(inv.customer_id);
      book.AddInvoice(std::move(inv));
    }
    book.AddSettledPayment(ref, std::move(settled));
  }
  return Status::Ok();
}

Result<CommittedBatch> Ledger::CommitBatch(const SettlementBatch& batch, BatchOutcome& outcome) {
  assert(!options_.read_only);
  assert(!options_.follow);
  assert(!batch.idempotency_key.empty());
  CASHMATCH_RETURN_IF_ERROR(write_error_);
  CommittedBatch record;
  record.batch_id = batch.batch_id;
  record.source_name = batch.source_name;
  record.first_seq = next_seq_;
  record.payment_count = static_cast<uint32_t>(outcome.payments.size());
  uint64_t seq = next_seq_;
  for (Event& e : outcome.events) e.seq = seq++;
  record.last_seq = seq - 1;

  // Everything of the batch goes into one write, a WriteBatch or one
  // ingestion: events, their audit trails and review-queue keys (so they
  // can never disagree after a crash), the new state, the idempotency key
  // and the sequence counter.
  CommitWriter& w = *commit_writer_;
  w.Clear();
  w.AddEvents(outcome.events);
  w.AddInvoices(outcome.invoice_updates);
  w.AddPayments(outcome.payments);
  w.AddPayoutLinks(outcome.payout_links);
  for (const Reversal& r : batch.reversals) {
    AppendIndexKey(&w.meta.Key(), kMetaReturnKind, ReturnIdempotencyKey(r));
    w.meta.Value().append(r.reversal_id);
  }
  w.meta.Key().append(BatchKey(batch.idempotency_key));
  w.meta.Value().append(codec::EncodeBatch(record));
  w.meta.Key().append(kMetaNextSeq);
  codec::AppendBigEndian64(seq, &w.meta.Value());
  const bool ingest = w.keys_count() >= options_.commit_ingest_keys_min;
  Status s = ingest ? CommitByIngestion(batch.batch_id) : CommitInWriteBatch(batch.batch_id);
  // Either path, once failed, ends this Ledger's writes. A failed write
  // through the WAL may leave RocksDB in its background-error state; so may
  // a failed ingestion (it flushes memtables and writes the MANIFEST, and
  // RocksDB undoes only the files it linked). Asking RocksDB for more after
  // that (another commit, the flush at close) is what reached its
  // assertions on a full disk; the staged files are already removed.
  if (!s.ok()) {
    resident_.reset();  // reads go to the ledger itself from now on
    return LatchWriteError(s);
  }
  if (ingest) ++ingested_commits_count_;
  // The commit is durable: the resident book takes the invoices it rewrote.
  // Should that fail (a bug: a commit never adds invoices nor renumbers
  // one), the index is dropped and LoadBook reads the ledger again.
  if (resident_ != nullptr && !resident_->UpdateInvoices(outcome.invoice_updates).ok()) resident_.reset();
  // Invariant: the sequence is gapless and increasing across commits.
  assert(seq >= next_seq_);
  assert(record.last_seq + 1 == seq);
  next_seq_ = seq;
  return record;
}

Status Ledger::LatchWriteError(const Status& s) {
  assert(!s.ok());
  if (s.code() == StatusCode::kIOError || s.code() == StatusCode::kLedgerCorrupt) {
    const std::string what = "ledger " + dir_ + " refuses further writes after a failed write (" + s.message() +
                             "); reopen it once the cause is fixed";
    write_error_ = s.code() == StatusCode::kIOError ? Status::IOError(what) : Status::LedgerCorrupt(what);
  }
  return s;
}

Status Ledger::CommitInWriteBatch(const std::string& batch_id) {
  CommitWriter& w = *commit_writer_;
  rocksdb::WriteBatch wb(w.batch_bytes() + 64);
  w.events.PutInOrder(&wb, events_);
  w.trails.PutInOrder(&wb, index_);
  w.index.PutSorted(&wb, index_);
  w.invoices.PutSorted(&wb, invoices_);
  w.payments.PutSorted(&wb, payments_);
  w.meta.PutSorted(&wb, meta_);
  rocksdb::WriteOptions wo;
  wo.sync = options_.sync;
  return FromRocks(db_->Write(wo, &wb), "cannot commit batch " + batch_id);
}

Status Ledger::CommitByIngestion(const std::string& batch_id) {
  CommitWriter& w = *commit_writer_;
  CommitIngester& in = *commit_ingester_;
  // Events and trails are built in key order; the rest is sorted here.
  w.events.CloseLast();
  w.trails.CloseLast();
  for (PutList* list : {&w.index, &w.invoices, &w.payments, &w.meta}) list->Sort();
  rocksdb::Status s = in.Stage(events_, "events", {&w.events});
  // Trails and the other index keys share a column family, so one file;
  // trails first, as in the WriteBatch.
  if (s.ok()) s = in.Stage(index_, "index", {&w.trails, &w.index});
  if (s.ok()) s = in.Stage(invoices_, "invoices", {&w.invoices});
  if (s.ok()) s = in.Stage(payments_, "payments", {&w.payments});
  if (s.ok()) s = in.Stage(meta_, "meta", {&w.meta});
  if (s.ok()) {
    s = in.Ingest(db_.get());
  } else {
    in.Discard();
  }
  return FromRocks(s, "cannot commit batch " + batch_id);
}

Status Ledger::ForEachEvent(uint64_t since, const std::function<bool(const Event&)>& fn) const {
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), events_));
  Event e;
  for (it->Seek(codec::BigEndian64(since + 1)); it->Valid(); it->Next()) {
    e = Event();
    CASHMATCH_RETURN_IF_ERROR(codec::DecodeEvent(it->value().ToStringView(), &e));
    if (e.seq != codec::FromBigEndian64(it->key().ToStringView())) {
      return Status::LedgerCorrupt("event stored under seq " +
                                   std::to_string(codec::FromBigEndian64(it->key().ToStringView())) +
                                   " says it is seq " + std::to_string(e.seq));
    }
    if (!fn(e)) break;
  }
  return FromRocks(it->status(), "ledger event scan");
}

Result<LedgerSummary> Ledger::Summarize() const {
  LedgerSummary sum;
  {
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), payments_));
    PaymentRecord p;
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      p = PaymentRecord();
      CASHMATCH_RETURN_IF_ERROR(codec::DecodePayment(it->value().ToStringView(), &p));
      CurrencySummary& c = sum.by_currency[std::string(p.currency->code())];
      if (p.status == PaymentStatus::kPayout || p.reason == ExceptionReason::kPayoutPending) {
        // The bank line of a Stripe payout: its charges were received one by one.
        c.payout_lines_minor += p.amount_minor;
        continue;
      }
      ++c.payments_count;
      c.received_minor += p.amount_minor;
      c.applied_minor += p.applied_minor;
      c.unapplied_minor += p.unapplied_minor;
      c.held_minor += p.held_minor;
      if (p.status == PaymentStatus::kException) ++c.exceptions_count;
      c.exceptions_minor += p.exception_minor;
    }
    CASHMATCH_RETURN_IF_ERROR(FromRocks(it->status(), "ledger payment scan"));
  }
  {
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), invoices_));
    Invoice inv;
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      inv = Invoice();
      CASHMATCH_RETURN_IF_ERROR(codec::DecodeInvoice(it->value().ToStringView(), &inv));
      ++sum.invoices_count;
      if (!inv.is_open()) continue;
      CurrencySummary& c = sum.by_currency[std::string(inv.currency->code())];
      ++c.open_invoices_count;
      c.open_minor += inv.amount_open_minor;
    }
    CASHMATCH_RETURN_IF_ERROR(FromRocks(it->status(), "ledger invoice scan"));
  }
  {
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), customers_));
    for (it->SeekToFirst(); it->Valid(); it->Next()) ++sum.customers_count;
    CASHMATCH_RETURN_IF_ERROR(FromRocks(it->status(), "ledger customer scan"));
  }
  {
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), meta_));
    std::string prefix = Key2(kMetaBatch, "");
    for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) ++sum.batches_count;
    CASHMATCH_RETURN_IF_ERROR(FromRocks(it->status(), "ledger batch scan"));
  }
  sum.events_count = next_seq_ - 1;
  return sum;
}

namespace {

template <typename T>
Status DecodeAny(std::string_view in, T* out);
template <>
Status DecodeAny<Invoice>(std::string_view in, Invoice* out) {
  return codec::DecodeInvoice(in, out);
}
template <>
Status DecodeAny<PaymentRecord>(std::string_view in, PaymentRecord* out) {
  return codec::DecodePayment(in, out);
}
template <>
Status DecodeAny<Customer>(std::string_view in, Customer* out) {
  return codec::DecodeCustomer(in, out);
}

}  // namespace

template <typename T>
Result<std::optional<T>> Ledger::GetRecord(rocksdb::ColumnFamilyHandle* cf, const std::string& id) const {
  std::string value;
  bool found = false;
  CASHMATCH_RETURN_IF_ERROR(Get(cf, id, &value, &found));
  if (!found) return std::optional<T>();
  T record;
  CASHMATCH_RETURN_IF_ERROR(DecodeAny<T>(value, &record));
  return std::optional<T>(std::move(record));
}

Result<std::optional<Invoice>> Ledger::GetInvoice(const std::string& id) const {
  return GetRecord<Invoice>(invoices_, id);
}
Result<std::optional<PaymentRecord>> Ledger::GetPayment(const std::string& id) const {
  return GetRecord<PaymentRecord>(payments_, id);
}
Result<std::optional<Customer>> Ledger::GetCustomer(const std::string& id) const {
  return GetRecord<Customer>(customers_, id);
}

// Walks index keys "<kind>\0<group>\0<id>" in order and hands the record
// stored under <id> in `target` to fn.
template <typename T>
Status Ledger::ScanByPrefix(char kind, rocksdb::ColumnFamilyHandle* target,
                            const std::function<bool(const T&)>& fn) const {
  std::string prefix = Key2(kind, "");
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), index_));
  std::string value;
  T record;
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    std::string_view key = it->key().ToStringView();
    size_t sep = key.find('\0', prefix.size());
    if (sep == std::string_view::npos) return Status::LedgerCorrupt("malformed index key");
    std::string id(key.substr(sep + 1));
    bool found = false;
    CASHMATCH_RETURN_IF_ERROR(Get(target, id, &value, &found));
    if (!found) return Status::LedgerCorrupt("index names '" + id + "' which is not stored");
    record = T();
    CASHMATCH_RETURN_IF_ERROR(DecodeAny<T>(value, &record));
    if (!fn(record)) break;
  }
  return FromRocks(it->status(), "ledger index scan");
}

Status Ledger::ForEachInvoiceByCustomer(const std::function<bool(const Invoice&)>& fn) const {
  return ScanByPrefix<Invoice>(kIndexCustomerInvoice, invoices_, fn);
}

Status Ledger::ForEachPaymentByCustomer(const std::function<bool(const PaymentRecord&)>& fn) const {
  return ScanByPrefix<PaymentRecord>(kIndexCustomerPayment, payments_, fn);
}

Status Ledger::ForEachEventOf(Subject subject, const std::string& id,
                              const std::function<bool(const Event&)>& fn) const {
  std::string prefix = Key2(TrailKind(subject), id);
  prefix.push_back('\0');
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), index_));
  std::vector<uint64_t> seqs;
  std::string value;
  Event e;
  uint64_t last_seq = 0;
  // One key per batch that touched the subject (schema 1: per event); keys
  // go by the batch's first seq, and batches never interleave, so the
  // trail comes out in seq order.
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    std::string_view seq_bytes = it->key().ToStringView().substr(prefix.size());
    if (seq_bytes.size() != 8) return Status::LedgerCorrupt("malformed audit-trail key");
    CASHMATCH_RETURN_IF_ERROR(
        codec::DecodeTrailSeqs(it->value().ToStringView(), codec::FromBigEndian64(seq_bytes), &seqs));
    if (seqs.front() <= last_seq) return Status::LedgerCorrupt("audit trail of '" + id + "' is out of order");
    last_seq = seqs.back();
    for (uint64_t seq : seqs) {
      bool found = false;
      CASHMATCH_RETURN_IF_ERROR(Get(events_, codec::BigEndian64(seq), &value, &found));
      if (!found) return Status::LedgerCorrupt("audit trail of '" + id + "' names a missing event");
      e = Event();
      CASHMATCH_RETURN_IF_ERROR(codec::DecodeEvent(value, &e));
      if (!fn(e)) return Status::Ok();
    }
  }
  return FromRocks(it->status(), "ledger audit-trail scan");
}

Status Ledger::ForEachException(const std::function<bool(const Event&)>& fn) const {
  std::string prefix = Key2(kIndexException, "");
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), index_));
  std::string value;
  Event e;
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    std::string_view key = it->key().ToStringView();
    if (key.size() < 8) return Status::LedgerCorrupt("malformed review-queue key");
    std::string seq_bytes(key.substr(key.size() - 8));
    bool found = false;
    CASHMATCH_RETURN_IF_ERROR(Get(events_, seq_bytes, &value, &found));
    if (!found) return Status::LedgerCorrupt("review queue names a missing event");
    e = Event();
    CASHMATCH_RETURN_IF_ERROR(codec::DecodeEvent(value, &e));
    if (!fn(e)) break;
  }
  return FromRocks(it->status(), "ledger review-queue scan");
}

Status Ledger::CatchUp() {
  assert(options_.follow);
  CASHMATCH_RETURN_IF_ERROR(FromRocks(db_->TryCatchUpWithPrimary(), "cannot follow ledger " + dir_));
  std::string value;
  bool found = false;
  CASHMATCH_RETURN_IF_ERROR(Get(meta_, kMetaNextSeq, &value, &found));
  if (found && value.size() == 8) next_seq_ = codec::FromBigEndian64(value);
  return Status::Ok();
}

}  // namespace cashmatch::io
