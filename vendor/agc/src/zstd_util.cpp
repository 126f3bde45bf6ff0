#include "agc/zstd_util.h"

#include <memory>

#include <zstd.h>

#include "agc/archive.h"  // AgcError

namespace agc {

namespace {

// Contexts are expensive to create; one per thread keeps calls lock-free. Reusing a context
// does not change the output of ZSTD_compressCCtx.
struct CCtxHolder {
  ZSTD_CCtx* ctx = nullptr;
  ~CCtxHolder() { ZSTD_freeCCtx(ctx); }
};
struct DCtxHolder {
  ZSTD_DCtx* ctx = nullptr;
  ~DCtxHolder() { ZSTD_freeDCtx(ctx); }
};

ZSTD_CCtx* thread_cctx() {
  thread_local CCtxHolder holder;
  if (!holder.ctx) {
    holder.ctx = ZSTD_createCCtx();
    if (!holder.ctx)
      throw AgcError("zstd: cannot create a compression context", ErrorKind::kInternal);
  }
  return holder.ctx;
}

ZSTD_DCtx* thread_dctx() {
  thread_local DCtxHolder holder;
  if (!holder.ctx) {
    holder.ctx = ZSTD_createDCtx();
    if (!holder.ctx)
      throw AgcError("zstd: cannot create a decompression context", ErrorKind::kInternal);
  }
  return holder.ctx;
}

}  // namespace

namespace {

// Output room of one compression. Not a zero-filled vector: at the compressed sizes of agc's
// parts, most of zstd's bound is never written, and zero-filling it faulted in fresh pages on
// every call (large blocks are mmapped, see native/addon.cc), a good part of create's kernel time.
// Up to kKeptScratch the room is kept by the thread for its next calls.
constexpr size_t kKeptScratch = size_t(8) << 20;

struct Scratch {
  std::unique_ptr<uint8_t[]> kept;
  size_t kept_size = 0;
  std::unique_ptr<uint8_t[]> once;
};

uint8_t* ScratchFor(Scratch& s, size_t bound) {
  if (bound > kKeptScratch) {
    s.once.reset(new uint8_t[bound]);
    return s.once.get();
  }
  s.once.reset();
  if (s.kept_size < bound) {
    s.kept.reset();  // the old room first: both would be live at once otherwise
    s.kept_size = 0;
    s.kept.reset(new uint8_t[bound]);
    s.kept_size = bound;
  }
  return s.kept.get();
}

}  // namespace

size_t ZstdCompressScratch(const uint8_t* data, size_t len, int level, const uint8_t** out) {
  if (level < ZSTD_minCLevel() || level > ZSTD_maxCLevel())
    throw AgcError("zstd: compression level " + std::to_string(level) + " out of range",
                   ErrorKind::kInput);
  if (len > 0 && !data) throw AgcError("zstd: null input", ErrorKind::kInput);
  size_t bound = ZSTD_compressBound(len);
  if (ZSTD_isError(bound)) throw AgcError("zstd: input too large", ErrorKind::kInput);
  thread_local Scratch scratch;
  uint8_t* room = ScratchFor(scratch, bound);
  // A zero-length source still needs a valid pointer for zstd's internal copies.
  static const uint8_t kEmpty = 0;
  size_t r = ZSTD_compressCCtx(thread_cctx(), room, bound, len ? data : &kEmpty, len, level);
  if (ZSTD_isError(r))
    throw AgcError(std::string("zstd: compression failed: ") + ZSTD_getErrorName(r),
                   ErrorKind::kInternal);
  *out = room;
  return r;
}

std::vector<uint8_t> ZstdCompress(const uint8_t* data, size_t len, int level) {
  const uint8_t* frame = nullptr;
  const size_t r = ZstdCompressScratch(data, len, level, &frame);
  return std::vector<uint8_t>(frame, frame + r);
}

namespace {

// The checks of a frame's header that come before any output: its content size against raw_size,
// a size claim it cannot hold, exactly one frame in `len` bytes.
void CheckFrame(const uint8_t* data, size_t len, uint8_t* out, size_t raw_size) {
  if (len > 0 && !data) throw AgcError("zstd: null input", ErrorKind::kInput);
  if (raw_size > 0 && !out) throw AgcError("zstd: null output", ErrorKind::kInput);
  unsigned long long declared = ZSTD_getFrameContentSize(data, len);
  if (declared == ZSTD_CONTENTSIZE_ERROR) throw AgcError("zstd: not a zstd frame");
  if (declared != ZSTD_CONTENTSIZE_UNKNOWN && declared != raw_size)
    throw AgcError("zstd: frame holds " + std::to_string(declared) + " bytes, expected " +
                   std::to_string(raw_size));
  if (declared == ZSTD_CONTENTSIZE_UNKNOWN && raw_size > kZstdMaxUncheckedRaw)
    throw AgcError("zstd: implausible uncompressed size " + std::to_string(raw_size));
  // Every block takes at least 4 bytes (3-byte header + 1, an RLE block) and yields at most
  // 128 KiB, so no frame of `len` bytes can hold more; a corrupt size claim then costs nothing.
  if (raw_size / ZSTD_BLOCKSIZE_MAX > len / 4 + 1)
    throw AgcError("zstd: implausible uncompressed size " + std::to_string(raw_size) + " for " +
                   std::to_string(len) + " compressed bytes");
  // Exactly one frame: ZSTD_decompressDCtx would also accept concatenated frames.
  size_t frame = ZSTD_findFrameCompressedSize(data, len);
  if (ZSTD_isError(frame))
    throw AgcError(std::string("zstd: corrupt frame: ") + ZSTD_getErrorName(frame));
  if (frame != len)
    throw AgcError("zstd: " + std::to_string(len - frame) + " unexpected bytes after the frame");
}

// Output granted to the streaming decoder per step of ZstdDecompressPrefix: a block is decoded
// once into the context's own buffer and handed out in steps of this size, each then checked.
constexpr size_t kPrefixStep = size_t(32) << 10;

}  // namespace

size_t ZstdDecompressInto(const uint8_t* data, size_t len, uint8_t* out, size_t raw_size) {
  CheckFrame(data, len, out, raw_size);
  uint8_t dummy = 0;
  size_t r = ZSTD_decompressDCtx(thread_dctx(), raw_size ? out : &dummy, raw_size, data, len);
  if (ZSTD_isError(r))
    throw AgcError(std::string("zstd: decompression failed: ") + ZSTD_getErrorName(r));
  if (r != raw_size)
    throw AgcError("zstd: decompressed " + std::to_string(r) + " bytes, expected " +
                   std::to_string(raw_size));
  return r;
}

size_t ZstdDecompressPrefix(const uint8_t* data, size_t len, uint8_t* out, size_t raw_size,
                            const std::function<bool(size_t)>& enough) {
  CheckFrame(data, len, out, raw_size);
  ZSTD_DCtx* dctx = thread_dctx();
  ZSTD_DCtx_reset(dctx, ZSTD_reset_session_only);
  // Streaming refuses windows above 8 MiB by default; the one-shot decoder has no such limit, and
  // the buffer streaming allocates is bounded by the frame's content size anyway.
  const ZSTD_bounds window = ZSTD_dParam_getBounds(ZSTD_d_windowLogMax);
  if (!ZSTD_isError(window.error))
    ZSTD_DCtx_setParameter(dctx, ZSTD_d_windowLogMax, window.upperBound);
  ZSTD_inBuffer in{data, len, 0};
  ZSTD_outBuffer o{out, 0, 0};
  for (;;) {
    o.size = raw_size - o.pos < kPrefixStep ? raw_size : o.pos + kPrefixStep;
    const size_t in_before = in.pos, out_before = o.pos;
    const size_t r = ZSTD_decompressStream(dctx, &o, &in);
    if (ZSTD_isError(r))
      throw AgcError(std::string("zstd: decompression failed: ") + ZSTD_getErrorName(r));
    if (r == 0) {  // the frame is over (CheckFrame: it was all of the input)
      if (o.pos != raw_size)
        throw AgcError("zstd: decompressed " + std::to_string(o.pos) + " bytes, expected " +
                       std::to_string(raw_size));
      return o.pos;
    }
    if (enough(o.pos)) return o.pos;
    // neither input taken nor output given: the frame is cut short, or holds more than raw_size
    if (in.pos == in_before && o.pos == out_before)
      throw AgcError("zstd: frame does not decode to the " + std::to_string(raw_size) +
                     " bytes expected");
  }
}

void ZstdCheckRawSize(const uint8_t* data, size_t len, size_t raw_size) {
  if (len > 0 && !data) throw AgcError("zstd: null input", ErrorKind::kInput);
  unsigned long long declared = ZSTD_getFrameContentSize(data, len);
  if (declared == ZSTD_CONTENTSIZE_ERROR) throw AgcError("zstd: not a zstd frame");
  if ((declared != ZSTD_CONTENTSIZE_UNKNOWN && declared != raw_size) ||
      (declared == ZSTD_CONTENTSIZE_UNKNOWN && raw_size > kZstdMaxUncheckedRaw) ||
      raw_size / ZSTD_BLOCKSIZE_MAX > len / 4 + 1) {
    uint8_t dummy = 0;
    ZstdDecompressInto(data, len, &dummy, raw_size);  // throws the precise error
  }
}

std::vector<uint8_t> ZstdDecompress(const uint8_t* data, size_t len, size_t raw_size) {
  ZstdCheckRawSize(data, len, raw_size);  // before the vector is allocated
  std::vector<uint8_t> out(raw_size);
  ZstdDecompressInto(data, len, out.data(), raw_size);
  return out;
}

std::string ZstdVersion() { return ZSTD_versionString(); }

int ZstdMinLevel() { return ZSTD_minCLevel(); }
int ZstdMaxLevel() { return ZSTD_maxCLevel(); }

}  // namespace agc
