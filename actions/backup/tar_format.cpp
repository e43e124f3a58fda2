#include "actions/backup/tar_format.h"

#include <fnmatch.h>

#include <algorithm>
#include <cstring>

namespace watchdog::actions::tar {
namespace {

constexpr std::uint64_t kMaxUstarSize = 077777777777ULL;  // 11 octal digits: 8 GiB - 1
constexpr std::size_t kNameField = 100;

void put_text(std::string& block, std::size_t at, std::size_t width, const std::string& text) {
  std::memcpy(block.data() + at, text.data(), std::min(width, text.size()));
}

// `width - 1` zero-padded octal digits and a NUL.
void put_octal(std::string& block, std::size_t at, std::size_t width, std::uint64_t value) {
  for (std::size_t i = width - 1; i-- > 0; value >>= 3) block[at + i] = char('0' + (value & 7));
}

unsigned checksum_of(const std::string& block) {
  unsigned sum = 0;
  for (std::size_t i = 0; i < kBlock; ++i) {
    sum += (i >= 148 && i < 156) ? ' ' : static_cast<unsigned char>(block[i]);
  }
  return sum;
}

std::string ustar_block(const std::string& name, const std::string& link, char type,
                        std::uint32_t mode, std::uint64_t size, std::int64_t mtime) {
  std::string block(kBlock, '\0');
  put_text(block, 0, kNameField, name);
  put_octal(block, 100, 8, mode & 07777);
  put_octal(block, 108, 8, 0);  // uid and gid: ownership is not restored (see files_driver.h)
  put_octal(block, 116, 8, 0);
  put_octal(block, 124, 12, size > kMaxUstarSize ? 0 : size);  // larger: the pax "size"
  put_octal(block, 136, 12, static_cast<std::uint64_t>(std::max<std::int64_t>(mtime, 0)));
  block[156] = type;
  put_text(block, 157, kNameField, link);
  put_text(block, 257, 6, std::string("ustar\0", 6));
  put_text(block, 263, 2, "00");
  put_octal(block, 148, 7, checksum_of(block));
  block[155] = ' ';
  return block;
}

// "LEN key=value\n", where LEN counts the whole record including itself.
std::string pax_record(const std::string& key, const std::string& value) {
  const std::size_t body = key.size() + value.size() + 3;  // ' ', '=', '\n'
  std::size_t length = body + 1;
  while (std::to_string(length).size() + body != length) ++length;
  return std::to_string(length) + " " + key + "=" + value + "\n";
}

std::optional<std::uint64_t> parse_octal(const char* field, std::size_t width) {
  std::size_t i = 0;
  while (i < width && field[i] == ' ') ++i;
  std::uint64_t value = 0;
  bool digits = false;
  for (; i < width && field[i] >= '0' && field[i] <= '7'; ++i, digits = true) {
    if (value > (UINT64_MAX >> 3)) return std::nullopt;
    value = (value << 3) | std::uint64_t(field[i] - '0');
  }
  if (i < width && field[i] != '\0' && field[i] != ' ') return std::nullopt;  // base-256, junk
  return digits ? std::optional(value) : std::optional<std::uint64_t>(0);
}

std::string text_field(const char* field, std::size_t width) {
  return std::string(field, strnlen(field, width));
}

std::optional<std::uint64_t> parse_decimal(const std::string& text) {
  if (text.empty() || text.size() > 19) return std::nullopt;
  std::uint64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + std::uint64_t(c - '0');
  }
  return value;
}

}  // namespace

std::string encode_header(const Entry& entry) {
  std::string name = entry.path.empty() ? "./" : entry.path;
  if (entry.type == Entry::Type::Directory && !entry.path.empty()) name += '/';
  const char type = static_cast<char>(entry.type);
  std::string records;
  if (name.size() > kNameField) records += pax_record("path", name);
  if (entry.link.size() > kNameField) records += pax_record("linkpath", entry.link);
  if (entry.size > kMaxUstarSize) records += pax_record("size", std::to_string(entry.size));
  std::string out;
  if (!records.empty()) {
    out = ustar_block("././@PaxHeader", "", 'x', 0644, records.size(), entry.mtime) + records +
          std::string(padding(records.size()), '\0');
  }
  return out + ustar_block(name, entry.link, type, entry.mode, entry.size, entry.mtime);
}

std::size_t padding(std::uint64_t size) { return (kBlock - size % kBlock) % kBlock; }

std::string end_of_archive() { return std::string(2 * kBlock, '\0'); }

bool is_zero_block(const char* block) {
  return std::all_of(block, block + kBlock, [](char c) { return c == '\0'; });
}

