// File: cashmatch/engine/status.h
//
// Status and Result<T>: how I/O and parse failures travel on hot paths.
// Business outcomes (an unmatched payment, an ambiguous one) are values in
// events, not errors; programmer errors are assertions. A Status carries a
// message meant for a person: it names the file, line and field at fault.
//
// Example:
//   Result<int64_t> r = ParseAmountMinor("12.50", 2);
//   if (!r.ok()) return r.status();
//   int64_t minor = r.value();
#pragma once

#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace cashmatch {

// Stable numbers: scripts read them through the CLI's exit codes.
enum class StatusCode : int {
  kOk = 0,
  kInvalidInput = 1,       // a file or field the user gave is wrong
  kNotFound = 2,           // a file or record that should exist does not
  kLedgerBusy = 3,         // another process holds the ledger's lock
  kLedgerCorrupt = 4,      // the ledger cannot be read as a cashmatch ledger
  kIOError = 5,            // the operating system refused a read or a write
  kUnsupported = 6,        // a newer schema or an unknown encoding version
  kInvariantViolated = 7,  // the ledger's books do not balance (cashmatch verify)
};

class [[nodiscard]] Status {
 public:
  Status() = default;
  static Status Ok() { return Status(); }
  static Status InvalidInput(std::string msg) { return Status(StatusCode::kInvalidInput, std::move(msg)); }
  static Status NotFound(std::string msg) { return Status(StatusCode::kNotFound, std::move(msg)); }
  static Status LedgerBusy(std::string msg) { return Status(StatusCode::kLedgerBusy, std::move(msg)); }
  static Status LedgerCorrupt(std::string msg) { return Status(StatusCode::kLedgerCorrupt, std::move(msg)); }
  static Status IOError(std::string msg) { return Status(StatusCode::kIOError, std::move(msg)); }
  static Status Unsupported(std::string msg) { return Status(StatusCode::kUnsupported, std::move(msg)); }
  static Status InvariantViolated(std::string msg) { return Status(StatusCode::kInvariantViolated, std::move(msg)); }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }

  // Prefixes the message with where it happened, e.g. "payments.ndjson:3: ".
  Status WithContext(const std::string& where) const {
    if (ok()) return *this;
    return Status(code_, where + ": " + message_);
  }

 private:
  Status(StatusCode code, std::string msg) : code_(code), message_(std::move(msg)) {}
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

// Either a value or a non-ok Status. C++20 has no std::expected.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : data_(std::move(value)) {}        // NOLINT: implicit by design
  Result(Status status) : data_(std::move(status)) {  // NOLINT
    assert(!std::get<Status>(data_).ok());
  }

  bool ok() const { return std::holds_alternative<T>(data_); }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(data_);
  }
  T& value() & {
    assert(ok());
    return std::get<T>(data_);
  }
  const T& value() const& {
    assert(ok());
    return std::get<T>(data_);
  }
  T&& value() && {
    assert(ok());
    return std::get<T>(std::move(data_));
  }

 private:
  std::variant<T, Status> data_;
};

}  // namespace cashmatch

#define CASHMATCH_RETURN_IF_ERROR(expr) \
  do {                                  \
    ::cashmatch::Status _st = (expr);   \
    if (!_st.ok()) return _st;          \
  } while (0)
