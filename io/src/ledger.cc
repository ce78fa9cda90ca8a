#include "cashmatch/io/ledger.h"

#include <openssl/rand.h>
#include <rocksdb/db.h>
#include <rocksdb/options.h>
#include <rocksdb/write_batch.h>

#include <cassert>
#include <climits>
#include <cstdlib>
#include <filesystem>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "cashmatch/engine/hints.h"
#include "codec.h"

namespace cashmatch::io {
namespace {

namespace fs = std::filesystem;

const char* const kColumnFamilies[] = {"default", "events", "invoices", "payments", "customers", "index", "meta"};
constexpr char kMetaSchema[] = "schema_version";
constexpr char kMetaNextSeq[] = "next_seq";
constexpr char kMetaFpKey[] = "fingerprint_key";

std::string Key2(char kind, std::string_view a) {
  std::string k(1, kind);
  k.push_back('\0');
  k.append(a);
  return k;
}
std::string Key3(char kind, std::string_view a, std::string_view b) {
  std::string k = Key2(kind, a);
  k.push_back('\0');
  k.append(b);
  return k;
}
std::string NumberKey(const Invoice& inv) { return Key2('n', NormalizeInvoiceNumber(inv.number)); }
// Audit-trail key: kind 'I', 'P' or 'C', the subject's id, the event's seq.
std::string TrailKey(char kind, std::string_view id, uint64_t seq) {
  return Key3(kind, id, codec::BigEndian64(seq));
}
// Review-queue key: currency, then amount descending (inverted), then seq.
std::string ExceptionKey(const Event& e) {
  assert(e.amount_minor >= 0);
  uint64_t inverted = static_cast<uint64_t>(INT64_MAX) - static_cast<uint64_t>(e.amount_minor);
  return Key3('x', e.currency->code(), codec::BigEndian64(inverted) + '\0' + codec::BigEndian64(e.seq));
}
std::string BatchKey(const std::string& idem) { return Key2('b', idem); }

Status FromRocks(const rocksdb::Status& s, const std::string& what) {
  if (s.ok()) return Status::Ok();
  if (s.IsIOError() && s.ToString().find("lock") != std::string::npos) {
    return Status::LedgerBusy(what + ": the ledger is in use by another process (" + s.ToString() + ")");
  }
  if (s.IsCorruption()) return Status::LedgerCorrupt(what + ": " + s.ToString());
  if (s.IsNoSpace()) return Status::IOError(what + ": no space left on device; nothing was committed");
  return Status::IOError(what + ": " + s.ToString());
}

// A directory that holds something other than a cashmatch ledger is
// refused before RocksDB can create files in it.
Status CheckDirectory(const std::string& dir, bool read_only, bool* exists) {
  std::error_code ec;
  *exists = fs::exists(fs::path(dir) / "CURRENT", ec);
  if (*exists) {
    std::vector<std::string> families;
    rocksdb::Status s = rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), dir, &families);
    if (!s.ok()) return FromRocks(s, dir).WithContext("cannot read ledger");
    std::set<std::string> have(families.begin(), families.end());
    for (const char* cf : kColumnFamilies) {
      if (have.count(cf) == 0) {
        return Status::LedgerCorrupt(dir + " is a RocksDB database but not a cashmatch ledger (no '" +
                                     std::string(cf) + "' column family)");
      }
    }
    return Status::Ok();
  }
  if (read_only) return Status::NotFound(dir + ": no ledger here (run 'cashmatch load' first)");
  if (fs::exists(dir, ec)) {
    if (!fs::is_directory(dir, ec)) return Status::InvalidInput(dir + " exists and is not a directory");
    if (!fs::is_empty(dir, ec)) {
      return Status::LedgerCorrupt(dir + " is not empty and is not a cashmatch ledger; refusing to write into it");
    }
  }
  return Status::Ok();
}

}  // namespace

Status Ledger::FromRocksStatus(const rocksdb::Status& s) { return FromRocks(s, "ledger"); }

