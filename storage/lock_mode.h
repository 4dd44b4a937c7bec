#pragma once

namespace invoicehub::storage {

// kForUpdate locks the row until the transaction ends: used before a
// read-check-write (version checks), so two writers cannot both pass.
// kForNoKeyUpdate locks as strongly against other writers of the row, but
// lets inserts that merely reference it (foreign keys) through.
enum class LockMode { kNone, kForUpdate, kForNoKeyUpdate };

inline const char* LockClause(LockMode mode) {
  switch (mode) {
    case LockMode::kNone: return "";
    case LockMode::kForUpdate: return " FOR UPDATE";
    case LockMode::kForNoKeyUpdate: return " FOR NO KEY UPDATE";
  }
  return "";
}

}  // namespace invoicehub::storage
