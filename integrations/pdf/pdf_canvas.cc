#include "integrations/pdf/pdf_canvas.h"

#include <cairo-pdf.h>
#include <pango/pangocairo.h>

#include <cmath>
#include <utility>

#include "absl/strings/str_cat.h"

namespace invoicehub::pdf {
namespace {

// DejaVu Sans covers Latin, Greek and Cyrillic; WenQuanYi Micro Hei covers
// Chinese and Japanese. Naming both, in this order, makes every machine with
// the bootstrap fonts pick the same glyphs (and so the same bytes);
// fontconfig still falls back further for a script neither has.
constexpr char kFontFamilies[] = "DejaVu Sans,WenQuanYi Micro Hei";

struct LayoutDeleter {
  void operator()(PangoLayout* layout) const { g_object_unref(layout); }
};
struct FontDescriptionDeleter {
  void operator()(PangoFontDescription* description) const { pango_font_description_free(description); }
};
using LayoutPtr = std::unique_ptr<PangoLayout, LayoutDeleter>;

int ToPangoUnits(double points) { return static_cast<int>(std::lround(points * PANGO_SCALE)); }

cairo_status_t AppendToString(void* closure, const unsigned char* data, unsigned int length) {
  static_cast<std::string*>(closure)->append(reinterpret_cast<const char*>(data), length);
  return CAIRO_STATUS_SUCCESS;
}

// A fresh layout per block: layouts are cheap, and one that is never reused
// cannot carry settings from one block into the next.
LayoutPtr MakeLayout(PangoContext* context, const TextBlock& block) {
  LayoutPtr layout(pango_layout_new(context));
  std::unique_ptr<PangoFontDescription, FontDescriptionDeleter> font(pango_font_description_new());
  pango_font_description_set_family(font.get(), kFontFamilies);
  pango_font_description_set_weight(font.get(), block.style.weight == TextWeight::kBold ? PANGO_WEIGHT_BOLD
                                                                                          : PANGO_WEIGHT_NORMAL);
  // Absolute size is in device units, which on a PDF surface are points.
  pango_font_description_set_absolute_size(font.get(), block.style.size_pt * PANGO_SCALE);
  pango_layout_set_font_description(layout.get(), font.get());
  pango_layout_set_width(layout.get(), ToPangoUnits(block.width_pt));
  pango_layout_set_wrap(layout.get(), PANGO_WRAP_WORD_CHAR);
  pango_layout_set_alignment(layout.get(),
                             block.style.align == TextAlign::kRight ? PANGO_ALIGN_RIGHT : PANGO_ALIGN_LEFT);
  if (block.max_height_pt > 0) {
    pango_layout_set_height(layout.get(), ToPangoUnits(block.max_height_pt));
    pango_layout_set_ellipsize(layout.get(), PANGO_ELLIPSIZE_END);
  }
  pango_layout_set_text(layout.get(), block.text.data(), static_cast<int>(block.text.size()));
  return layout;
}

double HeightOf(PangoLayout* layout) {
  int width = 0, height = 0;
  pango_layout_get_size(layout, &width, &height);
  return static_cast<double>(height) / PANGO_SCALE;
}

}  // namespace

PdfCanvas::PdfCanvas(double width_pt, double height_pt, const DocumentInfo& info)
    : surface_(cairo_pdf_surface_create_for_stream(&AppendToString, &pdf_bytes_, width_pt, height_pt)),
      cr_(cairo_create(surface_.get())),
      pango_(pango_cairo_create_context(cr_.get())) {
  cairo_pdf_surface_set_metadata(surface_.get(), CAIRO_PDF_METADATA_TITLE, info.title.c_str());
  cairo_pdf_surface_set_metadata(surface_.get(), CAIRO_PDF_METADATA_CREATE_DATE, info.create_date.c_str());
  // Unhinted metrics and unrounded glyph positions: text is laid out from the
  // font's outlines alone, the same for every render, as vector output wants.
  cairo_font_options_t* options = cairo_font_options_create();
  cairo_font_options_set_hint_metrics(options, CAIRO_HINT_METRICS_OFF);
  cairo_font_options_set_hint_style(options, CAIRO_HINT_STYLE_NONE);
  pango_cairo_context_set_font_options(pango_.get(), options);
  cairo_font_options_destroy(options);
  pango_context_set_round_glyph_positions(pango_.get(), FALSE);
}

absl::Status PdfCanvas::status() const {
  cairo_status_t status = cairo_status(cr_.get());
  if (status == CAIRO_STATUS_SUCCESS) status = cairo_surface_status(surface_.get());
  if (status == CAIRO_STATUS_SUCCESS) return absl::OkStatus();
  return absl::InternalError(absl::StrCat("rendering the invoice PDF failed: cairo: ", cairo_status_to_string(status)));
}

double PdfCanvas::Measure(const TextBlock& block) const {
  LayoutPtr layout = MakeLayout(pango_.get(), block);
  return HeightOf(layout.get());
}

double PdfCanvas::Draw(double x_pt, double y_pt, const TextBlock& block) {
  LayoutPtr layout = MakeLayout(pango_.get(), block);
  cairo_move_to(cr_.get(), x_pt, y_pt);
  pango_cairo_show_layout(cr_.get(), layout.get());
  return HeightOf(layout.get());
}

void PdfCanvas::DrawRule(double x1_pt, double x2_pt, double y_pt, double line_width_pt) {
  cairo_save(cr_.get());
  cairo_set_source_rgb(cr_.get(), 0.55, 0.55, 0.55);
  cairo_set_line_width(cr_.get(), line_width_pt);
  cairo_move_to(cr_.get(), x1_pt, y_pt);
  cairo_line_to(cr_.get(), x2_pt, y_pt);
  cairo_stroke(cr_.get());
  cairo_restore(cr_.get());
}

void PdfCanvas::NextPage() { cairo_show_page(cr_.get()); }

absl::StatusOr<std::string> PdfCanvas::Finish() {
  // Finishing writes the last page, the fonts and the trailer into pdf_bytes_.
  cairo_surface_finish(surface_.get());
  if (absl::Status status = this->status(); !status.ok()) return status;
  return std::move(pdf_bytes_);
}

}  // namespace invoicehub::pdf
