// Container layer of AGC 3.0 (docs/format.md section 1), written from the format description.
// Reading never trusts the footer: every count and offset is checked against the bytes that
// can hold it before anything is allocated or read.

#if !defined(_WIN32) && !defined(_FILE_OFFSET_BITS)
#define _FILE_OFFSET_BITS 64  // 64-bit off_t for fseeko/ftello on 32-bit POSIX systems
#endif

#include "agc/archive.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <limits>
#include <new>
#include <utility>

#ifdef _WIN32
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#ifndef NOMINMAX
#define NOMINMAX
#endif
#include <windows.h>
#else
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>
#endif

namespace agc {

namespace {

constexpr size_t kOutputBufferSize = size_t(1) << 22;  // few large writes for many small parts
constexpr size_t kInputBufferSize = size_t(1) << 16;   // parts are read at random offsets
constexpr size_t kFooterWindow = size_t(1) << 20;      // footer is parsed through this window

// Smallest encodings, used to bound counts read from an untrusted footer:
// a stream is at least CSTR("") + AV(n_parts) + AV(raw_size); a part at least two AVs.
constexpr uint64_t kMinStreamBytes = 3;
constexpr uint64_t kMinPartBytes = 2;

std::string errno_text(int err) {
  const char* s = std::strerror(err);
  return s ? std::string(s) : std::string("unknown error");
}

FILE* open_file(const std::string& name, bool for_reading) {
#ifdef _WIN32
  // fopen() would interpret the UTF-8 path in the ANSI code page.
  int wlen = MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, name.c_str(), -1, nullptr, 0);
  if (wlen <= 0) {
    errno = EINVAL;
    return nullptr;
  }
  std::wstring wname(static_cast<size_t>(wlen), L'\0');
  MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, name.c_str(), -1, &wname[0], wlen);
  return _wfopen(wname.c_str(), for_reading ? L"rb" : L"wb");
#else
  if (!for_reading) return std::fopen(name.c_str(), "wb");
  // Opening a FIFO for reading blocks until a writer comes, possibly for ever; with O_NONBLOCK the
  // open returns at once, and read_footer() rejects whatever is not a regular file before reading.
  const int fd = ::open(name.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return nullptr;
  const int flags = ::fcntl(fd, F_GETFL);
  if (flags >= 0) ::fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
  FILE* f = ::fdopen(fd, "rb");
  if (f == nullptr) {
    const int err = errno;
    ::close(fd);
    errno = err;
  }
  return f;
#endif
}

int seek64(FILE* f, uint64_t offset, int whence) {
  if (offset > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    errno = EOVERFLOW;
    return -1;
  }
#if defined(_MSC_VER)
  return _fseeki64(f, static_cast<__int64>(offset), whence);
#elif defined(_WIN32)
  return fseeko64(f, static_cast<off64_t>(offset), whence);
#else
  static_assert(sizeof(off_t) >= 8, "64-bit file offsets required");
  return fseeko(f, static_cast<off_t>(offset), whence);
#endif
}

int64_t tell64(FILE* f) {
#if defined(_MSC_VER)
  return _ftelli64(f);
#elif defined(_WIN32)
  return ftello64(f);
#else
  return ftello(f);
#endif
}

size_t varint_bytes(uint64_t x) {
  size_t n = 0;
  for (; x; x >>= 8) ++n;
  return n;
}

}  // namespace

// ------------------------------------------------------------------------------------------
// Sequential reader of the footer region [begin, end) through a bounded window, so a corrupt
// footer length cannot make us allocate the whole file.
class FooterCursor {
 public:
  FooterCursor(FILE* f, uint64_t begin, uint64_t end, const std::string& file_name)
      : f_(f), pos_(begin), end_(end), file_name_(file_name) {}

  uint64_t remaining() const { return end_ - pos_ + (win_.size() - win_pos_); }

  uint8_t byte(const char* what) {
    if (win_pos_ == win_.size()) refill(what);
    return win_[win_pos_++];
  }

  uint64_t varint(const char* what) {
    unsigned n = byte(what);
    if (n > 8) fail("invalid varint (" + std::to_string(n) + " bytes) in " + what);
    uint64_t x = 0;
    for (unsigned i = 0; i < n; ++i) x = (x << 8) | byte(what);
    return x;
  }

