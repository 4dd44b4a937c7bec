#include "server/app/sync_dispatch.h"

#include <optional>

#include "absl/strings/str_cat.h"
#include "server/app/invoice_documents.h"
#include "server/domain/status_macros.h"
#include "storage/billpay_links.h"
#include "storage/company_repository.h"
#include "storage/customer_repository.h"
#include "storage/invoice_pdf_store.h"
#include "storage/invoice_repository.h"

namespace invoicehub::app {
namespace {

using billpay::Outcome;

// How one row's bill-pay calls ended; `text` is the result when done, the
// error otherwise.
struct Step {
  Outcome outcome = Outcome::kDone;
  std::string text;
};

Step Done(std::string text) { return {Outcome::kDone, std::move(text)}; }

template <typename T>
Step Failed(const billpay::Result<T>& result) {
  return {result.outcome, result.error};
}

// A database failure between bill-pay calls: bill-pay may have acted, so
// the row is repeated (same keys) rather than guessed.
Step FromStatus(const absl::Status& status) {
  return {Outcome::kUnknown, absl::StrCat("database: ", status.message())};
}

std::string Key(const storage::SyncEvent& event, const std::string& suffix = "") {
  return absl::StrCat("ih-", event.company_id, "-", event.id, suffix);
}

std::string DateText(absl::CivilDay day) { return absl::FormatCivilTime(day); }

class Dispatcher {
 public:
  Dispatcher(storage::Database& database, billpay::BillPayGateway& gateway, const storage::SyncEvent& event,
             absl::Time now)
      : database_(database), gateway_(gateway), event_(event), company_id_(event.company_id), now_(now) {}

  Step Run() {
    switch (event_.action) {
      case domain::SyncAction::kSendInvoice: return SendInvoice();
      case domain::SyncAction::kUpdateBalance: return UpdateBalance();
      case domain::SyncAction::kDeleteInvoice: return DeleteInvoice();
      case domain::SyncAction::kCreatePayment: return CreatePayment();
      case domain::SyncAction::kDeletePayment: return DeletePayment();
    }
    return {Outcome::kPermanent, "unknown action"};
  }

 private:
  // What the row needs to know of the invoice, read as it is now.
  struct InvoiceView {
    domain::Invoice invoice;
    std::optional<storage::BillPayInvoiceLink> live;
  };

  absl::StatusOr<InvoiceView> ReadInvoice() {
    InvoiceView view;
    absl::Status status = database_.InTransaction([&](storage::Transaction& tx) -> absl::Status {
      ASSIGN_OR_RETURN(view.invoice, storage::FindInvoice(tx, company_id_, event_.invoice_id, storage::LockMode::kNone,
                                                          storage::InvoiceLines::kSkip));
      view.live = storage::FindLiveBillPayInvoice(tx, company_id_, event_.invoice_id);
      return absl::OkStatus();
    });
    if (!status.ok()) return status;
    return view;
  }

