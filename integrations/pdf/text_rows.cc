#include "integrations/pdf/text_rows.h"

#include <algorithm>

namespace invoicehub::pdf {
namespace {

constexpr double kRuleWidthPt = 0.5;

double TallestCell(const PdfCanvas& canvas, const Row& row) {
  double tallest = 0;
  for (const Cell& cell : row.cells) tallest = std::max(tallest, canvas.Measure(cell.text));
  return tallest;
}

}  // namespace

double RowHeight(const PdfCanvas& canvas, const Row& row) {
  return row.space_above_pt + TallestCell(canvas, row) + row.space_below_pt;
}

double BandHeight(const PdfCanvas& canvas, const Band& band) {
  double height = 0;
  for (const Row& row : band) height += RowHeight(canvas, row);
  return height;
}

double DrawRow(PdfCanvas& canvas, double y_pt, const Row& row) {
  double tallest = 0;
  for (const Cell& cell : row.cells)
    tallest = std::max(tallest, canvas.Draw(cell.x_pt, y_pt + row.space_above_pt, cell.text));
  double height = row.space_above_pt + tallest + row.space_below_pt;
  if (row.rule_below && !row.cells.empty()) {
    double left = row.cells.front().x_pt, right = left;
    for (const Cell& cell : row.cells) {
      left = std::min(left, cell.x_pt);
      right = std::max(right, cell.x_pt + cell.text.width_pt);
    }
    // Inside the row's height, so a page break can never leave it stranded.
    canvas.DrawRule(left, right, y_pt + height - kRuleWidthPt / 2, kRuleWidthPt);
  }
  return height;
}

double DrawBand(PdfCanvas& canvas, double y_pt, const Band& band) {
  double height = 0;
  for (const Row& row : band) height += DrawRow(canvas, y_pt + height, row);
  return height;
}

}  // namespace invoicehub::pdf
