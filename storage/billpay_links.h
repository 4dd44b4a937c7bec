#pragma once
// Which bill-pay record stands for which of ours: customers (BP-3), invoice
// records with their Pay Now URLs (BP-4, BP-9) and payments (BP-8, BP-10,
// BP-12). Rows are never deleted; a record deleted in bill-pay is kept with
// live = false, so a late event about it can still be placed.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "storage/database.h"

namespace invoicehub::storage {

// --- customers (BP-3)
std::optional<std::string> FindBillPayCustomerId(Transaction& tx, int64_t company_id, int64_t customer_id);
std::optional<int64_t> FindCustomerOfBillPayCustomer(Transaction& tx, int64_t company_id,
                                                     const std::string& billpay_customer_id);
// BP-6: whether any of the company's customers is linked: those links, and
// what hangs off them, belong to the bill-pay account that made them.
bool HasBillPayCustomers(Transaction& tx, int64_t company_id);
// Keeps an existing link (a concurrent dispatcher may have saved the same one).
void SaveBillPayCustomer(Transaction& tx, int64_t company_id, int64_t customer_id,
                         const std::string& billpay_customer_id, absl::Time now);

// --- invoice records (BP-4, BP-9)
struct BillPayInvoiceLink {
  std::string billpay_invoice_id;
  int64_t invoice_id = 0;
  std::string pay_now_url;
  bool live = true;
};
std::optional<BillPayInvoiceLink> FindLiveBillPayInvoice(Transaction& tx, int64_t company_id, int64_t invoice_id);
// Live or deleted.
std::optional<BillPayInvoiceLink> FindBillPayInvoice(Transaction& tx, int64_t company_id,
                                                     const std::string& billpay_invoice_id);
// Inserts a live link; keeps an existing row with the same bill-pay id.
void SaveBillPayInvoice(Transaction& tx, int64_t company_id, const BillPayInvoiceLink& link, absl::Time now);
void MarkBillPayInvoiceDeleted(Transaction& tx, int64_t company_id, const std::string& billpay_invoice_id,
                               absl::Time now);

// --- payments (BP-8, BP-10, BP-12)
enum class BillPayPaymentOrigin { kPayer, kApi };
struct BillPayPaymentLink {
  std::string billpay_payment_id;
  int64_t payment_id = 0;
  BillPayPaymentOrigin origin = BillPayPaymentOrigin::kPayer;
  int64_t invoice_id = 0;  // kApi: the invoice it was made against
  bool live = true;
};
std::optional<BillPayPaymentLink> FindBillPayPayment(Transaction& tx, int64_t company_id,
                                                     const std::string& billpay_payment_id);
// The live bill-pay payments of one of our payments; with invoice_id != 0
// only kApi ones made against that invoice.
std::vector<BillPayPaymentLink> LiveBillPayPaymentsOf(Transaction& tx, int64_t company_id, int64_t payment_id,
                                                      int64_t invoice_id = 0);
// false (and nothing written) when the bill-pay id is already linked.
bool InsertBillPayPayment(Transaction& tx, int64_t company_id, const BillPayPaymentLink& link, absl::Time now);
void MarkBillPayPaymentDeleted(Transaction& tx, int64_t company_id, const std::string& billpay_payment_id,
                               absl::Time now);

}  // namespace invoicehub::storage
