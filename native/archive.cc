// JS class Archive (binding.d.ts) over agc::CArchive.
#include "common.h"

#include <utility>

namespace agcnode {

namespace {

class Archive : public Napi::ObjectWrap<Archive> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(
        env, "Archive",
        {
            InstanceMethod<&Archive::Coded<&Archive::Close>>("close"),
            InstanceMethod<&Archive::Coded<&Archive::IsOpen>>("isOpen"),
            InstanceMethod<&Archive::Coded<&Archive::Path>>("path"),
            InstanceMethod<&Archive::Coded<&Archive::GetNumStreams>>("getNumStreams"),
            InstanceMethod<&Archive::Coded<&Archive::GetStreamId>>("getStreamId"),
            InstanceMethod<&Archive::Coded<&Archive::GetStreamName>>("getStreamName"),
            InstanceMethod<&Archive::Coded<&Archive::GetStreamNames>>("getStreamNames"),
            InstanceMethod<&Archive::Coded<&Archive::GetNumParts>>("getNumParts"),
            InstanceMethod<&Archive::Coded<&Archive::RegisterStream>>("registerStream"),
            InstanceMethod<&Archive::Coded<&Archive::AddPart>>("addPart"),
            InstanceMethod<&Archive::Coded<&Archive::AddPartBuffered>>("addPartBuffered"),
            InstanceMethod<&Archive::Coded<&Archive::FlushOutBuffers>>("flushOutBuffers"),
            InstanceMethod<&Archive::Coded<&Archive::GetPosition>>("getPosition"),
            InstanceMethod<&Archive::Coded<&Archive::GetPart>>("getPart"),
            InstanceMethod<&Archive::Coded<&Archive::ReadPartInto>>("readPartInto"),
            InstanceMethod<&Archive::Coded<&Archive::GetPartSize>>("getPartSize"),
            InstanceMethod<&Archive::Coded<&Archive::GetPartOffset>>("getPartOffset"),
            InstanceMethod<&Archive::Coded<&Archive::GetPartTable>>("getPartTable"),
            InstanceMethod<&Archive::Coded<&Archive::GetFileSize>>("getFileSize"),
        });
  }

  // Every method runs under CallCoded, so C++ exceptions reach JS as coded errors.
  template <Napi::Value (Archive::*M)(const Napi::CallbackInfo&)>
  Napi::Value Coded(const Napi::CallbackInfo& info) {
    return CallCoded(info.Env(), [&] { return (this->*M)(info); });
  }

