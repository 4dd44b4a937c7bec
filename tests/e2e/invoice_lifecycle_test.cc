// The invoice lifecycle through the API, as an independent client sees it:
// every allowed and every refused move between DRAFT, FINAL, REISSUE and
// VOID, version checks, concurrent finalizes, invoice numbers across void,
// reissue and revert (LC-2), edits in REISSUE (LC-1, LC-3) and which
// finalized invoices bill-pay would not hear of (BP-2).

#include <cstdio>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/e2e/e2e_fixture.h"
#include "tests/support/concurrently.h"

namespace invoicehub::e2e {
namespace {

using grpc::StatusCode;
using invoicehub::testing::RunConcurrently;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::UnorderedElementsAreArray;

std::string StateName(v1::InvoiceState state) {
  switch (state) {
    case v1::INVOICE_STATE_DRAFT: return "DRAFT";
    case v1::INVOICE_STATE_FINAL: return "FINAL";
    case v1::INVOICE_STATE_REISSUE: return "REISSUE";
    case v1::INVOICE_STATE_VOID: return "VOID";
    default: return "UNSPECIFIED";
  }
}

std::string Numbered(const std::string& prefix, int number) {
  char text[32];
  std::snprintf(text, sizeof text, "%06d", number);
  return prefix + text;
}

constexpr Move kAllMoves[] = {Move::kFinalize, Move::kReissue, Move::kRevertToDraft, Move::kVoid};
constexpr v1::InvoiceState kAllStates[] = {v1::INVOICE_STATE_DRAFT, v1::INVOICE_STATE_FINAL, v1::INVOICE_STATE_REISSUE,
                                           v1::INVOICE_STATE_VOID};

// The lifecycle of DOMAIN.md: where each move leads from each state, or
// UNSPECIFIED when it is refused.
v1::InvoiceState ExpectedTarget(v1::InvoiceState from, Move move) {
  using M = Move;
  switch (from) {
    case v1::INVOICE_STATE_DRAFT:
      if (move == M::kFinalize) return v1::INVOICE_STATE_FINAL;
      if (move == M::kVoid) return v1::INVOICE_STATE_VOID;
      break;
    case v1::INVOICE_STATE_FINAL:
      if (move == M::kReissue) return v1::INVOICE_STATE_REISSUE;
      if (move == M::kRevertToDraft) return v1::INVOICE_STATE_DRAFT;
      if (move == M::kVoid) return v1::INVOICE_STATE_VOID;
      break;
    case v1::INVOICE_STATE_REISSUE:
      if (move == M::kFinalize) return v1::INVOICE_STATE_FINAL;
      if (move == M::kRevertToDraft) return v1::INVOICE_STATE_DRAFT;
      break;
    default: break;
  }
  return v1::INVOICE_STATE_UNSPECIFIED;
}

class InvoiceLifecycleTest : public CompanyWithClerkTest {
 protected:
  int64_t AuditRows() { return Count("SELECT count(*) FROM audit_log" + Where()); }
  int64_t EventRows() { return Count("SELECT count(*) FROM lifecycle_events" + Where()); }

  // A new invoice of customer_ brought into `state` by allowed moves.
  v1::Invoice InState(v1::InvoiceState state) {
    v1::Invoice invoice = NewInvoice(clerk_, customer_.id());
    switch (state) {
      case v1::INVOICE_STATE_FINAL: return Moved(invoice, Move::kFinalize);
      case v1::INVOICE_STATE_REISSUE: return Moved(Moved(invoice, Move::kFinalize), Move::kReissue);
      case v1::INVOICE_STATE_VOID: return Moved(invoice, Move::kVoid);
      default: return invoice;
    }
  }

  grpc::Status UpdateLines(const v1::Invoice& invoice, const std::vector<v1::InvoiceLine>& lines,
                           v1::Invoice* response) {
    v1::UpdateInvoiceRequest request;
    request.set_invoice_id(invoice.id());
    request.set_version(invoice.version());
    for (const v1::InvoiceLine& line : lines) *request.add_lines() = line;
    request.mutable_update_mask()->add_paths("lines");
    return api().invoices().UpdateInvoice(ApiClient::Context(clerk_).get(), request, response);
  }

