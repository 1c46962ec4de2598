#include "worker/dataset_cache.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace lrsweep::worker {
namespace {

std::string CacheKey(const v1::JobSpec& job) {
  const v1::DataSpec& data = job.data();
  return absl::StrCat(data.train(), "\n", data.test(), "\n", data.label_column(), "\n",
                      static_cast<int>(engine::LabelKindForModel(job.model())));
}

}  // namespace

absl::StatusOr<engine::DataFiles> DatasetCache::Get(const v1::JobSpec& job) {
  const std::string key = CacheKey(job);
  Entry entry;
  std::promise<absl::StatusOr<engine::DataFiles>> promise;
  bool load_here = false;
  {
    absl::MutexLock lock(&mu_);
    auto it = entries_.find(key);
    if (it != entries_.end()) {
      entry = it->second;
    } else {
      entry = promise.get_future().share();
      entries_.emplace(key, entry);
      ++loads_;
      load_here = true;
    }
  }

  if (load_here) {
    absl::StatusOr<engine::DataFiles> files =
        engine::LoadDataFiles(job.data(), engine::LabelKindForModel(job.model()));
    const bool failed = !files.ok();
    promise.set_value(std::move(files));
    if (failed) {
      absl::MutexLock lock(&mu_);
      entries_.erase(key);
    }
  }
  return entry.get();
}

int DatasetCache::loads() const {
  absl::MutexLock lock(&mu_);
  return loads_;
}

}  // namespace lrsweep::worker
