// JS class Collection (binding.d.ts) over agc::CCollection_V3.
#include "common.h"

#include <cmath>
#include <utility>

#include "agc/collection_v3.h"

namespace agcnode {

namespace {

struct Params {
  size_t batch_size;
  uint32_t segment_size;
  uint32_t kmer_length;
};

// Positive integer field of the params object: TypeError for a wrong type, RangeError for a
// value outside [min, max].
uint32_t params_field(const Napi::Object& o, const char* name, double min, double max) {
  Napi::Env env = o.Env();
  Napi::Value v = o.Get(name);
  if (!v.IsNumber()) throw InputTypeError(env, std::string("params.") + name + " must be a number");
  const double d = v.As<Napi::Number>().DoubleValue();
  if (!(d >= min && d <= max) || std::floor(d) != d)
    throw InputRangeError(env, std::string("params.") + name + " must be an integer in " +
                                   std::to_string(static_cast<uint64_t>(min)) + ".." +
                                   std::to_string(static_cast<uint64_t>(max)));
  return static_cast<uint32_t>(d);
}

Params parse_params(const Napi::CallbackInfo& info, size_t i) {
  Napi::Env env = info.Env();
  if (i >= info.Length() || !info[i].IsObject() || info[i].IsArray())
    throw InputTypeError(env, "params must be an object {batchSize, segmentSize, kmerLength}");
  Napi::Object o = info[i].As<Napi::Object>();
  Params p;
  p.batch_size = params_field(o, "batchSize", 1, 4294967295.0);
  p.segment_size = params_field(o, "segmentSize", 1, 4294967295.0);
  p.kmer_length = params_field(o, "kmerLength", 1, 32);
  return p;
}

// Names end up as NUL-terminated strings in the format.
std::string name_arg(const Napi::CallbackInfo& info, size_t i, const char* name) {
  std::string s = ArgBinaryString(info, i, name);
  if (s.find('\0') != std::string::npos)
    throw InputTypeError(info.Env(), std::string(name) + " must not contain NUL characters");
  return s;
}

class Collection : public Napi::ObjectWrap<Collection> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(
        env, "Collection",
        {
            InstanceMethod<&Collection::Coded<&Collection::Close>>("close"),
            InstanceMethod<&Collection::Coded<&Collection::IsOpen>>("isOpen"),
            InstanceMethod<&Collection::Coded<&Collection::OpenForReading>>("openForReading"),
            InstanceMethod<&Collection::Coded<&Collection::GetNumSamples>>("getNumSamples"),
            InstanceMethod<&Collection::Coded<&Collection::GetSamples>>("getSamples"),
            InstanceMethod<&Collection::Coded<&Collection::GetContigNames>>("getContigNames"),
            InstanceMethod<&Collection::Coded<&Collection::GetSampleDesc>>("getSampleDesc"),
            InstanceMethod<&Collection::Coded<&Collection::PrepareForCompression>>(
                "prepareForCompression"),
            InstanceMethod<&Collection::Coded<&Collection::ResetPrevSampleName>>(
                "resetPrevSampleName"),
            InstanceMethod<&Collection::Coded<&Collection::RegisterSampleContig>>(
                "registerSampleContig"),
            InstanceMethod<&Collection::Coded<&Collection::AddSegmentsPlaced>>("addSegmentsPlaced"),
            InstanceMethod<&Collection::Coded<&Collection::StoreContigBatch>>("storeContigBatch"),
            InstanceMethod<&Collection::Coded<&Collection::CompleteSerialization>>(
                "completeSerialization"),
            InstanceMethod<&Collection::Coded<&Collection::PrepareForAppend>>("prepareForAppend"),
        });
  }

  // Every method runs under CallCoded, so C++ exceptions reach JS as coded errors.
  template <Napi::Value (Collection::*M)(const Napi::CallbackInfo&)>
  Napi::Value Coded(const Napi::CallbackInfo& info) {
    return CallCoded(info.Env(), [&] { return (this->*M)(info); });
  }

