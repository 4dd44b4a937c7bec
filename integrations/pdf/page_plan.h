#pragma once
// Which table rows go on which page. Pure arithmetic on heights, so the page
// count is known before anything is drawn ("Page 1 of 3" needs it up front).

#include <cstddef>
#include <vector>

namespace invoicehub::pdf {

struct PageRows {
  size_t begin = 0;  // first block on the page
  size_t end = 0;    // one past the last
  bool operator==(const PageRows&) const = default;
};

// Splits blocks of the given heights (points) into pages, in order, never
// splitting a block. Page 1 offers `first_page_space` points, every later page
// `next_page_space` (assumed at least as much: later pages repeat only a
// short header). A block that does not fit in what is left starts a new page;
// a block taller than a whole page gets a page of its own, and the caller
// must cut it to fit. Always returns at least one page, so an empty list
// still gives the caller a first page for its header.
std::vector<PageRows> PlanPages(const std::vector<double>& block_heights, double first_page_space,
                                double next_page_space);

}  // namespace invoicehub::pdf
