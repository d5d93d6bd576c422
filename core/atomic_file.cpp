// AtomicFile: exclusive temporary, fsync, rename, fsync of the folder; stale temporaries cleaned.
#include "core/atomic_file.hpp"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>  // renameat2, RENAME_NOREPLACE (glibc 2.28)
#include <cstring>
#include <filesystem>
#include <regex>

#include "core/error.hpp"

namespace rlforge {

namespace {

std::atomic<unsigned> temp_counter{0};

std::string parent_dir(const std::string& path) {
  const std::filesystem::path p(path);
  return p.has_parent_path() ? p.parent_path().string() : std::string(".");
}

}  // namespace

AtomicFile::AtomicFile(std::string path) : path_(std::move(path)) {
  // A few tries: a name can only be taken by a file left from an earlier process with our pid.
  for (int attempt = 0; attempt < 100 && fd_ < 0; ++attempt) {
    tmp_ = path_ + ".tmp." + std::to_string(::getpid()) + "." + std::to_string(temp_counter++);
    fd_ = ::open(tmp_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd_ < 0 && errno != EEXIST) fail("cannot create a temporary file for", errno);
  }
  if (fd_ < 0) fail("cannot create a temporary file for", EEXIST);
}

AtomicFile::~AtomicFile() {
  if (fd_ >= 0) ::close(fd_);
  if (!committed_) ::unlink(tmp_.c_str());
}

void AtomicFile::fail(const std::string& what, int err) const {
  throw Error(what + " '" + path_ + "': " + std::strerror(err));
}

void AtomicFile::no_replace_fail(int err) const {
  if (err == EEXIST)
    throw Error("'" + path_ + "' appeared while it was being written; it was left as it is and "
                "the new file was not kept");
  fail("cannot rename the temporary file to", err);
}

void AtomicFile::write(const void* data, std::size_t n) {
  const auto* p = static_cast<const char*>(data);
  while (n > 0) {
    const ::ssize_t k = ::write(fd_, p, n);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) fail("cannot write", k < 0 ? errno : EIO);
    p += k;
    n -= static_cast<std::size_t>(k);
  }
}

void AtomicFile::write_at(std::uint64_t offset, const void* data, std::size_t n) {
  const auto* p = static_cast<const char*>(data);
  while (n > 0) {
    const ::ssize_t k = ::pwrite(fd_, p, n, static_cast<::off_t>(offset));
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) fail("cannot write", k < 0 ? errno : EIO);
    p += k;
    n -= static_cast<std::size_t>(k);
    offset += static_cast<std::uint64_t>(k);
  }
}

void AtomicFile::commit(bool replace) {
  if (::fsync(fd_) != 0) fail("cannot write", errno);
  const int rc = ::close(fd_);
  fd_ = -1;
  if (rc != 0) fail("cannot write", errno);
  if (replace) {
    if (::rename(tmp_.c_str(), path_.c_str()) != 0) fail("cannot rename the temporary file to", errno);
  } else if (::renameat2(AT_FDCWD, tmp_.c_str(), AT_FDCWD, path_.c_str(), RENAME_NOREPLACE) != 0) {
    // Filesystems without RENAME_NOREPLACE: link() refuses an existing name just as atomically.
    if (errno != EINVAL && errno != ENOSYS) no_replace_fail(errno);
    if (::link(tmp_.c_str(), path_.c_str()) != 0) no_replace_fail(errno);
    ::unlink(tmp_.c_str());
  }
  committed_ = true;
  // The rename itself is durable only once the folder is synced.
  const int dir = ::open(parent_dir(path_).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
}

void write_file_atomic(const std::string& path, std::string_view bytes) {
  AtomicFile f(path);
  f.write(bytes);
  f.commit();
}

int remove_stale_temps(const std::string& dir) {
  static const std::regex temp_name(R"(^.+\.tmp\.(\d+)\.\d+$)");
  std::error_code ec;
  int removed = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (!entry.is_regular_file(ec) || entry.is_symlink(ec)) continue;
    const std::string name = entry.path().filename().string();
    std::smatch m;
    if (!std::regex_match(name, m, temp_name)) continue;
    const long pid = std::stol(m[1].str());
    // kill(pid, 0) fails with ESRCH exactly when no such process exists.
    if (pid > 0 && ::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH &&
        std::filesystem::remove(entry.path(), ec))
      ++removed;
  }
  return removed;
}

}  // namespace rlforge
