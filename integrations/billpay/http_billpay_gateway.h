#pragma once
// BillPayGateway over HTTP with libcurl, speaking docs/billpay-contract.md.
// This file only moves bytes: billpay_transformer.h builds the bodies and
// says what each answer means.
//
// One object may be used from several threads at once: each call borrows a
// curl handle from a small pool, and a handle keeps its connection open for
// the next call (keep-alive). TLS peers are always verified.

#include <mutex>
#include <string>
#include <vector>

#include "integrations/billpay/billpay_gateway.h"
#include "integrations/billpay/billpay_transformer.h"
#include "integrations/billpay/gateway_factory.h"

namespace invoicehub::billpay {

class HttpBillPayGateway final : public BillPayGateway {
 public:
  HttpBillPayGateway(AccountConfig account, GatewayOptions options);
  ~HttpBillPayGateway() override;
  HttpBillPayGateway(const HttpBillPayGateway&) = delete;
  HttpBillPayGateway& operator=(const HttpBillPayGateway&) = delete;

  Result<std::optional<CustomerRecord>> FindCustomer(const std::string& external_id) override;
  Result<std::optional<InvoiceRecord>> FindInvoice(const std::string& external_id) override;
  // A 409 already_exists is answered with the existing customer (BP-3).
  Result<CustomerRecord> CreateCustomer(const NewCustomer& customer, const std::string& idempotency_key) override;

  // A 409 already_exists is answered with the existing live invoice.
  Result<InvoiceRecord> CreateInvoice(const InvoiceDocument& invoice, const std::string& idempotency_key) override;
  Result<InvoiceRecord> UpdateInvoice(const std::string& invoice_id, const InvoiceUpdate& update,
                                      const std::string& idempotency_key) override;
  // Done with true when this call deleted it, with false when it was gone.
  Result<bool> DeleteInvoice(const std::string& invoice_id, const std::string& idempotency_key) override;

  Result<PaymentPage> ListPayments(const std::string& after_cursor, int limit) override;
  Result<PaymentRecord> CreatePayment(const NewPayment& payment, const std::string& idempotency_key) override;
  // Done with true when this call deleted it, with false when it was gone.
  Result<bool> DeletePayment(const std::string& payment_id, const std::string& idempotency_key) override;

 private:
  struct Request {
    const char* method;  // "GET", "POST", "PUT", "DELETE"
    std::string path;    // "/v1/invoices/inv_1"
    std::string query;   // "external_id=cus%201", already encoded; "" for none
    std::string body;    // JSON; "" for none
    std::string idempotency_key;
  };

  HttpExchange Send(const Request& request);
  // `result` with the API key blanked out of its error, should a vendor's
  // message or curl's words ever echo it.
  template <typename T>
  Result<T> Scrubbed(Result<T> result) const;

  // Borrow and return a curl handle (void* keeps curl.h out of this header).
  void* Borrow();
  void Return(void* handle);

  const AccountConfig account_;
  const GatewayOptions options_;
  std::mutex pool_mutex_;
  std::vector<void*> idle_handles_;
};

}  // namespace invoicehub::billpay