  std::string cstr(const char* what) {
    std::string s;
    for (;;) {
      if (win_pos_ == win_.size()) refill(what);
      const uint8_t* b = win_.data() + win_pos_;
      const uint8_t* e = win_.data() + win_.size();
      const uint8_t* z = std::find(b, e, uint8_t(0));
      s.append(reinterpret_cast<const char*>(b), static_cast<size_t>(z - b));
      win_pos_ += static_cast<size_t>(z - b);
      if (z != e) {
        ++win_pos_;
        return s;
      }
    }
  }

  [[noreturn]] void fail(const std::string& why) const {
    throw AgcError(file_name_ + ": not an AGC archive (" + why + ")");
  }

 private:
  void refill(const char* what) {
    if (pos_ >= end_) fail(std::string("footer ends inside ") + what);
    size_t n = static_cast<size_t>(std::min<uint64_t>(kFooterWindow, end_ - pos_));
    win_.resize(n);
    win_pos_ = 0;
    if (seek64(f_, pos_, SEEK_SET) != 0 || std::fread(win_.data(), 1, n, f_) != n)
      fail("cannot read the footer (file changed or unreadable)");
    pos_ += n;
  }

  FILE* f_;
  uint64_t pos_;  // file offset of the next window
  uint64_t end_;
  std::vector<uint8_t> win_;
  size_t win_pos_ = 0;
  const std::string& file_name_;
};

// ------------------------------------------------------------------------------------------
CArchive::CArchive(bool input_mode) : input_mode_(input_mode) {}

CArchive::~CArchive() {
  std::lock_guard<std::mutex> lock(mtx_);
  try {
    close_locked();
  } catch (...) {
    // A destructor has nobody to report to; the file handle is released either way.
  }
}

void CArchive::fail(const std::string& what, ErrorKind kind) const {
  throw AgcError(file_name_ + ": " + what, kind);
}

void CArchive::not_agc(const std::string& why) const {
  throw AgcError(file_name_ + ": not an AGC archive (" + why + ")");
}

void CArchive::Open(const std::string& file_name) {
  std::lock_guard<std::mutex> lock(mtx_);
  close_locked();

  file_name_ = file_name;
  streams_.clear();
  name_to_id_.clear();
  buffer_.clear();
  pos_ = 0;
  file_size_ = 0;
  data_end_ = 0;
  write_failed_ = false;

  errno = 0;
  FILE* f = open_file(file_name, input_mode_);
  if (!f) {
    int err = errno;
    fail(std::string(input_mode_ ? "cannot open file: " : "cannot create file: ") +
             (err ? errno_text(err) : std::string("unknown error")),
         err == ENOENT || err == EISDIR || err == ENOTDIR ? ErrorKind::kInput : ErrorKind::kIo);
  }
  try {
    io_buffer_.resize(input_mode_ ? kInputBufferSize : kOutputBufferSize);
  } catch (...) {
    std::fclose(f);
    throw;
  }
  // A failing setvbuf only costs speed.
  std::setvbuf(f, io_buffer_.data(), _IOFBF, io_buffer_.size());
  file_ = f;

  if (!input_mode_) return;
  try {
    read_footer();
  } catch (...) {
    std::fclose(file_);
    file_ = nullptr;
    io_buffer_.clear();
    io_buffer_.shrink_to_fit();
    streams_.clear();
    name_to_id_.clear();
    throw;
  }
}

