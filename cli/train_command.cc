// `lrsweep train`: runs one job of a spec locally and prints its curve.
#include <cstdio>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "cli/commands.h"
#include "cli/output.h"
#include "engine/dataset.h"
#include "engine/trainer.h"
#include "spec/grid.h"
#include "spec/parser.h"
#include "util/format.h"

ABSL_FLAG(int64_t, job, -1,
          "Index of the job to run among the spec's jobs, in expansion order "
          "(0-based). Required when the spec expands to more than one job.");
ABSL_FLAG(std::string, trace, "",
          "Print one row per optimizer step instead of the curve: csv (header "
          "step,lr,loss) or json. The loss is the objective on that step's "
          "batch before the update. The curve then goes to stderr.");

namespace lrsweep::cli {
namespace {

int Fail(const absl::Status& status) { return ReportError("train", status); }

absl::StatusOr<v1::JobSpec> SelectJob(const v1::SweepSpec& spec, int64_t index) {
  auto grid = spec::ExpandGrid(spec);
  if (!grid.ok()) return grid.status();
  const int64_t count = static_cast<int64_t>(grid->jobs.size());
  if (index < 0 && count > 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--job: the spec expands to ", count,
        " jobs; choose one with --job=K, K in [0, ", count - 1, "]"));
  }
  if (index >= count) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--job: must be in [0, ", count - 1, "], got ", index));
  }
  return grid->jobs[index < 0 ? 0 : index];
}

std::string Describe(const v1::JobSpec& job) {
  return absl::StrCat(job.model().kind(), ", ", ToJson(job.solver()), ", base_lr ",
                      util::FormatDouble(job.base_lr()), ", scheduler ",
                      job.has_scheduler() ? ToJson(job.scheduler()) : "none",
                      ", seed ", job.seed(), ", ", job.training().precision());
}

std::string Cell(double value) {
  return std::isfinite(value) ? absl::StrFormat("%.6g", value) : "-";
}

void PrintCurveTable(FILE* out, const v1::JobSpec& job,
                     const engine::TrainResult& result) {
  std::fprintf(out, "job: %s\n\n", Describe(job).c_str());
  std::fprintf(out, "%6s %8s %12s %12s %12s %8s %9s\n", "epoch", "step", "lr",
               "train_loss", "val_loss", "val_acc", "seconds");
  for (const engine::EpochMetrics& m : result.curve) {
    std::fprintf(out, "%6lld %8lld %12s %12s %12s %8s %9.3f\n",
                 static_cast<long long>(m.epoch), static_cast<long long>(m.step),
                 Cell(m.learning_rate).c_str(), Cell(m.train_loss).c_str(),
                 Cell(m.val_loss).c_str(), Cell(m.val_accuracy).c_str(),
                 m.elapsed_seconds);
  }
  std::fprintf(out, "\noutcome: %s after %lld steps",
               engine::RunOutcomeName(result.outcome),
               static_cast<long long>(result.steps));
  if (result.diverged_at_step >= 0) {
    std::fprintf(out, " (non-finite at step %lld)",
                 static_cast<long long>(result.diverged_at_step));
  }
  std::fprintf(out, ", %.3f s\n", result.wall_seconds);
  if (!result.curve.empty()) {
    // A sweep ranks jobs by the objective at the end of training.
    const engine::EpochMetrics& last = result.curve.back();
    const std::string& metric = job.objective().metric();
    double value = metric == "train_loss"     ? last.train_loss
                   : metric == "val_accuracy" ? last.val_accuracy
                                              : last.val_loss;
    if (metric != "val_accuracy" && metric != "train_loss" && !std::isfinite(value)) {
      value = last.train_loss;  // val_loss without a validation split
    }
    std::fprintf(out, "objective (%s at the last epoch, as a sweep ranks it): %s\n",
                 metric.c_str(), Cell(value).c_str());
  }
  if (std::isfinite(result.best_val_loss)) {
    std::fprintf(out, "best val_loss: %s at epoch %lld\n",
                 Cell(result.best_val_loss).c_str(),
                 static_cast<long long>(result.best_epoch));
  }
  if (std::isfinite(result.test_loss)) {
    std::fprintf(out, "test: loss %s, accuracy %s\n", Cell(result.test_loss).c_str(),
                 Cell(result.test_accuracy).c_str());
  }
}

