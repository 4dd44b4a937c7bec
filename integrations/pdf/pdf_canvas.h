#pragma once
// A PDF document being drawn: a cairo PDF surface that writes into a string,
// its cairo context, and a pango context that lays out wrapped Unicode text
// on it. It owns the three C objects and frees them in the right order.
//
// One canvas belongs to one render on one thread. Nothing here is shared
// between renders, which is what makes concurrent renders safe: pango's
// default font map is per thread (since pango 1.32.6), and each canvas has
// its own cairo and pango contexts and makes a fresh layout for each text.
//
// Internal to invoicehub_pdf (callers use invoice_pdf.h), which is why it may
// include the C headers.

#include <cairo.h>
#include <pango/pango.h>

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace invoicehub::pdf {

// A4 in PDF points (1/72 inch).
constexpr double kA4WidthPt = 595.276;
constexpr double kA4HeightPt = 841.890;

struct DocumentInfo {
  std::string title;
  // ISO 8601 as cairo wants it ("2026-11-22T00:00:00Z"). Never the wall
  // clock: a re-render of the same invoice must give the same bytes.
  std::string create_date;
};

enum class TextWeight { kRegular, kBold };
enum class TextAlign { kLeft, kRight };

struct TextStyle {
  double size_pt = 9;
  TextWeight weight = TextWeight::kRegular;
  TextAlign align = TextAlign::kLeft;
};

// Text wrapped to a width, at word boundaries and, for words longer than the
// width, between characters, so nothing runs past its column.
struct TextBlock {
  std::string text;
  double width_pt = 0;
  TextStyle style;
  // When > 0, lines past this height are dropped and the last one ends in an
  // ellipsis, so one block can never be taller than a page.
  double max_height_pt = 0;
};

class PdfCanvas {
 public:
  PdfCanvas(double width_pt, double height_pt, const DocumentInfo& info);
  PdfCanvas(const PdfCanvas&) = delete;
  PdfCanvas& operator=(const PdfCanvas&) = delete;

  // OK, or the first cairo error (cairo errors are sticky: after one, drawing
  // does nothing and the status stays).
  absl::Status status() const;

  // The height `block` takes when drawn.
  double Measure(const TextBlock& block) const;
  // Draws `block` with its top left corner at (x, y); returns its height.
  double Draw(double x_pt, double y_pt, const TextBlock& block);
  // A horizontal line.
  void DrawRule(double x1_pt, double x2_pt, double y_pt, double line_width_pt);
  // Ends the current page; drawing continues on a new one.
  void NextPage();

  // Ends the document and returns the PDF. The canvas is spent afterwards.
  absl::StatusOr<std::string> Finish();

 private:
  struct Deleter {
    void operator()(cairo_surface_t* surface) const { cairo_surface_destroy(surface); }
    void operator()(cairo_t* cr) const { cairo_destroy(cr); }
    void operator()(PangoContext* context) const { g_object_unref(context); }
  };

  // Declared first so it is destroyed last: destroying an unfinished surface
  // still writes into it.
  std::string pdf_bytes_;
  std::unique_ptr<cairo_surface_t, Deleter> surface_;
  std::unique_ptr<cairo_t, Deleter> cr_;
  std::unique_ptr<PangoContext, Deleter> pango_;
};

}  // namespace invoicehub::pdf