void CArchive::read_footer() {
#ifndef _WIN32
  // fopen() happily opens a directory (and FIFOs cannot seek); only regular files are archives.
  struct stat st;
  if (fstat(fileno(file_), &st) == 0 && !S_ISREG(st.st_mode))
    fail(S_ISDIR(st.st_mode) ? "is a directory, not an AGC archive" : "not a regular file",
         ErrorKind::kInput);
#endif
  if (seek64(file_, 0, SEEK_END) != 0) fail("cannot seek: " + errno_text(errno), ErrorKind::kIo);
  int64_t size = tell64(file_);
  if (size < 0) fail("cannot determine the file size: " + errno_text(errno), ErrorKind::kIo);
  file_size_ = static_cast<uint64_t>(size);

  if (file_size_ == 0) not_agc("empty file");
  if (file_size_ < 8) not_agc("file too small: " + std::to_string(file_size_) + " bytes");

  uint8_t trailer[8];
  seek(file_size_ - 8);
  read_exact(trailer, 8);
  uint64_t footer_len = 0;
  for (int i = 7; i >= 0; --i) footer_len = (footer_len << 8) | trailer[i];

  if (footer_len > file_size_ - 8)
    not_agc("footer length " + std::to_string(footer_len) + " exceeds file size " +
            std::to_string(file_size_));
  if (footer_len == 0) not_agc("empty footer");

  data_end_ = file_size_ - 8 - footer_len;
  FooterCursor cur(file_, data_end_, file_size_ - 8, file_name_);

  uint64_t n_streams = cur.varint("stream count");
  if (n_streams > cur.remaining() / kMinStreamBytes)
    not_agc("stream count " + std::to_string(n_streams) + " cannot fit in a footer of " +
            std::to_string(footer_len) + " bytes");

  for (uint64_t i = 0; i < n_streams; ++i) {
    Stream s;
    s.name = cur.cstr("a stream name");
    uint64_t n_parts = cur.varint("a part count");
    s.raw_size = cur.varint("a raw size");
    if (n_parts > cur.remaining() / kMinPartBytes)
      not_agc("part count " + std::to_string(n_parts) + " of stream '" + s.name +
              "' cannot fit in the footer");
    // The bound above still allows 8 bytes of Part per footer byte; let real parts grow it.
    s.parts.reserve(static_cast<size_t>(std::min<uint64_t>(n_parts, 1u << 16)));
    for (uint64_t j = 0; j < n_parts; ++j) {
      Part p;
      p.offset = cur.varint("a part offset");
      p.size = cur.varint("a part size");
      // Every part holds at least its metadata count byte, so it must end inside the data area.
      if (p.offset >= data_end_ || p.size > data_end_ - p.offset - 1)
        not_agc("part " + std::to_string(j) + " of stream '" + s.name + "' (offset " +
                std::to_string(p.offset) + ", size " + std::to_string(p.size) +
                ") lies outside the data area of " + std::to_string(data_end_) + " bytes");
      s.parts.push_back(p);
    }
    streams_.push_back(std::move(s));
  }
  if (cur.remaining() != 0)
    not_agc(std::to_string(cur.remaining()) + " unexpected bytes at the end of the footer");

  if (streams_.size() > static_cast<size_t>(std::numeric_limits<int>::max()))
    not_agc("too many streams");
  for (size_t i = 0; i < streams_.size(); ++i)
    name_to_id_[streams_[i].name] = static_cast<int>(i);  // later duplicates win, as upstream
}

void CArchive::Close() {
  std::lock_guard<std::mutex> lock(mtx_);
  close_locked();
}

void CArchive::close_locked() {
  if (!file_) return;
  FILE* f = file_;
  std::string error;
  if (!input_mode_ && !write_failed_) {
    try {
      flush_out_buffers();
      write_footer();
    } catch (const std::exception& e) {
      error = e.what();
    }
  }
  file_ = nullptr;
  buffer_.clear();
  // fclose flushes the stdio buffer: a full disk may only show up here.
  bool close_ok = std::fclose(f) == 0;
  int err = errno;
  io_buffer_.clear();
  io_buffer_.shrink_to_fit();
  if (!close_ok && error.empty() && !input_mode_ && !write_failed_)
    error = file_name_ + ": cannot finish writing: " + errno_text(err);
  if (!error.empty()) {
    write_failed_ = true;
    throw AgcError(error, ErrorKind::kIo);
  }
}

bool CArchive::IsOpen() const {
  std::lock_guard<std::mutex> lock(mtx_);
  return file_ != nullptr;
}

size_t CArchive::GetNoStreams() const {
  std::lock_guard<std::mutex> lock(mtx_);
  return streams_.size();
}

int CArchive::GetStreamId(const std::string& name) const {
  std::lock_guard<std::mutex> lock(mtx_);
  auto it = name_to_id_.find(name);
  return it == name_to_id_.end() ? -1 : it->second;
}

std::string CArchive::GetStreamName(size_t stream_id) const {
  std::lock_guard<std::mutex> lock(mtx_);
  check_stream(stream_id);
  return streams_[stream_id].name;
}

size_t CArchive::GetNoParts(size_t stream_id) const {
  std::lock_guard<std::mutex> lock(mtx_);
  check_stream(stream_id);
  return streams_[stream_id].parts.size();
}

uint64_t CArchive::GetPosition() const {
  std::lock_guard<std::mutex> lock(mtx_);
  return pos_;
}

