// File: cashmatch/io/mapped_file.h
//
// A settlement file's bytes without copying them: a regular file is mapped
// read-only, so its pages are the kernel's page cache (shared, and dropped
// under memory pressure) rather than the process's own memory; anything
// else (a pipe, /dev/stdin) is read into memory. Apply reads a file through
// this so that its memory does not grow with the file (README, "Memory").
//
// Thread safety: const methods may be called from any thread.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "cashmatch/engine/status.h"

namespace cashmatch::io {

class MappedFile {
 public:
  // NotFound when the path cannot be opened, IOError when it cannot be read.
  static Result<MappedFile> Open(const std::string& path);

  MappedFile(MappedFile&& other) noexcept;
  MappedFile& operator=(MappedFile&& other) noexcept;
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  ~MappedFile();

  std::string_view data() const { return map_ != nullptr ? std::string_view(map_, size_) : std::string_view(copy_); }

  // Lets go of the pages read so far (they stay in the page cache; a page
  // read again is mapped again, from the cache): the mapping then no longer
  // counts them in the process's resident memory. A no-op for a file read
  // into memory.
  void ReleaseResidentPages() const;

 private:
  MappedFile() = default;
  void Release();

  const char* map_ = nullptr;  // the mapping, when the file could be mapped
  size_t size_ = 0;
  std::string copy_;  // the bytes, when it could not (or is empty)
};

}  // namespace cashmatch::io
