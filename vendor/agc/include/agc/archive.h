// AGC container (file format 3.0): parts of named streams, followed by a footer index and an
// 8-byte little-endian footer length. Same shape as upstream's CArchive so the bridge reads
// naturally; written here from the format description.
#pragma once

#include <cstdint>
#include <cstdio>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <vector>

namespace agc {

// What went wrong, so that callers can react without reading messages. The N-API bridge turns
// each kind into the `code` of the JS error (lib/errors.ts): kCorrupt -> AGC_CORRUPT, ...
enum class ErrorKind {
  kCorrupt,   // the bytes of an archive are not valid AGC (truncated, mutated, not an archive)
  kInput,     // a bad argument or an unusable input (directory, out-of-range id, bad level)
  kClosed,    // an object used after close or in the wrong mode/state
  kIo,        // the operating system refused an operation (open, read, write, seek)
  kInternal,  // a bug or resource exhaustion inside the core
};

// Every failure of the core is an AgcError whose message names the file when one is involved.
// An error without an explicit kind is about bad data (most throw sites are format checks).
class AgcError : public std::runtime_error {
 public:
  explicit AgcError(const std::string& what, ErrorKind kind = ErrorKind::kCorrupt)
      : std::runtime_error(what), kind_(kind) {}
  ErrorKind kind() const noexcept { return kind_; }

 private:
  ErrorKind kind_;
};

// Thread safety: every public member takes an internal lock, so one archive may be shared by
// the JS thread and worker threads (e.g. parts fetched off the main thread). Stream/part
// tables returned by reference (Streams()) must not be used while another thread writes.
class CArchive {
 public:
  struct Part {
    uint64_t offset = 0;  // file offset of the metadata varint
    uint64_t size = 0;    // data bytes, varint excluded
  };
  struct Stream {
    std::string name;
    uint64_t raw_size = 0;
    std::vector<Part> parts;
  };

  // input_mode = true: read an existing archive; false: create/truncate for writing.
  explicit CArchive(bool input_mode);
  // Closes quietly (an output archive still gets its footer); never throws.
  ~CArchive();
  CArchive(const CArchive&) = delete;
  CArchive& operator=(const CArchive&) = delete;

  // Throws AgcError naming the file (missing, empty, truncated, not an AGC archive, ...).
  // Opening an already open archive closes it first.
  void Open(const std::string& file_name);
  // Output: flush buffers, write footer and trailer. Input: release the file. Idempotent.
  // The file is released even when finishing it fails (the error is thrown once). After an
  // earlier write error, which was already thrown, Close() just releases the file: there is no
  // valid archive to finish, and throwing again would mask the first error in finally blocks.
  void Close();
  bool IsOpen() const;
  bool IsInput() const { return input_mode_; }
  const std::string& FileName() const { return file_name_; }

  size_t GetNoStreams() const;
  // -1 when absent.
  int GetStreamId(const std::string& name) const;
  // Copies, so the result stays valid while other threads register streams.
  std::string GetStreamName(size_t stream_id) const;
  size_t GetNoParts(size_t stream_id) const;
  const std::vector<Stream>& Streams() const { return streams_; }

  // ---- output ----
  // Names are CSTRs in the footer, so a name containing '\0' is rejected.
  int RegisterStream(const std::string& name);
  // Returns the part index.
  size_t AddPart(size_t stream_id, const std::vector<uint8_t>& data, uint64_t metadata);
  size_t AddPart(size_t stream_id, const uint8_t* data, size_t len, uint64_t metadata);
  void AddPartBuffered(size_t stream_id, std::vector<uint8_t> data, uint64_t metadata);
  void FlushOutBuffers();
  uint64_t GetPosition() const;

  // ---- input ----
  // Empty part: metadata 0 and no data (the varint is not read, as upstream).
  void GetPart(size_t stream_id, size_t part_id, std::vector<uint8_t>& data, uint64_t& metadata);
  // As GetPart, into caller memory of `capacity` bytes (kInput error when the part is larger);
  // returns the part's size. Lets a reader reuse one buffer for the compressed bytes.
  size_t ReadPartInto(size_t stream_id, size_t part_id, uint8_t* dst, size_t capacity,
                      uint64_t& metadata);
  uint64_t GetPartSize(size_t stream_id, size_t part_id) const;
  // File offset of the part's metadata varint, as stored in the footer.
  uint64_t GetPartOffset(size_t stream_id, size_t part_id) const;
  uint64_t GetFileSize() const;

  // ---- varint of the container (AV): byte count, then big-endian bytes ----
  static void WriteVarint(std::vector<uint8_t>& out, uint64_t x);
  // Reads at p (advancing it); throws AgcError on overrun of [p, end) or a count byte > 8.
  static uint64_t ReadVarint(const uint8_t*& p, const uint8_t* end);

 private:
  // Callers hold mtx_.
  void require_open(const char* what) const;
  void require_mode(bool input, const char* what) const;
  void check_stream(size_t stream_id) const;
  void check_part(size_t stream_id, size_t part_id) const;
  // Reads the metadata varint of part (stream_id, part_id); returns the data size (0: empty) and
  // sets data_offset to where the data starts.
  size_t read_part_head(size_t stream_id, size_t part_id, uint64_t& metadata, uint64_t& data_offset,
                        const char* what);
  // The metadata varint of part p from `avail` bytes read at its offset; returns the varint's
  // bytes (where the data starts). Corrupt when it is invalid.
  size_t parse_part_head(size_t stream_id, size_t part_id, const Part& p, const uint8_t* head,
                         size_t avail, uint64_t& metadata) const;
  void read_footer();
  void write_bytes(const uint8_t* data, size_t len);
  size_t add_part(size_t stream_id, const uint8_t* data, size_t len, uint64_t metadata);
  void flush_out_buffers();
  void write_footer();
  void close_locked();
  void seek(uint64_t offset);
  void read_exact(uint8_t* dst, size_t len);
  // len bytes at offset, whatever the stream position (which it may move).
  void read_at(uint64_t offset, uint8_t* dst, size_t len);
  [[noreturn]] void fail(const std::string& what, ErrorKind kind = ErrorKind::kCorrupt) const;
  [[noreturn]] void not_agc(const std::string& why) const;

  bool input_mode_;
  std::string file_name_;
  FILE* file_ = nullptr;
  uint64_t pos_ = 0;
  uint64_t file_size_ = 0;
  uint64_t data_end_ = 0;  // input: offset of the footer = end of the data area
  std::vector<Stream> streams_;
  std::unordered_map<std::string, int> name_to_id_;
  std::map<size_t, std::vector<std::pair<std::vector<uint8_t>, uint64_t>>> buffer_;
  bool write_failed_ = false;    // output: a write error was thrown; the file is beyond repair
  std::vector<char> io_buffer_;  // setvbuf buffer; must outlive file_
  mutable std::mutex mtx_;
};

}  // namespace agc
