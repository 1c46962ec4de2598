// Checks that the hot path of the engine (gathering a batch, loss and
// gradient, evaluation) does no heap allocation once a model exists.
//
// This binary replaces malloc, calloc and realloc with counting wrappers
// around glibc's own functions (__libc_malloc and friends). Eigen allocates
// through std::malloc and operator new through malloc, so every heap
// allocation in the engine passes through them.
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "engine/dataset.h"
#include "engine/model.h"
#include "gtest/gtest.h"

extern "C" {
void* __libc_malloc(size_t size);
void* __libc_calloc(size_t count, size_t size);
void* __libc_realloc(void* pointer, size_t size);
}

namespace {

std::atomic<bool> counting{false};
std::atomic<int64_t> allocations{0};

void Count() {
  if (counting.load(std::memory_order_relaxed)) {
    allocations.fetch_add(1, std::memory_order_relaxed);
  }
}

}  // namespace

extern "C" {
void* malloc(size_t size) {
  Count();
  return __libc_malloc(size);
}
void* calloc(size_t count, size_t size) {
  Count();
  return __libc_calloc(count, size);
}
void* realloc(void* pointer, size_t size) {
  Count();
  return __libc_realloc(pointer, size);
}
}

namespace lrsweep::engine {
namespace {

// Counts the heap allocations made while it is alive.
class AllocationCounter {
 public:
  AllocationCounter() {
    allocations = 0;
    counting = true;
  }
  ~AllocationCounter() { counting = false; }
  int64_t count() const { return allocations.load(); }
};

TEST(AllocationCounterTest, SeesVectorAllocation) {
  AllocationCounter counter;
  auto vector = std::make_unique<std::vector<double>>(1000);
  Eigen::VectorXd eigen_vector(1000);
  EXPECT_GE(counter.count(), 3);
}

// Runs every hot-path call of a model of `spec` on float batches of
// Fashion-MNIST's shape and returns the heap allocations they made.
template <typename T>
int64_t CountHotPathAllocations(const v1::ModelSpec& spec, int num_classes) {
  constexpr Eigen::Index kFeatures = 784;
  constexpr Eigen::Index kMaxBatch = 128;
  using Matrix = typename Model<T>::Matrix;
  using Vector = typename Model<T>::Vector;

  FeatureMatrix features = FeatureMatrix::Random(300, kFeatures);
  Eigen::VectorXd labels(300);
  for (Eigen::Index i = 0; i < 300; ++i) labels[i] = static_cast<double>(i % num_classes);
  std::vector<std::string> classes;
  for (int k = 0; k < num_classes; ++k) classes.push_back(std::to_string(k));
  absl::StatusOr<Dataset> data = Dataset::Create("random", features, labels, classes);
  EXPECT_TRUE(data.ok()) << data.status();
  const std::vector<int64_t> rows = {5, 17, 299, 0, 42, 7, 8, 100};
  const Standardization map = Standardization::Fit(*data, rows);

  auto model = MakeModel<T>(spec, {kFeatures, num_classes}, kMaxBatch);
  EXPECT_TRUE(model.ok()) << model.status();
  Vector params((*model)->num_params());
  (*model)->Initialize(1, params);
  Vector grad(params.size());
  Matrix batch = Matrix::Random(kMaxBatch, kFeatures);
  Vector batch_labels = Vector::Zero(kMaxBatch);
  Matrix all = data->features().template cast<T>();
  Vector all_labels = data->labels().template cast<T>();
  Vector predictions(300);

  AllocationCounter counter;
  for (int step = 0; step < 3; ++step) {
    GatherBatch<T>(*data, map, rows, batch.topRows(8), batch_labels.head(8));
    (*model)->LossAndGradient(params, batch.topRows(8), batch_labels.head(8), grad);
    (*model)->LossAndGradient(params, batch, batch_labels, grad);
    (*model)->Loss(params, batch.topRows(37), batch_labels.head(37));
    // 300 rows run as chunks of 128, 128 and 44.
    (*model)->LossAndGradient(params, all, all_labels, grad);
    (*model)->CountCorrect(params, all, all_labels);
    int64_t correct = 0;
    (*model)->LossAndCountCorrect(params, all, all_labels, &correct);
    (*model)->Predict(params, all, predictions);
  }
  return counter.count();
}

TEST(ModelAllocationTest, MlpFloatHotPathDoesNotAllocate) {
  v1::ModelSpec spec;
  spec.set_kind("mlp");
  spec.add_hidden(128);
  spec.add_hidden(64);
  EXPECT_EQ(CountHotPathAllocations<float>(spec, 10), 0);
}

TEST(ModelAllocationTest, MlpDoubleHotPathDoesNotAllocate) {
  v1::ModelSpec spec;
  spec.set_kind("mlp");
  spec.add_hidden(128);
  spec.set_activation("tanh");
  spec.set_loss("mse");
  EXPECT_EQ(CountHotPathAllocations<double>(spec, 10), 0);
}

TEST(ModelAllocationTest, SoftmaxAndLogisticDoNotAllocate) {
  v1::ModelSpec softmax;
  softmax.set_kind("softmax");
  v1::ModelSpec logistic;
  logistic.set_kind("logistic");
  EXPECT_EQ(CountHotPathAllocations<float>(softmax, 10), 0);
  EXPECT_EQ(CountHotPathAllocations<float>(logistic, 2), 0);
}

TEST(ModelAllocationTest, ObjectivesDoNotAllocate) {
  for (const char* kind : {"quadratic", "rosenbrock", "rastrigin"}) {
    SCOPED_TRACE(kind);
    v1::ModelSpec spec;
    spec.set_kind(kind);
    for (int i = 0; i < 50; ++i) spec.add_start(0.1 * i);
    auto model = MakeModel<float>(spec, {}, 1);
    ASSERT_TRUE(model.ok()) << model.status();
    Eigen::VectorXf params(50);
    Eigen::VectorXf grad(50);
    (*model)->Initialize(0, params);
    const Model<float>::Matrix none(0, 0);
    const Eigen::VectorXf no_labels(0);
    AllocationCounter counter;
    (*model)->LossAndGradient(params, none, no_labels, grad);
    (*model)->Loss(params, none, no_labels);
    EXPECT_EQ(counter.count(), 0);
  }
}

}  // namespace
}  // namespace lrsweep::engine
