#pragma once
// Real compressed files for the integrity tests, written with zlib and libzstd (the same
// libraries, and the same framing, as gzip/pigz and the zstd tool).

#include <gtest/gtest.h>
#include <zlib.h>
#include <zstd.h>

#include <random>
#include <string>

namespace watchdog::testing {

// `size` bytes of 16 letters: compresses to about half, so 1 MiB spans several read chunks and
// a damage in the middle is found after successful ones.
inline std::string payload(std::size_t size = 1 << 20) {
  std::mt19937 random(42);
  std::string text(size, 'a');
  for (auto& c : text) c = static_cast<char>('a' + random() % 16);
  return text;
}

// One gzip member (header, deflate data, CRC-32 and length trailer), as `gzip` writes.
inline std::string gzip_member(const std::string& data) {
  z_stream zs{};
  EXPECT_EQ(deflateInit2(&zs, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
  std::string out(deflateBound(&zs, data.size()), '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&zs, Z_FINISH), Z_STREAM_END);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

// One zstd frame with a content checksum, as the zstd tool writes by default.
inline std::string zstd_frame(const std::string& data) {
  ZSTD_CCtx* context = ZSTD_createCCtx();
  ZSTD_CCtx_setParameter(context, ZSTD_c_checksumFlag, 1);
  std::string out(ZSTD_compressBound(data.size()), '\0');
  const std::size_t size =
      ZSTD_compress2(context, out.data(), out.size(), data.data(), data.size());
  EXPECT_FALSE(ZSTD_isError(size));
  ZSTD_freeCCtx(context);
  out.resize(ZSTD_isError(size) ? 0 : size);
  return out;
}

}  // namespace watchdog::testing
