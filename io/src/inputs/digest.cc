#include "cashmatch/io/digest.h"

#include <openssl/evp.h>

#include <array>
#include <cassert>
#include <cctype>
#include <cstring>

namespace cashmatch::io {
namespace {

// SHA-256 works on 64-byte blocks; HMAC pads the key to one block.
constexpr size_t kBlockSize = 64;
constexpr size_t kDigestSize = 32;
// The fingerprint keeps the first half of the HMAC.
constexpr size_t kFingerprintBytes = 16;

std::string Hex(const unsigned char* bytes, size_t n) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(n * 2, '0');
  for (size_t i = 0; i < n; ++i) {
    out[2 * i] = kDigits[bytes[i] >> 4];
    out[2 * i + 1] = kDigits[bytes[i] & 0xf];
  }
  return out;
}

// One EVP_MD_CTX per thread for the per-call work, so that a fingerprint
// allocates no context of its own (copying a state into it still lets
// OpenSSL duplicate its small algorithm state).
struct CtxDeleter {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};
using CtxPtr = std::unique_ptr<EVP_MD_CTX, CtxDeleter>;

EVP_MD_CTX* ThreadWorkCtx() {
  thread_local CtxPtr ctx(EVP_MD_CTX_new());
  assert(ctx != nullptr);
  return ctx.get();
}

// Digest of `state` continued with `data`, written to `out`.
void FinishFrom(const EVP_MD_CTX* state, const unsigned char* data, size_t size, unsigned char* out) {
  EVP_MD_CTX* ctx = ThreadWorkCtx();
  unsigned int len = 0;
  int ok = EVP_MD_CTX_copy_ex(ctx, state);
  ok &= EVP_DigestUpdate(ctx, data, size);
  ok &= EVP_DigestFinal_ex(ctx, out, &len);
  assert(ok == 1);
  assert(len == kDigestSize);
  (void)ok;
}

}  // namespace

struct Fingerprinter::Pads {
  CtxPtr inner;  // SHA-256 after absorbing key ^ 0x36…
  CtxPtr outer;  // SHA-256 after absorbing key ^ 0x5c…
};

Fingerprinter::Fingerprinter(std::string key) {
  // RFC 2104: a key longer than a block is replaced by its digest, then
  // zero-padded to one block.
  std::array<unsigned char, kBlockSize> block{};
  if (key.size() > kBlockSize) {
    unsigned int len = 0;
    int ok = EVP_Digest(key.data(), key.size(), block.data(), &len, EVP_sha256(), nullptr);
    assert(ok == 1);
    assert(len == kDigestSize);
    (void)ok;
  } else {
    std::memcpy(block.data(), key.data(), key.size());
  }
  auto pads = std::make_shared<Pads>();
  auto absorb = [&](unsigned char pad, CtxPtr* out) {
    std::array<unsigned char, kBlockSize> padded;
    for (size_t i = 0; i < kBlockSize; ++i) padded[i] = block[i] ^ pad;
    out->reset(EVP_MD_CTX_new());
    assert(*out != nullptr);
    int ok = EVP_DigestInit_ex(out->get(), EVP_sha256(), nullptr);
    ok &= EVP_DigestUpdate(out->get(), padded.data(), padded.size());
    assert(ok == 1);
    (void)ok;
  };
  absorb(0x36, &pads->inner);
  absorb(0x5c, &pads->outer);
  pads_ = std::move(pads);
}

Fingerprinter::~Fingerprinter() = default;

std::string Sha256Hex(std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  int ok = EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr);
  assert(ok == 1);
  assert(len == kDigestSize);
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

// HMAC(K, m) = H((K ^ opad) || H((K ^ ipad) || m)), continuing the two
// states prepared in the constructor.
std::string Fingerprinter::Account(std::string_view account) const {
  std::string norm = NormalizeAccount(account);
  if (norm.empty()) return {};
  unsigned char inner[kDigestSize];
  FinishFrom(pads_->inner.get(), reinterpret_cast<const unsigned char*>(norm.data()), norm.size(), inner);
  unsigned char md[kDigestSize];
  FinishFrom(pads_->outer.get(), inner, sizeof(inner), md);
  return Hex(md, kFingerprintBytes);
}

const AccountMemo::Entry& AccountMemo::Get(std::string_view account) {
  key_.assign(account);
  auto it = entries_.find(key_);
  if (it != entries_.end()) return it->second;
  if (entries_.size() >= kEntriesCountMax) entries_.clear();
  Entry e{fp_.Account(account), MaskAccount(account)};
  return entries_.emplace(key_, std::move(e)).first->second;
}

}  // namespace cashmatch::io
