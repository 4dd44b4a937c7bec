#pragma once
// BP-5: backup attachments of an invoice. They are kept beside the invoice
// and never go into its PDF or to bill-pay.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "storage/database.h"

namespace invoicehub::storage {

struct Attachment {
  int64_t id = 0;
  int64_t invoice_id = 0;
  std::string file_name;
  std::string content_type;
  int64_t size_bytes = 0;
  std::string sha256;   // hex
  std::string content;  // empty in lists
  absl::Time create_time;
};

absl::StatusOr<Attachment> InsertAttachment(Transaction& tx, int64_t company_id, const Attachment& attachment,
                                            absl::Time now);

// Without content, oldest first.
std::vector<Attachment> ListAttachments(Transaction& tx, int64_t company_id, int64_t invoice_id);

// With content; NOT_FOUND unless the invoice has this attachment.
absl::StatusOr<Attachment> FindAttachment(Transaction& tx, int64_t company_id, int64_t invoice_id,
                                          int64_t attachment_id);

}  // namespace invoicehub::storage