uint64_t CArchive::GetFileSize() const {
  std::lock_guard<std::mutex> lock(mtx_);
  return file_size_;
}

void CArchive::require_open(const char* what) const {
  if (!file_) {
    if (file_name_.empty())
      throw AgcError(std::string(what) + ": archive is not open", ErrorKind::kClosed);
    fail(std::string(what) + ": archive is closed", ErrorKind::kClosed);
  }
}

void CArchive::require_mode(bool input, const char* what) const {
  require_open(what);
  if (input_mode_ != input)
    fail(std::string(what) + ": archive is open for " + (input_mode_ ? "reading" : "writing"),
         ErrorKind::kClosed);
}

void CArchive::check_stream(size_t stream_id) const {
  if (stream_id >= streams_.size())
    fail("stream id " + std::to_string(stream_id) + " out of range (" +
             std::to_string(streams_.size()) + " streams)",
         ErrorKind::kInput);
}

void CArchive::check_part(size_t stream_id, size_t part_id) const {
  check_stream(stream_id);
  const Stream& s = streams_[stream_id];
  if (part_id >= s.parts.size())
    fail("part " + std::to_string(part_id) + " of stream '" + s.name + "' out of range (" +
             std::to_string(s.parts.size()) + " parts)",
         ErrorKind::kInput);
}

// ---- output ----------------------------------------------------------------------------------

int CArchive::RegisterStream(const std::string& name) {
  std::lock_guard<std::mutex> lock(mtx_);
  require_mode(false, "RegisterStream");
  if (name.find('\0') != std::string::npos)
    fail("stream name contains a NUL byte", ErrorKind::kInput);
  auto it = name_to_id_.find(name);
  if (it != name_to_id_.end()) return it->second;
  if (streams_.size() >= static_cast<size_t>(std::numeric_limits<int>::max()))
    fail("too many streams", ErrorKind::kInput);
  Stream s;
  s.name = name;
  streams_.push_back(std::move(s));
  int id = static_cast<int>(streams_.size() - 1);
  name_to_id_.emplace(name, id);
  return id;
}

size_t CArchive::AddPart(size_t stream_id, const std::vector<uint8_t>& data, uint64_t metadata) {
  return AddPart(stream_id, data.data(), data.size(), metadata);
}

size_t CArchive::AddPart(size_t stream_id, const uint8_t* data, size_t len, uint64_t metadata) {
  std::lock_guard<std::mutex> lock(mtx_);
  require_mode(false, "AddPart");
  check_stream(stream_id);
  return add_part(stream_id, data, len, metadata);
}

void CArchive::AddPartBuffered(size_t stream_id, std::vector<uint8_t> data, uint64_t metadata) {
  std::lock_guard<std::mutex> lock(mtx_);
  require_mode(false, "AddPartBuffered");
  check_stream(stream_id);
  buffer_[stream_id].emplace_back(std::move(data), metadata);
}

void CArchive::FlushOutBuffers() {
  std::lock_guard<std::mutex> lock(mtx_);
  require_mode(false, "FlushOutBuffers");
  flush_out_buffers();
}

void CArchive::flush_out_buffers() {
  // std::map iterates stream ids in ascending order; each list is FIFO.
  while (!buffer_.empty()) {
    auto node = buffer_.begin();
    auto& list = node->second;
    size_t done = 0;
    try {
      for (; done < list.size(); ++done)
        add_part(node->first, list[done].first.data(), list[done].first.size(), list[done].second);
    } catch (...) {
      list.erase(list.begin(), list.begin() + static_cast<std::ptrdiff_t>(done));
      throw;
    }
    buffer_.erase(node);
  }
}

size_t CArchive::add_part(size_t stream_id, const uint8_t* data, size_t len, uint64_t metadata) {
  if (write_failed_) fail("cannot write after an earlier write error", ErrorKind::kIo);
  if (len > 0 && !data) fail("AddPart: null data", ErrorKind::kInternal);
  std::vector<Part>& parts = streams_[stream_id].parts;
  uint8_t head[9];
  size_t n = varint_bytes(metadata);
  head[0] = static_cast<uint8_t>(n);
  for (size_t i = 0; i < n; ++i) head[1 + i] = static_cast<uint8_t>(metadata >> (8 * (n - 1 - i)));

  parts.reserve(parts.size() + 1);  // so nothing can throw after the bytes are written
  write_bytes(head, n + 1);
  write_bytes(data, len);
  Part p;
  p.offset = pos_;
  p.size = len;
  parts.push_back(p);
  pos_ += n + 1 + len;
  return parts.size() - 1;
}

