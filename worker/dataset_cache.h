// DatasetCache: loads each data file once per worker process and shares it
// read-only between the worker's slots. Thread-safe.
#ifndef LRSWEEP_WORKER_DATASET_CACHE_H_
#define LRSWEEP_WORKER_DATASET_CACHE_H_

#include <future>
#include <map>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "engine/dataset.h"
#include "lrsweep/v1/spec.pb.h"

namespace lrsweep::worker {

class DatasetCache {
 public:
  // Returns the files that `job` trains on, loading them on first use. Jobs
  // that read the same files with the same label settings share one copy;
  // concurrent callers wait for a single load. A failed load is returned to
  // the callers waiting for it and then forgotten, so a later job tries again.
  absl::StatusOr<engine::DataFiles> Get(const v1::JobSpec& job);

  // Number of loads started, for tests.
  int loads() const;

 private:
  using Entry = std::shared_future<absl::StatusOr<engine::DataFiles>>;

  mutable absl::Mutex mu_;
  std::map<std::string, Entry> entries_ ABSL_GUARDED_BY(mu_);
  int loads_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace lrsweep::worker

#endif  // LRSWEEP_WORKER_DATASET_CACHE_H_
