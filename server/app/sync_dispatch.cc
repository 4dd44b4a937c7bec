#include "server/app/sync_dispatch.h"

#include <optional>

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "server/app/api_key_secrets.h"
#include "server/app/billpay_import.h"
#include "server/app/invoice_documents.h"
#include "server/domain/status_macros.h"
#include "storage/audit_log.h"
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

// One idempotency key per bill-pay call of a row: bill-pay refuses a key
// reused for another call. A retried row gets new keys, because bill-pay
// replays the refusal it stored under the old ones.
std::string Key(const storage::SyncEvent& event, const std::string& call) {
  return absl::StrCat("ih-", event.company_id, "-", event.id, "-r", event.retries, "-", call);
}

// An update's key names what it sends. A retry re-reads the invoice, and
// bill-pay replays the first answer to a key without looking at the body:
// new figures under the old key would be dropped silently.
std::string UpdateCall(const std::string& call, const billpay::InvoiceUpdate& update) {
  std::string fields = absl::StrCat(update.number.value_or("-"), "|", update.invoice_date.value_or("-"), "|",
                                    update.due_date.value_or("-"), "|", update.amount_minor.value_or(-1), "|",
                                    update.outstanding_minor.value_or(-1), "|", Sha256Hex(update.pdf.value_or("")));
  return absl::StrCat(call, "-", Sha256Hex(fields).substr(0, 16));
}

