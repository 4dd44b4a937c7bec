#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "absl/time/time.h"
#include "storage/database.h"

namespace invoicehub::storage {

struct StoredPdf {
  int revision = 0;
  std::string pdf;
  std::string sha256;  // hex
  absl::Time create_time;
};

// Keeps `pdf` as the invoice's newest revision (returned); earlier ones stay.
int SaveInvoicePdf(Transaction& tx, int64_t company_id, int64_t invoice_id, const std::string& pdf,
                   const std::string& sha256, absl::Time now);

// The newest revision; nullopt when the invoice was never finalized.
std::optional<StoredPdf> FindInvoicePdf(Transaction& tx, int64_t company_id, int64_t invoice_id);

}  // namespace invoicehub::storage