void CArchive::write_footer() {
  std::vector<uint8_t> footer;
  WriteVarint(footer, streams_.size());
  for (const Stream& s : streams_) {
    footer.insert(footer.end(), s.name.begin(), s.name.end());
    footer.push_back(0);
    WriteVarint(footer, s.parts.size());
    WriteVarint(footer, s.raw_size);
    for (const Part& p : s.parts) {
      WriteVarint(footer, p.offset);
      WriteVarint(footer, p.size);
    }
  }
  uint64_t len = footer.size();
  for (int i = 0; i < 8; ++i) footer.push_back(static_cast<uint8_t>(len >> (8 * i)));
  write_bytes(footer.data(), footer.size());
}

void CArchive::write_bytes(const uint8_t* data, size_t len) {
  if (len == 0) return;
  errno = 0;
  if (std::fwrite(data, 1, len, file_) != len) {
    int err = errno;
    write_failed_ = true;
    fail("write failed: " + (err ? errno_text(err) : std::string("I/O error")), ErrorKind::kIo);
  }
}

// ---- input -----------------------------------------------------------------------------------

void CArchive::seek(uint64_t offset) {
  if (seek64(file_, offset, SEEK_SET) != 0)
    fail("cannot seek to offset " + std::to_string(offset) + ": " + errno_text(errno),
         ErrorKind::kIo);
}

void CArchive::read_at(uint64_t offset, uint8_t* dst, size_t len) {
  if (len == 0) return;
#ifdef _WIN32
  seek(offset);
  read_exact(dst, len);
#else
  // Positioned reads of exactly the bytes asked for: a part read through the FILE buffer cost a
  // seek and a whole buffer's read however small the part (bulk extraction read ~1.3x the file).
  const int fd = fileno(file_);
  size_t done = 0;
  while (done < len) {
    const uint64_t at = offset + done;
    if (at > static_cast<uint64_t>(std::numeric_limits<off_t>::max()))
      fail("cannot read at offset " + std::to_string(at), ErrorKind::kIo);
    const ssize_t got = ::pread(fd, dst + done, len - done, static_cast<off_t>(at));
    if (got < 0) {
      if (errno == EINTR) continue;
      fail("read failed: " + errno_text(errno), ErrorKind::kIo);
    }
    if (got == 0) fail("unexpected end of file (file truncated or changed?)");
    done += static_cast<size_t>(got);
  }
#endif
}

void CArchive::read_exact(uint8_t* dst, size_t len) {
  if (len == 0) return;
  errno = 0;
  size_t got = std::fread(dst, 1, len, file_);
  if (got != len) {
    int err = errno;
    bool eof = std::feof(file_) != 0;
    std::clearerr(file_);
    fail(eof ? std::string("unexpected end of file (file truncated or changed?)")
             : "read failed: " + (err ? errno_text(err) : std::string("I/O error")),
         eof ? ErrorKind::kCorrupt : ErrorKind::kIo);
  }
}

uint64_t CArchive::GetPartSize(size_t stream_id, size_t part_id) const {
  std::lock_guard<std::mutex> lock(mtx_);
  require_mode(true, "GetPartSize");
  check_part(stream_id, part_id);
  return streams_[stream_id].parts[part_id].size;
}

uint64_t CArchive::GetPartOffset(size_t stream_id, size_t part_id) const {
  std::lock_guard<std::mutex> lock(mtx_);
  require_mode(true, "GetPartOffset");
  check_part(stream_id, part_id);
  return streams_[stream_id].parts[part_id].offset;
}

