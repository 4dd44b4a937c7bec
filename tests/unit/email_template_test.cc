// Invoice email templates: a subject and a body with `{{name}}` placeholders.
// A template is checked when it is saved (unknown, empty and unclosed
// placeholders, length in bytes, UTF-8, control characters); rendering fills
// the known placeholders verbatim and never fails. BP-4: `{{pay_now_url}}`.

#include "server/domain/email_template.h"

#include <map>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/unit/test_util.h"

namespace invoicehub::domain {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

constexpr char kSubject[] = "email_template.subject";
constexpr char kBody[] = "email_template.body";

constexpr char kKnownList[] =
    "{{invoice_number}}, {{customer_name}}, {{company_name}}, {{amount_due}}, {{total}}, "
    "{{currency_code}}, {{issue_date}}, {{due_date}}, {{po_number}}, {{pay_now_url}}";

// "Zürich Ærø 株式会社": 15 characters, 26 bytes of UTF-8.
constexpr char kUnicodeName[] = "Zürich Ærø 株式会社";

FieldErrors Subject(const std::string& text) {
  FieldErrors errors;
  ValidateEmailTemplate(errors, kSubject, text, kMaxEmailSubjectBytes, /*multi_line=*/false);
  return errors;
}

FieldErrors Body(const std::string& text) {
  FieldErrors errors;
  ValidateEmailTemplate(errors, kBody, text, kMaxEmailBodyBytes, /*multi_line=*/true);
  return errors;
}

FieldViolation Unknown(const std::string& field, const std::string& shown) {
  return {field, "unknown placeholder {{" + shown + "}}; known placeholders: " + kKnownList};
}

std::map<std::string, std::string> InvoiceValues() {
  return {
      {"invoice_number", "INV-000042"},
      {"customer_name", "Globex Corp."},
      {"company_name", "ACME AG"},
      {"amount_due", "1234.50"},
      {"total", "1500.00"},
      {"currency_code", "CHF"},
      {"issue_date", "2025-03-01"},
      {"due_date", "2025-03-31"},
      {"po_number", "PO-7"},
      {"pay_now_url", "https://pay.example.com/p/abc123"},
  };
}

// ---- the known placeholders and the defaults ----

TEST(EmailTemplateTest, KnownPlaceholders) {
  EXPECT_EQ(kEmailPlaceholders.size(), 10u);
  for (absl::string_view name : kEmailPlaceholders) EXPECT_TRUE(IsKnownEmailPlaceholder(name)) << name;
  EXPECT_FALSE(IsKnownEmailPlaceholder("amount"));
  EXPECT_FALSE(IsKnownEmailPlaceholder(""));
  EXPECT_FALSE(IsKnownEmailPlaceholder("Due_Date"));      // names are case-sensitive
  EXPECT_FALSE(IsKnownEmailPlaceholder("{{due_date}}"));  // the name, without braces
}

// BP-4
TEST(EmailTemplateTest, PayNowUrlIsAKnownPlaceholder) {
  EXPECT_TRUE(IsKnownEmailPlaceholder("pay_now_url"));
  EXPECT_THAT(Body("Pay online: {{pay_now_url}}").violations(), IsEmpty());
  EXPECT_THAT(Subject("Pay {{ pay_now_url }}").violations(), IsEmpty());
}

// BP-4: the default body carries the Pay Now URL.
TEST(EmailTemplateTest, DefaultsValidateCleanly) {
  EXPECT_THAT(Subject(kDefaultEmailSubject).violations(), IsEmpty());
  EXPECT_THAT(Body(kDefaultEmailBody).violations(), IsEmpty());
  EXPECT_EQ(std::string(kDefaultEmailSubject), "Invoice {{invoice_number}} from {{company_name}}");
  EXPECT_THAT(kDefaultEmailBody, HasSubstr("Pay online: {{pay_now_url}}\n"));
  EXPECT_THAT(kDefaultEmailBody, HasSubstr("{{amount_due}}"));
  EXPECT_THAT(kDefaultEmailBody, HasSubstr("{{due_date}}"));
  EXPECT_EQ(DefaultEmailBody(true), kDefaultEmailBody);
  EXPECT_THAT(DefaultEmailBody(false), Not(HasSubstr("pay_now_url")));
  EXPECT_THAT(DefaultEmailBody(false), HasSubstr("{{amount_due}}"));
}

TEST(EmailTemplateTest, Limits) {
  EXPECT_EQ(kMaxEmailSubjectBytes, 200u);
  EXPECT_EQ(kMaxEmailBodyBytes, 10'000u);
}

// ---- validation: what is accepted ----

TEST(EmailTemplateTest, AcceptsEveryKnownPlaceholder) {
  std::string all;
  for (absl::string_view name : kEmailPlaceholders) all += "{{" + std::string(name) + "}} ";
  EXPECT_THAT(Subject(all).violations(), IsEmpty());
  EXPECT_THAT(Body(all).violations(), IsEmpty());
}

TEST(EmailTemplateTest, AcceptsPlainTextAndEmptyText) {
  EXPECT_THAT(Subject("Your invoice").violations(), IsEmpty());
  EXPECT_THAT(Subject(kUnicodeName).violations(), IsEmpty());
  EXPECT_THAT(Body("Grüße aus Zürich 😀").violations(), IsEmpty());
  // Whether a template is required is the caller's rule, not this one's.
  EXPECT_THAT(Subject("").violations(), IsEmpty());
  EXPECT_THAT(Body("").violations(), IsEmpty());
}

TEST(EmailTemplateTest, SpacesInsideBracesAreAllowed) {
  for (const char* text : {"{{ due_date }}", "{{due_date }}", "{{   due_date}}", "Due {{ due_date }}."}) {
    EXPECT_THAT(Subject(text).violations(), IsEmpty()) << text;
    EXPECT_THAT(Body(text).violations(), IsEmpty()) << text;
  }
  // In a body, where tabs and line breaks are allowed, they count as spaces.
  EXPECT_THAT(Body("{{\tdue_date\t}}").violations(), IsEmpty());
  EXPECT_THAT(Body("{{\n  pay_now_url\r\n}}").violations(), IsEmpty());
}

TEST(EmailTemplateTest, LoneBracesArePlainText) {
  for (const char* text : {"{", "}", "a { b } c", "{due_date}", "{ {due_date} }", "set {x} = {y}", "}}",
                           "closing }} first", "{{due_date}}}", "x }{ y"}) {
    EXPECT_THAT(Subject(text).violations(), IsEmpty()) << text;
    EXPECT_THAT(Body(text).violations(), IsEmpty()) << text;
  }
}

// ---- validation: each problem gives one violation naming the field ----

TEST(EmailTemplateTest, LengthIsInBytesAndInclusive) {
  EXPECT_THAT(Subject(std::string(200, 'a')).violations(), IsEmpty());
  EXPECT_THAT(Subject(std::string(201, 'a')).violations(),
              ElementsAre(FieldViolation{kSubject, "must be at most 200 bytes of UTF-8 (it has 201)"}));
  EXPECT_THAT(Body(std::string(10'000, 'a')).violations(), IsEmpty());
  EXPECT_THAT(Body(std::string(10'001, 'a')).violations(),
              ElementsAre(FieldViolation{kBody, "must be at most 10000 bytes of UTF-8 (it has 10001)"}));
  // "ä" is two bytes.
  std::string umlauts;
  for (int i = 0; i < 100; ++i) umlauts += "ä";
  EXPECT_THAT(Subject(umlauts).violations(), IsEmpty());
  EXPECT_THAT(test::FieldsOf(Subject(umlauts + "ä")), ElementsAre(kSubject));
}

TEST(EmailTemplateTest, TooLongIsReportedAloneWhateverElseIsWrong) {
  std::string text = std::string(250, 'a') + "{{amount}} {{}} \x01 {{due_date";
  EXPECT_THAT(Subject(text).violations(),
              ElementsAre(FieldViolation{kSubject, "must be at most 200 bytes of UTF-8 (it has 278)"}));
}

TEST(EmailTemplateTest, RejectsInvalidUtf8) {
  for (const std::string& text : {
           std::string("ACME \xff"),              // never a UTF-8 byte
           std::string("\x80 ACME"),              // continuation byte without a lead
           std::string("ACME \xc3"),              // truncated two-byte sequence
           std::string("ACME \xe6\xa0"),          // truncated three-byte sequence
           std::string("\xc3(x"),                 // lead followed by ASCII
           std::string("\xc0\xaf"),               // overlong "/"
           std::string("\xe0\x80\xaf"),           // overlong "/"
           std::string("\xed\xa0\x80"),           // surrogate U+D800
           std::string("\xf4\x90\x80\x80"),       // above U+10FFFF
           std::string("{{\xff}}"),               // inside a placeholder: not quoted back
       }) {
    EXPECT_THAT(Subject(text).violations(), ElementsAre(FieldViolation{kSubject, "must be valid UTF-8"}))
        << testing::PrintToString(text);
    EXPECT_THAT(Body(text).violations(), ElementsAre(FieldViolation{kBody, "must be valid UTF-8"}))
        << testing::PrintToString(text);
  }
  // The largest code point and four-byte characters are fine.
  EXPECT_THAT(Subject("\xf4\x8f\xbf\xbf 😀").violations(), IsEmpty());
}

TEST(EmailTemplateTest, SubjectIsOneLineWithoutControlCharacters) {
  for (const std::string& text :
       {std::string("Invoice\n{{invoice_number}}"), std::string("Invoice\r\n"), std::string("Invoice\r"),
        std::string("Invoice\t{{invoice_number}}"), std::string("\x01"), std::string("ACME\x1b[31m"),
        std::string("ACME\x7f"), std::string("ACME\xc2\x85" "AG"), std::string("ACME\0AG", 7),
        std::string("a\nb\nc\td")}) {
    EXPECT_THAT(Subject(text).violations(),
                ElementsAre(FieldViolation{kSubject, "must be a single line without tabs or other control characters"}))
        << testing::PrintToString(text);
  }
}

TEST(EmailTemplateTest, BodyAcceptsLineBreaksAndTabs) {
  for (const char* text : {"Hello,\n\nthanks.\n", "Hello,\r\n\r\nthanks.\r\n", "\tindented", "a\n\tb\r\n\tc",
                           "\n", "\r\n", "mixed\nendings\r\n"}) {
    EXPECT_THAT(Body(text).violations(), IsEmpty()) << testing::PrintToString(std::string(text));
  }
}

TEST(EmailTemplateTest, BodyRejectsOtherControlCharacters) {
  for (const std::string& text :
       {std::string("a\rb"), std::string("ends with CR\r"), std::string("\r\r\n"), std::string("\x01"),
        std::string("ACME\x1b[31m"), std::string("ACME\x7f"), std::string("next\xc2\x85line"),
        std::string("\v"), std::string("\f"), std::string("ACME\0AG", 7)}) {
    EXPECT_THAT(Body(text).violations(),
                ElementsAre(FieldViolation{
                    kBody, "must not contain control characters other than line breaks (\\n or \\r\\n) and tabs"}))
        << testing::PrintToString(text);
  }
}

TEST(EmailTemplateTest, RejectsUnclosedPlaceholder) {
  EXPECT_THAT(Subject("Invoice {{invoice_number").violations(),
              ElementsAre(FieldViolation{kSubject, "unclosed placeholder: \"{{invoice_number\" has no closing }}"}));
  EXPECT_THAT(Subject("{{").violations(),
              ElementsAre(FieldViolation{kSubject, "unclosed placeholder: \"{{\" has no closing }}"}));
  EXPECT_THAT(Subject("{{due_date} }").violations(),
              ElementsAre(FieldViolation{kSubject, "unclosed placeholder: \"{{due_date} }\" has no closing }}"}));
  // Earlier, closed placeholders are fine; the message quotes the line of the
  // unclosed one only.
  EXPECT_THAT(Body("Hello {{customer_name}},\nDue {{ due_date\r\nThanks\n").violations(),
              ElementsAre(FieldViolation{kBody, "unclosed placeholder: \"{{ due_date\" has no closing }}"}));
}

TEST(EmailTemplateTest, RejectsEmptyPlaceholderOnce) {
  for (const char* text : {"{{}}", "Due {{ }}", "{{}} and {{  }} and {{}}"}) {
    EXPECT_THAT(Subject(text).violations(),
                ElementsAre(FieldViolation{kSubject, std::string("empty placeholder {{}}; known placeholders: ") +
                                                         kKnownList}))
        << text;
  }
  EXPECT_THAT(test::FieldsOf(Body("{{\n}}")), ElementsAre(kBody));
}

TEST(EmailTemplateTest, RejectsUnknownPlaceholderNamingItAndTheKnownOnes) {
  EXPECT_THAT(Subject("Pay {{amount}}").violations(), ElementsAre(Unknown(kSubject, "amount")));
  EXPECT_THAT(Body("Pay {{ amount }} now").violations(), ElementsAre(Unknown(kBody, "amount")));
  EXPECT_EQ(test::DescriptionOf(Subject("{{amount}}"), kSubject),
            "unknown placeholder {{amount}}; known placeholders: {{invoice_number}}, {{customer_name}}, "
            "{{company_name}}, {{amount_due}}, {{total}}, {{currency_code}}, {{issue_date}}, {{due_date}}, "
            "{{po_number}}, {{pay_now_url}}");
}

TEST(EmailTemplateTest, ReportsEveryUnknownPlaceholderOnceInOrder) {
  EXPECT_THAT(
      Body("{{amount}} {{client}} {{invoice_number}} {{ amount }}\n{{Due_Date}} {{amount}} {{client}}").violations(),
      ElementsAre(Unknown(kBody, "amount"), Unknown(kBody, "client"), Unknown(kBody, "Due_Date")));
}

TEST(EmailTemplateTest, PlaceholderEndsAtTheFirstClosingBraces) {
  // Handlebars' triple braces are not part of the language.
  EXPECT_THAT(Subject("{{{pay_now_url}}}").violations(), ElementsAre(Unknown(kSubject, "{pay_now_url")));
  // A stray "{{" swallows up to the next "}}".
  EXPECT_THAT(Subject("a {{ b {{due_date}}").violations(), ElementsAre(Unknown(kSubject, "b {{due_date")));
}

TEST(EmailTemplateTest, QuotedNamesAreShortAndPrintable) {
  std::string long_name(100, 'x');
  FieldErrors errors = Subject("{{" + long_name + "}}");
  EXPECT_THAT(errors.violations(), ElementsAre(Unknown(kSubject, std::string(40, 'x') + "...")));
  // Cut on a character boundary: 39 "a" then a two-byte "ä" across byte 40.
  EXPECT_THAT(Subject("{{" + std::string(39, 'a') + "äää}}").violations(),
              ElementsAre(Unknown(kSubject, std::string(39, 'a') + "...")));
  // A control character in a name is reported, and not echoed back.
  EXPECT_THAT(Body("{{due\x01" "date}}").violations(),
              ElementsAre(FieldViolation{kBody, "must not contain control characters other than line breaks "
                                                "(\\n or \\r\\n) and tabs"},
                          Unknown(kBody, "due?date")));
  EXPECT_THAT(Body("{{due\ndate}}").violations(), ElementsAre(Unknown(kBody, "due?date")));
  EXPECT_THAT(Subject("{{due\xc2\x85" "date}}").violations(),
              ElementsAre(FieldViolation{kSubject, "must be a single line without tabs or other control characters"},
                          Unknown(kSubject, "due?date")));
}

TEST(EmailTemplateTest, ReportsEveryKindOfProblemAtOnce) {
  FieldErrors errors = Subject("Invoice\t{{amount}} {{}} {{total}} {{client}} {{due_date");
  EXPECT_THAT(test::FieldsOf(errors), ElementsAre(kSubject, kSubject, kSubject, kSubject, kSubject));
  EXPECT_THAT(errors.violations(),
              ElementsAre(FieldViolation{kSubject, "must be a single line without tabs or other control characters"},
                          Unknown(kSubject, "amount"),
                          FieldViolation{kSubject, std::string("empty placeholder {{}}; known placeholders: ") +
                                                       kKnownList},
                          Unknown(kSubject, "client"),
                          FieldViolation{kSubject, "unclosed placeholder: \"{{due_date\" has no closing }}"}));
}

TEST(EmailTemplateTest, AddsToExistingErrors) {
  FieldErrors errors;
  errors.Add("company.display_name", "is required");
  ValidateEmailTemplate(errors, "company.email_subject", "{{amount}}", kMaxEmailSubjectBytes, false);
  EXPECT_THAT(test::FieldsOf(errors), ElementsAre("company.display_name", "company.email_subject"));
}

// ---- rendering ----

TEST(EmailTemplateTest, RendersEveryPlaceholder) {
  std::string text;
  for (absl::string_view name : kEmailPlaceholders) text += std::string(name) + "={{ " + std::string(name) + " }};";
  EXPECT_EQ(RenderEmailTemplate(text, InvoiceValues()),
            "invoice_number=INV-000042;customer_name=Globex Corp.;company_name=ACME AG;amount_due=1234.50;"
            "total=1500.00;currency_code=CHF;issue_date=2025-03-01;due_date=2025-03-31;po_number=PO-7;"
            "pay_now_url=https://pay.example.com/p/abc123;");
}

// BP-4
TEST(EmailTemplateTest, RendersPayNowUrl) {
  EXPECT_EQ(RenderEmailTemplate("Pay online: {{pay_now_url}}\n", InvoiceValues()),
            "Pay online: https://pay.example.com/p/abc123\n");
}

// BP-4: the defaults, rendered, name the invoice and carry the Pay Now URL.
TEST(EmailTemplateTest, RendersDefaults) {
  EXPECT_EQ(RenderEmailTemplate(kDefaultEmailSubject, InvoiceValues()), "Invoice INV-000042 from ACME AG");
  std::string body = RenderEmailTemplate(kDefaultEmailBody, InvoiceValues());
  EXPECT_THAT(body, HasSubstr("Hello Globex Corp.,\n"));
  EXPECT_THAT(body, HasSubstr("Amount due: CHF 1234.50\n"));
  EXPECT_THAT(body, HasSubstr("Due date: 2025-03-31\n"));
  EXPECT_THAT(body, HasSubstr("Pay online: https://pay.example.com/p/abc123\n"));
  EXPECT_THAT(body, Not(HasSubstr("{{")));
  EXPECT_THAT(body, Not(HasSubstr("}}")));
}

TEST(EmailTemplateTest, RendersRepeatedPlaceholderEveryTime) {
  EXPECT_EQ(RenderEmailTemplate("{{company_name}} / {{ company_name }} / {{company_name}}", InvoiceValues()),
            "ACME AG / ACME AG / ACME AG");
}

TEST(EmailTemplateTest, MissingValueRendersEmpty) {
  EXPECT_EQ(RenderEmailTemplate("PO: {{po_number}}.", {}), "PO: .");
  EXPECT_EQ(RenderEmailTemplate("Pay online: {{pay_now_url}}", {{"po_number", "PO-7"}}), "Pay online: ");
}

// BP-4: a customer cannot smuggle in another invoice's Pay Now URL (or any
// placeholder) through a value.
TEST(EmailTemplateTest, ValuesAreNotExpandedAgain) {
  std::map<std::string, std::string> values = InvoiceValues();
  values["customer_name"] = "{{pay_now_url}}";
  EXPECT_EQ(RenderEmailTemplate("Hello {{customer_name}}, pay at {{pay_now_url}}", values),
            "Hello {{pay_now_url}}, pay at https://pay.example.com/p/abc123");
  // Nor does a value combine with the text after it into a placeholder.
  values["customer_name"] = "{{";
  values["po_number"] = "}}";
  EXPECT_EQ(RenderEmailTemplate("{{customer_name}}due_date{{po_number}}", values), "{{due_date}}");
}

TEST(EmailTemplateTest, ValuesAreInsertedVerbatim) {
  std::map<std::string, std::string> values = InvoiceValues();
  values["customer_name"] = kUnicodeName;
  values["company_name"] = "O'Brien & Söhne <sales@example.com> \"Ltd.\" 100% \\n $1";
  EXPECT_EQ(RenderEmailTemplate("{{customer_name}} | {{company_name}}", values),
            "Zürich Ærø 株式会社 | O'Brien & Söhne <sales@example.com> \"Ltd.\" 100% \\n $1");
  EXPECT_EQ(RenderEmailTemplate("Grüße, {{ customer_name }}! 😀", values),
            "Grüße, Zürich Ærø 株式会社! 😀");
}

TEST(EmailTemplateTest, RenderLeavesPlainTextAndLoneBracesAlone) {
  const std::string text = "Hello {x} } { }} {due_date}\r\n\tbye";
  EXPECT_EQ(RenderEmailTemplate(text, InvoiceValues()), text);
  EXPECT_EQ(RenderEmailTemplate("", InvoiceValues()), "");
}

// Only for a text that skipped validation: nothing is lost or invented.
TEST(EmailTemplateTest, RenderCopiesUnknownEmptyAndUnclosedPlaceholders) {
  std::map<std::string, std::string> values = InvoiceValues();
  values["amount"] = "999";  // not a known placeholder: never used
  EXPECT_EQ(RenderEmailTemplate("{{amount}} {{ }} {{Due_Date}} {{{due_date}}}", values),
            "{{amount}} {{ }} {{Due_Date}} {{{due_date}}}");
  EXPECT_EQ(RenderEmailTemplate("{{total}} then {{ due_date", values), "1500.00 then {{ due_date");
  EXPECT_EQ(RenderEmailTemplate("{{", values), "{{");
}

}  // namespace
}  // namespace invoicehub::domain