Ledger::~Ledger() {
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
  bool exists = false;
  CASHMATCH_RETURN_IF_ERROR(CheckDirectory(dir, options.read_only || options.follow, &exists));
  rocksdb::Options db_options;
  const bool read_only = options.read_only || options.follow;
  db_options.create_if_missing = !read_only;
  db_options.create_missing_column_families = !read_only;
  if (options.env != nullptr) db_options.env = options.env;
  db_options.info_log_level = rocksdb::InfoLogLevel::WARN_LEVEL;
  db_options.keep_log_file_num = 2;
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (const char* cf : kColumnFamilies) descriptors.emplace_back(cf, rocksdb::ColumnFamilyOptions(db_options));

  std::unique_ptr<Ledger> ledger(new Ledger());
  ledger->options_ = options;
  ledger->dir_ = dir;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s;
  if (options.follow) {
    // A secondary instance keeps its own small directory of info logs; it
    // tails the writer's MANIFEST and WAL without taking the lock.
    std::string templ = (fs::temp_directory_path() / "cashmatch-follow-XXXXXX").string();
    if (::mkdtemp(templ.data()) == nullptr) return Status::IOError("cannot create a temporary directory to follow " + dir);
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
  CASHMATCH_RETURN_IF_ERROR(ledger->LoadMeta(!exists));
  return ledger;
}

Status Ledger::Get(rocksdb::ColumnFamilyHandle* cf, const std::string& key, std::string* value, bool* found) const {
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), cf, key, value);
  *found = s.ok();
  if (s.IsNotFound()) return Status::Ok();
  return FromRocks(s, "ledger read");
}

Status Ledger::LoadMeta(bool created) {
  std::string value;
  bool found = false;
  CASHMATCH_RETURN_IF_ERROR(Get(meta_, kMetaSchema, &value, &found));
  if (!found) {
    if (!created) return Status::LedgerCorrupt(dir_ + ": ledger has no schema version");
    // A new ledger: schema version, sequence and a fresh fingerprint key.
    unsigned char key[32];
    if (RAND_bytes(key, sizeof(key)) != 1) return Status::IOError("cannot draw a random fingerprint key");
    rocksdb::WriteBatch wb;
    wb.Put(meta_, kMetaSchema, codec::BigEndian64(kSchemaVersion));
    wb.Put(meta_, kMetaNextSeq, codec::BigEndian64(1));
    wb.Put(meta_, kMetaFpKey, std::string(reinterpret_cast<char*>(key), sizeof(key)));
    rocksdb::WriteOptions wo;
    wo.sync = true;
    CASHMATCH_RETURN_IF_ERROR(FromRocks(db_->Write(wo, &wb), "cannot initialize ledger " + dir_));
    CASHMATCH_RETURN_IF_ERROR(Get(meta_, kMetaSchema, &value, &found));
  }
  if (value.size() != 8) return Status::LedgerCorrupt(dir_ + ": malformed schema version");
  uint64_t version = codec::FromBigEndian64(value);
  if (version > kSchemaVersion) {
    return Status::Unsupported(dir_ + ": ledger has schema version " + std::to_string(version) +
                               ", newer than this cashmatch (" + std::to_string(kSchemaVersion) +
                               "); upgrade cashmatch to open it");
  }
  CASHMATCH_RETURN_IF_ERROR(Get(meta_, kMetaNextSeq, &value, &found));
  if (!found || value.size() != 8) return Status::LedgerCorrupt(dir_ + ": missing sequence counter");
  next_seq_ = codec::FromBigEndian64(value);
  CASHMATCH_RETURN_IF_ERROR(Get(meta_, kMetaFpKey, &value, &found));
  if (!found || value.size() != 32) return Status::LedgerCorrupt(dir_ + ": missing fingerprint key");
  fingerprinter_ = std::make_unique<Fingerprinter>(value);
  return Status::Ok();
}

