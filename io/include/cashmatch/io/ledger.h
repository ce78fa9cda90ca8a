// File: cashmatch/io/ledger.h
//
// The RocksDB ledger (DESIGN.md §5). Column families:
//   events     big-endian seq -> encoded Event
//   invoices   invoice_id -> encoded Invoice (current state)
//   payments   payment_id -> encoded PaymentRecord (current state)
//   customers  customer_id -> encoded Customer
//   index      secondary keys, each kind a one-letter prefix:
//              "n\0<number>" -> invoice_id
//              "a\0<account fp>\0<customer_id>" -> ""
//              "m\0<name token>\0<customer_id>" -> "" (every token of the
//                customer's normalized name and aliases, payer_name.h)
//              "N\0<normalized name>\0<customer_id>" -> "" (the whole
//                normalized name and each alias, PayerName::text: found
//                exactly, or by a prefix seek for a cut name; schema 4)
//              "u\0<stripe customer id>\0<customer_id>" -> ""
//              "h\0<parent_id>\0<customer_id>" -> "" (bill-to hierarchy)
//              "c\0<customer_id>\0<invoice_id>" -> ""
//              "p\0<customer_id>\0<payment_id>" -> ""
//              "I\0<invoice_id>\0<seq>", "P\0<payment_id>\0<seq>",
//              "C\0<customer_id>\0<seq>" -> the seqs of every event of one
//                batch that touched the subject, <seq> being the first
//                (audit trails; one key per subject and batch, see
//                codec::AppendTrailSeqs; schema 1 had one key per event)
//              "x\0<currency>\0<inverted amount>\0<seq>" -> "" (review queue)
//              "r\0<bank reference or end-to-end id>" -> payment_id (returns name it)
//              "s\0<stripe invoice id>" -> invoice_id
//              "H\0<invoice_id>\0<payment_id>" -> "" (cash was held against the
//                invoice; the payment's trail says how much is still held)
//              "y\0<currency>\0<big-endian amount>\0<payout id>" -> PayoutLink:
//                a Stripe payout; waiting for its bank line until linked
//              "Y\0<currency>\0<big-endian amount>\0<bank payment id>" ->
//                PayoutLink: a bank line waiting for its payout until linked
//              "t\0<tolerant key>\0<invoice_id>" -> "" (the number without
//                prefix, punctuation or leading zeros; may be shared)
//              "d\0<string>\0<invoice_id>" -> "" for each string of the
//                deletion neighbourhood of the number's body: the typo index
//              "o\0<PO key>\0<invoice_id>" -> ""
//              (the keys of cashmatch/engine/invoice_keys.h; schema 3)
//   meta       schema version, next sequence, fingerprint key (or only its
//              check value when the key is kept outside: fingerprint_key_file),
//              "b\0<idempotency key>" -> committed batch record,
//              "R\0<return idempotency key>" -> return id (ReturnIdempotencyKey),
//              "load_pending" -> "<load id> <sources>" of an unfinished load
// (every kind is named once, in io/src/ledger/keys.h)
//
// Every settlement batch is committed in one write, synced, with its
// idempotency key: one WriteBatch, or for a large batch one atomic
// ingestion of an SST file per column family (commit_ingest_keys_min).
// Either way a batch is wholly in the ledger or not at all,
// and committing the same key twice is refused by FindBatch beforehand.
//
// Thread safety: one writer process at a time (RocksDB's LOCK file; a second
// opener gets kLedgerBusy). Within the process, calls are not synchronized:
// use a Ledger from one thread. A read-only Ledger may run beside a writer.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "cashmatch/engine/book.h"
#include "cashmatch/engine/event.h"
#include "cashmatch/engine/match.h"
#include "cashmatch/engine/status.h"
#include "cashmatch/io/digest.h"
#include "cashmatch/io/progress.h"

namespace rocksdb {
class DB;
class ColumnFamilyHandle;
class Iterator;
class Env;
class Status;
}  // namespace rocksdb

