#include "cashmatch/io/csv.h"

#include <cstring>
#include <fstream>
#include <sstream>
#include <unordered_set>

namespace cashmatch::io {

Result<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound(path + ": cannot open file (missing or unreadable)");
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return Status::IOError(path + ": read failed");
  return ss.str();
}

void CsvReader::Refill(std::string_view data, bool final) {
  data_ = data;
  final_ = final;
  pos_ = 0;
  need_more_ = false;
}

bool CsvReader::Next(CsvRecord* out) {
  need_more_ = false;
  if (!started_) {
    if (!final_ && data_.size() < 3) {
      need_more_ = true;
      return false;
    }
    started_ = true;
    if (data_.substr(0, 3) == "\xEF\xBB\xBF") pos_ = 3;
  }
  out->fields.clear();
  // Skip blank lines between records.
  while (pos_ < data_.size() && (data_[pos_] == '\n' || data_[pos_] == '\r')) {
    if (data_[pos_] == '\n') ++line_;
    ++pos_;
  }
  if (pos_ >= data_.size()) {
    need_more_ = !final_;
    return false;
  }
  const size_t record_start = pos_;
  const uint32_t record_line = line_;
  out->line = line_;
  std::string field;
  bool in_quotes = false;
  bool was_quoted = false;
  while (pos_ < data_.size()) {
    char c = data_[pos_];
    if (in_quotes) {
      if (c == '"') {
        if (pos_ + 1 == data_.size() && !final_) break;  // a doubled quote cut in two
        if (pos_ + 1 < data_.size() && data_[pos_ + 1] == '"') {
          field.push_back('"');
          pos_ += 2;
          continue;
        }
        in_quotes = false;
        ++pos_;
        continue;
      }
      if (c == '\n') ++line_;
      field.push_back(c);
      ++pos_;
      continue;
    }
    if (c == '"') {
      if (!field.empty() || was_quoted) {
        status_ = Status::InvalidInput(name_ + ":" + std::to_string(line_) + ": stray '\"' inside an unquoted field");
        return false;
      }
      in_quotes = true;
      was_quoted = true;
      ++pos_;
      continue;
    }
    if (c == ',') {
      out->fields.push_back(std::move(field));
      field.clear();
      was_quoted = false;
      ++pos_;
      continue;
    }
    if (c == '\r' || c == '\n') {
      if (c == '\r' && pos_ + 1 == data_.size() && !final_) break;  // a CRLF cut in two
      if (c == '\r' && pos_ + 1 < data_.size() && data_[pos_ + 1] == '\n') ++pos_;
      ++pos_;
      ++line_;
      out->fields.push_back(std::move(field));
      return true;
    }
    if (was_quoted) {
      status_ = Status::InvalidInput(name_ + ":" + std::to_string(line_) + ": text after a closing quote");
      return false;
    }
    field.push_back(c);
    ++pos_;
  }
  if (!final_) {
    // The record may go on in the next block: read it again from its start.
    pos_ = record_start;
    line_ = record_line;
    need_more_ = true;
    return false;
  }
  if (in_quotes) {
    status_ = Status::InvalidInput(name_ + ":" + std::to_string(out->line) + ": quoted field is never closed");
    return false;
  }
  out->fields.push_back(std::move(field));
  return true;
}

Status ReadCsvHeader(const std::string& name, const CsvRecord& header, const std::vector<std::string>& required,
                     const std::vector<std::string>& optional, std::unordered_map<std::string, size_t>* columns,
                     std::vector<std::string>* warnings) {
  std::unordered_set<std::string> known(required.begin(), required.end());
  known.insert(optional.begin(), optional.end());
  for (size_t i = 0; i < header.fields.size(); ++i) {
    std::string col = header.fields[i];
    while (!col.empty() && col.back() == ' ') col.pop_back();
    while (!col.empty() && col.front() == ' ') col.erase(col.begin());
    if (columns->count(col) != 0) {
      return Status::InvalidInput(name + ":" + std::to_string(header.line) + ": column '" + col + "' appears twice");
    }
    columns->emplace(col, i);
    if (known.count(col) == 0 && warnings != nullptr) {
      warnings->push_back(name + ":" + std::to_string(header.line) + ": unknown column '" + col + "' ignored");
    }
  }
  for (const std::string& col : required) {
    if (columns->count(col) == 0) {
      return Status::InvalidInput(name + ":" + std::to_string(header.line) + ": missing required column '" + col + "'");
    }
  }
  return Status::Ok();
}

