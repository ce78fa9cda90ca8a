// cashmatch_ledger_tamper: puts or deletes one key of a ledger's RocksDB
// database directly, for tests/cli_test.sh to make the ledgers the CLI must
// refuse or flag (a newer schema version, an index key naming the wrong
// invoice) the way the gtests do with testing_util::WithRawLedger.
//
// Usage: cashmatch_ledger_tamper DIR COLUMN_FAMILY KEY [VALUE]
//   Without VALUE the key is deleted. KEY and VALUE take the escapes \0 and
//   \xNN (two hex digits), so "schema_version" "\x00\x00\x00\x00\x00\x00\x00\x63"
//   writes version 99. Exit 0 when written, 2 on a usage error, 1 otherwise.
#include <rocksdb/db.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

namespace {

bool Unescape(const std::string& in, std::string* out) {
  out->clear();
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '\\') {
      out->push_back(in[i]);
    } else if (i + 1 < in.size() && in[i + 1] == '0') {
      out->push_back('\0');
      ++i;
    } else if (i + 3 < in.size() && in[i + 1] == 'x') {
      out->push_back(static_cast<char>(std::stoi(in.substr(i + 2, 2), nullptr, 16)));
      i += 3;
    } else {
      return false;
    }
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  std::string key, value;
  if ((argc != 4 && argc != 5) || !Unescape(argv[3], &key) || (argc == 5 && !Unescape(argv[4], &value))) {
    std::fprintf(stderr, "usage: cashmatch_ledger_tamper DIR COLUMN_FAMILY KEY [VALUE]\n");
    return 2;
  }
  const std::string dir = argv[1];
  std::vector<std::string> names;
  rocksdb::Status s = rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), dir, &names);
  const auto at = std::find(names.begin(), names.end(), std::string(argv[2]));
  if (!s.ok() || at == names.end()) {
    std::fprintf(stderr, "cashmatch_ledger_tamper: %s: no column family '%s' (%s)\n", dir.c_str(), argv[2],
                 s.ToString().c_str());
    return 1;
  }
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (const std::string& n : names) descriptors.emplace_back(n, rocksdb::ColumnFamilyOptions());
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* db = nullptr;
  s = rocksdb::DB::Open(rocksdb::DBOptions(), dir, descriptors, &handles, &db);
  if (s.ok()) {
    rocksdb::WriteOptions wo;
    wo.sync = true;
    rocksdb::ColumnFamilyHandle* cf = handles[at - names.begin()];
    s = argc == 5 ? db->Put(wo, cf, key, value) : db->Delete(wo, cf, key);
    for (auto* h : handles) (void)db->DestroyColumnFamilyHandle(h);
    delete db;
  }
  if (!s.ok()) {
    std::fprintf(stderr, "cashmatch_ledger_tamper: %s: %s\n", dir.c_str(), s.ToString().c_str());
    return 1;
  }
  return 0;
}