  // BP-1..BP-4, BP-11: a FINAL invoice's record is created (with a new Pay
  // Now URL) or updated (the URL stays). Anything else waits for the next
  // finalize, which adds its own row.
  Step SendInvoice() {
    absl::StatusOr<InvoiceView> view = ReadInvoice();
    if (!view.ok()) return FromStatus(view.status());
    const domain::Invoice& invoice = view->invoice;
    if (invoice.state != domain::InvoiceState::kFinal)
      return Done(absl::StrCat("skipped: the invoice is ", domain::InvoiceStateName(invoice.state)));
    if (!view->live && invoice.nothing_to_send) return Done("skipped: nothing to send (BP-2)");
    std::optional<storage::StoredPdf> pdf;
    absl::Status read = database_.InTransaction([&](storage::Transaction& tx) {
      pdf = storage::FindInvoicePdf(tx, company_id_, invoice.id);
      return absl::OkStatus();
    });
    if (!read.ok()) return FromStatus(read);
    std::string pdf_bytes = pdf ? pdf->pdf : "";  // BP-5: the invoice's PDF only, no attachments
    if (view->live) {
      billpay::InvoiceUpdate update{invoice.number, DateText(invoice.issue_date), DateText(invoice.due_date),
                                    invoice.total_minor, invoice.outstanding_minor, std::move(pdf_bytes)};
      billpay::Result<billpay::InvoiceRecord> updated = gateway_.UpdateInvoice(view->live->billpay_invoice_id, update, Key(event_));
      if (!updated.done()) return Failed(updated);
      return Done(absl::StrCat("updated ", updated.value.id));
    }
    absl::StatusOr<Step> customer = EnsureCustomer(invoice.customer_id);
    if (!customer.ok()) return FromStatus(customer.status());
    if (customer->outcome != Outcome::kDone) return *customer;
    billpay::InvoiceDocument document{customer->text,
                                      absl::StrCat(invoice.id),
                                      invoice.number,
                                      DateText(invoice.issue_date),
                                      DateText(invoice.due_date),
                                      invoice.currency_code,
                                      invoice.total_minor,
                                      invoice.outstanding_minor,
                                      std::move(pdf_bytes)};
    billpay::Result<billpay::InvoiceRecord> created = gateway_.CreateInvoice(document, Key(event_));
    if (!created.done()) return Failed(created);
    absl::Status saved = SaveCreatedInvoice(created.value);
    if (!saved.ok()) return FromStatus(saved);
    return Done(absl::StrCat("created ", created.value.id));
  }

  // BP-4: the link is kept whatever the invoice did meanwhile (a later row
  // deletes the record); the URL goes on the invoice, and into a new PDF
  // revision, only while it is still FINAL.
  absl::Status SaveCreatedInvoice(const billpay::InvoiceRecord& record) {
    return database_.InTransaction([&](storage::Transaction& tx) -> absl::Status {
      ASSIGN_OR_RETURN(domain::Invoice invoice, storage::FindInvoice(tx, company_id_, event_.invoice_id,
                                                                     storage::LockMode::kForNoKeyUpdate));
      storage::SaveBillPayInvoice(tx, company_id_, {record.id, invoice.id, record.pay_now_url, true}, now_);
      if (invoice.state != domain::InvoiceState::kFinal || invoice.pay_now_url == record.pay_now_url)
        return absl::OkStatus();
      storage::SetInvoicePayNowUrl(tx, company_id_, invoice.id, record.pay_now_url);
      invoice.pay_now_url = record.pay_now_url;
      ASSIGN_OR_RETURN(domain::Company company, storage::FindCompany(tx, company_id_));
      return RenderAndStoreInvoicePdf(tx, company, invoice, now_);
    });
  }

  // BP-3: found by our id or created once; the idempotency key is the
  // customer's, so retries and other dispatchers make the same one. On
  // success `text` is bill-pay's customer id.
  absl::StatusOr<Step> EnsureCustomer(int64_t customer_id) {
    std::optional<std::string> known;
    domain::Customer customer;
    RETURN_IF_ERROR(database_.InTransaction([&](storage::Transaction& tx) -> absl::Status {
      known = storage::FindBillPayCustomerId(tx, company_id_, customer_id);
      if (known) return absl::OkStatus();
      ASSIGN_OR_RETURN(customer, storage::FindCustomer(tx, company_id_, customer_id));
      return absl::OkStatus();
    }));
    if (known) return Done(*known);
    std::string external_id = absl::StrCat(customer_id);
    billpay::Result<std::optional<billpay::CustomerRecord>> found = gateway_.FindCustomer(external_id);
    if (!found.done()) return Failed(found);
    std::string billpay_id;
    if (found.value) {
      billpay_id = found.value->id;
    } else {
      billpay::Result<billpay::CustomerRecord> created =
          gateway_.CreateCustomer({external_id, customer.display_name, customer.email},
                                  absl::StrCat("ih-", company_id_, "-customer-", customer_id));
      if (!created.done()) return Failed(created);
      billpay_id = created.value.id;
    }
    RETURN_IF_ERROR(database_.InTransaction([&](storage::Transaction& tx) {
      storage::SaveBillPayCustomer(tx, company_id_, customer_id, billpay_id, now_);
      return absl::OkStatus();
    }));
    return Done(billpay_id);
  }

