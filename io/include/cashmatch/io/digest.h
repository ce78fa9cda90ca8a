// File: cashmatch/io/digest.h
//
// SHA-256 content digests (batch idempotency keys) and keyed fingerprints
// of bank account numbers (HMAC-SHA-256 with the ledger's secret key), so
// that account numbers are never stored, exported or logged in clear.
//
// Example:
//   Fingerprinter fp(key);                    // once per ledger
//   AccountMemo memo(fp);                     // once per parse of one batch
//   const AccountMemo::Entry& e = memo.Get("DE89 3704 0044");
//   payment.payer_account_fp = e.fp;
//   payment.payer_account_mask = e.mask;
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

namespace cashmatch::io {

// Lower-case hex SHA-256 of `data`.
std::string Sha256Hex(std::string_view data);

// Canonical form of an account number: letters upper-cased, blanks and
// punctuation dropped ("DE89 3704-0044" -> "DE8937040044").
std::string NormalizeAccount(std::string_view account);

// "****1234": the last four characters of the canonical account.
std::string MaskAccount(std::string_view account);

// Keyed fingerprints.
// Thread safety: immutable after construction; Account() may be called from
// any number of threads at once.
class Fingerprinter {
 public:
  explicit Fingerprinter(std::string key);
  ~Fingerprinter();
  Fingerprinter(const Fingerprinter&) = default;
  Fingerprinter& operator=(const Fingerprinter&) = default;

  // Hex of the first 16 bytes of HMAC-SHA-256(key, NormalizeAccount(account)).
  // Empty input gives an empty fingerprint.
  std::string Account(std::string_view account) const;

 private:
  // The SHA-256 states after the key's inner and outer pad blocks (RFC 2104),
  // computed once: each fingerprint then hashes only the account and the
  // inner digest, instead of re-keying an HMAC on every call. Shared, never
  // modified after construction.
  struct Pads;
  std::shared_ptr<const Pads> pads_;
};

// The fingerprint and mask of each distinct account seen while parsing one
// batch, so that a payer who appears on many lines costs one HMAC. Keyed by
// the account text as read (two spellings of one account are two entries
// with equal values).
// Thread safety: none; one memo per parse.
// Invariant: at most kEntriesCountMax entries; when full it starts over, so
// memory stays bounded whatever the file holds.
class AccountMemo {
 public:
  struct Entry {
    std::string fp;    // Fingerprinter::Account
    std::string mask;  // MaskAccount
  };
  static constexpr size_t kEntriesCountMax = 1 << 16;

  explicit AccountMemo(const Fingerprinter& fp) : fp_(fp) {}
  // The entry stays valid until the next Get().
  const Entry& Get(std::string_view account);

 private:
  const Fingerprinter& fp_;
  std::unordered_map<std::string, Entry> entries_;
  std::string key_;  // reused lookup key: no allocation on a hit
};

}  // namespace cashmatch::io