namespace cashmatch::io {

class CommitWriter;    // internal: builds a commit's WriteBatch
class CommitIngester;  // internal: commits a large batch as ingested SST files
class PutList;         // internal: one column family's puts of a WriteBatch
class BookIndex;       // internal: the resident book index (io/src/ledger/book_index.h)

struct LedgerOptions {
  // See commit_ingest_keys_min.
  static constexpr uint64_t kDefaultCommitIngestKeysMin = 30000;
  // Open for reading only (reports, export beside a running writer).
  // Default: false.
  bool read_only = false;
  // Create the ledger when `dir` holds none (it may be absent or an empty
  // directory). Only `load` and `init` create: any other command given a
  // mistyped --db must fail, not start an empty ledger. Ignored when
  // read-only. Default: false.
  bool create_if_missing = false;
  // Sync the write-ahead log on every commit. Off only in benchmarks that
  // measure the engine without the disk. A batch committed by ingestion
  // (commit_ingest_keys_min) is synced whatever this says. Default: true.
  bool sync = true;
  // Follow a ledger another process writes (export --follow): opened as a
  // RocksDB secondary instance that CatchUp() brings up to date. Implies
  // read-only. Default: false.
  bool follow = false;
  // A file of at least 32 random bytes holding the key that fingerprints
  // bank accounts, kept outside the ledger (the ledger stores only a check
  // value, so a wrong key is refused). "" for the environment variable
  // CASHMATCH_FINGERPRINT_KEY_FILE, and when that is unset too the ledger
  // keeps a random key of its own in its meta column family. Which one a
  // ledger uses is fixed when it is created. Default: "".
  std::string fingerprint_key_file;
  // A throwaway ledger on tmpfs (the pipeline fuzzer opens a copy of a tiny
  // ledger per input): RocksDB does not preallocate the files it writes,
  // and opens table files on one thread. Preallocation (fallocate of the
  // WAL and of each table file to about 70 MB) is metadata on a disk but
  // allocates and zeroes memory on tmpfs: 15 ms a file, most of the cost
  // of a small commit. A parallel open of table files starts 16 threads
  // per column family. Default: false.
  bool scratch = false;
  // The environment RocksDB does its I/O through; nullptr for the default.
  // Tests inject failing environments (disk full) here. Default: nullptr.
  rocksdb::Env* env = nullptr;
  // A batch that writes at least this many keys is committed as one SST
  // file per column family, ingested in one atomic call, instead of through
  // the memtable and the WAL (io/src/commit_ingest.h). Below it the
  // WriteBatch is faster: ingestion has a fixed cost of about 10 ms here
  // (a synced file per column family, a directory sync, a MANIFEST write,
  // and a flush of any memtable the batch overlaps), and every ingestion
  // adds files to level 0 for compaction to merge. Measured synced, in the
  // matcher's shape (about 9 keys per payment, BM_LedgerCommitSize): the
  // WriteBatch wins below about 10,000 keys, the two tie in wall time from
  // about 27,000 to 45,000 keys (ingestion using about a third less CPU),
  // and ingestion is about twice as fast at 90,000. 0 ingests every batch
  // (tests). Default: 30,000 (about 3,300 payments).
  uint64_t commit_ingest_keys_min = kDefaultCommitIngestKeysMin;

  // Bounds of the payer-name search in LoadBook (per distinct payer name,
  // whatever the number of customers in the ledger):
  // Customers read per name token. A token more customers share than this
  // ("logistics") is too common to search; customers found through other
  // tokens are still scored on every token. Higher: rarer misses, more
  // reads per payment. Default: 64.
  uint32_t name_postings_count_max = kNamePostingsCountMaxDefault;
  // Tokens of one payer name searched (the first ones in sorted order);
  // the rest count as too common. Default: 8.
  uint32_t name_tokens_count_max = 8;
  // Children loaded with a parent that a payment's account, Stripe id or
  // name identifies, in child id order: the invoices a parent may pay.
  // Default: 64.
  uint32_t children_count_max = 64;