  v1::ApplyPrepaymentResponse Apply(const std::string& payment_id, const std::string& invoice_id,
                                    int64_t amount_minor) {
    v1::ApplyPrepaymentRequest request;
    request.set_payment_id(payment_id);
    request.set_invoice_id(invoice_id);
    if (amount_minor > 0) request.mutable_amount()->set_minor_units(amount_minor);
    request.set_request_id(Unique("apply"));
    v1::ApplyPrepaymentResponse response;
    grpc::Status status = api().payments().ApplyPrepayment(ApiClient::Context(clerk_).get(), request, &response);
    EXPECT_TRUE(status.ok()) << "ApplyPrepayment: " << StatusText(status);
    return response;
  }

  void ExpectLedgerClean() {
    v1::CheckLedgerResponse report = CheckLedger(admin_);
    EXPECT_TRUE(report.clean()) << LedgerText(report);
  }

};

// DOMAIN.md "Invoice lifecycle": the 4 states x 4 moves. Allowed moves land
// in their state, bump the version by one and are audited; every other move
// is FAILED_PRECONDITION with rule LIFECYCLE naming the current state, and
// changes nothing (invoice, audit log, lifecycle events).
TEST_F(InvoiceLifecycleTest, EveryMoveFromEveryStateIsAllowedOrRefused) {  // LIFECYCLE, LC-2
  int allowed = 0, refused = 0;
  for (v1::InvoiceState from : kAllStates) {
    for (Move move : kAllMoves) {
      SCOPED_TRACE(StateName(from) + " " + MoveName(move));
      v1::Invoice before = InState(from);
      ASSERT_EQ(before.state(), from);
      const v1::InvoiceState target = ExpectedTarget(from, move);
      int64_t audit_before = AuditRows(), events_before = EventRows();
      v1::Invoice response;
      grpc::Status status = MoveInvoice(clerk_, move, before.id(), before.version(), &response, "wrong customer");
      if (target == v1::INVOICE_STATE_UNSPECIFIED) {
        ++refused;
        EXPECT_EQ(status.error_code(), StatusCode::FAILED_PRECONDITION) << StatusText(status);
        EXPECT_EQ(PreconditionRule(status), "LIFECYCLE") << StatusText(status);
        EXPECT_THAT(status.error_message(), HasSubstr(StateName(from)));
        EXPECT_TRUE(SameMessage(Get(before.id()), before));
        EXPECT_EQ(AuditRows(), audit_before);
        EXPECT_EQ(EventRows(), events_before);
        continue;
      }
      ++allowed;
      ASSERT_TRUE(status.ok()) << StatusText(status);
      EXPECT_EQ(response.state(), target);
      EXPECT_EQ(response.version(), before.version() + 1);
      EXPECT_TRUE(SameMessage(Get(before.id()), response));
      EXPECT_EQ(response.total().minor_units(), 24323);
      // LC-3; a VOID invoice is owed by no one.
      EXPECT_EQ(response.outstanding().minor_units(), target == v1::INVOICE_STATE_VOID ? 0 : 24323);
      EXPECT_EQ(response.applied().minor_units(), 0);
      // A number once given stays (LC-2); a never-finalized draft has none.
      if (target == v1::INVOICE_STATE_FINAL || from != v1::INVOICE_STATE_DRAFT) {
        EXPECT_THAT(response.number(), ::testing::MatchesRegex("INV-[0-9]{6}"));
        if (!before.number().empty()) {
          EXPECT_EQ(response.number(), before.number());
        }
      } else {
        EXPECT_EQ(response.number(), "");
      }
      EXPECT_EQ(response.void_reason(), target == v1::INVOICE_STATE_VOID ? "wrong customer" : "");
      EXPECT_EQ(Count("SELECT count(*) FROM audit_log" + Where() +
                      " AND entity_type = 'invoice' AND entity_id = " + before.id() + " AND action = '" +
                      MoveName(move) + "' AND after_state->>'state' = '" + v1::InvoiceState_Name(target) +
                      "' AND before_state->>'state' = '" + v1::InvoiceState_Name(from) + "'"),
                1);
      EXPECT_GT(EventRows(), events_before);
    }
  }
  EXPECT_EQ(allowed, 7);
  EXPECT_EQ(refused, 9);
}

// A FINAL invoice with a payment applied cannot be voided (LIFECYCLE, and
// the money stays where it is); once the payment is reversed it can.
TEST_F(InvoiceLifecycleTest, FinalWithPaymentAppliedIsNotVoided) {  // LIFECYCLE, LC-3
  v1::Invoice invoice = InState(v1::INVOICE_STATE_FINAL);
  v1::Payment payment = NewPayment(clerk_, customer_.id(), 1000, {{invoice.id(), 1000}});
  invoice = Get(invoice.id());
  ASSERT_EQ(invoice.applied().minor_units(), 1000);
  int64_t audit_before = AuditRows();
  grpc::Status status = MoveInvoice(clerk_, Move::kVoid, invoice.id(), invoice.version(), nullptr, "duplicate");
  EXPECT_EQ(status.error_code(), StatusCode::FAILED_PRECONDITION) << StatusText(status);
  EXPECT_EQ(PreconditionRule(status), "LIFECYCLE");
  EXPECT_THAT(status.error_message(), HasSubstr("FINAL"));
  EXPECT_TRUE(SameMessage(Get(invoice.id()), invoice));
  EXPECT_EQ(AuditRows(), audit_before);

  v1::ReversePaymentRequest reverse;
  reverse.set_payment_id(payment.id());
  reverse.set_version(payment.version());
  reverse.set_reason("check bounced");
  v1::Payment reversed;
  status = api().payments().ReversePayment(ApiClient::Context(clerk_).get(), reverse, &reversed);
  ASSERT_TRUE(status.ok()) << StatusText(status);
  invoice = Get(invoice.id());
  EXPECT_EQ(invoice.applied().minor_units(), 0);
  v1::Invoice voided = Moved(invoice, Move::kVoid);
  EXPECT_EQ(voided.state(), v1::INVOICE_STATE_VOID);
  EXPECT_EQ(voided.outstanding().minor_units(), 0);  // a VOID invoice is owed by no one
  ExpectLedgerClean();
}

// VoidInvoice needs a reason: without one it is INVALID_ARGUMENT on
// "reason" and nothing changes.
TEST_F(InvoiceLifecycleTest, VoidNeedsAReason) {  // LIFECYCLE
  for (v1::InvoiceState from : {v1::INVOICE_STATE_DRAFT, v1::INVOICE_STATE_FINAL}) {
    SCOPED_TRACE(StateName(from));
    v1::Invoice invoice = InState(from);
    grpc::Status status = MoveInvoice(clerk_, Move::kVoid, invoice.id(), invoice.version(), nullptr, "");
    EXPECT_EQ(status.error_code(), StatusCode::INVALID_ARGUMENT) << StatusText(status);
    EXPECT_THAT(ViolationFields(status), ElementsAre("reason"));
    EXPECT_TRUE(SameMessage(Get(invoice.id()), invoice));
  }
}

// Every move checks the version: a stale one (older or newer) is ABORTED and
// changes nothing; none at all is INVALID_ARGUMENT on "version".
TEST_F(InvoiceLifecycleTest, EveryMoveChecksTheVersion) {  // LIFECYCLE
  for (v1::InvoiceState from : kAllStates) {
    for (Move move : kAllMoves) {
      if (ExpectedTarget(from, move) == v1::INVOICE_STATE_UNSPECIFIED) continue;
      SCOPED_TRACE(StateName(from) + " " + MoveName(move));
      v1::Invoice invoice = InState(from);
      int64_t audit_before = AuditRows();
      std::vector<int64_t> stale_versions = {invoice.version() + 1, invoice.version() + 7};
      if (invoice.version() > 1) stale_versions.push_back(invoice.version() - 1);
      for (int64_t stale : stale_versions) {
        grpc::Status status = MoveInvoice(clerk_, move, invoice.id(), stale, nullptr, "stale");
        EXPECT_EQ(status.error_code(), StatusCode::ABORTED) << StatusText(status);
      }
      grpc::Status status = MoveInvoice(clerk_, move, invoice.id(), 0, nullptr, "no version");
      EXPECT_EQ(status.error_code(), StatusCode::INVALID_ARGUMENT) << StatusText(status);
      EXPECT_THAT(ViolationFields(status), ElementsAre("version"));
      EXPECT_TRUE(SameMessage(Get(invoice.id()), invoice));
      EXPECT_EQ(AuditRows(), audit_before);
      // The current version still works.
      EXPECT_EQ(Moved(invoice, move).state(), ExpectedTarget(from, move));
    }
  }
}

// Moves change records: a VIEWER key may not make them.
TEST_F(InvoiceLifecycleTest, ViewerCannotMoveInvoices) {  // LIFECYCLE
  std::string viewer = NewKey(admin_, v1::ROLE_VIEWER);
  v1::Invoice draft = InState(v1::INVOICE_STATE_DRAFT);
  v1::Invoice final_invoice = InState(v1::INVOICE_STATE_FINAL);
  for (Move move : kAllMoves) {
    SCOPED_TRACE(MoveName(move));
    const v1::Invoice& invoice = move == Move::kFinalize ? draft : final_invoice;
    grpc::Status status = MoveInvoice(viewer, move, invoice.id(), invoice.version());
    EXPECT_EQ(status.error_code(), StatusCode::PERMISSION_DENIED) << StatusText(status);
    EXPECT_TRUE(SameMessage(Get(invoice.id()), invoice));
  }
}

// Two or more clients finalize one invoice from the same version at once:
// exactly one succeeds, the others are ABORTED (or refused by the lifecycle
// once the winner committed); the invoice gets one number and one PDF, and
// the next invoice gets the next number. Several rounds.
TEST_F(InvoiceLifecycleTest, ConcurrentFinalizeOfOneInvoiceGivesOneNumber) {  // LC-2
  constexpr int kRounds = 5;
  constexpr int kClients = 4;
  for (int round = 1; round <= kRounds; ++round) {
    SCOPED_TRACE(round);
    v1::Invoice invoice = NewInvoice(clerk_, customer_.id());
    std::vector<grpc::Status> statuses(kClients);
    std::vector<v1::Invoice> responses(kClients);
    RunConcurrently(kClients, [&](int i) {
      statuses[i] = MoveInvoice(clerk_, Move::kFinalize, invoice.id(), invoice.version(), &responses[i]);
    });
    int winners = 0;
    std::string number;
    for (int i = 0; i < kClients; ++i) {
      if (statuses[i].ok()) {
        ++winners;
        number = responses[i].number();
      } else {
        EXPECT_THAT(statuses[i].error_code(), ::testing::AnyOf(StatusCode::ABORTED, StatusCode::FAILED_PRECONDITION))
            << StatusText(statuses[i]);
      }
    }
    EXPECT_EQ(winners, 1);
    EXPECT_EQ(number, Numbered("INV-", round));
    v1::Invoice now = Get(invoice.id());
    EXPECT_EQ(now.state(), v1::INVOICE_STATE_FINAL);
    EXPECT_EQ(now.version(), invoice.version() + 1);
    EXPECT_EQ(now.number(), number);
    EXPECT_EQ(Count("SELECT count(*) FROM invoice_pdfs" + Where() + " AND invoice_id = " + invoice.id()), 1);
    EXPECT_EQ(Count("SELECT count(*) FROM audit_log" + Where() +
                    " AND action = 'FinalizeInvoice' AND entity_id = " + invoice.id()),
              1);
  }
  EXPECT_EQ(Count("SELECT last_number FROM invoice_number_counters" + Where()), kRounds);
}

// N clients finalize N different invoices of one company at once: N
// distinct, consecutive numbers from 1, no gap, none twice.
TEST_F(InvoiceLifecycleTest, ConcurrentFinalizesOfManyInvoicesGiveConsecutiveNumbers) {  // LC-2
  constexpr int kInvoices = 8;
  std::vector<v1::Invoice> drafts;
  for (int i = 0; i < kInvoices; ++i) drafts.push_back(NewInvoice(clerk_, customer_.id()));
  std::vector<grpc::Status> statuses(kInvoices);
  std::vector<v1::Invoice> responses(kInvoices);
  RunConcurrently(kInvoices, [&](int i) {
    statuses[i] = MoveInvoice(clerk_, Move::kFinalize, drafts[i].id(), drafts[i].version(), &responses[i]);
  });
  std::vector<std::string> numbers, expected;
  for (int i = 0; i < kInvoices; ++i) {
    EXPECT_TRUE(statuses[i].ok()) << StatusText(statuses[i]);
    numbers.push_back(Get(drafts[i].id()).number());
    EXPECT_EQ(numbers.back(), responses[i].number());
    expected.push_back(Numbered("INV-", i + 1));
  }
  EXPECT_THAT(numbers, UnorderedElementsAreArray(expected));
}

// LC-2 across the other moves: numbers are per company with the company's
// prefix, from 1; a voided FINAL invoice keeps its number and the next one
// gets the next; REISSUE -> FINAL and FINAL -> DRAFT -> FINAL keep the
// number; a draft voided before finalizing takes none.
TEST_F(InvoiceLifecycleTest, NumbersSurviveVoidReissueAndRevert) {  // LC-2
  v1::Invoice a = Moved(NewInvoice(clerk_, customer_.id()), Move::kFinalize);
  EXPECT_EQ(a.number(), "INV-000001");
  v1::Invoice b = Moved(NewInvoice(clerk_, customer_.id()), Move::kFinalize);
  EXPECT_EQ(b.number(), "INV-000002");
  b = Moved(b, Move::kVoid);
  EXPECT_EQ(b.state(), v1::INVOICE_STATE_VOID);
  EXPECT_EQ(b.number(), "INV-000002");  // a VOID keeps its number
  v1::Invoice c = Moved(NewInvoice(clerk_, customer_.id()), Move::kFinalize);
  EXPECT_EQ(c.number(), "INV-000003");  // never reused

  a = Moved(a, Move::kReissue);
  EXPECT_EQ(a.number(), "INV-000001");
  a = Moved(a, Move::kFinalize);
  EXPECT_EQ(a.number(), "INV-000001");
  a = Moved(a, Move::kRevertToDraft);
  EXPECT_EQ(a.state(), v1::INVOICE_STATE_DRAFT);
  a = Moved(a, Move::kFinalize);
  EXPECT_EQ(a.number(), "INV-000001");
  a = Moved(Moved(a, Move::kReissue), Move::kRevertToDraft);
  a = Moved(a, Move::kFinalize);
  EXPECT_EQ(a.number(), "INV-000001");

  v1::Invoice never_final = Moved(NewInvoice(clerk_, customer_.id()), Move::kVoid);
  EXPECT_EQ(never_final.number(), "");
  v1::Invoice d = Moved(NewInvoice(clerk_, customer_.id()), Move::kFinalize);
  EXPECT_EQ(d.number(), "INV-000004");
  EXPECT_EQ(Count("SELECT count(DISTINCT number) FROM invoices" + Where() + " AND number IS NOT NULL"), 4);

  // Another company, with its own prefix, counts from 1 on its own.
  v1::CreateCompanyResponse other = NewCompany();
  v1::UpdateCompanyRequest update;
  update.mutable_company()->set_version(other.company().version());
  update.mutable_company()->set_invoice_number_prefix("RE-");
  update.mutable_update_mask()->add_paths("invoice_number_prefix");
  v1::Company updated;
  ASSERT_TRUE(api().admin().UpdateCompany(ApiClient::Context(other.admin_key_secret()).get(), update, &updated).ok());
  v1::Customer other_customer = NewCustomer(other.admin_key_secret());
  v1::Invoice first = NewFinalInvoice(other.admin_key_secret(), other_customer.id());
  EXPECT_EQ(first.number(), "RE-000001");
  v1::Invoice e = Moved(NewInvoice(clerk_, customer_.id()), Move::kFinalize);
  EXPECT_EQ(e.number(), "INV-000005");
}

// A retried FinalizeInvoice (same request_id) answers the first result and
// takes no second number.
TEST_F(InvoiceLifecycleTest, RetriedFinalizeTakesOneNumber) {  // LC-2
  v1::Invoice draft = NewInvoice(clerk_, customer_.id());
  const std::string request_id = Unique("finalize");
  v1::Invoice first, second;
  ASSERT_TRUE(MoveInvoice(clerk_, Move::kFinalize, draft.id(), draft.version(), &first, "", request_id).ok());
  grpc::Status status = MoveInvoice(clerk_, Move::kFinalize, draft.id(), draft.version(), &second, "", request_id);
  ASSERT_TRUE(status.ok()) << StatusText(status);
  EXPECT_TRUE(SameMessage(first, second));
  EXPECT_EQ(first.number(), "INV-000001");
  v1::Invoice next = NewFinalInvoice(clerk_, customer_.id());
  EXPECT_EQ(next.number(), "INV-000002");
}

// LC-1: lines (and so totals and tax) change in DRAFT and REISSUE; in FINAL
// and VOID UpdateInvoice is FAILED_PRECONDITION with rule LC-1 and changes
// nothing. A REISSUE edit is what the next finalize shows, same number.
TEST_F(InvoiceLifecycleTest, EditsOnlyInDraftAndReissue) {  // LC-1
  const std::vector<v1::InvoiceLine> new_lines = {Line("Workshop", "2", 50000, "8.1")};
  for (v1::InvoiceState state : kAllStates) {
    SCOPED_TRACE(StateName(state));
    v1::Invoice invoice = InState(state);
    int64_t audit_before = AuditRows();
    v1::Invoice updated;
    grpc::Status status = UpdateLines(invoice, new_lines, &updated);
    if (state == v1::INVOICE_STATE_DRAFT || state == v1::INVOICE_STATE_REISSUE) {
      ASSERT_TRUE(status.ok()) << StatusText(status);
      EXPECT_EQ(updated.state(), state);
      EXPECT_EQ(updated.total().minor_units(), 108100);
      EXPECT_EQ(updated.tax_total().minor_units(), 8100);
      EXPECT_EQ(updated.outstanding().minor_units(), 108100);
      EXPECT_EQ(updated.version(), invoice.version() + 1);
      EXPECT_EQ(updated.number(), invoice.number());
      if (state == v1::INVOICE_STATE_REISSUE) {
        v1::Invoice refinalized = Moved(updated, Move::kFinalize);
        EXPECT_EQ(refinalized.number(), invoice.number());
        EXPECT_EQ(refinalized.total().minor_units(), 108100);
        ASSERT_EQ(refinalized.lines_size(), 1);
        EXPECT_EQ(refinalized.lines(0).description(), "Workshop");
      }
    } else {
      EXPECT_EQ(status.error_code(), StatusCode::FAILED_PRECONDITION) << StatusText(status);
      EXPECT_EQ(PreconditionRule(status), "LC-1");
      EXPECT_THAT(status.error_message(), HasSubstr(StateName(state)));
      EXPECT_TRUE(SameMessage(Get(invoice.id()), invoice));
      EXPECT_EQ(AuditRows(), audit_before);
    }
  }
}

// LC-3 in REISSUE: prepayment applied to a REISSUE invoice counts against
// it; an edit that would bring the total below what is applied is refused
// (rule LC-3) and changes nothing; down to exactly the applied amount is
// fine (outstanding 0). The ledger stays clean.
TEST_F(InvoiceLifecycleTest, ReissueEditCannotLowerTotalBelowApplied) {  // LC-3, LC-1, BP-8
  v1::Invoice invoice = InState(v1::INVOICE_STATE_FINAL);  // 243.23
  v1::Payment payment = NewPayment(clerk_, customer_.id(), 24323, {{invoice.id(), 24323}});
  invoice = Moved(Get(invoice.id()), Move::kReissue);
  EXPECT_EQ(invoice.applied().minor_units(), 0);  // BP-8: released
  EXPECT_EQ(GetPayment(clerk_, payment.id()).unapplied().minor_units(), 24323);
  v1::ApplyPrepaymentResponse applied = Apply(payment.id(), invoice.id(), 20000);
  EXPECT_EQ(applied.invoice().state(), v1::INVOICE_STATE_REISSUE);
  EXPECT_EQ(applied.invoice().applied().minor_units(), 20000);
  EXPECT_EQ(applied.invoice().outstanding().minor_units(), 4323);
  invoice = Get(invoice.id());

  int64_t audit_before = AuditRows();
  v1::Invoice updated;
  grpc::Status status = UpdateLines(invoice, {Line("Smaller", "1", 19999)}, &updated);
  EXPECT_EQ(status.error_code(), StatusCode::FAILED_PRECONDITION) << StatusText(status);
  EXPECT_EQ(PreconditionRule(status), "LC-3");
  EXPECT_TRUE(SameMessage(Get(invoice.id()), invoice));
  EXPECT_EQ(AuditRows(), audit_before);

  status = UpdateLines(invoice, {Line("Exactly", "1", 20000)}, &updated);
  ASSERT_TRUE(status.ok()) << StatusText(status);
  EXPECT_EQ(updated.total().minor_units(), 20000);
  EXPECT_EQ(updated.applied().minor_units(), 20000);
  EXPECT_EQ(updated.outstanding().minor_units(), 0);
  status = UpdateLines(updated, {Line("More", "1", 30000)}, &updated);
  ASSERT_TRUE(status.ok()) << StatusText(status);
  EXPECT_EQ(updated.outstanding().minor_units(), 10000);
  EXPECT_EQ(updated.applied().minor_units(), 20000);
  v1::Invoice refinalized = Moved(updated, Move::kFinalize);
  EXPECT_EQ(refinalized.applied().minor_units(), 20000);
  EXPECT_EQ(refinalized.outstanding().minor_units(), 10000);
  EXPECT_FALSE(refinalized.nothing_to_send());
  ExpectLedgerClean();
}

// BP-2: nothing_to_send after a finalize when the total is zero, or when a
// REISSUE whose outstanding a prepayment covers entirely is finalized;
// false for an ordinary invoice and for a partly covered one. Going back to
// REISSUE clears it.
TEST_F(InvoiceLifecycleTest, NothingToSendForZeroOrFullyPrepaid) {  // BP-2, LC-3
  v1::Invoice zero = NewFinalInvoice(clerk_, customer_.id(), {Line("Goodwill", "1", 0, "8.1")});
  EXPECT_EQ(zero.total().minor_units(), 0);
  EXPECT_EQ(zero.outstanding().minor_units(), 0);
  EXPECT_TRUE(zero.nothing_to_send());

  v1::Invoice ordinary = InState(v1::INVOICE_STATE_FINAL);
  EXPECT_FALSE(ordinary.nothing_to_send());

  v1::Payment credit = NewPayment(clerk_, customer_.id(), 30000);  // a prepayment of 300.00
  v1::Invoice covered = Moved(ordinary, Move::kReissue);
  EXPECT_FALSE(covered.nothing_to_send());
  Apply(credit.id(), covered.id(), 0);  // min(300.00, 243.23)
  covered = Moved(Get(covered.id()), Move::kFinalize);
  EXPECT_EQ(covered.applied().minor_units(), 24323);
  EXPECT_EQ(covered.outstanding().minor_units(), 0);
  EXPECT_TRUE(covered.nothing_to_send());
  EXPECT_EQ(GetPayment(clerk_, credit.id()).unapplied().minor_units(), 30000 - 24323);

  v1::Invoice partly = Moved(InState(v1::INVOICE_STATE_FINAL), Move::kReissue);
  Apply(credit.id(), partly.id(), 0);  // the rest, 56.77
  partly = Moved(Get(partly.id()), Move::kFinalize);
  EXPECT_EQ(partly.applied().minor_units(), 30000 - 24323);
  EXPECT_EQ(partly.outstanding().minor_units(), 24323 - (30000 - 24323));
  EXPECT_FALSE(partly.nothing_to_send());

  // Back to REISSUE: the prepayment is released, nothing_to_send is cleared.
  v1::Invoice back = Moved(covered, Move::kReissue);
  EXPECT_FALSE(back.nothing_to_send());
  EXPECT_EQ(back.applied().minor_units(), 0);
  back = Moved(back, Move::kFinalize);
  EXPECT_FALSE(back.nothing_to_send());
  EXPECT_EQ(back.outstanding().minor_units(), 24323);
  ExpectLedgerClean();
}

}  // namespace
}  // namespace invoicehub::e2e
