#include "integrations/pdf/invoice_pdf.h"

#include <array>
#include <optional>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "integrations/pdf/invoice_text.h"
#include "integrations/pdf/page_plan.h"
#include "integrations/pdf/pdf_canvas.h"
#include "integrations/pdf/text_rows.h"
#include "server/domain/money.h"

namespace invoicehub::pdf {
namespace {

// Page geometry, in points.
constexpr double kMarginPt = 48;
constexpr double kContentWidthPt = kA4WidthPt - 2 * kMarginPt;
constexpr double kContentRightPt = kMarginPt + kContentWidthPt;
constexpr double kFooterTopPt = kA4HeightPt - 40;
constexpr double kBodyBottomPt = kA4HeightPt - 56;  // keeps the body clear of the footer

// The line table. Amounts carry their currency code ("1234.50 EUR"), so the
// amount columns are sized for that; the description takes what is left and
// wraps within it.
constexpr double kTableTextPt = 8.5;
constexpr double kCellPaddingPt = 2.5;
constexpr double kColumnGapPt = 6;
struct ColumnSpec {
  const char* title;
  double width_pt;
  TextAlign align;
};
constexpr double kQuantityWidthPt = 40, kAmountWidthPt = 72, kTaxRateWidthPt = 36;
constexpr double kDescriptionWidthPt =
    kContentWidthPt - kQuantityWidthPt - 3 * kAmountWidthPt - kTaxRateWidthPt - 5 * kColumnGapPt;
constexpr std::array<ColumnSpec, 6> kColumns = {{
    {"Description", kDescriptionWidthPt, TextAlign::kLeft},
    {"Qty", kQuantityWidthPt, TextAlign::kRight},
    {"Unit price", kAmountWidthPt, TextAlign::kRight},
    {"Tax %", kTaxRateWidthPt, TextAlign::kRight},
    {"Net", kAmountWidthPt, TextAlign::kRight},
    {"Tax", kAmountWidthPt, TextAlign::kRight},
}};

TextStyle Style(double size_pt, TextWeight weight = TextWeight::kRegular, TextAlign align = TextAlign::kLeft) {
  TextStyle style;
  style.size_pt = size_pt;
  style.weight = weight;
  style.align = align;
  return style;
}

Cell TextCell(double x_pt, std::string text, double width_pt, TextStyle style) {
  Cell cell;
  cell.x_pt = x_pt;
  cell.text.text = std::move(text);
  cell.text.width_pt = width_pt;
  cell.text.style = style;
  return cell;
}

Row MakeRow(std::vector<Cell> cells, double space_above_pt, double space_below_pt) {
  Row row;
  row.cells = std::move(cells);
  row.space_above_pt = space_above_pt;
  row.space_below_pt = space_below_pt;
  return row;
}

// Page 1: company (left) and the title with number, dates and PO (right),
// then who is billed.
Band FirstPageHeader(const domain::Company& company, const domain::Customer& customer,
                     const domain::Invoice& invoice) {
  constexpr double kTitleWidthPt = 200;
  constexpr double kTitleXPt = kContentRightPt - kTitleWidthPt;
  constexpr double kPartyWidthPt = kContentWidthPt - kTitleWidthPt - 12;

  std::vector<std::string> facts = {absl::StrCat("Number: ", invoice.number),
                                    absl::StrCat("Issue date: ", DateText(invoice.issue_date)),
                                    absl::StrCat("Due date: ", DateText(invoice.due_date))};
  if (!invoice.po_number.empty()) facts.push_back(absl::StrCat("PO number: ", invoice.po_number));

  Band band;
  band.push_back(MakeRow({TextCell(kMarginPt, company.display_name, kPartyWidthPt, Style(14, TextWeight::kBold)),
                          TextCell(kTitleXPt, "Invoice", kTitleWidthPt,
                                   Style(22, TextWeight::kBold, TextAlign::kRight))},
                         0, 4));
  band.push_back(MakeRow({TextCell(kMarginPt, absl::StrJoin(AddressLines(company.address), "\n"), kPartyWidthPt,
                                   Style(9)),
                          TextCell(kTitleXPt, absl::StrJoin(facts, "\n"), kTitleWidthPt,
                                   Style(9, TextWeight::kRegular, TextAlign::kRight))},
                         0, 20));
  band.push_back(MakeRow({TextCell(kMarginPt, "Bill to", kPartyWidthPt, Style(8.5, TextWeight::kBold))}, 0, 2));
  band.push_back(
      MakeRow({TextCell(kMarginPt, customer.display_name, kPartyWidthPt, Style(11, TextWeight::kBold))}, 0, 2));
  std::vector<std::string> billing_address = AddressLines(customer.billing_address);
  if (!billing_address.empty())
    band.push_back(
        MakeRow({TextCell(kMarginPt, absl::StrJoin(billing_address, "\n"), kPartyWidthPt, Style(9))}, 0, 0));
  band.back().space_below_pt = 18;
  return band;
}

// Later pages: just enough to tell whose invoice a loose page belongs to.
Band ContinuationHeader(const domain::Company& company, const domain::Invoice& invoice) {
  return {MakeRow({TextCell(kMarginPt, absl::StrCat(company.display_name, " · Invoice ", invoice.number),
                            kContentWidthPt, Style(9, TextWeight::kBold))},
                  0, 12)};
}

// One row of the line table. The description may be cut at
// `description_max_height_pt` so that a row always fits on a page; with the
// domain's 1000-character limit that never happens, but the page must hold
// whatever it is given.
Row TableRow(const std::array<std::string, kColumns.size()>& texts, TextWeight weight,
             double description_max_height_pt) {
  std::vector<Cell> cells;
  double x = kMarginPt;
  for (size_t i = 0; i < kColumns.size(); ++i) {
    cells.push_back(TextCell(x, texts[i], kColumns[i].width_pt, Style(kTableTextPt, weight, kColumns[i].align)));
    x += kColumns[i].width_pt + kColumnGapPt;
  }
  cells.front().text.max_height_pt = description_max_height_pt;
  Row row = MakeRow(std::move(cells), kCellPaddingPt, kCellPaddingPt + 1);
  row.rule_below = true;
  return row;
}

Row TableHeaderRow() {
  std::array<std::string, kColumns.size()> titles;
  for (size_t i = 0; i < kColumns.size(); ++i) titles[i] = kColumns[i].title;
  return TableRow(titles, TextWeight::kBold, 0);
}

// Totals (LC-3: outstanding = total - applied) and the Pay Now URL (BP-4).
// Drawn as one block after the last line, never split across pages.
Band ClosingBand(const domain::Invoice& invoice, int minor_digits, const std::string& pay_now_url) {
  constexpr double kAmountColumnPt = 120, kLabelColumnPt = 140;
  constexpr double kAmountXPt = kContentRightPt - kAmountColumnPt;
  constexpr double kLabelXPt = kAmountXPt - 10 - kLabelColumnPt;
  auto total_row = [&](const char* label, int64_t minor_units, TextWeight weight) {
    return MakeRow({TextCell(kLabelXPt, label, kLabelColumnPt, Style(9.5, weight, TextAlign::kRight)),
                    TextCell(kAmountXPt, AmountText(minor_units, minor_digits, invoice.currency_code),
                             kAmountColumnPt, Style(9.5, weight, TextAlign::kRight))},
                   1.5, 1.5);
  };
  Band band = {total_row("Subtotal", invoice.subtotal_minor, TextWeight::kRegular),
               total_row("Tax", invoice.tax_total_minor, TextWeight::kRegular),
               total_row("Total", invoice.total_minor, TextWeight::kBold),
               total_row("Payments applied", invoice.applied_minor, TextWeight::kRegular),
               total_row("Outstanding", invoice.outstanding_minor, TextWeight::kBold)};
  band.front().space_above_pt = 8;
  if (!pay_now_url.empty())
    band.push_back(MakeRow(
        {TextCell(kMarginPt, absl::StrCat("Pay now: ", pay_now_url), kContentWidthPt, Style(10, TextWeight::kBold))},
        16, 0));
  return band;
}

void DrawPageNumber(PdfCanvas& canvas, size_t page, size_t page_count) {
  DrawRow(canvas, kFooterTopPt,
          MakeRow({TextCell(kMarginPt, absl::StrCat("Page ", page, " of ", page_count), kContentWidthPt,
                            Style(8, TextWeight::kRegular, TextAlign::kRight))},
                  0, 0));
}

}  // namespace

absl::StatusOr<std::string> RenderInvoicePdf(const domain::Company& company, const domain::Customer& customer,
                                             const domain::Invoice& invoice, const std::string& pay_now_url) {
  std::optional<int> minor_digits = domain::CurrencyMinorDigits(invoice.currency_code);
  if (!minor_digits)
    return absl::InvalidArgumentError(
        absl::StrCat("invoice PDF: unknown currency \"", invoice.currency_code, "\""));

  // Midnight UTC of the issue date: the document's date is the invoice's, so
  // rendering again later gives the same bytes.
  DocumentInfo info;
  info.title = invoice.number;
  info.create_date = absl::StrCat(DateText(invoice.issue_date), "T00:00:00Z");
  PdfCanvas canvas(kA4WidthPt, kA4HeightPt, info);
  if (absl::Status status = canvas.status(); !status.ok()) return status;

  // Measure first, so the page count is known before page 1 is drawn.
  const Band first_header = FirstPageHeader(company, customer, invoice);
  const Band next_header = ContinuationHeader(company, invoice);
  const Row table_header = TableHeaderRow();
  const double body_height = kBodyBottomPt - kMarginPt;
  const double table_header_height = RowHeight(canvas, table_header);
  const double first_page_space = body_height - BandHeight(canvas, first_header) - table_header_height;
  const double next_page_space = body_height - BandHeight(canvas, next_header) - table_header_height;

  // Blocks in page order: one per line, then the closing totals.
  std::vector<Row> line_rows;
  std::vector<double> block_heights;
  for (const domain::InvoiceLine& line : invoice.lines) {
    line_rows.push_back(TableRow({line.description, QuantityText(line.quantity_e4),
                                  AmountText(line.unit_price_minor, *minor_digits, invoice.currency_code),
                                  TaxRateText(line.tax_rate_e3),
                                  AmountText(line.net_minor, *minor_digits, invoice.currency_code),
                                  AmountText(line.tax_minor, *minor_digits, invoice.currency_code)},
                                 TextWeight::kRegular, next_page_space - 2 * kCellPaddingPt - 1));
    block_heights.push_back(RowHeight(canvas, line_rows.back()));
  }
  const Band closing = ClosingBand(invoice, *minor_digits, pay_now_url);
  block_heights.push_back(BandHeight(canvas, closing));

  const std::vector<PageRows> pages = PlanPages(block_heights, first_page_space, next_page_space);
  for (size_t page = 0; page < pages.size(); ++page) {
    if (page > 0) canvas.NextPage();
    double y = kMarginPt;
    y += DrawBand(canvas, y, page == 0 ? first_header : next_header);
    bool page_has_lines = pages[page].begin < pages[page].end && pages[page].begin < line_rows.size();
    if (page_has_lines) y += DrawRow(canvas, y, table_header);
    for (size_t block = pages[page].begin; block < pages[page].end; ++block)
      y += block < line_rows.size() ? DrawRow(canvas, y, line_rows[block]) : DrawBand(canvas, y, closing);
    DrawPageNumber(canvas, page + 1, pages.size());
  }
  return canvas.Finish();
}

}  // namespace invoicehub::pdf