  // A load (UpsertBook) of more rows than this is written in chunks of
  // this many rows, so its memory stays bounded; a smaller one is one
  // atomic write. Default: 50,000.
  size_t load_chunk_rows = 50000;
  // A load (UpsertBook) of at least this many rows ends, once its last
  // write is durable, by compacting the column families it wrote
  // (customers, invoices, index) into one sorted run on the last level, with
  // no level-0 file. Otherwise the applies after a large load pay for
  // compacting the book in the background, again at every level-0 merge
  // until it settles on a lower level (on a 200,000-invoice book nearly
  // 30% of the first day's apply CPU; BENCHMARKS.md "Load leaves a
  // compacted ledger"). Below it the fixed cost (a flush and two MANIFEST
  // writes per family, about 0.1 s here) buys nothing measurable. 0:
  // every load; UINT64_MAX: none (`cashmatch load --no-compact`, to
  // measure what it saves). Default: 10,000.
  uint64_t compact_after_load_rows_min = 10000;
  // Told when a load starts that compaction (the CLI shows it as a phase of
  // its progress). Called on the loading thread. Default: none.
  std::function<void()> on_load_compacting;
};

// The rows of a book load. Each function calls its sink once per row, in
// file order, stopping at the first error; the load calls it again for
// each pass, so it must give the same rows every time (a file read
// anew). Either may be empty. The sources name the rows in messages.
struct BookRows {
  // The passes a load that succeeds makes over each: one that checks, one
  // that writes. The invoices get one or two more when the load needs a
  // confirming look (two ids or numbers with equal hashes; a number that
  // another invoice in the ledger holds). Progress counts on it.
  static constexpr uint32_t kPassesCount = 2;
  std::function<Status(const std::function<Status(Customer&&)>&)> customers;
  std::function<Status(const std::function<Status(Invoice&&)>&)> invoices;
  std::string customers_source = "customers";
  std::string invoices_source = "invoices";
};

// What UpsertBook does when the ledger holds the mark of an unfinished
// chunked load and this load is another one (other rows: the files changed
// since it was interrupted).
enum class OtherUnfinishedLoad : uint8_t {
  // Refuse this load, naming the unfinished one: running that one again is
  // what finishes it.
  kRefuse,
  // Write this load and let it take the mark over (`cashmatch load
  // --abandon-unfinished`): what the unfinished load wrote stays, every row
  // whole (each chunk was one write, each row an upsert by id), and this
  // load's rows are upserted over it. What the abandoned load can leave
  // wrong is only what spanned its chunks: an invoice number or Stripe
  // invoice id it moved to one invoice before the chunk that took it from
  // the other; Verify names such an invoice.
  kAbandon,
};

struct BookLoadStats {
  size_t customers_count = 0;
  size_t invoices_count = 0;
  size_t writes_count = 0;  // RocksDB writes: 1 unless the load was chunked
  // What UnfinishedLoad() said of the other load this one replaced
  // (OtherUnfinishedLoad::kAbandon), or "".
  std::string abandoned_load;
};

// What the resident book index holds (Ledger::EnableResidentBook).
struct ResidentBookStats {
  size_t invoices_count = 0;
  size_t customers_count = 0;
  size_t postings_count = 0;  // index entries: numbers, keys, tokens, customer -> invoice
  size_t bytes = 0;           // heap memory it holds
  double build_seconds = 0;   // to read the ledger and build it
};

// What the ledger remembers of a committed batch.
struct CommittedBatch {
  std::string batch_id;
  std::string source_name;
  uint64_t first_seq = 0;
  uint64_t last_seq = 0;  // == first_seq - 1 when the batch had no events
  uint32_t payment_count = 0;
};

// Per-currency totals for `report summary`.
struct CurrencySummary {
  uint64_t payments_count = 0;
  int64_t received_minor = 0;
  int64_t applied_minor = 0;
  int64_t unapplied_minor = 0;
  int64_t held_minor = 0;
  int64_t written_off_minor = 0;
  int64_t reversed_minor = 0;
  int64_t fees_minor = 0;          // processor fees booked (verify's fold; Summarize leaves it 0)
  int64_t payout_lines_minor = 0;  // bank lines that carried Stripe payouts: not customer cash
  uint64_t exceptions_count = 0;
  int64_t exceptions_minor = 0;
  uint64_t open_invoices_count = 0;
  int64_t open_minor = 0;
};

struct LedgerSummary {
  std::map<std::string, CurrencySummary> by_currency;  // keyed by ISO code
  uint64_t customers_count = 0;
  uint64_t invoices_count = 0;
  uint64_t events_count = 0;
  uint64_t batches_count = 0;
};

// What an audit trail is about.
enum class Subject : uint8_t { kInvoice = 0, kPayment = 1, kCustomer = 2 };

// What `cashmatch verify` found; `ok()` when the books balance.
struct VerifyReport {
  uint64_t events_checked = 0;
  uint64_t payments_checked = 0;
  uint64_t invoices_checked = 0;
  std::map<std::string, CurrencySummary> totals;  // the fold of the events
};

class Ledger {
 public:
  // 3: invoices are also indexed by their tolerant key, their typo
  // neighbourhood and their PO number ('t', 'd', 'o').
  // 2: audit trails have one key per subject and batch, listing its events
  // (1: one key per event).
  // Schema 1 and 2 ledgers are read as they are; when first opened for
  // writing, their invoices are indexed by the schema-3 keys and the ledger
  // is marked 3 (a read-only open of one finds invoices by strict number
  // only).
  // 4: customers are also indexed by their whole normalized names ('N'),
  // and the tolerant key reads look-alike letters as digits
  // (invoice_keys.h), so the 't' and 'o' keys are rebuilt.
  // Schema 1 to 3 ledgers are upgraded when first opened for writing: the
  // missing keys are added (and for 3, the 't' and 'o' keys rewritten)
  // before the ledger is marked 4.
  static constexpr uint32_t kSchemaVersion = 4;

