#pragma once

namespace invoicehub::storage {

// kForUpdate locks the row until the transaction ends: used before a
// read-check-write (version checks), so two writers cannot both pass.
enum class LockMode { kNone, kForUpdate };

inline const char* LockClause(LockMode mode) { return mode == LockMode::kForUpdate ? " FOR UPDATE" : ""; }

}  // namespace invoicehub::storage
