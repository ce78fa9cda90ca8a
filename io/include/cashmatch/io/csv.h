// File: cashmatch/io/csv.h
//
// An RFC 4180 CSV reader over an in-memory buffer: quoted fields may hold
// commas, newlines and doubled quotes; CRLF and LF line ends; a UTF-8 BOM is
// skipped. Columns are found by header name, so column order is free.
// Every record knows the line it starts on, for error messages.
#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>
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
  // `name` is used in messages (normally the file path). With `final`
  // false, `data` is only the start of the input: see need_more().
  CsvReader(std::string name, std::string_view data, bool final = true)
      : name_(std::move(name)), data_(data), final_(final) {}

  // Reads the next record into `out`. Returns false at end of input; a
  // malformed record (unterminated quote, text after a closing quote) sets
  // status() and returns false.
  bool Next(CsvRecord* out);
  const Status& status() const { return status_; }

  // Streaming: Next() returned false because the record runs past the end
  // of a non-final buffer. Nothing of it was consumed; call Refill() with
  // the rest of the input after the first consumed() bytes.
  bool need_more() const { return need_more_; }
  size_t consumed() const { return pos_; }
  // Continues on `data`, which starts where consumed() ended; line numbers
  // carry on.
  void Refill(std::string_view data, bool final);

 private:
  std::string name_;
  std::string_view data_;
  bool final_ = true;
  bool need_more_ = false;
  size_t pos_ = 0;
  uint32_t line_ = 1;
  bool started_ = false;
  Status status_;
};

// One record of a CSV file with a header, fields found by column name.
class CsvRow {
 public:
  CsvRow(const std::string& name, const std::unordered_map<std::string, size_t>& columns, const CsvRecord& record)
      : name_(name), columns_(columns), record_(record) {}
  // The field of `column`; "" when the file has no such column.
  std::string_view Get(const std::string& column) const;
  uint32_t line() const { return record_.line; }
  // "file:line: field 'col'" for messages about this record.
  std::string Where(const std::string& column) const;

 private:
  const std::string& name_;
  const std::unordered_map<std::string, size_t>& columns_;
  const CsvRecord& record_;
};

// The header of a CSV file: the columns by name, checked against the
// `required` ones (an error when one is missing, or a column appears
// twice); a column neither required nor `optional` yields a warning.
Status ReadCsvHeader(const std::string& name, const CsvRecord& header, const std::vector<std::string>& required,
                     const std::vector<std::string>& optional, std::unordered_map<std::string, size_t>* columns,
                     std::vector<std::string>* warnings);

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
  CsvRow Row(size_t i) const { return CsvRow(name_, columns_, records_[i]); }
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

// A CSV file with a header, read record by record: memory holds one block
// of the file and the current record, whatever the file's size.
class CsvFile {
 public:
  // Opens `path` and reads its header (see ReadCsvHeader).
  static Result<std::unique_ptr<CsvFile>> Open(const std::string& path, const std::vector<std::string>& required,
                                               const std::vector<std::string>& optional,
                                               std::vector<std::string>* warnings);
  ~CsvFile();
  CsvFile(const CsvFile&) = delete;
  CsvFile& operator=(const CsvFile&) = delete;

  // Advances to the next record. False at the end of the file or on an
  // error (status(): a malformed record, a record whose field count differs
  // from the header's, a read error).
  bool Next();
  const Status& status() const { return status_; }
  // The current record; valid after Next() returned true.
  CsvRow Row() const { return CsvRow(name_, columns_, record_); }

 private:
  CsvFile() = default;
  bool Fill();

  std::string name_;
  std::FILE* file_ = nullptr;
  bool eof_ = false;
  std::string buffer_;
  std::unique_ptr<CsvReader> reader_;
  std::unordered_map<std::string, size_t> columns_;
  size_t header_fields_ = 0;
  CsvRecord record_;
  Status status_;
};

// Reads a whole file; a missing or unreadable file is an error naming it.
Result<std::string> ReadFile(const std::string& path);

// The lines of the file at `path` (a last line without a line end counts
// too), by one memchr pass over it a block at a time: cheap next to
// parsing, for a progress estimate. More than its records when quoted
// fields hold line ends. 0 when the file cannot be read (its reader then
// says why).
uint64_t CountFileLines(const std::string& path);

}  // namespace cashmatch::io
