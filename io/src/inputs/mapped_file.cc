#include "cashmatch/io/mapped_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace cashmatch::io {

Result<MappedFile> MappedFile::Open(const std::string& path) {
  MappedFile file;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::NotFound(path + ": cannot open file (" + std::strerror(errno) + ")");
  struct stat st {};
  const bool stated = ::fstat(fd, &st) == 0;
  if (stated && S_ISDIR(st.st_mode)) {
    ::close(fd);
    return Status::NotFound(path + ": is a directory, not a file");
  }
  const bool regular = stated && S_ISREG(st.st_mode) && st.st_size > 0;
  if (regular) {
    void* p = ::mmap(nullptr, static_cast<size_t>(st.st_size), PROT_READ, MAP_PRIVATE, fd, 0);
    if (p != MAP_FAILED) {
      // Read once, front to back: the kernel may read ahead and drop behind.
      ::madvise(p, static_cast<size_t>(st.st_size), MADV_SEQUENTIAL);
      file.map_ = static_cast<const char*>(p);
      file.size_ = static_cast<size_t>(st.st_size);
    }
  }
  if (file.map_ != nullptr) {
    ::close(fd);
    return file;
  }
  // Empty, not a regular file (a pipe: opened once, it cannot be opened
  // again), or not mappable: read it from the descriptor already open.
  char buffer[1 << 16];
  for (;;) {
    const ssize_t n = ::read(fd, buffer, sizeof(buffer));
    if (n > 0) {
      file.copy_.append(buffer, static_cast<size_t>(n));
    } else if (n == 0) {
      break;
    } else if (errno != EINTR) {
      const int err = errno;
      ::close(fd);
      return Status::IOError(path + ": read failed (" + std::strerror(err) + ")");
    }
  }
  ::close(fd);
  return file;
}

MappedFile::MappedFile(MappedFile&& other) noexcept
    : map_(std::exchange(other.map_, nullptr)), size_(std::exchange(other.size_, 0)), copy_(std::move(other.copy_)) {}

MappedFile& MappedFile::operator=(MappedFile&& other) noexcept {
  if (this != &other) {
    Release();
    map_ = std::exchange(other.map_, nullptr);
    size_ = std::exchange(other.size_, 0);
    copy_ = std::move(other.copy_);
  }
  return *this;
}

MappedFile::~MappedFile() { Release(); }

void MappedFile::ReleaseResidentPages() const {
  // The mapping is read-only and private, so no page of it is dirty: the
  // kernel drops them and maps them from the file again on the next read.
  if (map_ != nullptr) ::madvise(const_cast<char*>(map_), size_, MADV_DONTNEED);
}

void MappedFile::Release() {
  if (map_ != nullptr) ::munmap(const_cast<char*>(map_), size_);
  map_ = nullptr;
  size_ = 0;
}

}  // namespace cashmatch::io
