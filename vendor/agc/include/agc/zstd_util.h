// One-shot zstd helpers. Byte identity with upstream agc needs exactly zstd 1.5.6 and the
// default parameters of ZSTD_compressCCtx (docs/format.md 5.9).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace agc {

// One zstd frame (content size in the header, no checksum) at `level`; throws AgcError.
std::vector<uint8_t> ZstdCompress(const uint8_t* data, size_t len, int level);

// As ZstdCompress, into room owned by the calling thread: *out points at the frame, whose size is
// returned, until the thread's next call. No allocation once the room is large enough.
size_t ZstdCompressScratch(const uint8_t* data, size_t len, int level, const uint8_t** out);

// Decompresses exactly one frame whose content size is `raw_size`. Throws AgcError when zstd
// reports an error, the size differs, bytes follow the frame, or raw_size is implausible
// (above kZstdMaxUncheckedRaw while the frame header does not confirm it).
std::vector<uint8_t> ZstdDecompress(const uint8_t* data, size_t len, size_t raw_size);

// As ZstdDecompress, into out[0, raw_size) (caller-owned; nothing is allocated). Returns raw_size.
size_t ZstdDecompressInto(const uint8_t* data, size_t len, uint8_t* out, size_t raw_size);

// As ZstdDecompressInto, but stops early: `enough(n)` is asked after each step with the bytes
// out[0, n) produced so far, and once it answers true the rest of the frame is left undecoded.
// Returns the bytes produced (raw_size when the whole frame was needed). zstd decodes whole blocks
// (up to 128 KiB), so a prefix saves the blocks after the one that completes it. Throws as
// ZstdDecompressInto for the frame's header and for the blocks it decodes.
size_t ZstdDecompressPrefix(const uint8_t* data, size_t len, uint8_t* out, size_t raw_size,
                            const std::function<bool(size_t)>& enough);

// Throws the AgcError that ZstdDecompressInto would when the frame cannot hold raw_size bytes (a
// size claim to check before room for it is allocated).
void ZstdCheckRawSize(const uint8_t* data, size_t len, size_t raw_size);

// raw_size above this must be confirmed by the frame header before we allocate it.
constexpr size_t kZstdMaxUncheckedRaw = size_t(1) << 31;

// Version of the linked zstd, e.g. "1.5.6".
std::string ZstdVersion();

int ZstdMinLevel();
int ZstdMaxLevel();

}  // namespace agc