  // Opens the ledger in `dir`; with LedgerOptions::create_if_missing,
  // creates it when absent (whole, or not at all: see Create). Refuses a
  // missing ledger otherwise ("no ledger at DIR", kLedgerCorrupt), a
  // directory that is not a cashmatch ledger, one written by a newer
  // schema, and one held by another process.
  static Result<std::unique_ptr<Ledger>> Open(const std::string& dir, const LedgerOptions& options);
  ~Ledger();
  Ledger(const Ledger&) = delete;
  Ledger& operator=(const Ledger&) = delete;

  const Fingerprinter& fingerprinter() const { return *fingerprinter_; }

  // Upserts customers and invoices by id: UpsertBook(BookRows) over these
  // vectors (one write unless the load is chunked), with the same checks. The source names are used
  // in messages ("customers.csv:7: field 'parent_id': …").
  Status UpsertBook(const std::vector<Customer>& customers, const std::vector<Invoice>& invoices,
                    const std::string& customers_source = "customers", const std::string& invoices_source = "invoices");
  // The same, streaming (io/src/ledger/load.cc). A first pass checks every row
  // (ids unique, customers and parents known, invoice numbers unique in the
  // load and the ledger) and writes nothing if one is wrong. A second pass
  // writes: in one atomic write when the load has at most
  // LedgerOptions::load_chunk_rows rows, else in chunks of that many. A
  // chunked load marks the ledger until its last chunk is written; if it is
  // interrupted, LoadBook and LoadReleasableHolds refuse the ledger (see
  // CheckBookComplete) until the same load is run again. Memory: one chunk
  // plus 16 bytes per invoice and the load's customer ids. `other_unfinished`
  // says what to do when another load is unfinished. A load of
  // LedgerOptions::compact_after_load_rows_min rows or more then compacts
  // what it wrote; if that fails, the rows are still written and durable
  // (the error says so).
  Status UpsertBook(const BookRows& rows, BookLoadStats* stats = nullptr,
                    OtherUnfinishedLoad other_unfinished = OtherUnfinishedLoad::kRefuse);
  // An error naming the interrupted load, if the ledger has one.
  Status CheckBookComplete() const;
  // "a load of <sources> (load <id>) is unfinished", or "" when none is.
  // The id is a hash of the load's rows: only that load, run again to its
  // end, finishes it; UpsertBook refuses any other load meanwhile.
  std::string UnfinishedLoad() const;

