#pragma once
// The tar format of `files` backups (kind: files), pure functions without I/O: POSIX ustar
// headers, with a pax extended header ('x') in front of an entry whose path or link target does
// not fit ustar's 100 bytes or whose size does not fit its 8 GiB field. Only what the writer
// produces is read back: regular files ('0'), directories ('5'), symlinks ('2'); pax 'x'
// headers (path, linkpath, size, mtime) and global headers ('g', ignored). Anything else — hard
// links, devices, GNU extensions — is refused by the reader rather than guessed at.
//
// Member paths are relative, '/'-separated, "" for the source directory itself (written as
// "./"); safe_member_path() is the extraction guard against absolute paths and "..".

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace watchdog::actions::tar {

inline constexpr std::size_t kBlock = 512;

struct Entry {
  enum class Type : char { File = '0', Directory = '5', Symlink = '2' };
  std::string path;  // relative; "" = the archive's root directory
  Type type = Type::File;
  std::uint32_t mode = 0644;  // permission bits (07777)
  std::uint64_t size = 0;     // files only
  std::int64_t mtime = 0;     // seconds since the epoch
  std::string link;           // symlinks: the target, as written
};

// The header block(s) of `entry`: one ustar block, or a pax header, its records and the ustar
// block (whose name is then cut to fit).
std::string encode_header(const Entry& entry);
// Zero bytes that pad `size` bytes of data to a whole block.
std::size_t padding(std::uint64_t size);
// The end of an archive: two zero blocks.
std::string end_of_archive();

bool is_zero_block(const char* block);

// Decodes one ustar header block: checksum, magic and the fields. `type` is the raw typeflag
// ('x', 'g' included); nullopt with `error` for a damaged or foreign block.
struct RawHeader {
  char type = '0';
  std::string name;  // prefix/name joined
  std::string link;
  std::uint32_t mode = 0;
  std::uint64_t size = 0;
  std::int64_t mtime = 0;
};
std::optional<RawHeader> decode_header(const char* block, std::string& error);

// Applies the records of a pax extended header ("LEN key=value\n"…) to the next header's
// fields: path, linkpath, size, mtime (others are ignored). False with `error` when malformed.
bool apply_pax(const std::string& records, RawHeader& header, std::string& error);

// The checked entry of a decoded header: type known, path made safe (safe_member_path).
std::optional<Entry> to_entry(const RawHeader& header, std::string& error);

// A member's path as extraction may use it: "./" prefixes, "." components and a trailing '/'
// dropped; nullopt for an absolute path, a ".." component, a NUL byte or an empty component.
// "" = the root itself.
std::optional<std::string> safe_member_path(const std::string& name);

// Whether `relative` (a path under the source) is excluded by one of `patterns` (fnmatch): a
// pattern without '/' matches any single name ("*.tmp", "cache"), one with '/' the whole
// relative path ("logs/*.gz", where '*' also crosses '/'). An excluded directory is skipped whole.
bool excluded(const std::string& relative, const std::vector<std::string>& patterns);

}  // namespace watchdog::actions::tar