  explicit Collection(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Collection>(info) {
    core_ = std::make_unique<agc::CCollection_V3>();
    info.This().As<Napi::Object>().TypeTag(&kCollectionTag);
  }

 private:
  enum class Mode { kNone, kRead, kCreate, kAppend };

  agc::CCollection_V3& live(Napi::Env env) const {
    if (!core_) throw CodedError(env, code::kClosed, "Collection is closed");
    return *core_;
  }

  void require_unattached(Napi::Env env) const {
    if (mode_ != Mode::kNone)
      throw CodedError(env, code::kClosed, "Collection is already attached to an archive");
  }

  // The archive behind argument i, open and in the wanted direction.
  static std::shared_ptr<agc::CArchive> archive_arg(const Napi::CallbackInfo& info, size_t i,
                                                    const char* method, bool for_input) {
    Napi::Value v = i < info.Length() ? info[i] : info.Env().Undefined();
    std::shared_ptr<agc::CArchive> a = UnwrapArchive(v, method);
    if (!a || !a->IsOpen())
      throw CodedError(info.Env(), code::kClosed, std::string(method) + ": Archive is closed");
    if (a->IsInput() != for_input)
      throw CodedError(
          info.Env(), code::kClosed,
          std::string(method) + (for_input ? ": Archive must be open for reading ('r')"
                                           : ": Archive must be open for writing ('w')"));
    return a;
  }

  static void require_open(Napi::Env env, const std::shared_ptr<agc::CArchive>& a,
                           const char* method) {
    if (a && !a->IsOpen())
      throw CodedError(env, code::kClosed,
                       std::string(method) + ": Archive " + a->FileName() + " was closed");
  }

  void require_writable(Napi::Env env, const char* method) const {
    if (mode_ != Mode::kCreate && mode_ != Mode::kAppend)
      throw CodedError(
          env, code::kClosed,
          std::string(method) + ": Collection is not prepared for compression or appending");
    require_open(env, out_, method);
  }

  void attach(Napi::Env env, const Napi::CallbackInfo& info, size_t in_arg, size_t out_arg) {
    if (in_arg != SIZE_MAX) in_ref_ = Napi::Persistent(info[in_arg].As<Napi::Object>());
    if (out_arg != SIZE_MAX) out_ref_ = Napi::Persistent(info[out_arg].As<Napi::Object>());
    (void)env;
  }

  // A failed prepare leaves the collection as new (but still usable for another attempt).
  void reset_after_failure() {
    core_ = std::make_unique<agc::CCollection_V3>();
    in_.reset();
    out_.reset();
    in_ref_.Reset();
    out_ref_.Reset();
    mode_ = Mode::kNone;
  }

  Napi::Value Close(const Napi::CallbackInfo& info) {
    // The core goes first: it points into the archives.
    core_.reset();
    in_.reset();
    out_.reset();
    in_ref_.Reset();
    out_ref_.Reset();
    return info.Env().Undefined();
  }

  Napi::Value IsOpen(const Napi::CallbackInfo& info) {
    return Napi::Boolean::New(info.Env(), static_cast<bool>(core_));
  }

  Napi::Value OpenForReading(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    agc::CCollection_V3& c = live(env);
    require_unattached(env);
    std::shared_ptr<agc::CArchive> a = archive_arg(info, 0, "openForReading", true);
    const Params p = parse_params(info, 1);
    try {
      c.prepare_for_decompression(a.get(), p.batch_size, p.segment_size, p.kmer_length);
    } catch (const std::exception& e) {
      reset_after_failure();
      RethrowAsJs(env, e);
    }
    in_ = std::move(a);
    attach(env, info, 0, SIZE_MAX);
    mode_ = Mode::kRead;
    return env.Undefined();
  }

  Napi::Value PrepareForCompression(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    agc::CCollection_V3& c = live(env);
    require_unattached(env);
    std::shared_ptr<agc::CArchive> a = archive_arg(info, 0, "prepareForCompression", false);
    const Params p = parse_params(info, 1);
    try {
      c.prepare_for_compression(a.get(), p.batch_size, p.segment_size, p.kmer_length);
    } catch (const std::exception& e) {
      reset_after_failure();
      RethrowAsJs(env, e);
    }
    out_ = std::move(a);
    attach(env, info, SIZE_MAX, 0);
    mode_ = Mode::kCreate;
    return env.Undefined();
  }

  Napi::Value PrepareForAppend(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    agc::CCollection_V3& c = live(env);
    require_unattached(env);
    std::shared_ptr<agc::CArchive> in = archive_arg(info, 0, "prepareForAppend", true);
    std::shared_ptr<agc::CArchive> out = archive_arg(info, 1, "prepareForAppend", false);
    const Params p = parse_params(info, 2);
    try {
      c.prepare_for_append(in.get(), out.get(), p.batch_size, p.segment_size, p.kmer_length);
    } catch (const std::exception& e) {
      reset_after_failure();
      RethrowAsJs(env, e);
    }
    in_ = std::move(in);
    out_ = std::move(out);
    attach(env, info, 0, 1);
    mode_ = Mode::kAppend;
    return env.Undefined();
  }

  Napi::Value GetNumSamples(const Napi::CallbackInfo& info) {
    return Napi::Number::New(info.Env(), static_cast<double>(live(info.Env()).get_no_samples()));
  }

  Napi::Value GetSamples(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    std::vector<std::string> names;
    live(env).get_samples_list(names, false);
    return ToBinaryStringArray(env, names);
  }

  Napi::Value GetContigNames(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    agc::CCollection_V3& c = live(env);
    const std::string sample = ArgBinaryString(info, 0, "sample");
    if (mode_ == Mode::kRead) require_open(env, in_, "getContigNames");
    std::vector<std::string> names;
    bool found = false;
    found = mode_ != Mode::kNone && c.get_contig_list_in_sample(sample, names);
    if (!found) return env.Undefined();
    return ToBinaryStringArray(env, names);
  }

  Napi::Value GetSampleDesc(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    agc::CCollection_V3& c = live(env);
    const std::string sample = ArgBinaryString(info, 0, "sample");
    if (mode_ == Mode::kRead) require_open(env, in_, "getSampleDesc");
    std::vector<agc::ContigDesc> desc;
    bool found = false;
    found = mode_ != Mode::kNone && c.get_sample_desc(sample, desc);
    if (!found) return env.Undefined();

    size_t total = 0;
    for (const agc::ContigDesc& d : desc) total += d.segments.size();
    Napi::Array names = Napi::Array::New(env, desc.size());
    Napi::Uint32Array counts = Napi::Uint32Array::New(env, desc.size());
    Napi::Uint32Array group = Napi::Uint32Array::New(env, total);
    Napi::Uint32Array in_group = Napi::Uint32Array::New(env, total);
    Napi::Uint32Array raw_len = Napi::Uint32Array::New(env, total);
    Napi::Uint8Array rev = Napi::Uint8Array::New(env, total);
    uint32_t* g = group.Data();
    uint32_t* ig = in_group.Data();
    uint32_t* rl = raw_len.Data();
    uint8_t* rc = rev.Data();
    size_t k = 0;
    for (size_t i = 0; i < desc.size(); ++i) {
      names.Set(static_cast<uint32_t>(i), ToBinaryString(env, desc[i].name));
      counts[i] = static_cast<uint32_t>(desc[i].segments.size());
      for (const agc::SegmentDesc& s : desc[i].segments) {
        g[k] = s.group_id;
        ig[k] = s.in_group_id;
        rl[k] = s.raw_length;
        rc[k] = s.is_rev_comp ? 1 : 0;
        ++k;
      }
    }
    Napi::Object out = Napi::Object::New(env);
    out.Set("contigNames", names);
    out.Set("segmentCounts", counts);
    out.Set("groupId", group);
    out.Set("inGroupId", in_group);
    out.Set("rawLength", raw_len);
    out.Set("revComp", rev);
    return out;
  }

  Napi::Value ResetPrevSampleName(const Napi::CallbackInfo& info) {
    live(info.Env()).reset_prev_sample_name();
    return info.Env().Undefined();
  }

  Napi::Value RegisterSampleContig(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    agc::CCollection_V3& c = live(env);
    const std::string sample = name_arg(info, 0, "sample");
    const std::string contig = name_arg(info, 1, "contig");
    require_writable(env, "registerSampleContig");
    return Napi::Boolean::New(env, c.register_sample_contig(sample, contig));
  }

  Napi::Value AddSegmentsPlaced(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    agc::CCollection_V3& c = live(env);
    if (info.Length() < 1 || !info[0].IsObject() || info[0].IsArray())
      throw InputTypeError(env, "batch must be a PlacementBatch object");
    Napi::Object o = info[0].As<Napi::Object>();
    agc::PlacementBatch b;
    b.sample_names = AsBinaryStringArray(o.Get("sampleNames"), "batch.sampleNames");
    b.contig_names = AsBinaryStringArray(o.Get("contigNames"), "batch.contigNames");
    struct U32Field {
      const char* key;
      const char* label;
      std::vector<uint32_t>* dst;
    };
    const U32Field fields[] = {
        {"sampleIndex", "batch.sampleIndex", &b.sample_index},
        {"contigIndex", "batch.contigIndex", &b.contig_index},
        {"place", "batch.place", &b.place},
        {"groupId", "batch.groupId", &b.group_id},
        {"inGroupId", "batch.inGroupId", &b.in_group_id},
        {"rawLength", "batch.rawLength", &b.raw_length},
    };
    for (const U32Field& f : fields) {
      Napi::Uint32Array a = AsUint32Array(o.Get(f.key), f.label);
      f.dst->assign(a.Data(), a.Data() + a.ElementLength());
    }
    Napi::Uint8Array rc = AsUint8Array(o.Get("revComp"), "batch.revComp");
    b.rev_comp.assign(rc.Data(), rc.Data() + rc.ElementLength());

    const size_t n = b.sample_index.size();
    for (const U32Field& f : fields)
      if (f.dst->size() != n)
        throw InputRangeError(env, std::string(f.label) + " has " + std::to_string(f.dst->size()) +
                                       " entries, batch.sampleIndex " + std::to_string(n));
    if (b.rev_comp.size() != n)
      throw InputRangeError(env, "batch.revComp has " + std::to_string(b.rev_comp.size()) +
                                     " entries, batch.sampleIndex " + std::to_string(n));
    for (size_t i = 0; i < n; ++i) {
      if (b.sample_index[i] >= b.sample_names.size())
        throw InputRangeError(env, "batch.sampleIndex[" + std::to_string(i) + "] = " +
                                       std::to_string(b.sample_index[i]) + " is out of range");
      if (b.contig_index[i] >= b.contig_names.size())
        throw InputRangeError(env, "batch.contigIndex[" + std::to_string(i) + "] = " +
                                       std::to_string(b.contig_index[i]) + " is out of range");
      if (b.place[i] >= agc::CCollection_V3::kMaxPlace)
        throw InputRangeError(env, "batch.place[" + std::to_string(i) +
                                       "] = " + std::to_string(b.place[i]) + " is out of range");
    }
    require_writable(env, "addSegmentsPlaced");
    c.add_segments_placed(b);
    return env.Undefined();
  }

  Napi::Value StoreContigBatch(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    agc::CCollection_V3& c = live(env);
    const uint32_t from = ArgUint32(info, 0, "from");
    const uint32_t to = ArgUint32(info, 1, "to");
    require_writable(env, "storeContigBatch");
    if (from > to || to > c.get_no_samples())
      throw InputRangeError(env, "storeContigBatch: range [" + std::to_string(from) + ", " +
                                     std::to_string(to) + ") is outside the " +
                                     std::to_string(c.get_no_samples()) + " samples");
    c.store_contig_batch(from, to);
    return env.Undefined();
  }

  Napi::Value CompleteSerialization(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    agc::CCollection_V3& c = live(env);
    require_writable(env, "completeSerialization");
    c.complete_serialization();
    return env.Undefined();
  }

  // Declaration order matters: core_ is destroyed first because it points into the archives.
  std::shared_ptr<agc::CArchive> in_;
  std::shared_ptr<agc::CArchive> out_;
  // Keep the JS Archive objects alive as long as the collection uses them.
  Napi::ObjectReference in_ref_;
  Napi::ObjectReference out_ref_;
  Mode mode_ = Mode::kNone;
  std::unique_ptr<agc::CCollection_V3> core_;
};

}  // namespace

void InitCollection(Napi::Env env, Napi::Object exports) {
  Napi::Function ctor = Collection::Define(env);
  GetAddonData(env).collection_ctor = Napi::Persistent(ctor);
  exports.Set("Collection", ctor);
}

}  // namespace agcnode
