#pragma once
// Rows of text cells side by side, and bands of rows stacked downwards: the
// pieces every part of an invoice page is made of. A row or band is plain
// data, so its height can be measured (for page breaks) before it is drawn.

#include <vector>

#include "integrations/pdf/pdf_canvas.h"

namespace invoicehub::pdf {

struct Cell {
  double x_pt = 0;
  TextBlock text;
};

// Cells share a top edge; the row is as tall as its tallest cell.
struct Row {
  std::vector<Cell> cells;
  double space_above_pt = 0;
  double space_below_pt = 0;
  bool rule_below = false;  // a thin line across the row's cells
};

using Band = std::vector<Row>;

double RowHeight(const PdfCanvas& canvas, const Row& row);
double BandHeight(const PdfCanvas& canvas, const Band& band);

// Draw with the top at `y_pt`; return the height drawn (as measured above).
double DrawRow(PdfCanvas& canvas, double y_pt, const Row& row);
double DrawBand(PdfCanvas& canvas, double y_pt, const Band& band);

}  // namespace invoicehub::pdf
