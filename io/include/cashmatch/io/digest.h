// File: cashmatch/io/digest.h
//
// SHA-256 content digests (batch idempotency keys) and keyed fingerprints
// of bank account numbers (HMAC-SHA-256 with the ledger's secret key), so
// that account numbers are never stored, exported or logged in clear.
#pragma once

#include <string>
#include <string_view>

namespace cashmatch::io {

// Lower-case hex SHA-256 of `data`.
std::string Sha256Hex(std::string_view data);

// Canonical form of an account number: letters upper-cased, blanks and
// punctuation dropped ("DE89 3704-0044" -> "DE8937040044").
std::string NormalizeAccount(std::string_view account);

// "****1234": the last four characters of the canonical account.
std::string MaskAccount(std::string_view account);

// Keyed fingerprints. Thread safety: immutable after construction.
class Fingerprinter {
 public:
  explicit Fingerprinter(std::string key) : key_(std::move(key)) {}
  // Hex of the first 16 bytes of HMAC-SHA-256(key, NormalizeAccount(account)).
  // Empty input gives an empty fingerprint.
  std::string Account(std::string_view account) const;

 private:
  std::string key_;
};

}  // namespace cashmatch::io
