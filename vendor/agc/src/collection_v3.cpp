#include "agc/collection_v3.h"

#include <algorithm>
#include <array>

#include "agc/coding.h"
#include "agc/zstd_util.h"

namespace agc {

namespace {

const char* const kSamplesStream = "collection-samples";
const char* const kContigsStream = "collection-contigs";
const char* const kDetailsStream = "collection-details";

constexpr int kLevelSamples = 19;
constexpr int kLevelContigs = 18;
constexpr int kLevelDetails = 19;

// zstd cannot beat one RLE block (a few bytes) per 128 KiB of output, so a stated raw size above
// this ratio is corrupt and must not be allocated.
constexpr uint64_t kMaxZstdRatio = 1u << 15;

void check_raw_size(uint64_t raw, size_t packed, const std::string& context) {
  if (raw > (static_cast<uint64_t>(packed) + 16) * kMaxZstdRatio)
    throw AgcError(context + " (implausible uncompressed size " + std::to_string(raw) + ")");
}

std::vector<uint8_t> decompress(const uint8_t* data, size_t size, uint64_t raw,
                                const std::string& context) {
  check_raw_size(raw, size, context);
  try {
    return ZstdDecompress(data, size, static_cast<size_t>(raw));
  } catch (const std::exception& e) {
    throw AgcError(context + " (" + e.what() + ")");
  }
}

// Last in-group id seen per group within one batch (docs/format.md 4.7). Upstream indexes a vector
// by the group id as a signed int, so ids >= 2^31 always read as "unset"; that is kept. Small ids
// use a dense table, the rare huge ones a map, so corrupt ids cannot force a huge allocation.
class InGroupState {
 public:
  int32_t get(uint32_t g) const {
    if (g < dense_.size()) return dense_[g];
    if (g < kDenseLimit || g > kSignedMax) return -1;
    auto it = sparse_.find(g);
    return it == sparse_.end() ? -1 : it->second;
  }
  void set(uint32_t g, int32_t v) {
    if (g > kSignedMax) return;
    if (g < kDenseLimit) {
      if (g >= dense_.size()) dense_.resize(std::max<size_t>(g + 1, dense_.size() * 3 / 2), -1);
      dense_[g] = v;
    } else {
      sparse_[g] = v;
    }
  }

