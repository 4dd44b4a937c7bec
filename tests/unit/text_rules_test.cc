// CheckText: free-text fields are measured in characters, must not contain
// control characters (they break PDFs, CSV exports and log lines), and may be
// required.

#include "server/domain/text_rules.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/unit/test_util.h"

namespace invoicehub::domain {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

// "Zürich Ærø 株式会社": 15 characters, 26 bytes of UTF-8.
constexpr char kUnicodeName[] = "Zürich Ærø 株式会社";

FieldErrors Check(const std::string& value, size_t max_chars, Presence presence = Presence::kRequired) {
  FieldErrors errors;
  CheckText(errors, "customer.display_name", value, max_chars, presence);
  return errors;
}

TEST(CheckTextTest, AcceptsPlainText) {
  EXPECT_THAT(Check("ACME AG", 200).violations(), IsEmpty());
  EXPECT_THAT(Check("O'Brien & Söhne (Zürich) — \"Ltd.\"", 200).violations(), IsEmpty());
}

TEST(CheckTextTest, RequiredMissing) {
  EXPECT_THAT(Check("", 200).violations(),
              ElementsAre(FieldViolation{"customer.display_name", "is required"}));
  EXPECT_THAT(test::FieldsOf(Check("   ", 200)), ElementsAre("customer.display_name"));
}

TEST(CheckTextTest, OptionalMissingIsFine) {
  EXPECT_THAT(Check("", 200, Presence::kOptional).violations(), IsEmpty());
  EXPECT_THAT(Check("   ", 200, Presence::kOptional).violations(), IsEmpty());
}

TEST(CheckTextTest, UnicodeIsCountedInCharactersNotBytes) {
  ASSERT_EQ(std::string(kUnicodeName).size(), 26u);
  EXPECT_THAT(Check(kUnicodeName, 15).violations(), IsEmpty());
  EXPECT_THAT(test::FieldsOf(Check(kUnicodeName, 14)), ElementsAre("customer.display_name"));
  // Four-byte characters count once each.
  EXPECT_THAT(Check("😀😀😀", 3).violations(), IsEmpty());
  EXPECT_THAT(test::FieldsOf(Check("😀😀😀😀", 3)), ElementsAre("customer.display_name"));
}

TEST(CheckTextTest, LengthLimitIsInclusive) {
  EXPECT_THAT(Check(std::string(200, 'a'), 200).violations(), IsEmpty());
  EXPECT_THAT(Check(std::string(201, 'a'), 200).violations(),
              ElementsAre(FieldViolation{"customer.display_name", "must be at most 200 characters"}));
}

TEST(CheckTextTest, RejectsControlCharacters) {
  for (const std::string& value :
       {std::string("ACME\tAG"), std::string("ACME\nAG"), std::string("ACME\rAG"), std::string("ACME\x01"),
        std::string("ACME\x1b[31m"), std::string("ACME\x7f"), std::string("ACME\0AG", 7)}) {
    for (Presence presence : {Presence::kRequired, Presence::kOptional}) {
      EXPECT_THAT(Check(value, 200, presence).violations(),
                  ElementsAre(FieldViolation{"customer.display_name", "must not contain control characters"}))
          << testing::PrintToString(value);
    }
  }
}

TEST(CheckTextTest, ControlCharacterReportedOnceEvenWhenAlsoTooLong) {
  FieldErrors errors = Check(std::string(300, 'a') + "\n" + std::string(300, 'b'), 200);
  EXPECT_THAT(test::FieldsOf(errors), ElementsAre("customer.display_name"));
}

// DOMAIN BUG (server/domain/text_rules.cc:11): an OPTIONAL value made only of
// ASCII whitespace control characters ("\t", "\n", "\r\n", "\v", "\f") is
// treated as absent and returns before the control-character check, so it is
// accepted and stored as is (e.g. po_number = "\r\n" ends up in CSV exports).
// A required one gets "is required", which at least refuses it.
TEST(CheckTextTest, OptionalWhitespaceControlCharactersAreRejected) {
  for (const char* value : {"\t", "\n", "\r\n", " \t ", "\v", "\f"}) {
    EXPECT_THAT(test::FieldsOf(Check(value, 200, Presence::kOptional)), ElementsAre("customer.display_name"))
        << testing::PrintToString(std::string(value));
  }
}

TEST(CheckTextTest, RequiredWhitespaceControlCharactersAreRejected) {
  for (const char* value : {"\t", "\n", "\r\n"}) {
    EXPECT_THAT(test::FieldsOf(Check(value, 200, Presence::kRequired)), ElementsAre("customer.display_name"))
        << testing::PrintToString(std::string(value));
  }
}

// DOMAIN BUG (server/domain/text_rules.cc:16): only C0 controls and DEL are
// refused; the C1 control characters U+0080..U+009F (UTF-8 C2 80..C2 9F), e.g.
// U+0085 NEXT LINE, which log and CSV readers treat as a line break, pass.
TEST(CheckTextTest, RejectsC1ControlCharacters) {
  for (const char* value : {"ACME\xC2\x85" "AG", "ACME\xC2\x80", "ACME\xC2\x9F"}) {
    EXPECT_THAT(Check(value, 200).violations(),
                ElementsAre(FieldViolation{"customer.display_name", "must not contain control characters"}))
        << testing::PrintToString(std::string(value));
  }
}

}  // namespace
}  // namespace invoicehub::domain