  // The batch committed under `idempotency_key`, if any.
  Result<std::optional<CommittedBatch>> FindBatch(const std::string& idempotency_key) const;

  // Cash still held against usage invoices (all, or those in
  // `only_invoices`): holds on invoices now final go to `holds`, with a book
  // holding those invoices; invoices still reconciling are listed.
  Result<std::unique_ptr<OpenBook>> LoadReleasableHolds(const std::set<std::string>& only_invoices,
                                                        std::vector<HoldRelease>* holds,
                                                        std::vector<std::string>* still_reconciling) const;
  // Loads what `req` names into a sealed OpenBook (with the payers found
  // through the index, their children and open invoices, the payments
  // returns name and the payout halves waiting for the batch).
  Result<std::unique_ptr<OpenBook>> LoadBook(const BookRequest& req) const;

  // Commits a batch's outcome atomically: events get consecutive sequence
  // numbers, state is overwritten, the idempotency key is recorded.
  Result<CommittedBatch> CommitBatch(const SettlementBatch& batch, BatchOutcome& outcome);

  // The resident book: reads every invoice and customer record, and the
  // index keys that find them, into memory (io/src/ledger/book_index.h),
  // so that LoadBook answers those reads without RocksDB and its cost no
  // longer grows with the ledger. Worth it to a process that applies many
  // batches: building it reads the whole book once (about a second per
  // million invoices). CommitBatch keeps it up to date; a load in the same
  // process rebuilds it. The ledger on disk stays the source of truth, and
  // LoadBook gives the same book either way. Writable ledgers only.
  Status EnableResidentBook();
  bool resident_book() const { return resident_ != nullptr; }
  // RocksDB's estimate of the invoices stored (overwrites not yet compacted
  // count more than once): what building the resident book would read.
  uint64_t EstimatedInvoicesCount() const { return EstimatedKeysCount(invoices_); }
  ResidentBookStats resident_book_stats() const;
  // Whether the resident book equals one built afresh from the ledger
  // (kInvariantViolated naming the first difference); Ok without one.
  Status CheckResidentBook() const;

  // Calls `fn` for every event with seq > since, in order; stops early when
  // fn returns false. Streams: memory does not grow with the ledger.
  Status ForEachEvent(uint64_t since, const std::function<bool(const Event&)>& fn) const;

  Result<LedgerSummary> Summarize() const;

  // --- Reading for reports. Every scan streams: memory does not grow with
  // the ledger. A callback returning false stops the scan.
  Result<std::optional<Invoice>> GetInvoice(const std::string& invoice_id) const;
  Result<std::optional<PaymentRecord>> GetPayment(const std::string& payment_id) const;
  Result<std::optional<Customer>> GetCustomer(const std::string& customer_id) const;
  // Invoices grouped by customer (customer id order, then invoice id).
  Status ForEachInvoiceByCustomer(const std::function<bool(const Invoice&)>& fn) const;
  // Identified payments grouped by customer.
  Status ForEachPaymentByCustomer(const std::function<bool(const PaymentRecord&)>& fn) const;
  // Every event that touched an invoice, payment or customer, in seq order.
  Status ForEachEventOf(Subject subject, const std::string& id, const std::function<bool(const Event&)>& fn) const;
  // Exception events: by currency, then highest amount first, then seq.
  Status ForEachException(const std::function<bool(const Event&)>& fn) const;