  explicit Archive(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Archive>(info) {
    Napi::Env env = info.Env();
    path_ = ArgString(info, 0, "path");
    std::string mode = ArgString(info, 1, "mode");
    if (mode != "r" && mode != "w") throw InputTypeError(env, "mode must be 'r' or 'w'");
    if (path_.empty()) throw InputTypeError(env, "path must not be empty");
    CallCoded(env, [&] {
      auto archive = std::make_shared<agc::CArchive>(mode == "r");
      archive->Open(path_);
      archive_ = std::move(archive);
    });
    // Tagged last: a failed constructor leaves no tagged object behind.
    info.This().As<Napi::Object>().TypeTag(&kArchiveTag);
  }

  // The GC drops our reference; ~CArchive closes quietly (an output archive gets its footer)
  // once nothing else (e.g. a Collection) holds the core archive.
  ~Archive() override = default;

  std::shared_ptr<agc::CArchive> core() const { return archive_; }

 private:
  // Throws Error("Archive is closed") for every method but close/isOpen/path.
  agc::CArchive& open_archive(Napi::Env env) const {
    if (!archive_ || !archive_->IsOpen()) throw CodedError(env, code::kClosed, "Archive is closed");
    return *archive_;
  }
  agc::CArchive& for_writing(Napi::Env env, const char* method) const {
    agc::CArchive& a = open_archive(env);
    if (a.IsInput())
      throw CodedError(env, code::kClosed,
                       std::string(method) + ": Archive is open for reading ('r')");
    return a;
  }
  agc::CArchive& for_reading(Napi::Env env, const char* method) const {
    agc::CArchive& a = open_archive(env);
    if (!a.IsInput())
      throw CodedError(env, code::kClosed,
                       std::string(method) + ": Archive is open for writing ('w')");
    return a;
  }
  static size_t stream_arg(const Napi::CallbackInfo& info, const agc::CArchive& a) {
    size_t id = ArgIndex(info, 0, "streamId");
    size_t n = a.GetNoStreams();
    if (id >= n)
      throw InputRangeError(info.Env(), "streamId " + std::to_string(id) +
                                            " out of range (archive has " + std::to_string(n) +
                                            " streams)");
    return id;
  }
  static size_t part_arg(const Napi::CallbackInfo& info, const agc::CArchive& a, size_t stream) {
    size_t id = ArgIndex(info, 1, "partId");
    size_t n = a.GetNoParts(stream);
    if (id >= n)
      throw InputRangeError(info.Env(), "partId " + std::to_string(id) + " out of range (stream '" +
                                            a.GetStreamName(stream) + "' has " + std::to_string(n) +
                                            " parts)");
    return id;
  }

  Napi::Value Close(const Napi::CallbackInfo& info) {
    if (archive_) archive_->Close();
    return info.Env().Undefined();
  }

  Napi::Value IsOpen(const Napi::CallbackInfo& info) {
    return Napi::Boolean::New(info.Env(), archive_ && archive_->IsOpen());
  }

  Napi::Value Path(const Napi::CallbackInfo& info) { return Napi::String::New(info.Env(), path_); }

  Napi::Value GetNumStreams(const Napi::CallbackInfo& info) {
    return Napi::Number::New(info.Env(),
                             static_cast<double>(open_archive(info.Env()).GetNoStreams()));
  }

  Napi::Value GetStreamId(const Napi::CallbackInfo& info) {
    agc::CArchive& a = open_archive(info.Env());
    return Napi::Number::New(info.Env(), a.GetStreamId(ArgString(info, 0, "name")));
  }

  Napi::Value GetStreamName(const Napi::CallbackInfo& info) {
    agc::CArchive& a = open_archive(info.Env());
    return Napi::String::New(info.Env(), a.GetStreamName(stream_arg(info, a)));
  }

  Napi::Value GetStreamNames(const Napi::CallbackInfo& info) {
    agc::CArchive& a = open_archive(info.Env());
    size_t n = a.GetNoStreams();
    Napi::Array out = Napi::Array::New(info.Env(), n);
    for (size_t i = 0; i < n; ++i)
      out.Set(static_cast<uint32_t>(i), Napi::String::New(info.Env(), a.GetStreamName(i)));
    return out;
  }

  Napi::Value GetNumParts(const Napi::CallbackInfo& info) {
    agc::CArchive& a = open_archive(info.Env());
    return Napi::Number::New(info.Env(), static_cast<double>(a.GetNoParts(stream_arg(info, a))));
  }

  Napi::Value RegisterStream(const Napi::CallbackInfo& info) {
    agc::CArchive& a = for_writing(info.Env(), "registerStream");
    std::string name = ArgString(info, 0, "name");
    if (name.find('\0') != std::string::npos)
      throw InputTypeError(info.Env(), "name must not contain NUL characters");
    return Napi::Number::New(info.Env(), a.RegisterStream(name));
  }

  Napi::Value AddPart(const Napi::CallbackInfo& info) {
    agc::CArchive& a = for_writing(info.Env(), "addPart");
    size_t stream = stream_arg(info, a);
    ByteView data = ArgBytes(info, 1, "data");
    uint64_t metadata = ArgSafeUint(info, 2, "metadata");
    size_t id = a.AddPart(stream, data.data, data.size, metadata);
    return Napi::Number::New(info.Env(), static_cast<double>(id));
  }

  Napi::Value AddPartBuffered(const Napi::CallbackInfo& info) {
    agc::CArchive& a = for_writing(info.Env(), "addPartBuffered");
    size_t stream = stream_arg(info, a);
    ByteView data = ArgBytes(info, 1, "data");
    uint64_t metadata = ArgSafeUint(info, 2, "metadata");
    // Copied: the caller may reuse its buffer before the flush.
    a.AddPartBuffered(stream, std::vector<uint8_t>(data.data, data.data + data.size), metadata);
    return info.Env().Undefined();
  }

  Napi::Value FlushOutBuffers(const Napi::CallbackInfo& info) {
    agc::CArchive& a = for_writing(info.Env(), "flushOutBuffers");
    a.FlushOutBuffers();
    return info.Env().Undefined();
  }

  Napi::Value GetPosition(const Napi::CallbackInfo& info) {
    agc::CArchive& a = for_writing(info.Env(), "getPosition");
    return SafeNumber(info.Env(), a.GetPosition(), "position");
  }

  Napi::Value GetPart(const Napi::CallbackInfo& info) {
    agc::CArchive& a = for_reading(info.Env(), "getPart");
    size_t stream = stream_arg(info, a);
    size_t part = part_arg(info, a, stream);
    std::vector<uint8_t> data;
    uint64_t metadata = 0;
    a.GetPart(stream, part, data, metadata);
    Napi::Env env = info.Env();
    Napi::Number meta = SafeNumber(env, metadata,
                                   ("metadata of part " + std::to_string(part) + " of stream '" +
                                    a.GetStreamName(stream) + "' in " + path_)
                                       .c_str());
    Napi::Object out = Napi::Object::New(env);
    out.Set("data", ToBuffer(env, data));
    out.Set("metadata", meta);
    return out;
  }

  // readPartInto(stream, part, dst): the part's data into dst[0, size) (size: getPartSize);
  // returns its metadata.
  Napi::Value ReadPartInto(const Napi::CallbackInfo& info) {
    agc::CArchive& a = for_reading(info.Env(), "readPartInto");
    size_t stream = stream_arg(info, a);
    size_t part = part_arg(info, a, stream);
    Napi::Uint8Array dst = AsUint8Array(info[2], "dst");
    uint64_t metadata = 0;
    a.ReadPartInto(stream, part, dst.Data(), dst.ElementLength(), metadata);
    return SafeNumber(info.Env(), metadata,
                      ("metadata of part " + std::to_string(part) + " of stream '" +
                       a.GetStreamName(stream) + "' in " + path_)
                          .c_str());
  }

  Napi::Value GetPartSize(const Napi::CallbackInfo& info) {
    agc::CArchive& a = for_reading(info.Env(), "getPartSize");
    size_t stream = stream_arg(info, a);
    size_t part = part_arg(info, a, stream);
    return SafeNumber(info.Env(), a.GetPartSize(stream, part), "part size");
  }

  Napi::Value GetPartOffset(const Napi::CallbackInfo& info) {
    agc::CArchive& a = for_reading(info.Env(), "getPartOffset");
    size_t stream = stream_arg(info, a);
    size_t part = part_arg(info, a, stream);
    return SafeNumber(info.Env(), a.GetPartOffset(stream, part), "part offset");
  }

  // getPartTable(): the footer's part table in one call (a call per part took ~10 ms at the
  // prefetch open of 2,400 parts): a Float64Array of the part counts of every stream, then per
  // stream and part its offset and data size.
  Napi::Value GetPartTable(const Napi::CallbackInfo& info) {
    agc::CArchive& a = for_reading(info.Env(), "getPartTable");
    const size_t streams = a.GetNoStreams();
    size_t total = streams;
    for (size_t s = 0; s < streams; s++) total += 2 * a.GetNoParts(s);
    Napi::Float64Array out = Napi::Float64Array::New(info.Env(), total);
    double* d = out.Data();
    size_t at = streams;
    for (size_t s = 0; s < streams; s++) {
      const size_t n = a.GetNoParts(s);
      d[s] = double(n);
      for (size_t p = 0; p < n; p++) {
        // (offsets and sizes of a file that was opened are far below 2^53)
        d[at++] = double(a.GetPartOffset(s, p));
        d[at++] = double(a.GetPartSize(s, p));
      }
    }
    return out;
  }

  Napi::Value GetFileSize(const Napi::CallbackInfo& info) {
    agc::CArchive& a = for_reading(info.Env(), "getFileSize");
    return SafeNumber(info.Env(), a.GetFileSize(), "file size");
  }

  std::string path_;
  std::shared_ptr<agc::CArchive> archive_;
};

}  // namespace

std::shared_ptr<agc::CArchive> UnwrapArchive(const Napi::Value& v, const char* what) {
  return UnwrapTagged<Archive>(v, kArchiveTag, what, "an Archive")->core();
}

void InitArchive(Napi::Env env, Napi::Object exports) {
  Napi::Function ctor = Archive::Define(env);
  GetAddonData(env).archive_ctor = Napi::Persistent(ctor);
  exports.Set("Archive", ctor);
}

}  // namespace agcnode
