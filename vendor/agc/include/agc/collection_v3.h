// Collection version 3 (docs/format.md section 4): samples, their contigs and the placement of
// every segment. Same shape as upstream's CCollection_V3, written from the format description.
//
// Three ways to use it:
// - reading: prepare_for_decompression(); sample names are loaded at once, contig names and
//   details per batch of P samples on first use (a few decoded batches are cached);
// - creating: prepare_for_compression(), register/place, store_contig_batch(), and at the end
//   complete_serialization();
// - appending: prepare_for_append() copies the complete batches of the input and keeps an
//   incomplete last batch in memory so it is rewritten together with the new samples.
#pragma once

#include <cstddef>
#include <cstdint>
#include <list>
#include <string>
#include <unordered_map>
#include <vector>

#include "agc/archive.h"

namespace agc {

struct SegmentDesc {
  uint32_t group_id = ~0u;
  uint32_t in_group_id = ~0u;
  bool is_rev_comp = false;
  uint32_t raw_length = 0;
};

struct ContigDesc {
  std::string name;  // full FASTA header line without '>'
  std::vector<SegmentDesc> segments;
};

// Entry i places a segment at index place[i] of contig contig_names[contig_index[i]] of sample
// sample_names[sample_index[i]]. Indices must be in range (the caller validates).
struct PlacementBatch {
  std::vector<std::string> sample_names;
  std::vector<std::string> contig_names;
  std::vector<uint32_t> sample_index;
  std::vector<uint32_t> contig_index;
  std::vector<uint32_t> place;
  std::vector<uint32_t> group_id;
  std::vector<uint32_t> in_group_id;
  std::vector<uint32_t> raw_length;
  std::vector<uint8_t> rev_comp;
};

class CCollection_V3 {
 public:
  // A placement index this large cannot come from a real contig; refusing it keeps a bad
  // argument from turning into a multi-gigabyte allocation.
  static constexpr uint32_t kMaxPlace = 1u << 26;

  CCollection_V3() = default;
  CCollection_V3(const CCollection_V3&) = delete;
  CCollection_V3& operator=(const CCollection_V3&) = delete;

  // ---- setup (exactly one of these, once) ----
  void prepare_for_decompression(CArchive* in, size_t batch_size, uint32_t segment_size,
                                 uint32_t kmer_length);
  void prepare_for_compression(CArchive* out, size_t batch_size, uint32_t segment_size,
                               uint32_t kmer_length);
  void prepare_for_append(CArchive* in, CArchive* out, size_t batch_size, uint32_t segment_size,
                          uint32_t kmer_length);
  // Forget the archives (they are not owned); later calls needing them throw.
  void detach();

  // ---- create / append ----
  void reset_prev_sample_name() { prev_sample_name_.clear(); }
  bool register_sample_contig(const std::string& sample_name, const std::string& contig_name);
  void add_segment_placed(const std::string& sample_name, const std::string& contig_name,
                          uint32_t place, uint32_t group_id, uint32_t in_group_id, bool is_rev_comp,
                          uint32_t raw_length);
  void add_segments_placed(const PlacementBatch& batch);
  void store_contig_batch(uint32_t id_from, uint32_t id_to);
  void complete_serialization();

  // ---- queries (all modes) ----
  size_t get_no_samples() const { return samples_.size(); }
  void get_samples_list(std::vector<std::string>& names, bool sorted = false) const;
  bool get_reference_name(std::string& name) const;
  // -1 when the sample is unknown.
  int64_t get_sample_id(const std::string& sample_name) const;
  bool get_contig_list_in_sample(const std::string& sample_name, std::vector<std::string>& names);
  bool get_sample_desc(const std::string& sample_name, std::vector<ContigDesc>& desc);
  // Lookups by the short contig name (docs/format.md 4.8); contig_name receives the full name.
  bool get_contig_desc(const std::string& sample_name, std::string& contig_name,
                       std::vector<SegmentDesc>& desc);
  int64_t get_no_contigs(const std::string& sample_name);

  size_t batch_size() const { return batch_size_; }
  uint32_t segment_size() const { return segment_size_; }
  uint32_t kmer_length() const { return kmer_length_; }

  // Decoding of single payloads, exposed for tests; `context` prefixes error messages.
  // Contig names of one batch: per sample, its contigs (names only).
  static std::vector<std::vector<ContigDesc>> DecodeContigNames(const uint8_t* data, size_t size,
                                                                const std::string& context);
  // Fills the segments of `batch` (whose contig counts must match the part).
  static void DecodeContigDetails(const uint8_t* data, size_t size, uint32_t segment_size,
                                  uint32_t kmer_length, const std::string& context,
                                  std::vector<std::vector<ContigDesc>>& batch);

 private:
  enum class Mode { kNone, kRead, kCreate, kAppend };

  struct Sample {
    std::string name;
    std::vector<ContigDesc> contigs;
    // Full contig name -> index of its FIRST occurrence; only while the contigs are in memory.
    std::unordered_map<std::string, uint32_t> contig_ids;
  };

  struct CachedBatch {
    size_t batch_id = 0;
    bool has_details = false;
    size_t weight = 0;  // contigs + segments, for the memory budget of the cache
    std::vector<std::vector<ContigDesc>> samples;
  };

  void check_params(size_t batch_size, uint32_t segment_size, uint32_t kmer_length) const;
  void check_mode(Mode a, Mode b, const char* what) const;
  CArchive& input() const;
  CArchive& output() const;
  int stream_id(const CArchive& arc, const char* name) const;

  std::vector<uint8_t> serialize_sample_names() const;
  std::vector<uint8_t> serialize_contig_names(uint32_t id_from, uint32_t id_to) const;
  std::vector<uint8_t> serialize_contig_details(uint32_t id_from, uint32_t id_to) const;

  void load_sample_names();
  // Raw (decompressed) payload of a zstd part whose metadata is its uncompressed length.
  std::vector<uint8_t> read_packed_part(int stream, size_t part, const char* stream_name);
  std::vector<std::vector<ContigDesc>> load_batch(size_t batch_id, bool with_details);
  // The contigs of a sample, from memory or the batch cache; nullptr for an unknown sample.
  const std::vector<ContigDesc>* sample_contigs(const std::string& sample_name, bool with_details);
  Sample* find_sample_for_placement(const std::string& sample_name, const std::string& contig_name);
  static void place(Sample& s, const std::string& contig_name, uint32_t place,
                    const SegmentDesc& d);

  Mode mode_ = Mode::kNone;
  CArchive* in_ = nullptr;
  CArchive* out_ = nullptr;
  size_t batch_size_ = 0;
  uint32_t segment_size_ = 0;
  uint32_t kmer_length_ = 0;

  int out_samples_id_ = -1;
  int out_contigs_id_ = -1;
  int out_details_id_ = -1;
  int in_samples_id_ = -1;
  int in_contigs_id_ = -1;
  int in_details_id_ = -1;

  std::vector<Sample> samples_;
  std::unordered_map<std::string, uint32_t> sample_ids_;
  std::string prev_sample_name_;
  // Samples with id >= this live in samples_[].contigs; the ones below are read from `in_`.
  size_t first_in_memory_ = 0;

  // A few decoded batches (upstream keeps one), within a budget so that batches of huge samples
  // do not pile up: the most recent batch always stays.
  static constexpr size_t kCachedBatches = 4;
  static constexpr size_t kCacheWeightBudget = size_t(1) << 23;
  std::list<CachedBatch> cache_;  // most recently used first
};

}  // namespace agc