void PrintCurveJson(FILE* out, const v1::JobSpec& job,
                    const engine::TrainResult& result) {
  std::fprintf(out, "{\"job\": %s,\n \"curve\": [", ToJson(job).c_str());
  for (size_t i = 0; i < result.curve.size(); ++i) {
    const engine::EpochMetrics& m = result.curve[i];
    std::fprintf(out,
                 "%s\n  {\"epoch\": %lld, \"step\": %lld, \"learning_rate\": %s, "
                 "\"train_loss\": %s, \"val_loss\": %s, \"val_accuracy\": %s, "
                 "\"elapsed_seconds\": %s}",
                 i == 0 ? "" : ",", static_cast<long long>(m.epoch),
                 static_cast<long long>(m.step), JsonNumber(m.learning_rate).c_str(),
                 JsonNumber(m.train_loss).c_str(), JsonNumber(m.val_loss).c_str(),
                 JsonNumber(m.val_accuracy).c_str(),
                 JsonNumber(m.elapsed_seconds).c_str());
  }
  std::fprintf(out,
               "],\n \"outcome\": \"%s\", \"steps\": %lld, \"diverged_at_step\": %lld, "
               "\"best_val_loss\": %s, \"best_epoch\": %lld, \"test_loss\": %s, "
               "\"test_accuracy\": %s, \"wall_seconds\": %s}\n",
               engine::RunOutcomeName(result.outcome),
               static_cast<long long>(result.steps),
               static_cast<long long>(result.diverged_at_step),
               JsonNumber(result.best_val_loss).c_str(),
               static_cast<long long>(result.best_epoch),
               JsonNumber(result.test_loss).c_str(),
               JsonNumber(result.test_accuracy).c_str(),
               JsonNumber(result.wall_seconds).c_str());
}

void PrintTrace(const std::string& format, const std::vector<engine::StepTrace>& trace) {
  if (format == "csv") {
    std::printf("step,lr,loss\n");
    for (const engine::StepTrace& row : trace) {
      std::printf("%lld,%s,%s\n", static_cast<long long>(row.step),
                  util::FormatDouble17(row.learning_rate).c_str(),
                  util::FormatDouble17(row.loss).c_str());
    }
    return;
  }
  std::printf("[");
  for (size_t i = 0; i < trace.size(); ++i) {
    std::printf("%s\n  {\"step\": %lld, \"lr\": %s, \"loss\": %s}", i == 0 ? "" : ",",
                static_cast<long long>(trace[i].step),
                JsonNumber(trace[i].learning_rate).c_str(),
                JsonNumber(trace[i].loss).c_str());
  }
  std::printf("\n]\n");
}

}  // namespace

int RunTrain(const std::vector<std::string>& args) {
  if (args.size() != 1) {
    return Fail(absl::InvalidArgumentError(
        "expected one spec file: lrsweep train SPEC.yaml [--job=K]"));
  }
  const std::string trace_format = absl::GetFlag(FLAGS_trace);
  if (!trace_format.empty() && trace_format != "csv" && trace_format != "json") {
    return Fail(absl::InvalidArgumentError(
        absl::StrCat("--trace: must be csv or json, got '", trace_format, "'")));
  }
  const std::string format = absl::GetFlag(FLAGS_format);
  if (format != "table" && format != "json") {
    return Fail(absl::InvalidArgumentError(
        absl::StrCat("--format: must be table or json, got '", format, "'")));
  }

  auto spec = spec::LoadSweepSpec(args[0]);
  if (!spec.ok()) return Fail(spec.status());
  auto job = SelectJob(*spec, absl::GetFlag(FLAGS_job));
  if (!job.ok()) return Fail(job.status());

  engine::DataFiles files;
  if (engine::NeedsData(job->model())) {
    auto loaded = engine::LoadDataFiles(job->data(),
                                        engine::LabelKindForModel(job->model()));
    if (!loaded.ok()) return Fail(loaded.status());
    files = *std::move(loaded);
  }

  std::vector<engine::StepTrace> trace;
  engine::TrainOptions options;
  if (!trace_format.empty()) options.trace = &trace;
  auto result = engine::RunJob(*job, files, options);
  if (!result.ok()) return Fail(result.status());

  FILE* curve_out = trace_format.empty() ? stdout : stderr;
  if (format == "json") {
    PrintCurveJson(curve_out, *job, *result);
  } else {
    PrintCurveTable(curve_out, *job, *result);
  }
  if (!trace_format.empty()) PrintTrace(trace_format, trace);
  return 0;
}

}  // namespace lrsweep::cli
