#include "engine/random.h"

#include <algorithm>
#include <array>
#include <cstddef>
#include <limits>
#include <utility>

namespace lrsweep::engine {
namespace {

// A seed sequence that writes the same words as std::seed_seq, by the
// algorithm of [rand.util.seedseq] in C++17. It steps the indices of that
// algorithm (k, k + p and k + q, mod n) as counters that wrap, where
// libstdc++ 12 computes four modulos per step with divisions. Those
// divisions made seeding one std::mt19937_64 cost about 18 us on the Xeon
// of docs/benchmarks.md, two thirds of a full-batch Iris training step, and
// the trainer seeds one generator per epoch for the shuffle.
class SeedSequence {
 public:
  using result_type = uint32_t;
  static constexpr size_t kWords = 5;

  explicit SeedSequence(const std::array<uint32_t, kWords>& words) : words_(words) {}

  size_t size() const { return words_.size(); }
  template <typename OutputIt>
  void param(OutputIt out) const {
    std::copy(words_.begin(), words_.end(), out);
  }

  // Fills [begin, end) as std::seed_seq::generate does.
  void generate(uint32_t* begin, uint32_t* end) const {
    const size_t n = static_cast<size_t>(end - begin);
    if (n == 0) return;
    std::fill(begin, end, 0x8b8b8b8bu);
    const size_t s = words_.size();
    size_t t = (n - 1) / 2;
    if (n >= 623) {
      t = 11;
    } else if (n >= 68) {
      t = 7;
    } else if (n >= 39) {
      t = 5;
    } else if (n >= 7) {
      t = 3;
    }
    const size_t p = (n - t) / 2;
    const size_t q = p + t;
    const size_t m = std::max(s + 1, n);

    // k mod n, (k + p) mod n and (k + q) mod n. begin[(k - 1) mod n] is
    // always the value that the step before stored last, so it is kept in
    // `previous` instead of being read back, which shortens the chain of
    // dependent instructions from one step to the next.
    size_t at_k = 0;
    size_t at_p = p % n;
    size_t at_q = q % n;
    uint32_t previous = begin[n - 1];
    auto advance = [n, &at_k, &at_p, &at_q] {
      if (++at_k == n) at_k = 0;
      if (++at_p == n) at_p = 0;
      if (++at_q == n) at_q = 0;
    };

    for (size_t k = 0; k < m; ++k, advance()) {
      const uint32_t r1 = 1664525u * Tempered(begin[at_k] ^ begin[at_p] ^ previous);
      uint32_t r2 = r1;
      if (k == 0) {
        r2 += static_cast<uint32_t>(s);
      } else {
        r2 += static_cast<uint32_t>(at_k);
        if (k <= s) r2 += words_[k - 1];
      }
      begin[at_p] += r1;
      begin[at_q] += r2;
      begin[at_k] = r2;
      previous = r2;
    }
    for (size_t k = m; k < m + n; ++k, advance()) {
      const uint32_t r3 = 1566083941u * Tempered(begin[at_k] + begin[at_p] + previous);
      const uint32_t r4 = r3 - static_cast<uint32_t>(at_k);
      begin[at_p] ^= r3;
      begin[at_q] ^= r4;
      begin[at_k] = r4;
      previous = r4;
    }
  }

 private:
  static uint32_t Tempered(uint32_t x) { return x ^ (x >> 27); }

  std::array<uint32_t, kWords> words_;
};

}  // namespace

std::mt19937_64 MakeGenerator(uint64_t seed, RandomStream stream,
                              uint64_t index) {
  SeedSequence words({static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32),
                      static_cast<uint32_t>(stream), static_cast<uint32_t>(index),
                      static_cast<uint32_t>(index >> 32)});
  return std::mt19937_64(words);
}

uint64_t UniformIndex(std::mt19937_64& generator, uint64_t n) {
  // Accept only outputs below the largest multiple of n that fits in 2^64,
  // so that every remainder is equally likely. x is below it exactly when
  // the block of n values that contains x, which starts at x - x % n, ends
  // within 2^64. Testing that needs only the one division for x % n.
  const uint64_t max = std::numeric_limits<uint64_t>::max();
  while (true) {
    const uint64_t x = generator();
    const uint64_t remainder = x % n;
    if (x - remainder <= max - (n - 1)) return remainder;
  }
}

double UniformUnit(std::mt19937_64& generator) {
  return static_cast<double>(generator() >> 11) * 0x1.0p-53;
}

void FisherYatesShuffle(std::mt19937_64& generator, absl::Span<int64_t> values) {
  for (size_t i = values.size(); i > 1; --i) {
    const size_t j = UniformIndex(generator, i);
    std::swap(values[i - 1], values[j]);
  }
}

}  // namespace lrsweep::engine
