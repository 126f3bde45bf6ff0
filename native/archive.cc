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
            InstanceMethod<&Archive::Close>("close"),
            InstanceMethod<&Archive::IsOpen>("isOpen"),
            InstanceMethod<&Archive::Path>("path"),
            InstanceMethod<&Archive::GetNumStreams>("getNumStreams"),
            InstanceMethod<&Archive::GetStreamId>("getStreamId"),
            InstanceMethod<&Archive::GetStreamName>("getStreamName"),
            InstanceMethod<&Archive::GetStreamNames>("getStreamNames"),
            InstanceMethod<&Archive::GetNumParts>("getNumParts"),
            InstanceMethod<&Archive::RegisterStream>("registerStream"),
            InstanceMethod<&Archive::AddPart>("addPart"),
            InstanceMethod<&Archive::AddPartBuffered>("addPartBuffered"),
            InstanceMethod<&Archive::FlushOutBuffers>("flushOutBuffers"),
            InstanceMethod<&Archive::GetPosition>("getPosition"),
            InstanceMethod<&Archive::GetPart>("getPart"),
            InstanceMethod<&Archive::GetPartSize>("getPartSize"),
            InstanceMethod<&Archive::GetPartOffset>("getPartOffset"),
            InstanceMethod<&Archive::GetFileSize>("getFileSize"),
        });
  }

  explicit Archive(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Archive>(info) {
    Napi::Env env = info.Env();
    path_ = ArgString(info, 0, "path");
    std::string mode = ArgString(info, 1, "mode");
    if (mode != "r" && mode != "w") throw Napi::TypeError::New(env, "mode must be 'r' or 'w'");
    if (path_.empty()) throw Napi::TypeError::New(env, "path must not be empty");
    AGC_NAPI_TRY {
      auto archive = std::make_shared<agc::CArchive>(mode == "r");
      archive->Open(path_);
      archive_ = std::move(archive);
    }
    AGC_NAPI_CATCH(env)
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
    if (!archive_ || !archive_->IsOpen()) throw Napi::Error::New(env, "Archive is closed");
    return *archive_;
  }
  agc::CArchive& for_writing(Napi::Env env, const char* method) const {
    agc::CArchive& a = open_archive(env);
    if (a.IsInput())
      throw Napi::Error::New(env, std::string(method) + ": Archive is open for reading ('r')");
    return a;
  }
  agc::CArchive& for_reading(Napi::Env env, const char* method) const {
    agc::CArchive& a = open_archive(env);
    if (!a.IsInput())
      throw Napi::Error::New(env, std::string(method) + ": Archive is open for writing ('w')");
    return a;
  }
  static size_t stream_arg(const Napi::CallbackInfo& info, const agc::CArchive& a) {
    size_t id = ArgIndex(info, 0, "streamId");
    size_t n = a.GetNoStreams();
    if (id >= n)
      throw Napi::RangeError::New(info.Env(), "streamId " + std::to_string(id) +
                                                  " out of range (archive has " +
                                                  std::to_string(n) + " streams)");
    return id;
  }
  static size_t part_arg(const Napi::CallbackInfo& info, const agc::CArchive& a, size_t stream) {
    size_t id = ArgIndex(info, 1, "partId");
    size_t n = a.GetNoParts(stream);
    if (id >= n)
      throw Napi::RangeError::New(info.Env(), "partId " + std::to_string(id) +
                                                  " out of range (stream '" +
                                                  a.GetStreamName(stream) + "' has " +
                                                  std::to_string(n) + " parts)");
    return id;
  }

  Napi::Value Close(const Napi::CallbackInfo& info) {
    AGC_NAPI_TRY {
      if (archive_) archive_->Close();
    }
    AGC_NAPI_CATCH(info.Env())
    return info.Env().Undefined();
  }

  Napi::Value IsOpen(const Napi::CallbackInfo& info) {
    return Napi::Boolean::New(info.Env(), archive_ && archive_->IsOpen());
  }

  Napi::Value Path(const Napi::CallbackInfo& info) { return Napi::String::New(info.Env(), path_); }

  Napi::Value GetNumStreams(const Napi::CallbackInfo& info) {
    return Napi::Number::New(info.Env(), static_cast<double>(open_archive(info.Env()).GetNoStreams()));
  }

  Napi::Value GetStreamId(const Napi::CallbackInfo& info) {
    agc::CArchive& a = open_archive(info.Env());
    return Napi::Number::New(info.Env(), a.GetStreamId(ArgString(info, 0, "name")));
  }

  Napi::Value GetStreamName(const Napi::CallbackInfo& info) {
    agc::CArchive& a = open_archive(info.Env());
    AGC_NAPI_TRY { return Napi::String::New(info.Env(), a.GetStreamName(stream_arg(info, a))); }
    AGC_NAPI_CATCH(info.Env())
  }

  Napi::Value GetStreamNames(const Napi::CallbackInfo& info) {
    agc::CArchive& a = open_archive(info.Env());
    AGC_NAPI_TRY {
      size_t n = a.GetNoStreams();
      Napi::Array out = Napi::Array::New(info.Env(), n);
      for (size_t i = 0; i < n; ++i)
        out.Set(static_cast<uint32_t>(i), Napi::String::New(info.Env(), a.GetStreamName(i)));
      return out;
    }
    AGC_NAPI_CATCH(info.Env())
  }

  Napi::Value GetNumParts(const Napi::CallbackInfo& info) {
    agc::CArchive& a = open_archive(info.Env());
    AGC_NAPI_TRY {
      return Napi::Number::New(info.Env(), static_cast<double>(a.GetNoParts(stream_arg(info, a))));
    }
    AGC_NAPI_CATCH(info.Env())
  }

  Napi::Value RegisterStream(const Napi::CallbackInfo& info) {
    agc::CArchive& a = for_writing(info.Env(), "registerStream");
    std::string name = ArgString(info, 0, "name");
    if (name.find('\0') != std::string::npos)
      throw Napi::TypeError::New(info.Env(), "name must not contain NUL characters");
    AGC_NAPI_TRY { return Napi::Number::New(info.Env(), a.RegisterStream(name)); }
    AGC_NAPI_CATCH(info.Env())
  }

  Napi::Value AddPart(const Napi::CallbackInfo& info) {
    agc::CArchive& a = for_writing(info.Env(), "addPart");
    size_t stream = stream_arg(info, a);
    ByteView data = ArgBytes(info, 1, "data");
    uint64_t metadata = ArgSafeUint(info, 2, "metadata");
    AGC_NAPI_TRY {
      size_t id = a.AddPart(stream, data.data, data.size, metadata);
      return Napi::Number::New(info.Env(), static_cast<double>(id));
    }
    AGC_NAPI_CATCH(info.Env())
  }

  Napi::Value AddPartBuffered(const Napi::CallbackInfo& info) {
    agc::CArchive& a = for_writing(info.Env(), "addPartBuffered");
    size_t stream = stream_arg(info, a);
    ByteView data = ArgBytes(info, 1, "data");
    uint64_t metadata = ArgSafeUint(info, 2, "metadata");
    AGC_NAPI_TRY {
      // Copied: the caller may reuse its buffer before the flush.
      a.AddPartBuffered(stream, std::vector<uint8_t>(data.data, data.data + data.size), metadata);
    }
    AGC_NAPI_CATCH(info.Env())
    return info.Env().Undefined();
  }

  Napi::Value FlushOutBuffers(const Napi::CallbackInfo& info) {
    agc::CArchive& a = for_writing(info.Env(), "flushOutBuffers");
    AGC_NAPI_TRY { a.FlushOutBuffers(); }
    AGC_NAPI_CATCH(info.Env())
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
    AGC_NAPI_TRY { a.GetPart(stream, part, data, metadata); }
    AGC_NAPI_CATCH(info.Env())
    Napi::Env env = info.Env();
    Napi::Number meta = SafeNumber(
        env, metadata,
        ("metadata of part " + std::to_string(part) + " of stream '" + a.GetStreamName(stream) +
         "' in " + path_)
            .c_str());
    Napi::Object out = Napi::Object::New(env);
    out.Set("data", ToBuffer(env, data));
    out.Set("metadata", meta);
    return out;
  }

  Napi::Value GetPartSize(const Napi::CallbackInfo& info) {
    agc::CArchive& a = for_reading(info.Env(), "getPartSize");
    size_t stream = stream_arg(info, a);
    size_t part = part_arg(info, a, stream);
    AGC_NAPI_TRY { return SafeNumber(info.Env(), a.GetPartSize(stream, part), "part size"); }
    AGC_NAPI_CATCH(info.Env())
  }

  Napi::Value GetPartOffset(const Napi::CallbackInfo& info) {
    agc::CArchive& a = for_reading(info.Env(), "getPartOffset");
    size_t stream = stream_arg(info, a);
    size_t part = part_arg(info, a, stream);
    AGC_NAPI_TRY { return SafeNumber(info.Env(), a.GetPartOffset(stream, part), "part offset"); }
    AGC_NAPI_CATCH(info.Env())
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
