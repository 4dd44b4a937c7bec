// Postal addresses: sizes, control characters and the region code, each
// reported under the address's own path.

#include "server/domain/address.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/unit/test_util.h"

namespace invoicehub::domain {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

PostalAddress Zurich() {
  PostalAddress address;
  address.address_lines = {"Bahnhofstrasse 1", "c/o Ærø 株式会社"};
  address.locality = "Zürich";
  address.administrative_area = "ZH";
  address.postal_code = "8001";
  address.region_code = "CH";
  return address;
}

FieldErrors Validate(const PostalAddress& address) {
  FieldErrors errors;
  ValidateAddress(errors, "customer.billing_address", address);
  return errors;
}

TEST(ValidateAddressTest, ValidAddress) { EXPECT_THAT(Validate(Zurich()).violations(), IsEmpty()); }

TEST(ValidateAddressTest, EmptyAddressIsValid) {
  EXPECT_TRUE(PostalAddress{}.empty());
  EXPECT_FALSE(Zurich().empty());
  EXPECT_THAT(Validate(PostalAddress{}).violations(), IsEmpty());
}

TEST(ValidateAddressTest, AtMostFiveLines) {
  PostalAddress address = Zurich();
  address.address_lines = {"1", "2", "3", "4", "5"};
  EXPECT_THAT(Validate(address).violations(), IsEmpty());
  address.address_lines.push_back("6");
  EXPECT_THAT(test::FieldsOf(Validate(address)), ElementsAre("customer.billing_address.address_lines"));
}

TEST(ValidateAddressTest, EachLineIsRequiredAndBounded) {
  PostalAddress address = Zurich();
  address.address_lines = {"ok", "", std::string(201, 'x'), std::string(200, 'x'), "tab\there"};
  EXPECT_THAT(test::FieldsOf(Validate(address)),
              ElementsAre("customer.billing_address.address_lines[1]", "customer.billing_address.address_lines[2]",
                          "customer.billing_address.address_lines[4]"));
}

TEST(ValidateAddressTest, OptionalPartsAreBounded) {
  PostalAddress address = Zurich();
  address.locality = std::string(101, 'x');
  address.administrative_area = std::string(101, 'x');
  address.postal_code = std::string(21, '1');
  EXPECT_THAT(test::FieldsOf(Validate(address)),
              UnorderedElementsAre("customer.billing_address.locality",
                                   "customer.billing_address.administrative_area",
                                   "customer.billing_address.postal_code"));
  address.locality = std::string(100, 'x');
  address.administrative_area = std::string(100, 'x');
  address.postal_code = std::string(20, '1');
  EXPECT_THAT(Validate(address).violations(), IsEmpty());
}

TEST(ValidateAddressTest, UnicodeCountedInCharacters) {
  PostalAddress address = Zurich();
  std::string locality;
  for (int i = 0; i < 100; ++i) locality += "ü";  // 100 characters, 200 bytes
  address.locality = locality;
  EXPECT_THAT(Validate(address).violations(), IsEmpty());
  address.locality += "ü";
  EXPECT_THAT(test::FieldsOf(Validate(address)), ElementsAre("customer.billing_address.locality"));
}

TEST(ValidateAddressTest, ControlCharactersRejected) {
  PostalAddress address = Zurich();
  address.locality = "Zürich\n";
  address.postal_code = "80\x01" "01";
  EXPECT_THAT(test::FieldsOf(Validate(address)),
              ElementsAre("customer.billing_address.locality", "customer.billing_address.postal_code"));
}

TEST(ValidateAddressTest, RegionCodeIsIsoAlpha2) {
  for (const char* good : {"CH", "DE", "JP", ""}) {
    PostalAddress address = Zurich();
    address.region_code = good;
    EXPECT_THAT(Validate(address).violations(), IsEmpty()) << good;
  }
  for (const char* bad : {"ch", "Ch", "CHE", "C", "C1", "C ", "ÄÖ"}) {
    PostalAddress address = Zurich();
    address.region_code = bad;
    EXPECT_THAT(test::FieldsOf(Validate(address)), ElementsAre("customer.billing_address.region_code")) << bad;
  }
}

}  // namespace
}  // namespace invoicehub::domain
