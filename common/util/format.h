// Number formatting shared by error messages and command output.
#ifndef LRSWEEP_COMMON_UTIL_FORMAT_H_
#define LRSWEEP_COMMON_UTIL_FORMAT_H_

#include <string>

namespace lrsweep::util {

// Formats `value` with the fewest significant digits (at most 17) that read
// back as the same double: 0.1 as "0.1", 1e-05 as "1e-05", NaN as "nan".
std::string FormatDouble(double value);

// Formats `value` with exactly 17 significant digits, for machine-readable
// output that must round-trip.
std::string FormatDouble17(double value);

}  // namespace lrsweep::util

#endif  // LRSWEEP_COMMON_UTIL_FORMAT_H_
