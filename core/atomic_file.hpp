// AtomicFile: the one way rlforge writes a file — an exclusive temporary beside it, fsync, rename,
// fsync of the folder — so a reader (or a crash) sees the old file or the new one, never a mix.
//
// The temporary is "<path>.tmp.<pid>.<n>", created with O_CREAT|O_EXCL|O_NOFOLLOW (an existing
// file or a symlink planted there is never followed or overwritten) and removed unless commit()
// succeeds. remove_stale_temps() deletes such temporaries left by killed processes.
// Throws rlforge::Error naming the path and the system's reason.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace rlforge {

class AtomicFile {
 public:
  explicit AtomicFile(std::string path);
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  void write(const void* data, std::size_t n);
  void write(std::string_view bytes) { write(bytes.data(), bytes.size()); }
  // Writes at a byte offset (pwrite), for writers that seek back to patch what they wrote (the
  // MP4 muxer's index); does not move the position write() appends at.
  void write_at(std::uint64_t offset, const void* data, std::size_t n);
  // Makes the file durable and puts it in place; after it the object holds nothing. With
  // replace = false an existing file at the path (one that appeared since the caller checked) is
  // left alone and commit throws, so a long write never overwrites what a user made meanwhile.
  void commit(bool replace = true);
  const std::string& temp_path() const { return tmp_; }

 private:
  [[noreturn]] void fail(const std::string& what, int err) const;
  [[noreturn]] void no_replace_fail(int err) const;
  std::string path_, tmp_;
  int fd_ = -1;
  bool committed_ = false;
};

// Writes `bytes` to `path` through an AtomicFile.
void write_file_atomic(const std::string& path, std::string_view bytes);

// Removes "<name>.tmp.<pid>.<n>" files in `dir` whose process <pid> no longer runs (temporaries
// of killed writers); returns how many. Files of running processes and all others are kept.
int remove_stale_temps(const std::string& dir);

}  // namespace rlforge
