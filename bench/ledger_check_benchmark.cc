// How long AdminService.CheckLedger computes for a company of a given size,
// the database reads aside (domain/ledger.h).

#include <benchmark/benchmark.h>

#include "server/domain/ledger.h"

namespace invoicehub {
namespace {

// `size` invoices of 100 customers, each paid by one payment that also
// leaves a prepayment.
domain::LedgerSnapshot Company(int size) {
  domain::LedgerSnapshot snapshot;
  for (int i = 1; i <= size; ++i) {
    domain::Invoice invoice;
    invoice.id = i;
    invoice.customer_id = i % 100 + 1;
    invoice.currency_code = "CHF";
    invoice.state = domain::InvoiceState::kFinal;
    invoice.total_minor = 10'000;
    invoice.applied_minor = 6'000;
    invoice.outstanding_minor = 4'000;
    snapshot.invoices.push_back(invoice);
    domain::Payment payment;
    payment.id = i;
    payment.customer_id = invoice.customer_id;
    payment.currency_code = "CHF";
    payment.amount_minor = 7'000;
    payment.unapplied_minor = 1'000;
    domain::Allocation allocation;
    allocation.id = i;
    allocation.payment_id = i;
    allocation.invoice_id = i;
    allocation.amount_minor = 6'000;
    payment.allocations.push_back(allocation);
    snapshot.payments.push_back(payment);
  }
  return snapshot;
}

void BM_CheckLedger(benchmark::State& state) {
  const domain::LedgerSnapshot snapshot = Company(static_cast<int>(state.range(0)));
  for (auto _ : state) {
    auto differences = domain::CheckLedger(snapshot);
    if (!differences.empty()) state.SkipWithError("the sample ledger is not clean");
    benchmark::DoNotOptimize(differences);
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_CheckLedger)->Arg(1'000)->Arg(100'000)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace invoicehub
