#include "config/text.h"

#include <cstring>

namespace watchdog::config {

std::string errno_text(int error) {
  char buffer[256];
  // GNU strerror_r returns the message (maybe a static string, maybe `buffer`).
  return strerror_r(error, buffer, sizeof(buffer));
}

namespace {

// "\\x1b" (a byte) or "\\u009b" (a C1 code point).
void append_escape(std::string& out, char kind, unsigned value, int digits) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '\\';
  out += kind;
  for (int shift = 4 * (digits - 1); shift >= 0; shift -= 4) out += kHex[(value >> shift) & 0xf];
}

// The length of the valid UTF-8 sequence starting at text[0] (2-4), or 0 when it is not one
// (overlong forms, surrogates and code points above U+10FFFF are invalid).
std::size_t utf8_sequence_length(std::string_view text, unsigned& code_point) {
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
  const unsigned lead = byte(0);
  std::size_t length = 0;
  if (lead >= 0xc2 && lead <= 0xdf) {
    length = 2;
  } else if (lead >= 0xe0 && lead <= 0xef) {
    length = 3;
  } else if (lead >= 0xf0 && lead <= 0xf4) {
    length = 4;
  } else {
    return 0;  // a continuation byte, an overlong 2-byte lead (C0, C1) or beyond U+10FFFF (F5+)
  }
  code_point = lead & (0x7f >> length);
  if (text.size() < length) return 0;
  for (std::size_t i = 1; i < length; ++i) {
    if ((byte(i) & 0xc0) != 0x80) return 0;
    code_point = (code_point << 6) | (byte(i) & 0x3f);
  }
  const bool overlong =
      (length == 3 && code_point < 0x800) || (length == 4 && code_point < 0x10000);
  const bool surrogate = code_point >= 0xd800 && code_point <= 0xdfff;
  if (overlong || surrogate || code_point > 0x10ffff) return 0;
  return length;
}

}  // namespace

std::string escape_unprintable(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  while (!text.empty()) {
    const auto c = static_cast<unsigned char>(text.front());
    if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
      text.remove_prefix(1);
      continue;
    }
    if (c < 0x80) {
      switch (c) {
        case '\n':
          out += "\\n";
          break;
        case '\t':
          out += "\\t";
          break;
        case '\r':
          out += "\\r";
          break;
        default:
          append_escape(out, 'x', c, 2);
      }
      text.remove_prefix(1);
      continue;
    }
    unsigned code_point = 0;
    const std::size_t length = utf8_sequence_length(text, code_point);
    if (length == 0) {
      append_escape(out, 'x', c, 2);
      text.remove_prefix(1);
    } else {
      if (code_point < 0xa0) {
        append_escape(out, 'u', code_point, 4);  // C1 controls (U+0080-U+009F)
      } else {
        out.append(text.substr(0, length));
      }
      text.remove_prefix(length);
    }
  }
  return out;
}

}  // namespace watchdog::config
