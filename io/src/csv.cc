#include "cashmatch/io/csv.h"

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

bool CsvReader::Next(CsvRecord* out) {
  if (!started_) {
    started_ = true;
    if (data_.substr(0, 3) == "\xEF\xBB\xBF") pos_ = 3;
  }
  out->fields.clear();
  // Skip blank lines between records.
  while (pos_ < data_.size() && (data_[pos_] == '\n' || data_[pos_] == '\r')) {
    if (data_[pos_] == '\n') ++line_;
    ++pos_;
  }
  if (pos_ >= data_.size()) return false;
  out->line = line_;
  std::string field;
  bool in_quotes = false;
  bool was_quoted = false;
  while (pos_ < data_.size()) {
    char c = data_[pos_];
    if (in_quotes) {
      if (c == '"') {
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
  if (in_quotes) {
    status_ = Status::InvalidInput(name_ + ":" + std::to_string(out->line) + ": quoted field is never closed");
    return false;
  }
  out->fields.push_back(std::move(field));
  return true;
}

Result<CsvTable> CsvTable::Parse(const std::string& name, std::string_view data,
                                 const std::vector<std::string>& required, const std::vector<std::string>& optional,
                                 std::vector<std::string>* warnings) {
  CsvTable t;
  t.name_ = name;
  CsvReader reader(name, data);
  CsvRecord header;
  if (!reader.Next(&header)) {
    if (!reader.status().ok()) return reader.status();
    return Status::InvalidInput(name + ":1: empty file, expected a header row");
  }
  std::unordered_set<std::string> known(required.begin(), required.end());
  known.insert(optional.begin(), optional.end());
  for (size_t i = 0; i < header.fields.size(); ++i) {
    std::string col = header.fields[i];
    while (!col.empty() && col.back() == ' ') col.pop_back();
    while (!col.empty() && col.front() == ' ') col.erase(col.begin());
    if (t.columns_.count(col) != 0) {
      return Status::InvalidInput(name + ":" + std::to_string(header.line) + ": column '" + col + "' appears twice");
    }
    t.columns_.emplace(col, i);
    if (known.count(col) == 0 && warnings != nullptr) {
      warnings->push_back(name + ":" + std::to_string(header.line) + ": unknown column '" + col + "' ignored");
    }
  }
  for (const std::string& col : required) {
    if (t.columns_.count(col) == 0) {
      return Status::InvalidInput(name + ":" + std::to_string(header.line) + ": missing required column '" + col +
                                  "'");
    }
  }
  CsvRecord rec;
  while (reader.Next(&rec)) {
    if (rec.fields.size() != header.fields.size()) {
      return Status::InvalidInput(name + ":" + std::to_string(rec.line) + ": expected " +
                                  std::to_string(header.fields.size()) + " fields as in the header, found " +
                                  std::to_string(rec.fields.size()));
    }
    t.records_.push_back(rec);
  }
  if (!reader.status().ok()) return reader.status();
  return t;
}

std::string_view CsvTable::Get(size_t i, const std::string& column) const {
  auto it = columns_.find(column);
  if (it == columns_.end()) return {};
  return records_[i].fields[it->second];
}

std::string CsvTable::Where(size_t i, const std::string& column) const {
  return name_ + ":" + std::to_string(records_[i].line) + ": field '" + column + "'";
}

}  // namespace cashmatch::io