std::optional<RawHeader> decode_header(const char* block, std::string& error) {
  const auto stored = parse_octal(block + 148, 8);
  if (!stored || *stored != checksum_of(std::string(block, kBlock))) {
    error = "damaged tar header (checksum mismatch)";
    return std::nullopt;
  }
  if (std::memcmp(block + 257, "ustar", 5) != 0) {
    error = "not a ustar header";
    return std::nullopt;
  }
  RawHeader header;
  header.type = block[156];
  const std::string prefix = text_field(block + 345, 155);
  header.name = (prefix.empty() ? "" : prefix + "/") + text_field(block, kNameField);
  header.link = text_field(block + 157, kNameField);
  const auto mode = parse_octal(block + 100, 8);
  const auto size = parse_octal(block + 124, 12);
  const auto mtime = parse_octal(block + 136, 12);
  if (!mode || !size || !mtime) {
    error = "unsupported number encoding in the tar header of " + header.name;
    return std::nullopt;
  }
  header.mode = static_cast<std::uint32_t>(*mode & 07777);
  header.size = *size;
  header.mtime = static_cast<std::int64_t>(*mtime);
  return header;
}

bool apply_pax(const std::string& records, RawHeader& header, std::string& error) {
  std::size_t at = 0;
  while (at < records.size()) {
    const auto space = records.find(' ', at);
    const auto length =
        space == std::string::npos ? std::nullopt : parse_decimal(records.substr(at, space - at));
    if (!length || *length > records.size() - at || space + 2 > at + *length ||
        records[at + *length - 1] != '\n') {
      error = "malformed pax header";
      return false;
    }
    const std::string record = records.substr(space + 1, at + *length - space - 2);
    at += *length;
    const auto equals = record.find('=');
    if (equals == std::string::npos) {
      error = "malformed pax record";
      return false;
    }
    const std::string key = record.substr(0, equals), value = record.substr(equals + 1);
    if (key == "path") header.name = value;
    if (key == "linkpath") header.link = value;
    if (key == "size" || key == "mtime") {
      const auto number = parse_decimal(value.substr(0, value.find('.')));
      if (!number) {
        error = "malformed pax " + key;
        return false;
      }
      if (key == "size") header.size = *number;
      if (key == "mtime") {
        // Past 9999-12-31 the value is garbage (and would overflow time_t casts): refuse it.
        constexpr std::uint64_t kLatestMtime = 253402300799;
        if (*number > kLatestMtime) {
          error = "pax mtime " + value + " of " + header.name + " is out of range";
          return false;
        }
        header.mtime = static_cast<std::int64_t>(*number);
      }
    }
  }
  return true;
}

std::optional<Entry> to_entry(const RawHeader& header, std::string& error) {
  Entry entry;
  switch (header.type) {
    case '0':
    case '\0':
      entry.type = Entry::Type::File;
      break;
    case '5':
      entry.type = Entry::Type::Directory;
      break;
    case '2':
      entry.type = Entry::Type::Symlink;
      break;
    default:
      error = std::string("unsupported tar entry type '") + header.type + "' (" + header.name + ")";
      return std::nullopt;
  }
  auto path = safe_member_path(header.name);
  if (!path) {
    error = "unsafe path in the archive: " + header.name;
    return std::nullopt;
  }
  if (entry.type != Entry::Type::File && header.size != 0) {
    error = "tar entry " + header.name + " is not a file but carries data";
    return std::nullopt;
  }
  if (entry.type == Entry::Type::Symlink && header.link.empty()) {
    error = "symlink " + header.name + " has no target";
    return std::nullopt;
  }
  if (path->empty() && entry.type != Entry::Type::Directory) {
    error = "the archive's root is not a directory";
    return std::nullopt;
  }
  entry.path = std::move(*path);
  entry.mode = header.mode;
  entry.size = header.size;
  entry.mtime = header.mtime;
  entry.link = header.link;
  return entry;
}

std::optional<std::string> safe_member_path(const std::string& name) {
  if (name.empty() || name.front() == '/' || name.find('\0') != std::string::npos) {
    return std::nullopt;
  }
  std::string trimmed = name;
  while (trimmed.size() > 1 && trimmed.back() == '/') trimmed.pop_back();
  std::string out;
  std::size_t start = 0;
  while (start <= trimmed.size()) {
    auto end = trimmed.find('/', start);
    if (end == std::string::npos) end = trimmed.size();
    const std::string part = trimmed.substr(start, end - start);
    if (part.empty() || part == "..") return std::nullopt;
    if (part != ".") out += (out.empty() ? "" : "/") + part;
    start = end + 1;
  }
  return out;
}

bool excluded(const std::string& relative, const std::vector<std::string>& patterns) {
  const auto slash = relative.rfind('/');
  const std::string base = slash == std::string::npos ? relative : relative.substr(slash + 1);
  return std::any_of(patterns.begin(), patterns.end(), [&](const std::string& pattern) {
    const bool whole_path = pattern.find('/') != std::string::npos;
    return fnmatch(pattern.c_str(), (whole_path ? relative : base).c_str(), 0) == 0;
  });
}

}  // namespace watchdog::actions::tar