void CArchive::GetPart(size_t stream_id, size_t part_id, std::vector<uint8_t>& data,
                       uint64_t& metadata) {
  std::lock_guard<std::mutex> lock(mtx_);
  require_mode(true, "GetPart");
  check_part(stream_id, part_id);
  const Part p = streams_[stream_id].parts[part_id];
  if (p.size == 0) {
    // Upstream does not read the varint of an empty part.
    metadata = 0;
    data.clear();
    return;
  }
  if (static_cast<uint64_t>(static_cast<size_t>(p.size)) != p.size ||
      p.size > std::numeric_limits<size_t>::max() - 9)
    fail("part too large for this platform");
  // The metadata varint and the data in one read: the varint takes at most 9 bytes, fewer when
  // the footer comes sooner (read_footer() guaranteed offset + 1 + size <= data_end_).
  const size_t size = static_cast<size_t>(p.size);
  const uint64_t room = data_end_ - p.offset;
  const size_t span = room < size + 9 ? static_cast<size_t>(room) : size + 9;
  data.resize(span);
  read_at(p.offset, data.data(), span);
  const size_t head = parse_part_head(stream_id, part_id, p, data.data(), span, metadata);
  std::memmove(data.data(), data.data() + head, size);
  data.resize(size);
}

size_t CArchive::ReadPartInto(size_t stream_id, size_t part_id, uint8_t* dst, size_t capacity,
                              uint64_t& metadata) {
  std::lock_guard<std::mutex> lock(mtx_);
  require_mode(true, "ReadPartInto");
  check_part(stream_id, part_id);
  const uint64_t stored = streams_[stream_id].parts[part_id].size;
  // checked before anything is read: a short buffer is the caller's mistake, not corruption
  if (stored > capacity)
    throw AgcError("ReadPartInto: part " + std::to_string(part_id) + " of stream '" +
                       streams_[stream_id].name + "' has " + std::to_string(stored) +
                       " bytes, the buffer " + std::to_string(capacity),
                   ErrorKind::kInput);
  if (stored > 0 && !dst) throw AgcError("ReadPartInto: null buffer", ErrorKind::kInput);
  uint64_t at = 0;
  const size_t size = read_part_head(stream_id, part_id, metadata, at, "ReadPartInto");
  read_at(at, dst, size);
  return size;
}

size_t CArchive::read_part_head(size_t stream_id, size_t part_id, uint64_t& metadata,
                                uint64_t& data_offset, const char* what) {
  require_mode(true, what);
  check_part(stream_id, part_id);
  const Part p = streams_[stream_id].parts[part_id];
  if (p.size == 0) {
    // Upstream does not read the varint of an empty part.
    metadata = 0;
    return 0;
  }
  if (static_cast<uint64_t>(static_cast<size_t>(p.size)) != p.size)
    fail("part too large for this platform");
  uint8_t head[9];
  // the varint lies in the bytes before the latest start of the data: >= 1 (read_footer())
  const uint64_t room = data_end_ - p.offset - p.size;
  const size_t span = room < 9 ? static_cast<size_t>(room) : 9;
  read_at(p.offset, head, span);
  data_offset = p.offset + parse_part_head(stream_id, part_id, p, head, span, metadata);
  return static_cast<size_t>(p.size);
}

size_t CArchive::parse_part_head(size_t stream_id, size_t part_id, const Part& p,
                                 const uint8_t* head, size_t avail, uint64_t& metadata) const {
  const unsigned n = head[0];
  // the varint must end where the data starts, before the footer
  if (n > 8 || n > data_end_ - p.offset - 1 - p.size || size_t(n) + 1 > avail)
    fail("corrupt part " + std::to_string(part_id) + " of stream '" + streams_[stream_id].name +
         "' (bad metadata varint at offset " + std::to_string(p.offset) + ")");
  uint64_t m = 0;
  for (unsigned i = 1; i <= n; ++i) m = (m << 8) | head[i];
  metadata = m;
  return size_t(n) + 1;
}

// ---- varints -----------------------------------------------------------------------------------

void CArchive::WriteVarint(std::vector<uint8_t>& out, uint64_t x) {
  size_t n = varint_bytes(x);
  out.push_back(static_cast<uint8_t>(n));
  for (size_t i = n; i > 0; --i) out.push_back(static_cast<uint8_t>(x >> (8 * (i - 1))));
}

uint64_t CArchive::ReadVarint(const uint8_t*& p, const uint8_t* end) {
  if (p >= end) throw AgcError("archive varint: unexpected end of data");
  unsigned n = *p;
  if (n > 8) throw AgcError("archive varint: invalid byte count " + std::to_string(n));
  if (static_cast<size_t>(end - p) < n + 1u)
    throw AgcError("archive varint: unexpected end of data");
  ++p;
  uint64_t x = 0;
  for (unsigned i = 0; i < n; ++i) x = (x << 8) | *p++;
  return x;
}

}  // namespace agc
