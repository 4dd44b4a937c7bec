#pragma once
// absl 20220623 ships no status macros; these are the project's only copies.

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define INVOICEHUB_CONCAT_INNER(a, b) a##b
#define INVOICEHUB_CONCAT(a, b) INVOICEHUB_CONCAT_INNER(a, b)

// Returns the status from the enclosing function when `expr` is not OK.
#define RETURN_IF_ERROR(expr)                        \
  do {                                               \
    if (absl::Status _status = (expr); !_status.ok()) \
      return _status;                                \
  } while (0)

// `ASSIGN_OR_RETURN(auto x, StatusOrExpr())` unwraps the value or returns the error.
#define ASSIGN_OR_RETURN(lhs, expr) \
  ASSIGN_OR_RETURN_IMPL(INVOICEHUB_CONCAT(_status_or_, __LINE__), lhs, expr)
#define ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                          \
  if (!tmp.ok()) return tmp.status();         \
  lhs = std::move(tmp).value()
