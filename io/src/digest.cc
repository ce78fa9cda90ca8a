#include "cashmatch/io/digest.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cassert>
#include <cctype>

namespace cashmatch::io {
namespace {

std::string Hex(const unsigned char* bytes, size_t n) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(n * 2, '0');
  for (size_t i = 0; i < n; ++i) {
    out[2 * i] = kDigits[bytes[i] >> 4];
    out[2 * i + 1] = kDigits[bytes[i] & 0xf];
  }
  return out;
}

}  // namespace

std::string Sha256Hex(std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  int ok = EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr);
  assert(ok == 1);
  assert(len == 32);
  (void)ok;
  return Hex(md, len);
}

std::string NormalizeAccount(std::string_view account) {
  std::string out;
  out.reserve(account.size());
  for (char ch : account) {
    unsigned char c = static_cast<unsigned char>(ch);
    if (std::isalnum(c)) out.push_back(static_cast<char>(std::toupper(c)));
  }
  return out;
}

std::string MaskAccount(std::string_view account) {
  std::string norm = NormalizeAccount(account);
  if (norm.empty()) return {};
  size_t keep = norm.size() < 4 ? norm.size() : 4;
  return "****" + norm.substr(norm.size() - keep);
}

std::string Fingerprinter::Account(std::string_view account) const {
  std::string norm = NormalizeAccount(account);
  if (norm.empty()) return {};
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  unsigned char* r = HMAC(EVP_sha256(), key_.data(), static_cast<int>(key_.size()),
                          reinterpret_cast<const unsigned char*>(norm.data()), norm.size(), md, &len);
  assert(r != nullptr);
  assert(len == 32);
  (void)r;
  return Hex(md, 16);
}

}  // namespace cashmatch::io
