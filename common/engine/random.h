// Portable random numbers for the engine: the same seed gives the same
// numbers with every compiler and standard library.
//
// std::mt19937_64 and std::seed_seq are specified bit for bit by the C++
// standard, but the std:: distributions (uniform_int_distribution,
// uniform_real_distribution, shuffle) are not, so this file maps the raw
// 64-bit outputs to indices and doubles itself. Each use of randomness
// (data split, epoch shuffle, parameter initialization) draws from its own
// stream, so that changing one does not shift the others.
#ifndef LRSWEEP_COMMON_ENGINE_RANDOM_H_
#define LRSWEEP_COMMON_ENGINE_RANDOM_H_

#include <cstdint>
#include <random>

#include "absl/types/span.h"

namespace lrsweep::engine {

// Identifiers of the independent random streams derived from one seed.
enum class RandomStream : uint32_t {
  kSplit = 1,           // train/validation split
  kShuffle = 2,         // per-epoch order of the training rows
  kInitialization = 3,  // model parameters
};

// Creates a Mersenne Twister in the state that std::seed_seq gives it with
// the words (low 32 bits of seed, high 32 bits of seed, stream, low 32 bits
// of index, high 32 bits of index). It computes that state without
// std::seed_seq, which is slow. `index` separates draws within a stream,
// such as the epoch number.
std::mt19937_64 MakeGenerator(uint64_t seed, RandomStream stream,
                              uint64_t index = 0);

// Returns an integer uniformly distributed in [0, n) by rejection sampling on
// the raw 64-bit output (no modulo bias). Precondition: n > 0.
uint64_t UniformIndex(std::mt19937_64& generator, uint64_t n);

// Returns a double uniformly distributed in [0, 1) from the top 53 bits of
// one raw output: (x >> 11) * 2^-53.
double UniformUnit(std::mt19937_64& generator);

// Permutes `values` uniformly at random in place with the Fisher-Yates
// shuffle: for i from n-1 down to 1, swap values[i] with values[j],
// j = UniformIndex(generator, i + 1).
void FisherYatesShuffle(std::mt19937_64& generator, absl::Span<int64_t> values);

}  // namespace lrsweep::engine

#endif  // LRSWEEP_COMMON_ENGINE_RANDOM_H_
