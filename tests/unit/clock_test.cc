// The injected clock: "today" depends on the company's time zone.

#include "server/domain/clock.h"

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"

namespace invoicehub::domain {
namespace {

absl::TimeZone Zone(const char* name) {
  absl::TimeZone zone;
  EXPECT_TRUE(absl::LoadTimeZone(name, &zone)) << name;
  return zone;
}

TEST(FixedClockTest, ReturnsAndChangesTheTime) {
  const absl::Time t0 = absl::FromUnixSeconds(1'700'000'000);
  FixedClock clock(t0);
  EXPECT_EQ(clock.Now(), t0);
  EXPECT_EQ(clock.Now(), t0);  // does not advance by itself
  clock.Set(t0 + absl::Hours(1));
  EXPECT_EQ(clock.Now(), t0 + absl::Hours(1));
}

TEST(FixedClockTest, TodayDependsOnTheTimeZone) {
  // 2024-03-31 23:30 UTC is already 2024-04-01 01:30 in Zurich (CEST).
  const absl::Time t = absl::FromCivil(absl::CivilSecond(2024, 3, 31, 23, 30, 0), absl::UTCTimeZone());
  FixedClock clock(t);
  EXPECT_EQ(clock.Today(absl::UTCTimeZone()), absl::CivilDay(2024, 3, 31));
  EXPECT_EQ(clock.Today(Zone("Europe/Zurich")), absl::CivilDay(2024, 4, 1));
  EXPECT_EQ(clock.Today(Zone("America/New_York")), absl::CivilDay(2024, 3, 31));
}

TEST(SystemClockTest, IsNearNow) {
  SystemClock clock;
  const Clock& as_clock = clock;
  EXPECT_LT(absl::AbsDuration(as_clock.Now() - absl::Now()), absl::Minutes(1));
}

}  // namespace
}  // namespace invoicehub::domain