class Dispatcher {
 public:
  Dispatcher(BillPayGateways& gateways, billpay::BillPayGateway& gateway, const storage::SyncEvent& event,
             const domain::Clock& clock)
      : gateways_(gateways),
        database_(gateways.database()),
        gateway_(gateway),
        event_(event),
        company_id_(event.company_id),
        clock_(clock),
        now_(clock.Now()) {}

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
    // An earlier attempt may have created the record and lost the answer
    // (a timeout, or a dispatcher killed before it saved the link). Whatever
    // the invoice became since, that record is found and linked, so a later
    // delete removes it and the update below brings it to our figures.
    if (!view->live && (event_.attempts > 1 || event_.retries > 0)) {
      billpay::Result<std::optional<billpay::InvoiceRecord>> found =
          gateway_.FindInvoice(absl::StrCat(view->invoice.id));
      if (!found.done()) return Failed(found);
      if (found.value) {
        absl::Status saved = SaveCreatedInvoice(*found.value);
        if (!saved.ok()) return FromStatus(saved);
        view = ReadInvoice();
        if (!view.ok()) return FromStatus(view.status());
      }
    }
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
      billpay::InvoiceUpdate update{invoice.number, absl::FormatCivilTime(invoice.issue_date), absl::FormatCivilTime(invoice.due_date),
                                    invoice.total_minor, invoice.outstanding_minor, std::move(pdf_bytes)};
      billpay::Result<billpay::InvoiceRecord> updated =
          gateway_.UpdateInvoice(view->live->billpay_invoice_id, update, Key(event_, UpdateCall("update", update)));
      if (!updated.done()) return Failed(updated);
      return Done(absl::StrCat("updated ", updated.value.id));
    }
    absl::StatusOr<Step> customer = EnsureCustomer(invoice.customer_id);
    if (!customer.ok()) return FromStatus(customer.status());
    if (customer->outcome != Outcome::kDone) return *customer;
    billpay::InvoiceDocument document{customer->text,
                                      absl::StrCat(invoice.id),
                                      invoice.number,
                                      absl::FormatCivilTime(invoice.issue_date),
                                      absl::FormatCivilTime(invoice.due_date),
                                      invoice.currency_code,
                                      invoice.total_minor,
                                      invoice.outstanding_minor,
                                      pdf_bytes};
    billpay::Result<billpay::InvoiceRecord> created = gateway_.CreateInvoice(document, Key(event_, "create"));
    if (!created.done()) return Failed(created);
    absl::Status saved = SaveCreatedInvoice(created.value);
    if (!saved.ok()) return FromStatus(saved);
    // A record bill-pay already had for this invoice (its create was answered
    // "already exists") is brought to our figures.
    if (created.value.number != document.number || created.value.amount_minor != document.amount_minor ||
        created.value.outstanding_minor != document.outstanding_minor) {
      billpay::InvoiceUpdate update{document.number,       document.invoice_date,      document.due_date,
                                    document.amount_minor, document.outstanding_minor, document.pdf};
      billpay::Result<billpay::InvoiceRecord> updated =
          gateway_.UpdateInvoice(created.value.id, update, Key(event_, UpdateCall("reconcile", update)));
      if (!updated.done()) return Failed(updated);
      return Done(absl::StrCat("adopted and updated ", created.value.id));
    }
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
      // A dispatcher whose lease ran out may get here after a later row
      // deleted this record: only the live record's URL goes on the invoice.
      std::optional<storage::BillPayInvoiceLink> live = storage::FindLiveBillPayInvoice(tx, company_id_, invoice.id);
      if (!live || live->billpay_invoice_id != record.id) return absl::OkStatus();
      if (invoice.state != domain::InvoiceState::kFinal || invoice.pay_now_url == record.pay_now_url)
        return absl::OkStatus();
      SetPayNowUrl(tx, invoice, record.pay_now_url);
      ASSIGN_OR_RETURN(domain::Company company, storage::FindCompany(tx, company_id_));
      return RenderAndStoreInvoicePdf(tx, company, invoice, now_);
    });
  }

  // BP-4: the invoice shows the URL of its live record, audited as a change
  // made by the sync (the version stays: it is not a client's edit).
  void SetPayNowUrl(storage::Transaction& tx, domain::Invoice& invoice, const std::string& url) {
    storage::AuditEntry entry;
    entry.company_id = company_id_;
    entry.actor = "billpay-sync";
    entry.action = "SetPayNowUrl";
    entry.entity_type = "invoice";
    entry.entity_id = invoice.id;
    entry.request_id = absl::StrCat("sync_event:", event_.id);
    entry.occurred_at = now_;
    entry.before_json = nlohmann::json{{"pay_now_url", invoice.pay_now_url}}.dump();
    entry.after_json = nlohmann::json{{"pay_now_url", url}}.dump();
    storage::AppendAudit(tx, entry);
    storage::SetInvoicePayNowUrl(tx, company_id_, invoice.id, url);
    invoice.pay_now_url = url;
  }

  // BP-3: found by our id first, else created. Two dispatchers creating the
  // same customer at once get one: bill-pay answers the second "already
  // exists" with the first, which the gateway adopts. On success `text` is
  // bill-pay's customer id.
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
                                  Key(event_, "customer"));
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
  // Payments bill-pay took that are not here yet are imported first: sending
  // an outstanding that ignores them would ask the payer to pay again.
  Step UpdateBalance() {
    absl::StatusOr<InvoiceView> view = ReadInvoice();
    if (!view.ok()) return FromStatus(view.status());
    if (!view->live) return Done("skipped: the invoice has no bill-pay record");
    if (view->invoice.state != domain::InvoiceState::kFinal)
      return Done(absl::StrCat("skipped: the invoice is ", domain::InvoiceStateName(view->invoice.state)));
    absl::StatusOr<ImportSummary> imported = ImportBillPayPayments(gateways_, company_id_, clock_);
    if (!imported.ok())
      return {Outcome::kRetryable, absl::StrCat("import before sending the balance: ", imported.status().message())};
    if (imported->recorded + imported->reversed > 0) {
      view = ReadInvoice();  // the import changed what is owed
      if (!view.ok()) return FromStatus(view.status());
    }
    // With the amount: the invoice may have been refinalized at a higher
    // total since this row was written.
    billpay::InvoiceUpdate update;
    update.amount_minor = view->invoice.total_minor;
    update.outstanding_minor = view->invoice.outstanding_minor;
    billpay::Result<billpay::InvoiceRecord> updated =
        gateway_.UpdateInvoice(view->live->billpay_invoice_id, update, Key(event_, UpdateCall("balance", update)));
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
    billpay::Result<bool> deleted = gateway_.DeleteInvoice(billpay_id, Key(event_, "delete"));
    if (!deleted.done()) return Failed(deleted);
    absl::Status saved = database_.InTransaction([&](storage::Transaction& tx) -> absl::Status {
      storage::MarkBillPayInvoiceDeleted(tx, company_id_, billpay_id, now_);
      // A send that went out late (the invoice was FINAL again by then) may
      // have put this record's URL on the invoice: it no longer works.
      ASSIGN_OR_RETURN(domain::Invoice invoice, storage::FindInvoice(tx, company_id_, event_.invoice_id,
                                                                     storage::LockMode::kForNoKeyUpdate,
                                                                     storage::InvoiceLines::kSkip));
      if (invoice.pay_now_url == view->live->pay_now_url) SetPayNowUrl(tx, invoice, "");
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
    billpay::Result<billpay::PaymentRecord> created = gateway_.CreatePayment(payment, Key(event_, "payment"));
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
          gateway_.DeletePayment(link.billpay_payment_id, Key(event_, "delete-" + link.billpay_payment_id));
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

  BillPayGateways& gateways_;
  storage::Database& database_;
  billpay::BillPayGateway& gateway_;
  const storage::SyncEvent& event_;
  int64_t company_id_;
  const domain::Clock& clock_;
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

absl::StatusOr<Change<storage::SyncEvent>> RetryParkedSyncEvent(storage::Transaction& tx, int64_t company_id,
                                                                int64_t sync_event_id, absl::Time now) {
  ASSIGN_OR_RETURN(storage::SyncEvent before, storage::FindSyncEvent(tx, company_id, sync_event_id));
  if (before.state != domain::SyncState::kFailed) {
    return absl::FailedPreconditionError(absl::StrCat("sync event ", sync_event_id, " is ",
                                                      domain::SyncStateName(before.state),
                                                      "; only a failed (parked) event can be retried"));
  }
  storage::RequeueSyncEvent(tx, company_id, sync_event_id, now);
  if (before.invoice_id != 0) storage::RefreshInvoiceSyncState(tx, company_id, before.invoice_id);
  ASSIGN_OR_RETURN(storage::SyncEvent after, storage::FindSyncEvent(tx, company_id, sync_event_id));
  return Change<storage::SyncEvent>{std::move(before), std::move(after)};
}

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
    step = Dispatcher(gateways, **gateway, event, clock).Run();
  }
  return EndDispatch(gateways.database(), event, step, clock.Now(), policy, random);
}

}  // namespace invoicehub::app