Status Ledger::UpsertBook(const std::vector<Customer>& customers, const std::vector<Invoice>& invoices,
                          const std::string& customers_source, const std::string& invoices_source) {
  assert(!options_.read_only);
  assert(!options_.follow);
  rocksdb::WriteBatch wb;
  std::unordered_set<std::string> loaded_customers;
  for (const Customer& c : customers) loaded_customers.insert(c.customer_id);
  auto customer_exists = [&](const std::string& id, bool* exists) -> Status {
    if (loaded_customers.count(id) != 0) {
      *exists = true;
      return Status::Ok();
    }
    std::string ignored;
    return Get(customers_, id, &ignored, exists);
  };

  for (const Customer& c : customers) {
    std::string where = customers_source + ":" + std::to_string(c.source_line);
    if (!c.parent_id.empty()) {
      bool exists = false;
      CASHMATCH_RETURN_IF_ERROR(customer_exists(c.parent_id, &exists));
      if (!exists) return Status::InvalidInput(where + ": field 'parent_id': no customer '" + c.parent_id + "'");
    }
    std::string old_value;
    bool found = false;
    CASHMATCH_RETURN_IF_ERROR(Get(customers_, c.customer_id, &old_value, &found));
    if (found) {
      Customer old;
      CASHMATCH_RETURN_IF_ERROR(codec::DecodeCustomer(old_value, &old));
      for (const auto& fp : old.bank_account_fps) wb.Delete(index_, Key3('a', fp, c.customer_id));
    }
    for (const auto& fp : c.bank_account_fps) wb.Put(index_, Key3('a', fp, c.customer_id), "");
    wb.Put(customers_, c.customer_id, codec::EncodeCustomer(c));
  }

  std::unordered_map<std::string, std::string> numbers_in_load;  // normalized -> invoice id
  for (const Invoice& inv : invoices) {
    std::string where = invoices_source + ":" + std::to_string(inv.source_line);
    bool exists = false;
    CASHMATCH_RETURN_IF_ERROR(customer_exists(inv.customer_id, &exists));
    if (!exists) return Status::InvalidInput(where + ": field 'customer_id': no customer '" + inv.customer_id + "'");
    std::string number_key = NumberKey(inv);
    auto [it, inserted] = numbers_in_load.emplace(number_key, inv.invoice_id);
    if (!inserted && it->second != inv.invoice_id) {
      return Status::InvalidInput(where + ": field 'number': '" + inv.number + "' is the same number as invoice '" +
                                  it->second + "' once spaces and punctuation are ignored");
    }
    std::string owner;
    bool found = false;
    CASHMATCH_RETURN_IF_ERROR(Get(index_, number_key, &owner, &found));
    if (found && owner != inv.invoice_id) {
      // Owned by another invoice in the ledger: allowed only if that
      // invoice is renumbered in this same load.
      bool renumbered = false;
      for (const Invoice& other : invoices) {
        if (other.invoice_id == owner && NumberKey(other) != number_key) renumbered = true;
      }
      if (!renumbered) {
        return Status::InvalidInput(where + ": field 'number': '" + inv.number + "' already belongs to invoice '" +
                                    owner + "'");
      }
    }
    std::string old_value;
    CASHMATCH_RETURN_IF_ERROR(Get(invoices_, inv.invoice_id, &old_value, &found));
    if (found) {
      Invoice old;
      CASHMATCH_RETURN_IF_ERROR(codec::DecodeInvoice(old_value, &old));
      if (NumberKey(old) != number_key && numbers_in_load.count(NumberKey(old)) == 0) wb.Delete(index_, NumberKey(old));
      if (old.customer_id != inv.customer_id) wb.Delete(index_, Key3('c', old.customer_id, old.invoice_id));
    }
    wb.Put(index_, number_key, inv.invoice_id);
    wb.Put(index_, Key3('c', inv.customer_id, inv.invoice_id), "");
    if (!inv.stripe_invoice_id.empty()) wb.Put(index_, Key2('s', inv.stripe_invoice_id), inv.invoice_id);
    // The ERP's figure is the new baseline: events after this seq explain
    // every later change of the open amount.
    Invoice stored = inv;
    stored.loaded_open_minor = inv.amount_open_minor;
    stored.loaded_at_seq = next_seq_ - 1;
    wb.Put(invoices_, inv.invoice_id, codec::EncodeInvoice(stored));
  }
  rocksdb::WriteOptions wo;
  wo.sync = options_.sync;
  return FromRocks(db_->Write(wo, &wb), "cannot commit the load to " + dir_);
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
  auto book = std::make_unique<OpenBook>();
  std::set<std::string> customer_ids;
  std::set<std::string> loaded_by_number;
  std::string value;
  bool found = false;
  for (const std::string& id : req.payment_ids) {
    CASHMATCH_RETURN_IF_ERROR(Get(payments_, id, &value, &found));
    if (found) book->AddCommittedPayment(id);
  }
  for (const std::string& number : req.invoice_numbers) {
    std::string invoice_id;
    CASHMATCH_RETURN_IF_ERROR(Get(index_, Key2('n', number), &invoice_id, &found));
    if (!found) continue;
    CASHMATCH_RETURN_IF_ERROR(Get(invoices_, invoice_id, &value, &found));
    if (!found) return Status::LedgerCorrupt("index names invoice '" + invoice_id + "' which is not stored");
    Invoice inv;
    CASHMATCH_RETURN_IF_ERROR(codec::DecodeInvoice(value, &inv));
    customer_ids.insert(inv.customer_id);
    loaded_by_number.insert(inv.invoice_id);
    book->AddInvoice(std::move(inv));
  }
  for (const std::string& stripe_id : req.stripe_invoice_ids) {
    std::string invoice_id;
    CASHMATCH_RETURN_IF_ERROR(Get(index_, Key2('s', stripe_id), &invoice_id, &found));
    if (!found || !loaded_by_number.insert(invoice_id).second) continue;
    CASHMATCH_RETURN_IF_ERROR(Get(invoices_, invoice_id, &value, &found));
    if (!found) return Status::LedgerCorrupt("index names invoice '" + invoice_id + "' which is not stored");
    Invoice inv;
    CASHMATCH_RETURN_IF_ERROR(codec::DecodeInvoice(value, &inv));
    customer_ids.insert(inv.customer_id);
    book->AddInvoice(std::move(inv));
  }
  for (const std::string& fp : req.account_fps) {
    std::string prefix = Key2('a', fp);
    prefix.push_back('\0');
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), index_));
    for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
      customer_ids.insert(it->key().ToString().substr(prefix.size()));
    }
    CASHMATCH_RETURN_IF_ERROR(FromRocks(it->status(), "ledger index scan"));
  }
  CASHMATCH_RETURN_IF_ERROR(LoadReturnedPayments(req, *book, &loaded_by_number, &customer_ids));
  for (const std::string& id : customer_ids) {
    CASHMATCH_RETURN_IF_ERROR(Get(customers_, id, &value, &found));
    if (!found) return Status::LedgerCorrupt("customer '" + id + "' is referenced but not stored");
    Customer c;
    CASHMATCH_RETURN_IF_ERROR(codec::DecodeCustomer(value, &c));
    book->AddCustomer(std::move(c));
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
      CASHMATCH_RETURN_IF_ERROR(Get(index_, Key2('r', ref), &payment_id, &found));
      if (!found) continue;
      CASHMATCH_RETURN_IF_ERROR(Get(payments_, payment_id, &value, &found));
      if (!found) return Status::LedgerCorrupt("reference index names payment '" + payment_id + "' which is not stored");
    }
    SettledPayment settled;
    CASHMATCH_RETURN_IF_ERROR(codec::DecodePayment(value, &settled.record));
    // Net applications per invoice, in the order they were first applied.
    std::map<std::string, size_t> position;
    CASHMATCH_RETURN_IF_ERROR(ForEachEventOf(Subject::kPayment, payment_id, [&](const Event& e) {
      if (e.invoice_id.empty() || (e.type != EventType::kApplied && e.type != EventType::kReversed)) return true;
      auto [it, inserted] = position.emplace(e.invoice_id, settled.applications.size());
      if (inserted) settled.applications.push_back(Application{e.invoice_id, 0});
      settled.applications[it->second].amount_minor += e.type == EventType::kApplied ? e.amount_minor : -e.amount_minor;
      return true;
    }));
    for (const Application& a : settled.applications) {
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
  rocksdb::WriteBatch wb;
  CommittedBatch record;
  record.batch_id = batch.batch_id;
  record.source_name = batch.source_name;
  record.first_seq = next_seq_;
  record.payment_count = static_cast<uint32_t>(outcome.payments.size());
  uint64_t seq = next_seq_;
  for (Event& e : outcome.events) {
    e.seq = seq++;
    wb.Put(events_, codec::BigEndian64(e.seq), codec::EncodeEvent(e));
    // Audit trails and the review queue are written with the events they
    // index, so they can never disagree after a crash.
    if (!e.invoice_id.empty()) wb.Put(index_, TrailKey('I', e.invoice_id, e.seq), "");
    if (!e.payment_id.empty()) wb.Put(index_, TrailKey('P', e.payment_id, e.seq), "");
    if (!e.customer_id.empty()) wb.Put(index_, TrailKey('C', e.customer_id, e.seq), "");
    if (e.type == EventType::kException) wb.Put(index_, ExceptionKey(e), "");
  }
  record.last_seq = seq - 1;
  for (const Invoice& inv : outcome.invoice_updates) wb.Put(invoices_, inv.invoice_id, codec::EncodeInvoice(inv));
  for (const PaymentRecord& p : outcome.payments) {
    wb.Put(payments_, p.payment_id, codec::EncodePayment(p));
    if (!p.customer_id.empty()) wb.Put(index_, Key3('p', p.customer_id, p.payment_id), "");
    // Returns name the bank's reference, or the payer's end-to-end id, as
    // often as our id.
    for (const std::string* ref : {&p.bank_reference, &p.end_to_end_id}) {
      if (!ref->empty() && *ref != p.payment_id) wb.Put(index_, Key2('r', *ref), p.payment_id);
    }
  }
  wb.Put(meta_, BatchKey(batch.idempotency_key), codec::EncodeBatch(record));
  wb.Put(meta_, kMetaNextSeq, codec::BigEndian64(seq));
  rocksdb::WriteOptions wo;
  wo.sync = options_.sync;
  CASHMATCH_RETURN_IF_ERROR(FromRocks(db_->Write(wo, &wb), "cannot commit batch " + batch.batch_id));
  next_seq_ = seq;
  return record;
}

