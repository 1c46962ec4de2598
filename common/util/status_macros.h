// Early-return helpers for absl::Status and absl::StatusOr, defined once for
// the whole project.
#ifndef LRSWEEP_COMMON_UTIL_STATUS_MACROS_H_
#define LRSWEEP_COMMON_UTIL_STATUS_MACROS_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define LRSWEEP_STATUS_CONCAT_INNER_(a, b) a##b
#define LRSWEEP_STATUS_CONCAT_(a, b) LRSWEEP_STATUS_CONCAT_INNER_(a, b)

// Evaluates `expr` (an absl::Status) and returns it from the enclosing
// function unless it is OK.
#define RETURN_IF_ERROR(expr)                        \
  do {                                               \
    ::absl::Status lrsweep_status_ = (expr);         \
    if (!lrsweep_status_.ok()) return lrsweep_status_; \
  } while (false)

// Evaluates `expr` (an absl::StatusOr<T>); on error returns its status, else
// moves the value into `lhs`, which may be a declaration (`auto x`).
#define ASSIGN_OR_RETURN(lhs, expr)                                          \
  LRSWEEP_ASSIGN_OR_RETURN_IMPL_(                                            \
      LRSWEEP_STATUS_CONCAT_(lrsweep_statusor_, __LINE__), lhs, expr)

#define LRSWEEP_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, expr) \
  auto statusor = (expr);                                   \
  if (!statusor.ok()) return std::move(statusor).status();  \
  lhs = std::move(statusor).value()

#endif  // LRSWEEP_COMMON_UTIL_STATUS_MACROS_H_
