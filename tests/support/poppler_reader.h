#pragma once
// Reads a PDF back with poppler's command-line tools, the way a person or a
// partner's system would see it. Each call writes the PDF to its own
// temporary file (poppler reads files, not memory) and removes it after.

#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace invoicehub::pdf::test {

// `pdftotext -layout`: the text, with the columns of a line kept on one line.
absl::StatusOr<std::string> PdfText(const std::string& pdf);

// `pdfinfo -isodates`: "Key: value" lines (Pages, Title, CreationDate...).
absl::StatusOr<std::string> PdfInfo(const std::string& pdf);
// The number after "Pages:", or -1 if pdfinfo failed.
int PdfPageCount(const std::string& pdf);

// Where pdftotext finds each word (`-bbox`): page size and the word's box, in
// points from the top left of its page.
struct WordBox {
  std::string word;
  double page_width = 0, page_height = 0;
  double x_min = 0, y_min = 0, x_max = 0, y_max = 0;
};
absl::StatusOr<std::vector<WordBox>> PdfWordBoxes(const std::string& pdf);

}  // namespace invoicehub::pdf::test