Status Ledger::ForEachEvent(uint64_t since, const std::function<bool(const Event&)>& fn) const {
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), events_));
  Event e;
  for (it->Seek(codec::BigEndian64(since + 1)); it->Valid(); it->Next()) {
    e = Event();
    CASHMATCH_RETURN_IF_ERROR(codec::DecodeEvent(it->value().ToStringView(), &e));
    if (e.seq != codec::FromBigEndian64(it->key().ToStringView())) {
      return Status::LedgerCorrupt("event stored under seq " + std::to_string(codec::FromBigEndian64(it->key().ToStringView())) +
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
      ++c.payments_count;
      c.received_minor += p.amount_minor;
      c.applied_minor += p.applied_minor;
      c.unapplied_minor += p.unapplied_minor;
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
    std::string prefix = Key2('b', "");
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
Status DecodeAny<Invoice>(std::string_view in, Invoice* out) { return codec::DecodeInvoice(in, out); }
template <>
Status DecodeAny<PaymentRecord>(std::string_view in, PaymentRecord* out) { return codec::DecodePayment(in, out); }
template <>
Status DecodeAny<Customer>(std::string_view in, Customer* out) { return codec::DecodeCustomer(in, out); }

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
  return ScanByPrefix<Invoice>('c', invoices_, fn);
}

Status Ledger::ForEachPaymentByCustomer(const std::function<bool(const PaymentRecord&)>& fn) const {
  return ScanByPrefix<PaymentRecord>('p', payments_, fn);
}

Status Ledger::ForEachEventOf(Subject subject, const std::string& id,
                              const std::function<bool(const Event&)>& fn) const {
  static constexpr char kKinds[] = {'I', 'P', 'C'};
  std::string prefix = Key2(kKinds[static_cast<int>(subject)], id);
  prefix.push_back('\0');
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), index_));
  std::string value;
  Event e;
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    std::string_view seq_bytes = it->key().ToStringView().substr(prefix.size());
    if (seq_bytes.size() != 8) return Status::LedgerCorrupt("malformed audit-trail key");
    bool found = false;
    CASHMATCH_RETURN_IF_ERROR(Get(events_, std::string(seq_bytes), &value, &found));
    if (!found) return Status::LedgerCorrupt("audit trail of '" + id + "' names a missing event");
    e = Event();
    CASHMATCH_RETURN_IF_ERROR(codec::DecodeEvent(value, &e));
    if (!fn(e)) break;
  }
  return FromRocks(it->status(), "ledger audit-trail scan");
}

Status Ledger::ForEachException(const std::function<bool(const Event&)>& fn) const {
  std::string prefix = Key2('x', "");
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