  // Checks the invariants (DESIGN.md §5); the first violation is returned
  // as kInvariantViolated naming what does not balance. `progress` is told
  // of the events, payments and invoices checked, against their number
  // (RocksDB's estimate for payments and invoices until they are counted).
  Status Verify(VerifyReport* report, const ProgressHook& progress = {}) const;

  // With LedgerOptions::follow: sees what the writer committed since.
  Status CatchUp();

  uint64_t last_seq() const { return next_seq_ - 1; }
  // Whether Open found a ledger an interrupted creation had left half-made
  // (by an older cashmatch: some of RocksDB's files and no CURRENT, or a
  // database with nothing in it, not even a schema version) and, with
  // create_if_missing, finished creating it. Without create_if_missing
  // such a directory is refused: "half-created ledger: run `cashmatch init`".
  bool finished_half_created() const { return finished_half_created_; }
  // Commits since Open that took the ingestion path (tests, benchmarks).
  uint64_t ingested_commits_count() const { return ingested_commits_count_; }
  // RocksDB's integer property `property` (e.g. "rocksdb.num-files-at-level0")
  // of the column family `family` ("index", "invoices", ...): tests and
  // benchmarks look at the shape a load leaves. nullopt for an unknown
  // family or property, or one whose value is not a number.
  std::optional<uint64_t> FamilyProperty(std::string_view family, const std::string& property) const;

 private:
  Ledger() = default;
  static Status Create(const std::string& dir, const LedgerOptions& options);
  static Result<std::unique_ptr<Ledger>> OpenAt(const std::string& dir, const LedgerOptions& options, bool create);
  template <typename T>
  Result<std::optional<T>> GetRecord(rocksdb::ColumnFamilyHandle* cf, const std::string& id) const;
  template <typename T>
  Status ScanByPrefix(char kind, rocksdb::ColumnFamilyHandle* target, const std::function<bool(const T&)>& fn) const;
  static Status FromRocksStatus(const rocksdb::Status& s);
  // io/src/ledger/payers.cc
  Status LoadPayerCustomers(const BookRequest& req, OpenBook& book, std::set<std::string>* customer_ids) const;
  // io/src/ledger/ledger.cc: the rest of LoadBook.
  Status LoadReturnedPayments(const BookRequest& req, OpenBook& book, std::set<std::string>* loaded_invoices,
                              std::set<std::string>* customer_ids) const;
  Status LoadWaitingPayouts(const BookRequest& req, OpenBook& book) const;
  // The payment's record with its net applications and holds per invoice.
  Status LoadSettledPayment(const std::string& payment_id, const std::string& value, SettledPayment* settled) const;
  // io/src/ledger/references.cc: the looser lookups of LoadBook, and the
  // schema-3 backfill of their keys.
  Status LoadLooseReferences(const BookRequest& req, const std::set<std::string>& missing_numbers, OpenBook& book,
                             std::set<std::string>* loaded_invoices, std::set<std::string>* customer_ids) const;
  Status ScanLooseKey(rocksdb::Iterator* it, char kind, const std::string& key, size_t scan_max,
                      std::string_view near_body, std::vector<std::string>* invoice_ids, bool* crowded) const;
  Status BackfillIndex(rocksdb::ColumnFamilyHandle* source, const char* what,
                       const std::function<Status(std::string_view value, PutList& entries)>& add);
  Status BackfillLooseIndex();
  // Deletes every index key of `kind` (a schema upgrade rebuilds them).
  Status DropIndexKind(char kind);
  Status BackfillCustomerIndex();
  Status VerifyEvents(VerifyReport* report, ProgressCounter* checked) const;
  Status VerifyPayments(VerifyReport* report, ProgressCounter* checked) const;
  Status VerifyInvoices(VerifyReport* report, ProgressCounter* checked) const;
  // RocksDB's estimate of the keys in `cf` (0 when it has none).
  uint64_t EstimatedKeysCount(rocksdb::ColumnFamilyHandle* cf) const;
  // The index keys an invoice record owns are there and name it.
  Status VerifyInvoiceKeys(const Invoice& inv, const std::string& who) const;
  Status LoadMeta(bool created);
  // Whether no column family holds a key.
  Status IsEmpty(bool* empty) const;
  Status LoadFingerprintKey();
  // io/src/ledger/load.cc: the passes of UpsertBook(BookRows).
  struct LoadCheck;
  struct KeyClaim;
  Status WriteBook(const BookRows& rows, BookLoadStats* stats, OtherUnfinishedLoad other_unfinished);
  Status CheckBookRows(const BookRows& rows, LoadCheck* check) const;
  Status CheckInvoiceAgainstLedger(const Invoice& inv, const std::string& source, std::vector<KeyClaim>* claims) const;
  Status CheckKeyClaims(const BookRows& rows, const std::vector<KeyClaim>& claims) const;
  Status WriteBookRows(const BookRows& rows, const LoadCheck& check, BookLoadStats* stats);
  Status CompactLoadedFamilies(const BookRows& rows);
  // The two ways a built commit reaches RocksDB (CommitBatch).
  Status CommitInWriteBatch(const std::string& batch_id);
  Status CommitByIngestion(const std::string& batch_id);
  Status UpgradeSchema(uint64_t version);
  Status Get(rocksdb::ColumnFamilyHandle* cf, const std::string& key, std::string* value, bool* found) const;
  // Point lookups of many keys in one RocksDB MultiGet: values[i] and
  // found[i] for keys[i].
  Status MultiGet(rocksdb::ColumnFamilyHandle* cf, const std::vector<std::string>& keys,
                  std::vector<std::string>* values, std::vector<char>* found) const;
  // Reads the invoices into `book`, skipping those already in
  // `loaded_invoices` and repeats; with `open_only` settled ones are
  // skipped too. Each loaded id goes into `loaded_invoices`, its customer
  // into `customer_ids` (when not null).
  Status LoadInvoicesById(std::vector<std::string> invoice_ids, bool open_only, OpenBook& book,
                          std::set<std::string>* loaded_invoices, std::set<std::string>* customer_ids) const;
  // The invoice ids under "<kind>\0<group>" ('n', 's') for each group, in
  // group order; the groups without one go to `missing` (when not null).
  Status FindInvoiceIds(char kind, const std::set<std::string>& groups, std::vector<std::string>* invoice_ids,
                        std::set<std::string>* missing) const;

