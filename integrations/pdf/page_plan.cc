#include "integrations/pdf/page_plan.h"

namespace invoicehub::pdf {

std::vector<PageRows> PlanPages(const std::vector<double>& block_heights, double first_page_space,
                                double next_page_space) {
  std::vector<PageRows> pages{PageRows{}};
  double space_left = first_page_space;
  for (size_t i = 0; i < block_heights.size(); ++i) {
    bool fits = block_heights[i] <= space_left;
    bool page_empty = pages.back().end == pages.back().begin;
    // An empty page 1 still moves on: it holds the tall header, and the next
    // page has more room. A later empty page is as good as any.
    if (!fits && (!page_empty || pages.size() == 1)) {
      pages.push_back(PageRows{i, i});
      space_left = next_page_space;
    }
    pages.back().end = i + 1;
    space_left -= block_heights[i];
  }
  return pages;
}

}  // namespace invoicehub::pdf