  // A payment changed the outstanding of a FINAL invoice: bill-pay gets ours.
  Step UpdateBalance() {
    absl::StatusOr<InvoiceView> view = ReadInvoice();
    if (!view.ok()) return FromStatus(view.status());
    if (!view->live) return Done("skipped: the invoice has no bill-pay record");
    if (view->invoice.state != domain::InvoiceState::kFinal)
      return Done(absl::StrCat("skipped: the invoice is ", domain::InvoiceStateName(view->invoice.state)));
    billpay::InvoiceUpdate update;
    update.outstanding_minor = view->invoice.outstanding_minor;
    billpay::Result<billpay::InvoiceRecord> updated =
        gateway_.UpdateInvoice(view->live->billpay_invoice_id, update, Key(event_));
    if (!updated.done()) return Failed(updated);
    return Done(absl::StrCat("outstanding ", view->invoice.outstanding_minor, " on ", updated.value.id));
  }

  // BP-9 (and VOID): the record and its Pay Now URL go, even if the invoice
  // is FINAL again by now: its own later row makes the new record.
  Step DeleteInvoice() {
    absl::StatusOr<InvoiceView> view = ReadInvoice();
    if (!view.ok()) return FromStatus(view.status());
    if (!view->live) return Done("skipped: the invoice has no bill-pay record");
    const std::string& billpay_id = view->live->billpay_invoice_id;
    billpay::Result<bool> deleted = gateway_.DeleteInvoice(billpay_id, Key(event_));
    if (!deleted.done()) return Failed(deleted);
    absl::Status saved = database_.InTransaction([&](storage::Transaction& tx) -> absl::Status {
      storage::MarkBillPayInvoiceDeleted(tx, company_id_, billpay_id, now_);
      // A send that went out late (the invoice was FINAL again by then) may
      // have put this record's URL on the invoice: it no longer works.
      ASSIGN_OR_RETURN(domain::Invoice invoice, storage::FindInvoice(tx, company_id_, event_.invoice_id,
                                                                     storage::LockMode::kForNoKeyUpdate,
                                                                     storage::InvoiceLines::kSkip));
      if (invoice.pay_now_url == view->live->pay_now_url) storage::SetInvoicePayNowUrl(tx, company_id_, invoice.id, "");
      return absl::OkStatus();
    });
    if (!saved.ok()) return FromStatus(saved);
    return Done(absl::StrCat("deleted ", billpay_id));
  }

  // BP-8: the prepayment applied to this invoice is paid again in bill-pay.
  Step CreatePayment() {
    absl::StatusOr<InvoiceView> view = ReadInvoice();
    if (!view.ok()) return FromStatus(view.status());
    if (!view->live) return Done("skipped: the invoice has no bill-pay record");
    absl::StatusOr<Step> customer = EnsureCustomer(view->invoice.customer_id);
    if (!customer.ok()) return FromStatus(customer.status());
    if (customer->outcome != Outcome::kDone) return *customer;
    billpay::NewPayment payment{customer->text, view->live->billpay_invoice_id,
                                absl::StrCat("payment-", event_.payment_id, "-sync-", event_.id),
                                view->invoice.currency_code, event_.amount_minor};
    billpay::Result<billpay::PaymentRecord> created = gateway_.CreatePayment(payment, Key(event_));
    if (!created.done()) return Failed(created);
    absl::Status saved = database_.InTransaction([&](storage::Transaction& tx) {
      storage::InsertBillPayPayment(
          tx, company_id_,
          {created.value.id, event_.payment_id, storage::BillPayPaymentOrigin::kApi, event_.invoice_id, true}, now_);
      return absl::OkStatus();
    });
    if (!saved.ok()) return FromStatus(saved);
    return Done(absl::StrCat("created ", created.value.id));
  }

