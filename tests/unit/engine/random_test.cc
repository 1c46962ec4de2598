#include "engine/random.h"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <numeric>
#include <vector>

#include "gtest/gtest.h"

namespace lrsweep::engine {
namespace {

TEST(RandomTest, SameSeedSameStream) {
  std::mt19937_64 a = MakeGenerator(42, RandomStream::kShuffle, 3);
  std::mt19937_64 b = MakeGenerator(42, RandomStream::kShuffle, 3);
  for (int i = 0; i < 100; ++i) ASSERT_EQ(a(), b()) << "draw " << i;
}

// MakeGenerator computes std::seed_seq's words itself. Its state must be
// the one std::seed_seq gives, so that a seed keeps its split, epoch orders
// and initial weights from one version to the next.
TEST(RandomTest, GeneratorMatchesStdSeedSeq) {
  const uint64_t seeds[] = {0, 1, 42, 0xffffffffu, uint64_t{1} << 32, ~uint64_t{0}};
  const uint64_t indices[] = {0, 1, 2, 999, uint64_t{7} << 40};
  const RandomStream streams[] = {RandomStream::kSplit, RandomStream::kShuffle,
                                  RandomStream::kInitialization};
  for (uint64_t seed : seeds) {
    for (RandomStream stream : streams) {
      for (uint64_t index : indices) {
        SCOPED_TRACE(testing::Message() << "seed " << seed << ", stream "
                                        << static_cast<uint32_t>(stream) << ", index "
                                        << index);
        std::seed_seq words{static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32),
                            static_cast<uint32_t>(stream), static_cast<uint32_t>(index),
                            static_cast<uint32_t>(index >> 32)};
        std::mt19937_64 expected(words);
        std::mt19937_64 actual = MakeGenerator(seed, stream, index);
        // 400 draws cover the whole 312-word state and one regeneration.
        for (int i = 0; i < 400; ++i) ASSERT_EQ(actual(), expected()) << "draw " << i;
      }
    }
  }
}

TEST(RandomTest, StreamsAndIndicesDiffer) {
  const uint64_t base = MakeGenerator(42, RandomStream::kShuffle, 3)();
  EXPECT_NE(base, MakeGenerator(43, RandomStream::kShuffle, 3)());
  EXPECT_NE(base, MakeGenerator(42, RandomStream::kSplit, 3)());
  EXPECT_NE(base, MakeGenerator(42, RandomStream::kShuffle, 4)());
  // The high half of the seed matters too.
  EXPECT_NE(base, MakeGenerator(42 + (uint64_t{1} << 32), RandomStream::kShuffle, 3)());
}

TEST(RandomTest, UniformUnitUsesTop53Bits) {
  std::mt19937_64 a = MakeGenerator(7, RandomStream::kInitialization);
  std::mt19937_64 b = a;
  for (int i = 0; i < 100; ++i) {
    const double expected = static_cast<double>(b() >> 11) / 9007199254740992.0;
    const double u = UniformUnit(a);
    ASSERT_EQ(u, expected);
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
  }
}

TEST(RandomTest, UniformIndexCoversRangeEvenly) {
  std::mt19937_64 generator = MakeGenerator(1, RandomStream::kSplit);
  std::vector<int> counts(6, 0);
  const int draws = 60000;
  for (int i = 0; i < draws; ++i) ++counts[UniformIndex(generator, 6)];
  // Each count is Binomial(60000, 1/6): mean 10000, standard deviation 91.
  // The seed is fixed, so the counts are reproducible, and a uniform
  // generator lands within 5 standard deviations (460).
  for (int k = 0; k < 6; ++k) EXPECT_NEAR(counts[k], 10000, 460) << "index " << k;
}

// UniformIndex must draw the same indices as the rejection rule
// x <= 2^64 - 1 - (2^64 mod n), which earlier versions computed with two
// more divisions, so that seeds keep their shuffles. For n just above 2^63
// about half of the draws are rejected, which tests the rule itself. For
// n = 2^63 the last block ends exactly at 2^64 - 1, the edge of the rule.
TEST(RandomTest, UniformIndexMatchesRejectionRule) {
  const uint64_t max = std::numeric_limits<uint64_t>::max();
  const uint64_t sizes[] = {1, 2, 6, 150, 54000, uint64_t{1} << 63, (uint64_t{1} << 63) + 1,
                            (uint64_t{3} << 62) + 5, max - 1, max};
  for (uint64_t n : sizes) {
    SCOPED_TRACE(testing::Message() << "n " << n);
    std::mt19937_64 generator = MakeGenerator(9, RandomStream::kShuffle);
    std::mt19937_64 reference = generator;
    const uint64_t limit = max - (max % n + 1) % n;
    for (int i = 0; i < 1000; ++i) {
      uint64_t x = reference();
      while (x > limit) x = reference();
      ASSERT_EQ(UniformIndex(generator, n), x % n) << "draw " << i;
    }
  }
}

TEST(RandomTest, UniformIndexOfOneIsZero) {
  std::mt19937_64 generator = MakeGenerator(1, RandomStream::kSplit);
  for (int i = 0; i < 10; ++i) EXPECT_EQ(UniformIndex(generator, 1), 0u);
}

TEST(RandomTest, ShuffleIsPermutation) {
  std::vector<int64_t> values(1000);
  std::iota(values.begin(), values.end(), 0);
  std::mt19937_64 generator = MakeGenerator(5, RandomStream::kShuffle);
  FisherYatesShuffle(generator, absl::MakeSpan(values));
  std::vector<int64_t> sorted = values;
  std::sort(sorted.begin(), sorted.end());
  for (int64_t i = 0; i < 1000; ++i) ASSERT_EQ(sorted[i], i);
  // A shuffle that left 1000 values in order would be broken.
  EXPECT_FALSE(std::is_sorted(values.begin(), values.end()));
}

TEST(RandomTest, ShuffleFirstPositionIsUniform) {
  // Every value must reach position 0 equally often: 4 values, 40000 shuffles.
  std::vector<int> counts(4, 0);
  std::mt19937_64 generator = MakeGenerator(9, RandomStream::kShuffle);
  for (int trial = 0; trial < 40000; ++trial) {
    std::vector<int64_t> values = {0, 1, 2, 3};
    FisherYatesShuffle(generator, absl::MakeSpan(values));
    ++counts[values[0]];
  }
  // Binomial(40000, 1/4) has standard deviation 87, and 5 of them is 433.
  for (int k = 0; k < 4; ++k) EXPECT_NEAR(counts[k], 10000, 433) << "value " << k;
}

}  // namespace
}  // namespace lrsweep::engine
