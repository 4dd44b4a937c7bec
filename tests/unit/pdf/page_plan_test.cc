// Page breaks of the invoice table: blocks stay whole, in order, and page 1
// (with its tall header) offers less room than later pages.

#include "integrations/pdf/page_plan.h"

#include <ostream>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace invoicehub::pdf {

void PrintTo(const PageRows& p, std::ostream* os) { *os << "[" << p.begin << ", " << p.end << ")"; }

namespace {

using ::testing::ElementsAre;

TEST(PlanPagesTest, PutsEverythingOnOnePageWhenItFits) {
  EXPECT_THAT(PlanPages({10, 10, 30}, 50, 100), ElementsAre(PageRows{0, 3}));
}

TEST(PlanPagesTest, EmptyListStillGivesOnePageForTheHeader) {
  EXPECT_THAT(PlanPages({}, 50, 100), ElementsAre(PageRows{0, 0}));
}

TEST(PlanPagesTest, MovesTheBlockThatDoesNotFitToTheNextPageWhole) {
  EXPECT_THAT(PlanPages({20, 20, 20, 60, 60}, 50, 100),
              ElementsAre(PageRows{0, 2}, PageRows{2, 4}, PageRows{4, 5}));
}

TEST(PlanPagesTest, LaterPagesOfferTheirOwnSpace) {
  std::vector<double> heights(10, 25);  // page 1 holds 2, later pages 4
  EXPECT_THAT(PlanPages(heights, 50, 100),
              ElementsAre(PageRows{0, 2}, PageRows{2, 6}, PageRows{6, 10}));
}

TEST(PlanPagesTest, ABlockTooTallForPageOneStartsOnPageTwo) {
  EXPECT_THAT(PlanPages({80, 10}, 50, 100), ElementsAre(PageRows{0, 0}, PageRows{0, 2}));
}

TEST(PlanPagesTest, ABlockTallerThanAnyPageGetsAPageOfItsOwn) {
  EXPECT_THAT(PlanPages({10, 150, 10}, 50, 100),
              ElementsAre(PageRows{0, 1}, PageRows{1, 2}, PageRows{2, 3}));
}

}  // namespace
}  // namespace invoicehub::pdf
