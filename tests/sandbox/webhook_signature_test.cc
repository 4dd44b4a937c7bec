// The webhook signature of docs/billpay-contract.md ("Webhooks"), which the
// sandbox signs with and the server verifies with.

#include "integrations/billpay/webhook_signature.h"

#include <gtest/gtest.h>

#include <string>

namespace invoicehub::billpay {
namespace {

constexpr char kSecret[] = "whsec_test";
constexpr char kBody[] = R"({"id":"evt_1"})";
constexpr int64_t kNow = 1700000000;

// The v1 part of a header: what follows "v1=".
std::string V1Of(const std::string& header) { return header.substr(header.find("v1=") + 3); }

TEST(WebhookSignatureTest, SignsTimestampDotBodyWithHmacSha256) {
  // Computed apart from this code (Python's hmac module) over "1700000000." + body.
  EXPECT_EQ(SignWebhook(kSecret, kNow, kBody),
            "t=1700000000,v1=c89214b5b5da833daed6f0b8c5bb6bd58cea9022bd80ccc78230f3942d632925");
}

TEST(WebhookSignatureTest, AcceptsItsOwnSignature) {
  std::string header = SignWebhook(kSecret, kNow, kBody);
  EXPECT_EQ(VerifyWebhook(kSecret, header, kBody, kNow), SignatureCheck::kValid);
  // Spaces after the commas are tolerated.
  std::string spaced = "t=" + std::to_string(kNow) + ", v1=" + V1Of(header);
  EXPECT_EQ(VerifyWebhook(kSecret, spaced, kBody, kNow), SignatureCheck::kValid);
}

TEST(WebhookSignatureTest, RefusesATamperedBody) {
  std::string header = SignWebhook(kSecret, kNow, kBody);
  EXPECT_EQ(VerifyWebhook(kSecret, header, R"({"id":"evt_2"})", kNow), SignatureCheck::kMismatch);
  EXPECT_EQ(VerifyWebhook(kSecret, header, std::string(kBody) + " ", kNow), SignatureCheck::kMismatch);
}

TEST(WebhookSignatureTest, RefusesAnotherSecret) {
  std::string header = SignWebhook("whsec_other", kNow, kBody);
  EXPECT_EQ(VerifyWebhook(kSecret, header, kBody, kNow), SignatureCheck::kMismatch);
}

TEST(WebhookSignatureTest, RefusesATimestampThatWasNotSigned) {
  // A valid v1 moved under another t: the timestamp is part of what is signed.
  std::string header = SignWebhook(kSecret, kNow, kBody);
  std::string moved = "t=" + std::to_string(kNow + 1) + ",v1=" + V1Of(header);
  EXPECT_EQ(VerifyWebhook(kSecret, moved, kBody, kNow), SignatureCheck::kMismatch);
}

TEST(WebhookSignatureTest, RefusesStaleTimestampsInBothDirections) {
  std::string header = SignWebhook(kSecret, kNow, kBody);
  EXPECT_EQ(VerifyWebhook(kSecret, header, kBody, kNow + kSignatureToleranceSeconds), SignatureCheck::kValid);
  EXPECT_EQ(VerifyWebhook(kSecret, header, kBody, kNow - kSignatureToleranceSeconds), SignatureCheck::kValid);
  // Signed too long ago (a replayed delivery) ...
  EXPECT_EQ(VerifyWebhook(kSecret, header, kBody, kNow + kSignatureToleranceSeconds + 1), SignatureCheck::kStale);
  // ... or too far in the future.
  EXPECT_EQ(VerifyWebhook(kSecret, header, kBody, kNow - kSignatureToleranceSeconds - 1), SignatureCheck::kStale);
  EXPECT_EQ(VerifyWebhook(kSecret, header, kBody, kNow + 60, /*tolerance_seconds=*/30), SignatureCheck::kStale);
}

TEST(WebhookSignatureTest, AcceptsAnyMatchingV1EntryWhileASecretRotates) {
  std::string current = V1Of(SignWebhook(kSecret, kNow, kBody));
  std::string previous = V1Of(SignWebhook("whsec_previous", kNow, kBody));
  std::string t = "t=" + std::to_string(kNow);
  EXPECT_EQ(VerifyWebhook(kSecret, t + ",v1=" + previous + ",v1=" + current, kBody, kNow), SignatureCheck::kValid);
  EXPECT_EQ(VerifyWebhook(kSecret, t + ",v1=" + current + ",v1=" + previous, kBody, kNow), SignatureCheck::kValid);
  EXPECT_EQ(VerifyWebhook("whsec_previous", t + ",v1=" + current + ",v1=" + previous, kBody, kNow),
            SignatureCheck::kValid);
  EXPECT_EQ(VerifyWebhook("whsec_third", t + ",v1=" + current + ",v1=" + previous, kBody, kNow),
            SignatureCheck::kMismatch);
}

TEST(WebhookSignatureTest, SkipsSchemesItDoesNotKnow) {
  std::string current = V1Of(SignWebhook(kSecret, kNow, kBody));
  std::string header = "t=" + std::to_string(kNow) + ",v0=legacy,v1=" + current + ",v2=future";
  EXPECT_EQ(VerifyWebhook(kSecret, header, kBody, kNow), SignatureCheck::kValid);
}

TEST(WebhookSignatureTest, CallsMalformedHeadersMalformed) {
  std::string v1 = V1Of(SignWebhook(kSecret, kNow, kBody));
  std::string t = "t=" + std::to_string(kNow);
  const std::string kMalformed[] = {
      "",
      "garbage",
      t,                                               // no v1
      "v1=" + v1,                                      // no t
      "t=,v1=" + v1,                                   // empty t
      "t=17e8,v1=" + v1,                               // t not a number
      "t=-5,v1=" + v1,                                 // signed t
      "t=99999999999999999999999,v1=" + v1,            // t too large
      t + ",t=" + std::to_string(kNow) + ",v1=" + v1,  // two t
      t + ",v1=" + v1.substr(1),                       // 63 hex digits
      t + ",v1=" + v1 + "00",                          // 66 hex digits
      t + ",v1=" + std::string(64, 'z'),               // not hex
      t + ",v1",                                       // no '='
      t + ",v1=" + v1 + ",v1=nothex",                  // one good entry does not excuse a broken one
  };
  for (const std::string& header : kMalformed)
    EXPECT_EQ(VerifyWebhook(kSecret, header, kBody, kNow), SignatureCheck::kMalformed) << header;
}

TEST(WebhookSignatureTest, NamesEveryCheck) {
  EXPECT_STREQ(SignatureCheckName(SignatureCheck::kValid), "valid");
  EXPECT_STREQ(SignatureCheckName(SignatureCheck::kMalformed), "malformed");
  EXPECT_STREQ(SignatureCheckName(SignatureCheck::kMismatch), "mismatch");
  EXPECT_STREQ(SignatureCheckName(SignatureCheck::kStale), "stale");
}

}  // namespace
}  // namespace invoicehub::billpay
