// File: cashmatch/io/csv.h
//
// An RFC 4180 CSV reader over an in-memory buffer: quoted fields may hold
// commas, newlines and doubled quotes; CRLF and LF line ends; a UTF-8 BOM is
// skipped. Columns are found by header name, so column order is free.
// Every record knows the line it starts on, for error messages.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "cashmatch/engine/status.h"

namespace cashmatch::io {

struct CsvRecord {
  uint32_t line = 0;  // 1-based line the record starts on
  std::vector<std::string> fields;
};

class CsvReader {
 public:
  // `name` is used in messages (normally the file path).
  CsvReader(std::string name, std::string_view data) : name_(std::move(name)), data_(data) {}

  // Reads the next record into `out`. Returns false at end of input; a
  // malformed record (unterminated quote, text after a closing quote) sets
  // status() and returns false.
  bool Next(CsvRecord* out);
  const Status& status() const { return status_; }

 private:
  std::string name_;
  std::string_view data_;
  size_t pos_ = 0;
  uint32_t line_ = 1;
  bool started_ = false;
  Status status_;
};

// A CSV table with a header row, read whole. Column lookups are by name.
class CsvTable {
 public:
  // Parses `data`. Requires the `required` columns; other known columns are
  // `optional`; any other column yields a warning naming it.
  static Result<CsvTable> Parse(const std::string& name, std::string_view data,
                                const std::vector<std::string>& required, const std::vector<std::string>& optional,
                                std::vector<std::string>* warnings);

  size_t size() const { return records_.size(); }
  const CsvRecord& record(size_t i) const { return records_[i]; }
  // The field of column `column` in record `i`; "" when the column is absent.
  std::string_view Get(size_t i, const std::string& column) const;
  bool HasColumn(const std::string& column) const { return columns_.count(column) != 0; }
  const std::string& name() const { return name_; }
  // "file:line: field 'col': " for messages about record i.
  std::string Where(size_t i, const std::string& column) const;

 private:
  std::string name_;
  std::unordered_map<std::string, size_t> columns_;
  std::vector<CsvRecord> records_;
};

// Reads a whole file; a missing or unreadable file is an error naming it.
Result<std::string> ReadFile(const std::string& path);

}  // namespace cashmatch::io
