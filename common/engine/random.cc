#include "engine/random.h"

#include <limits>
#include <utility>

namespace lrsweep::engine {

std::mt19937_64 MakeGenerator(uint64_t seed, RandomStream stream,
                              uint64_t index) {
  std::seed_seq words{static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32),
                      static_cast<uint32_t>(stream), static_cast<uint32_t>(index),
                      static_cast<uint32_t>(index >> 32)};
  return std::mt19937_64(words);
}

uint64_t UniformIndex(std::mt19937_64& generator, uint64_t n) {
  // Accept only outputs below the largest multiple of n that fits in 2^64,
  // so that every remainder is equally likely.
  const uint64_t max = std::numeric_limits<uint64_t>::max();
  const uint64_t limit = max - (max % n + 1) % n;
  uint64_t x = generator();
  while (x > limit) x = generator();
  return x % n;
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