  // BP-8, BP-10: with an invoice, what we paid again against it goes; without,
  // the payer's own payment goes (every invoice it was made on is back).
  Step DeletePayment() {
    std::vector<storage::BillPayPaymentLink> links;
    absl::Status read = database_.InTransaction([&](storage::Transaction& tx) {
      links = storage::LiveBillPayPaymentsOf(tx, company_id_, event_.payment_id, event_.invoice_id);
      return absl::OkStatus();
    });
    if (!read.ok()) return FromStatus(read);
    std::string deleted_ids;
    for (const storage::BillPayPaymentLink& link : links) {
      bool wanted = event_.invoice_id != 0 ? link.origin == storage::BillPayPaymentOrigin::kApi
                                           : link.origin == storage::BillPayPaymentOrigin::kPayer;
      if (!wanted) continue;
      billpay::Result<bool> deleted =
          gateway_.DeletePayment(link.billpay_payment_id, Key(event_, "-" + link.billpay_payment_id));
      if (!deleted.done()) return Failed(deleted);
      absl::Status saved = database_.InTransaction([&](storage::Transaction& tx) {
        storage::MarkBillPayPaymentDeleted(tx, company_id_, link.billpay_payment_id, now_);
        return absl::OkStatus();
      });
      if (!saved.ok()) return FromStatus(saved);
      absl::StrAppend(&deleted_ids, deleted_ids.empty() ? "" : ", ", link.billpay_payment_id);
    }
    if (deleted_ids.empty()) return Done("skipped: no bill-pay payment to delete");
    return Done(absl::StrCat("deleted ", deleted_ids));
  }

  storage::Database& database_;
  billpay::BillPayGateway& gateway_;
  const storage::SyncEvent& event_;
  int64_t company_id_;
  absl::Time now_;
};

// Ends the lease as the step says.
DispatchReport EndDispatch(storage::Database& database, const storage::SyncEvent& event, const Step& step,
                           absl::Time now, const domain::RetryPolicy& policy, std::mt19937_64& random) {
  DispatchReport report;
  bool owned = false;
  absl::Status status = database.InTransaction([&](storage::Transaction& tx) {
    if (step.outcome == Outcome::kDone) {
      report = {DispatchEnd::kSynced, step.text};
      owned = storage::MarkSyncEventSynced(tx, event, step.text, now);
    } else if (step.outcome == Outcome::kPermanent || event.attempts >= policy.max_attempts) {
      report = {DispatchEnd::kParked, absl::StrCat(billpay::OutcomeName(step.outcome), ": ", step.text)};
      owned = storage::ParkSyncEvent(tx, event, report.detail, now);
    } else {
      report = {DispatchEnd::kRescheduled, absl::StrCat(billpay::OutcomeName(step.outcome), ": ", step.text)};
      owned = storage::RescheduleSyncEvent(tx, event, report.detail,
                                           now + domain::RetryDelay(policy, event.attempts, random), now);
    }
    return absl::OkStatus();
  });
  if (!status.ok()) return {DispatchEnd::kLeaseLost, absl::StrCat("could not end the lease: ", status.message())};
  if (!owned) return {DispatchEnd::kLeaseLost, "the lease ran out; another dispatcher has the row"};
  return report;
}

}  // namespace

DispatchReport DispatchSyncEvent(BillPayGateways& gateways, const storage::SyncEvent& event,
                                 const domain::Clock& clock, const domain::RetryPolicy& policy,
                                 std::mt19937_64& random) {
  absl::StatusOr<std::shared_ptr<billpay::BillPayGateway>> gateway = gateways.ForCompany(event.company_id);
  Step step;
  if (!gateway.ok()) {
    // No (enabled) account any more: the row waits, visible, until one is set
    // or its attempts run out.
    step = {Outcome::kRetryable, absl::StrCat("no bill-pay gateway: ", gateway.status().message())};
  } else {
    step = Dispatcher(gateways.database(), **gateway, event, clock.Now()).Run();
  }
  return EndDispatch(gateways.database(), event, step, clock.Now(), policy, random);
}

}  // namespace invoicehub::app