  std::unique_ptr<rocksdb::DB> db_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
  rocksdb::ColumnFamilyHandle* events_ = nullptr;
  rocksdb::ColumnFamilyHandle* invoices_ = nullptr;
  rocksdb::ColumnFamilyHandle* payments_ = nullptr;
  rocksdb::ColumnFamilyHandle* customers_ = nullptr;
  rocksdb::ColumnFamilyHandle* index_ = nullptr;
  rocksdb::ColumnFamilyHandle* meta_ = nullptr;
  LedgerOptions options_;
  std::string dir_;
  std::string secondary_dir_;  // follow mode: RocksDB's secondary instance files
  uint64_t next_seq_ = 1;
  std::string interrupted_load_;              // meta "load_pending": what a chunked load was writing
  uint64_t schema_version_ = kSchemaVersion;  // as stored (a read-only open does not upgrade)
  uint64_t ingested_commits_count_ = 0;
  bool finished_half_created_ = false;
  // The first failed write (disk full, I/O error): every later write
  // returns it, without asking RocksDB, until the ledger is reopened.
  Status write_error_;
  Status LatchWriteError(const Status& s);
  std::unique_ptr<Fingerprinter> fingerprinter_;
  // The commit path's buffers, reused from one commit to the next.
  std::unique_ptr<CommitWriter> commit_writer_;
  std::unique_ptr<CommitIngester> commit_ingester_;
  std::unique_ptr<BookIndex> resident_;  // EnableResidentBook
};

}  // namespace cashmatch::io
