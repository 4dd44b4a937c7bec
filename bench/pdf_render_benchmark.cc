// How long an invoice PDF takes to render: it happens inside the finalize
// transaction, while the company's number counter is locked (LC-2).

#include <string>

#include <benchmark/benchmark.h>

#include "integrations/pdf/invoice_pdf.h"

namespace invoicehub {
namespace {

// `line_count` lines whose descriptions are `description` plus a number.
domain::Invoice InvoiceWithLines(int line_count, const std::string& description) {
  domain::Invoice invoice;
  invoice.id = 1;
  invoice.number = "INV-000123";
  invoice.issue_date = absl::CivilDay(2026, 11, 22);
  invoice.due_date = absl::CivilDay(2026, 12, 22);
  invoice.po_number = "PO-4711";
  invoice.currency_code = "CHF";
  for (int i = 0; i < line_count; ++i) {
    domain::InvoiceLine line;
    line.description = description + " " + std::to_string(i);
    line.quantity_e4 = 15'000;
    line.unit_price_minor = 15'000;
    line.tax_rate_e3 = 8'100;
    invoice.lines.push_back(line);
  }
  (void)domain::ComputeTotals(invoice);
  return invoice;
}

void RenderLoop(benchmark::State& state, const domain::Invoice& invoice) {
  domain::Company company;
  company.display_name = "Zürich Ærø 株式会社";
  company.address.address_lines = {"Bahnhofstrasse 1"};
  company.address.locality = "Zürich";
  company.address.region_code = "CH";
  domain::Customer customer;
  customer.display_name = "Acme AG";
  customer.billing_address = company.address;
  // The first render on a thread loads the fonts; it is not what a busy
  // server pays per finalize.
  if (!pdf::RenderInvoicePdf(company, customer, invoice, "").ok()) state.SkipWithError("render failed");
  size_t bytes = 0;
  for (auto _ : state) {
    auto rendered = pdf::RenderInvoicePdf(company, customer, invoice, "https://pay.example/abc");
    if (!rendered.ok()) state.SkipWithError("render failed");
    bytes = rendered->size();
    benchmark::DoNotOptimize(rendered);
  }
  state.counters["pdf_bytes"] = static_cast<double>(bytes);
}

void BM_RenderInvoicePdf(benchmark::State& state) {
  RenderLoop(state, InvoiceWithLines(static_cast<int>(state.range(0)),
                                     "Consulting, on-site workshop and written follow-up, item"));
}
BENCHMARK(BM_RenderInvoicePdf)->Arg(3)->Arg(30)->Arg(200)->Unit(benchmark::kMillisecond);

// The largest invoice the API accepts: 500 lines of 1000 characters, in
// CJK, which wraps most and needs the fallback font.
void BM_RenderLargestInvoicePdf(benchmark::State& state) {
  std::string description;
  while (description.size() < 2'950) description += "株式会社請求書";  // 3 bytes a character
  RenderLoop(state, InvoiceWithLines(static_cast<int>(domain::kMaxInvoiceLines), description));
}
BENCHMARK(BM_RenderLargestInvoicePdf)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace invoicehub