 private:
  static constexpr uint32_t kDenseLimit = 1u << 22;
  static constexpr uint32_t kSignedMax = 0x7FFFFFFFu;
  std::vector<int32_t> dense_;
  std::unordered_map<uint32_t, int32_t> sparse_;
};

uint32_t encode_in_group_id(InGroupState& st, uint32_t g, uint32_t id) {
  const int32_t prev = st.get(g);
  uint32_t e;
  if (prev == -1)
    e = id;
  else if (id == 0)
    e = 0;
  else if (static_cast<int64_t>(static_cast<int32_t>(id)) == int64_t{prev} + 1)
    e = 1;
  else
    e = static_cast<uint32_t>(ZP(id, static_cast<uint64_t>(prev) + 1)) + 1u;
  if (static_cast<int32_t>(id) > prev && id > 0) st.set(g, static_cast<int32_t>(id));
  return e;
}

uint32_t decode_in_group_id(InGroupState& st, uint32_t g, uint32_t e) {
  const int32_t prev = st.get(g);
  uint32_t id;
  if (prev == -1)
    id = e;
  else if (e == 0)
    id = 0;
  else if (e == 1)
    id = static_cast<uint32_t>(prev) + 1u;
  else
    id = static_cast<uint32_t>(ZPinv(e - 1u, static_cast<uint64_t>(prev) + 1));
  if (static_cast<int32_t>(id) > prev && id > 0) st.set(g, static_cast<int32_t>(id));
  return id;
}

const std::vector<ContigDesc> kNoContigs;

}  // namespace

// ---------------------------------------------------------------------------------------------
// setup

void CCollection_V3::check_params(size_t batch_size, uint32_t, uint32_t kmer_length) const {
  if (mode_ != Mode::kNone)
    throw AgcError("collection is already attached to an archive", ErrorKind::kClosed);
  if (batch_size == 0) throw AgcError("collection batch size must be positive", ErrorKind::kInput);
  if (kmer_length == 0 || kmer_length > 32)
    throw AgcError("k-mer length must be 1..32", ErrorKind::kInput);
}

void CCollection_V3::check_mode(Mode a, Mode b, const char* what) const {
  if (mode_ != a && mode_ != b)
    throw AgcError(std::string("collection: ") + what + " is not available in this mode",
                   ErrorKind::kClosed);
}

CArchive& CCollection_V3::input() const {
  if (in_ == nullptr)
    throw AgcError("collection is not attached to an input archive", ErrorKind::kClosed);
  if (!in_->IsOpen()) throw AgcError(in_->FileName() + ": archive is closed", ErrorKind::kClosed);
  return *in_;
}

CArchive& CCollection_V3::output() const {
  if (out_ == nullptr)
    throw AgcError("collection is not attached to an output archive", ErrorKind::kClosed);
  if (!out_->IsOpen()) throw AgcError(out_->FileName() + ": archive is closed", ErrorKind::kClosed);
  return *out_;
}

int CCollection_V3::stream_id(const CArchive& arc, const char* name) const {
  int id = arc.GetStreamId(name);
  if (id < 0) throw AgcError(arc.FileName() + ": no " + name + " stream (not a v3 archive?)");
  return id;
}

void CCollection_V3::prepare_for_decompression(CArchive* in, size_t batch_size,
                                               uint32_t segment_size, uint32_t kmer_length) {
  check_params(batch_size, segment_size, kmer_length);
  if (in == nullptr || !in->IsInput())
    throw AgcError("collection: reading needs an input archive", ErrorKind::kInput);
  in_ = in;
  input();
  batch_size_ = batch_size;
  segment_size_ = segment_size;
  kmer_length_ = kmer_length;
  in_samples_id_ = stream_id(*in_, kSamplesStream);
  in_contigs_id_ = stream_id(*in_, kContigsStream);
  in_details_id_ = stream_id(*in_, kDetailsStream);
  load_sample_names();
  first_in_memory_ = samples_.size();
  mode_ = Mode::kRead;
}

void CCollection_V3::prepare_for_compression(CArchive* out, size_t batch_size,
                                             uint32_t segment_size, uint32_t kmer_length) {
  check_params(batch_size, segment_size, kmer_length);
  if (out == nullptr || out->IsInput())
    throw AgcError("collection: creating needs an output archive", ErrorKind::kInput);
  out_ = out;
  output();
  batch_size_ = batch_size;
  segment_size_ = segment_size;
  kmer_length_ = kmer_length;
  out_samples_id_ = out_->RegisterStream(kSamplesStream);
  out_contigs_id_ = out_->RegisterStream(kContigsStream);
  out_details_id_ = out_->RegisterStream(kDetailsStream);
  first_in_memory_ = 0;
  mode_ = Mode::kCreate;
}

void CCollection_V3::prepare_for_append(CArchive* in, CArchive* out, size_t batch_size,
                                        uint32_t segment_size, uint32_t kmer_length) {
  check_params(batch_size, segment_size, kmer_length);
  if (in == nullptr || !in->IsInput())
    throw AgcError("collection: appending needs an input archive open for reading",
                   ErrorKind::kInput);
  if (out == nullptr || out->IsInput())
    throw AgcError("collection: appending needs an output archive open for writing",
                   ErrorKind::kInput);
  in_ = in;
  out_ = out;
  CArchive& src = input();
  CArchive& dst = output();
  batch_size_ = batch_size;
  segment_size_ = segment_size;
  kmer_length_ = kmer_length;
  in_samples_id_ = stream_id(src, kSamplesStream);
  in_contigs_id_ = stream_id(src, kContigsStream);
  in_details_id_ = stream_id(src, kDetailsStream);
  out_samples_id_ = dst.RegisterStream(kSamplesStream);
  out_contigs_id_ = dst.RegisterStream(kContigsStream);
  out_details_id_ = dst.RegisterStream(kDetailsStream);
  // From here on the object is usable even if a later step throws half-way.
  mode_ = Mode::kAppend;
  load_sample_names();

  const size_t n = samples_.size();
  const size_t n_batches = (n + batch_size_ - 1) / batch_size_;
  const size_t n_contig_parts = src.GetNoParts(in_contigs_id_);
  const size_t n_detail_parts = src.GetNoParts(in_details_id_);
  if (n_contig_parts < n_batches || n_detail_parts < n_batches)
    throw AgcError(src.FileName() + ": collection has " + std::to_string(n) + " samples in " +
                   std::to_string(n_batches) + " batches but only " +
                   std::to_string(n_contig_parts) + " collection-contigs and " +
                   std::to_string(n_detail_parts) + " collection-details parts");
  first_in_memory_ = n;
  if (n_batches == 0) return;

  // Parts past the last batch can only be the repeated empty batch of -c mode (docs/format.md
  // 6.5). Readers never use them, and upstream would write past its sample list when reloading
  // one, so they are dropped here.
  std::vector<uint8_t> data;
  uint64_t meta = 0;
  auto copy_batch = [&](size_t b) {
    src.GetPart(in_contigs_id_, b, data, meta);
    dst.AddPart(out_contigs_id_, data, meta);
    src.GetPart(in_details_id_, b, data, meta);
    dst.AddPart(out_details_id_, data, meta);
  };
  for (size_t b = 0; b + 1 < n_batches; ++b) copy_batch(b);

  const size_t last = n_batches - 1;
  std::vector<std::vector<ContigDesc>> batch = load_batch(last, true);
  if (batch.size() == batch_size_) {
    copy_batch(last);
    return;
  }
  // An incomplete last batch is rewritten together with the first new samples.
  const size_t first = last * batch_size_;
  for (size_t i = 0; i < batch.size(); ++i) {
    Sample& s = samples_[first + i];
    s.contigs = std::move(batch[i]);
    for (size_t c = 0; c < s.contigs.size(); ++c)
      s.contig_ids.emplace(s.contigs[c].name, static_cast<uint32_t>(c));
  }
  first_in_memory_ = first;
  cache_.clear();
}

void CCollection_V3::detach() {
  in_ = nullptr;
  out_ = nullptr;
  cache_.clear();
}

// ---------------------------------------------------------------------------------------------
// create / append

bool CCollection_V3::register_sample_contig(const std::string& sample_name,
                                            const std::string& contig_name) {
  check_mode(Mode::kCreate, Mode::kAppend, "register_sample_contig");
  const std::string stored = sample_name.empty() ? ShortContigName(contig_name) : sample_name;
  if (samples_.empty() || stored != prev_sample_name_) {
    // Only the sample right before may continue; any other known name is a duplicate.
    if (sample_ids_.count(stored)) return false;
    if (samples_.size() >= 0xFFFFFFFFu)
      throw AgcError("collection: too many samples", ErrorKind::kInput);
    sample_ids_.emplace(stored, static_cast<uint32_t>(samples_.size()));
    samples_.emplace_back();
    samples_.back().name = stored;
    prev_sample_name_ = stored;
  }
  Sample& s = samples_.back();
  s.contig_ids.emplace(contig_name, static_cast<uint32_t>(s.contigs.size()));
  s.contigs.emplace_back();
  s.contigs.back().name = contig_name;
  return true;
}

CCollection_V3::Sample* CCollection_V3::find_sample_for_placement(const std::string& sample_name,
                                                                  const std::string& contig_name) {
  auto it = sample_ids_.find(sample_name.empty() ? ShortContigName(contig_name) : sample_name);
  return it == sample_ids_.end() ? nullptr : &samples_[it->second];
}

void CCollection_V3::place(Sample& s, const std::string& contig_name, uint32_t place,
                           const SegmentDesc& d) {
  if (place >= kMaxPlace)
    throw AgcError("collection: segment place " + std::to_string(place) + " is out of range",
                   ErrorKind::kInput);
  auto it = s.contig_ids.find(contig_name);
  if (it == s.contig_ids.end()) return;
  std::vector<SegmentDesc>& segs = s.contigs[it->second].segments;
  if (place >= segs.size()) segs.resize(size_t{place} + 1);
  segs[place] = d;
}

void CCollection_V3::add_segment_placed(const std::string& sample_name,
                                        const std::string& contig_name, uint32_t place_no,
                                        uint32_t group_id, uint32_t in_group_id, bool is_rev_comp,
                                        uint32_t raw_length) {
  check_mode(Mode::kCreate, Mode::kAppend, "add_segment_placed");
  Sample* s = find_sample_for_placement(sample_name, contig_name);
  if (s == nullptr) return;
  place(*s, contig_name, place_no, SegmentDesc{group_id, in_group_id, is_rev_comp, raw_length});
}

void CCollection_V3::add_segments_placed(const PlacementBatch& b) {
  check_mode(Mode::kCreate, Mode::kAppend, "add_segments_placed");
  const size_t n = b.sample_index.size();
  if (b.contig_index.size() != n || b.place.size() != n || b.group_id.size() != n ||
      b.in_group_id.size() != n || b.raw_length.size() != n || b.rev_comp.size() != n)
    throw AgcError("collection: placement batch arrays differ in length", ErrorKind::kInput);
  for (size_t i = 0; i < n; ++i) {
    if (b.sample_index[i] >= b.sample_names.size() || b.contig_index[i] >= b.contig_names.size())
      throw AgcError("collection: placement batch index out of range at entry " + std::to_string(i),
                     ErrorKind::kInput);
    if (b.place[i] >= kMaxPlace)
      throw AgcError("collection: segment place " + std::to_string(b.place[i]) +
                         " is out of range at entry " + std::to_string(i),
                     ErrorKind::kInput);
  }
  for (size_t i = 0; i < n; ++i) {
    const std::string& contig = b.contig_names[b.contig_index[i]];
    Sample* s = find_sample_for_placement(b.sample_names[b.sample_index[i]], contig);
    // As upstream: an unknown sample abandons the rest of the batch.
    if (s == nullptr) return;
    place(*s, contig, b.place[i],
          SegmentDesc{b.group_id[i], b.in_group_id[i], b.rev_comp[i] != 0, b.raw_length[i]});
  }
}

std::vector<uint8_t> CCollection_V3::serialize_sample_names() const {
  std::vector<uint8_t> v;
  AppendCV(v, static_cast<uint32_t>(samples_.size()));
  for (const Sample& s : samples_) AppendCStr(v, s.name);
  return v;
}

std::vector<uint8_t> CCollection_V3::serialize_contig_names(uint32_t id_from,
                                                            uint32_t id_to) const {
  std::vector<uint8_t> v;
  AppendCV(v, id_to - id_from);
  std::vector<std::string> prev, cur;
  for (uint32_t i = id_from; i < id_to; ++i) {
    const Sample& s = samples_[i];
    AppendCV(v, static_cast<uint32_t>(s.contigs.size()));
    prev.clear();
    for (const ContigDesc& c : s.contigs) {
      cur = SplitName(c.name);
      if (cur.size() != prev.size())
        AppendCStr(v, c.name);
      else
        AppendCStr(v, EncodeSplit(prev, cur));
      prev.swap(cur);
    }
  }
  return v;
}

std::vector<uint8_t> CCollection_V3::serialize_contig_details(uint32_t id_from,
                                                              uint32_t id_to) const {
  std::array<std::vector<uint8_t>, 5> st;
  AppendCV(st[0], id_to - id_from);
  InGroupState igs;
  const uint32_t pred = segment_size_ + kmer_length_;  // u32, as upstream
  for (uint32_t i = id_from; i < id_to; ++i) {
    const Sample& s = samples_[i];
    AppendCV(st[0], static_cast<uint32_t>(s.contigs.size()));
    for (const ContigDesc& c : s.contigs) {
      AppendCV(st[0], static_cast<uint32_t>(c.segments.size()));
      for (const SegmentDesc& d : c.segments) {
        AppendCV(st[1], d.group_id);
        AppendCV(st[2], encode_in_group_id(igs, d.group_id, d.in_group_id));
        AppendCV(st[3], static_cast<uint32_t>(ZP(d.raw_length, pred)));
        AppendCV(st[4], d.is_rev_comp ? 1u : 0u);
      }
    }
  }
  std::array<std::vector<uint8_t>, 5> packed;
  for (size_t i = 0; i < 5; ++i)
    packed[i] = ZstdCompress(st[i].data(), st[i].size(), kLevelDetails);
  std::vector<uint8_t> part;
  for (size_t i = 0; i < 5; ++i) {
    AppendCV(part, static_cast<uint32_t>(st[i].size()));
    AppendCV(part, static_cast<uint32_t>(packed[i].size()));
  }
  for (const auto& p : packed) part.insert(part.end(), p.begin(), p.end());
  return part;
}

void CCollection_V3::store_contig_batch(uint32_t id_from, uint32_t id_to) {
  check_mode(Mode::kCreate, Mode::kAppend, "store_contig_batch");
  if (id_from > id_to || id_to > samples_.size())
    throw AgcError("collection: store_contig_batch range [" + std::to_string(id_from) + ", " +
                       std::to_string(id_to) + ") is outside the " +
                       std::to_string(samples_.size()) + " samples",
                   ErrorKind::kInput);
  CArchive& dst = output();
  std::vector<uint8_t> names = serialize_contig_names(id_from, id_to);
  std::vector<uint8_t> details = serialize_contig_details(id_from, id_to);
  std::vector<uint8_t> packed_names = ZstdCompress(names.data(), names.size(), kLevelContigs);
  dst.AddPartBuffered(out_contigs_id_, std::move(packed_names), names.size());
  dst.AddPartBuffered(out_details_id_, std::move(details), 0);
  for (uint32_t i = id_from; i < id_to; ++i) {
    Sample& s = samples_[i];
    std::vector<ContigDesc>().swap(s.contigs);
    std::unordered_map<std::string, uint32_t>().swap(s.contig_ids);
  }
}

void CCollection_V3::complete_serialization() {
  check_mode(Mode::kCreate, Mode::kAppend, "complete_serialization");
  CArchive& dst = output();
  std::vector<uint8_t> raw = serialize_sample_names();
  dst.AddPartBuffered(out_samples_id_, ZstdCompress(raw.data(), raw.size(), kLevelSamples),
                      raw.size());
}

// ---------------------------------------------------------------------------------------------
// decoding

std::vector<uint8_t> CCollection_V3::read_packed_part(int stream, size_t part,
                                                      const char* stream_name) {
  CArchive& src = input();
  const std::string context =
      src.FileName() + ": corrupt " + stream_name + " part " + std::to_string(part);
  if (part >= src.GetNoParts(static_cast<size_t>(stream)))
    throw AgcError(src.FileName() + ": " + stream_name + " has no part " + std::to_string(part));
  std::vector<uint8_t> data;
  uint64_t raw = 0;
  src.GetPart(static_cast<size_t>(stream), part, data, raw);
  return decompress(data.data(), data.size(), raw, context);
}

void CCollection_V3::load_sample_names() {
  CArchive& src = input();
  std::vector<uint8_t> raw = read_packed_part(in_samples_id_, 0, kSamplesStream);
  PayloadReader r(raw.data(), raw.size(), src.FileName() + ": corrupt collection-samples part 0");
  const uint32_t n = r.ReadCount(1, "sample count");
  samples_.clear();
  sample_ids_.clear();
  samples_.resize(n);
  for (uint32_t i = 0; i < n; ++i) {
    samples_[i].name = r.ReadCStr();
    sample_ids_[samples_[i].name] = i;  // a repeated name resolves to its last entry, as upstream
  }
}

std::vector<std::vector<ContigDesc>> CCollection_V3::DecodeContigNames(const uint8_t* data,
                                                                       size_t size,
                                                                       const std::string& context) {
  PayloadReader r(data, size, context);
  const uint32_t n_samples = r.ReadCount(1, "sample count");
  std::vector<std::vector<ContigDesc>> batch(n_samples);
  std::vector<std::string> prev, cur;
  for (auto& contigs : batch) {
    const uint32_t n_contigs = r.ReadCount(1, "contig count");
    contigs.resize(n_contigs);
    prev.clear();
    for (ContigDesc& c : contigs) {
      std::string enc = r.ReadCStr();
      cur = SplitName(enc);
      if (cur.size() != prev.size())
        c.name = std::move(enc);
      else
        c.name = DecodeSplit(prev, cur);
      prev.swap(cur);
    }
  }
  return batch;
}

void CCollection_V3::DecodeContigDetails(const uint8_t* data, size_t size, uint32_t segment_size,
                                         uint32_t kmer_length, const std::string& context,
                                         std::vector<std::vector<ContigDesc>>& batch) {
  PayloadReader hdr(data, size, context);
  std::array<uint32_t, 5> raw_len{}, packed_len{};
  for (size_t i = 0; i < 5; ++i) {
    raw_len[i] = hdr.ReadCV();
    packed_len[i] = hdr.ReadCV();
  }
  std::array<std::vector<uint8_t>, 5> st;
  for (size_t i = 0; i < 5; ++i) {
    const uint8_t* frame = hdr.Take(packed_len[i]);
    st[i] = decompress(frame, packed_len[i], raw_len[i], context + " stream " + std::to_string(i));
  }

  PayloadReader s0(st[0].data(), st[0].size(), context);
  const uint32_t n_samples = s0.ReadCount(1, "sample count");
  if (n_samples != batch.size())
    s0.Fail("details describe " + std::to_string(n_samples) + " samples, contig names " +
            std::to_string(batch.size()));
  // Every segment takes at least one byte in each of the streams 1..4.
  const size_t max_segments =
      std::min(std::min(st[1].size(), st[2].size()), std::min(st[3].size(), st[4].size()));
  size_t total = 0;
  for (size_t i = 0; i < batch.size(); ++i) {
    const uint32_t n_contigs = s0.ReadCount(1, "contig count");
    if (n_contigs != batch[i].size())
      s0.Fail("details give sample " + std::to_string(i) + " " + std::to_string(n_contigs) +
              " contigs, contig names " + std::to_string(batch[i].size()));
    for (ContigDesc& c : batch[i]) {
      const uint32_t n_segs = s0.ReadCV();
      if (n_segs > max_segments - total) s0.Fail("more segments than the streams hold");
      total += n_segs;
      c.segments.assign(n_segs, SegmentDesc{});
    }
  }

  PayloadReader groups(st[1].data(), st[1].size(), context + " stream 1");
  PayloadReader ids(st[2].data(), st[2].size(), context + " stream 2");
  PayloadReader lens(st[3].data(), st[3].size(), context + " stream 3");
  PayloadReader rcs(st[4].data(), st[4].size(), context + " stream 4");
  InGroupState igs;
  const uint32_t pred = segment_size + kmer_length;  // u32, as upstream
  for (auto& contigs : batch)
    for (ContigDesc& c : contigs)
      for (SegmentDesc& d : c.segments) {
        d.group_id = groups.ReadCV();
        d.in_group_id = decode_in_group_id(igs, d.group_id, ids.ReadCV());
        d.raw_length = static_cast<uint32_t>(ZPinv(lens.ReadCV(), pred));
        d.is_rev_comp = rcs.ReadCV() != 0;
      }
}

std::vector<std::vector<ContigDesc>> CCollection_V3::load_batch(size_t batch_id,
                                                                bool with_details) {
  CArchive& src = input();
  const std::string id = std::to_string(batch_id);
  std::vector<uint8_t> names = read_packed_part(in_contigs_id_, batch_id, kContigsStream);
  const std::string names_ctx = src.FileName() + ": corrupt collection-contigs part " + id;
  std::vector<std::vector<ContigDesc>> batch =
      DecodeContigNames(names.data(), names.size(), names_ctx);
  const size_t first = batch_id * batch_size_;
  const size_t available = first < samples_.size() ? samples_.size() - first : 0;
  if (batch.size() > available)
    throw AgcError(names_ctx + " (it lists " + std::to_string(batch.size()) +
                   " samples, the archive has " + std::to_string(available) + " from sample " +
                   std::to_string(first) + ")");
  if (with_details) {
    if (batch_id >= src.GetNoParts(static_cast<size_t>(in_details_id_)))
      throw AgcError(src.FileName() + ": collection-details has no part " + id);
    std::vector<uint8_t> part;
    uint64_t meta = 0;
    src.GetPart(static_cast<size_t>(in_details_id_), batch_id, part, meta);
    DecodeContigDetails(part.data(), part.size(), segment_size_, kmer_length_,
                        src.FileName() + ": corrupt collection-details part " + id, batch);
  }
  return batch;
}

const std::vector<ContigDesc>* CCollection_V3::sample_contigs(const std::string& sample_name,
                                                              bool with_details) {
  if (mode_ == Mode::kNone)
    throw AgcError("collection is not attached to an archive", ErrorKind::kClosed);
  auto it = sample_ids_.find(sample_name);
  if (it == sample_ids_.end()) return nullptr;
  const size_t sid = it->second;
  if (sid >= first_in_memory_) return &samples_[sid].contigs;

  const size_t b = sid / batch_size_;
  auto entry = std::find_if(cache_.begin(), cache_.end(),
                            [b](const CachedBatch& c) { return c.batch_id == b; });
  if (entry != cache_.end() && (entry->has_details || !with_details)) {
    cache_.splice(cache_.begin(), cache_, entry);
  } else {
    CachedBatch fresh;
    fresh.batch_id = b;
    fresh.has_details = with_details;
    fresh.samples = load_batch(b, with_details);
    for (const auto& contigs : fresh.samples) {
      fresh.weight += contigs.size();
      for (const ContigDesc& c : contigs) fresh.weight += c.segments.size();
    }
    if (entry != cache_.end()) cache_.erase(entry);
    cache_.push_front(std::move(fresh));
    size_t weight = 0;
    for (const CachedBatch& c : cache_) weight += c.weight;
    while (cache_.size() > 1 && (cache_.size() > kCachedBatches || weight > kCacheWeightBudget)) {
      weight -= cache_.back().weight;
      cache_.pop_back();
    }
  }
  const CachedBatch& c = cache_.front();
  const size_t off = sid - b * batch_size_;
  return off < c.samples.size() ? &c.samples[off] : &kNoContigs;
}

// ---------------------------------------------------------------------------------------------
// queries

void CCollection_V3::get_samples_list(std::vector<std::string>& names, bool sorted) const {
  names.clear();
  names.reserve(samples_.size());
  for (const Sample& s : samples_) names.push_back(s.name);
  if (sorted) std::sort(names.begin(), names.end());
}

bool CCollection_V3::get_reference_name(std::string& name) const {
  if (samples_.empty()) return false;
  name = samples_.front().name;
  return true;
}

int64_t CCollection_V3::get_sample_id(const std::string& sample_name) const {
  auto it = sample_ids_.find(sample_name);
  return it == sample_ids_.end() ? -1 : static_cast<int64_t>(it->second);
}

bool CCollection_V3::get_contig_list_in_sample(const std::string& sample_name,
                                               std::vector<std::string>& names) {
  names.clear();
  const std::vector<ContigDesc>* contigs = sample_contigs(sample_name, false);
  if (contigs == nullptr) return false;
  names.reserve(contigs->size());
  for (const ContigDesc& c : *contigs) names.push_back(c.name);
  return true;
}

bool CCollection_V3::get_sample_desc(const std::string& sample_name,
                                     std::vector<ContigDesc>& desc) {
  desc.clear();
  const std::vector<ContigDesc>* contigs = sample_contigs(sample_name, true);
  if (contigs == nullptr) return false;
  desc = *contigs;
  return true;
}

bool CCollection_V3::get_contig_desc(const std::string& sample_name, std::string& contig_name,
                                     std::vector<SegmentDesc>& desc) {
  desc.clear();
  const std::vector<ContigDesc>* contigs = sample_contigs(sample_name, true);
  if (contigs == nullptr) return false;
  const std::string wanted = ShortContigName(contig_name);
  for (const ContigDesc& c : *contigs) {
    if (ShortContigName(c.name) == wanted) {
      desc = c.segments;
      contig_name = c.name;
      return true;
    }
  }
  return false;
}

int64_t CCollection_V3::get_no_contigs(const std::string& sample_name) {
  const std::vector<ContigDesc>* contigs = sample_contigs(sample_name, false);
  return contigs == nullptr ? -1 : static_cast<int64_t>(contigs->size());
}

}  // namespace agc
