#include "tests/support/poppler_reader.h"

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <regex>

#include "absl/strings/str_cat.h"

namespace invoicehub::pdf::test {
namespace {

// A file name no other test process or call can be using (ctest runs test
// cases as parallel processes).
std::filesystem::path UniqueTempPath(const std::string& suffix) {
  static std::atomic<int> counter{0};
  return std::filesystem::temp_directory_path() /
         absl::StrCat("invoicehub_pdf_test_", getpid(), "_", counter++, suffix);
}

class TempFile {
 public:
  explicit TempFile(const std::string& suffix) : path_(UniqueTempPath(suffix)) {}
  ~TempFile() {
    std::error_code ignored;
    std::filesystem::remove(path_, ignored);
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

std::string Quoted(const std::filesystem::path& path) { return absl::StrCat("'", path.string(), "'"); }

// Runs `tool options <pdf> <output file>` and returns what it wrote.
absl::StatusOr<std::string> RunPoppler(const std::string& tool, const std::string& options, const std::string& pdf,
                                       bool output_is_argument) {
  TempFile input(".pdf"), output(".txt");
  {
    std::ofstream file(input.path(), std::ios::binary);
    file.write(pdf.data(), static_cast<std::streamsize>(pdf.size()));
    if (!file) return absl::InternalError("cannot write " + input.path().string());
  }
  std::string command = absl::StrCat(tool, " ", options, " ", Quoted(input.path()),
                                     output_is_argument ? " " : " > ", Quoted(output.path()));
  if (int rc = std::system(command.c_str()); rc != 0)
    return absl::InternalError(absl::StrCat(command, " exited with ", rc));
  std::ifstream file(output.path(), std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>());
}

}  // namespace

absl::StatusOr<std::string> PdfText(const std::string& pdf) {
  return RunPoppler(INVOICEHUB_PDFTOTEXT, "-layout -enc UTF-8", pdf, true);
}

absl::StatusOr<std::string> PdfInfo(const std::string& pdf) {
  return RunPoppler(INVOICEHUB_PDFINFO, "-isodates -enc UTF-8", pdf, false);
}

int PdfPageCount(const std::string& pdf) {
  absl::StatusOr<std::string> info = PdfInfo(pdf);
  if (!info.ok()) return -1;
  std::smatch match;
  if (!std::regex_search(*info, match, std::regex(R"(Pages:\s+(\d+))"))) return -1;
  return std::stoi(match[1].str());
}

absl::StatusOr<std::vector<WordBox>> PdfWordBoxes(const std::string& pdf) {
  absl::StatusOr<std::string> html = RunPoppler(INVOICEHUB_PDFTOTEXT, "-bbox -enc UTF-8", pdf, true);
  if (!html.ok()) return html.status();
  // pdftotext -bbox writes <page width=".." height=".."> elements, each with
  // <word xMin=".." yMin=".." xMax=".." yMax="..">text</word> children.
  const std::regex page_or_word(
      R"re(<page width="([\d.]+)" height="([\d.]+)">|)re"
      R"re(<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>)re");
  std::vector<WordBox> words;
  double page_width = 0, page_height = 0;
  for (auto it = std::sregex_iterator(html->begin(), html->end(), page_or_word); it != std::sregex_iterator();
       ++it) {
    const std::smatch& m = *it;
    if (m[1].matched) {
      page_width = std::stod(m[1].str());
      page_height = std::stod(m[2].str());
      continue;
    }
    words.push_back(WordBox{m[7].str(), page_width, page_height, std::stod(m[3].str()), std::stod(m[4].str()),
                            std::stod(m[5].str()), std::stod(m[6].str())});
  }
  return words;
}

}  // namespace invoicehub::pdf::test