namespace {

Status EmptyFile(const std::string& name) {
  return Status::InvalidInput(name + ":1: empty file, expected a header row");
}

Status CheckFieldCount(const std::string& name, const CsvRecord& rec, size_t header_fields) {
  if (rec.fields.size() == header_fields) return Status::Ok();
  return Status::InvalidInput(name + ":" + std::to_string(rec.line) + ": expected " + std::to_string(header_fields) +
                              " fields as in the header, found " + std::to_string(rec.fields.size()));
}

}  // namespace

Result<CsvTable> CsvTable::Parse(const std::string& name, std::string_view data,
                                 const std::vector<std::string>& required, const std::vector<std::string>& optional,
                                 std::vector<std::string>* warnings) {
  CsvTable t;
  t.name_ = name;
  CsvReader reader(name, data);
  CsvRecord header;
  if (!reader.Next(&header)) {
    if (!reader.status().ok()) return reader.status();
    return EmptyFile(name);
  }
  CASHMATCH_RETURN_IF_ERROR(ReadCsvHeader(name, header, required, optional, &t.columns_, warnings));
  CsvRecord rec;
  while (reader.Next(&rec)) {
    CASHMATCH_RETURN_IF_ERROR(CheckFieldCount(name, rec, header.fields.size()));
    t.records_.push_back(rec);
  }
  if (!reader.status().ok()) return reader.status();
  return t;
}

std::string_view CsvTable::Get(size_t i, const std::string& column) const { return Row(i).Get(column); }

std::string CsvTable::Where(size_t i, const std::string& column) const { return Row(i).Where(column); }

std::string_view CsvRow::Get(const std::string& column) const {
  auto it = columns_.find(column);
  if (it == columns_.end()) return {};
  return record_.fields[it->second];
}

std::string CsvRow::Where(const std::string& column) const {
  return name_ + ":" + std::to_string(record_.line) + ": field '" + column + "'";
}

namespace {
// How much of a file CsvFile reads at a time.
constexpr size_t kCsvBlockBytes = 4 << 20;
}  // namespace

Result<std::unique_ptr<CsvFile>> CsvFile::Open(const std::string& path, const std::vector<std::string>& required,
                                               const std::vector<std::string>& optional,
                                               std::vector<std::string>* warnings) {
  std::unique_ptr<CsvFile> f(new CsvFile());
  f->name_ = path;
  f->file_ = std::fopen(path.c_str(), "rb");
  if (f->file_ == nullptr) return Status::NotFound(path + ": cannot open file (missing or unreadable)");
  f->reader_ = std::make_unique<CsvReader>(path, std::string_view(), false);
  CsvRecord header;
  if (!f->Next()) {
    if (!f->status_.ok()) return f->status_;
    return EmptyFile(path);
  }
  header = std::move(f->record_);
  CASHMATCH_RETURN_IF_ERROR(ReadCsvHeader(path, header, required, optional, &f->columns_, warnings));
  f->header_fields_ = header.fields.size();
  return f;
}

CsvFile::~CsvFile() {
  if (file_ != nullptr) std::fclose(file_);
}

// Drops what the reader consumed, appends the next block and hands the
// reader the rest. False when the file has nothing more (or on a read error).
bool CsvFile::Fill() {
  if (eof_) return false;
  buffer_.erase(0, reader_->consumed());
  const size_t have = buffer_.size();
  buffer_.resize(have + kCsvBlockBytes);
  const size_t got = std::fread(buffer_.data() + have, 1, kCsvBlockBytes, file_);
  buffer_.resize(have + got);
  if (got < kCsvBlockBytes) {
    if (std::ferror(file_) != 0) {
      status_ = Status::IOError(name_ + ": read failed");
      return false;
    }
    eof_ = true;
  }
  reader_->Refill(buffer_, eof_);
  return true;
}

bool CsvFile::Next() {
  for (;;) {
    if (reader_->Next(&record_)) break;
    if (!reader_->status().ok()) {
      status_ = reader_->status();
      return false;
    }
    if (!reader_->need_more() || !Fill()) return false;
  }
  if (header_fields_ != 0) {
    status_ = CheckFieldCount(name_, record_, header_fields_);
    if (!status_.ok()) return false;
  }
  return true;
}

uint64_t CountFileLines(const std::string& path) {
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (file == nullptr) return 0;
  std::string block(kCsvBlockBytes, '\0');
  uint64_t lines = 0;
  char last = '\n';  // an empty file has no line
  size_t got = 0;
  while ((got = std::fread(block.data(), 1, block.size(), file.get())) > 0) {
    const char* const end = block.data() + got;
    for (const char* p = block.data(); (p = static_cast<const char*>(std::memchr(p, '\n', end - p))) != nullptr; ++p) {
      ++lines;
    }
    last = end[-1];
  }
  return lines + (last == '\n' ? 0 : 1);
}

}  // namespace cashmatch::io
