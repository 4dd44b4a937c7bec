// SecretBox (BP-6): bill-pay secrets are stored sealed with the server's
// master key, and a sealed value opens only with that key and under the
// context (company and field) it was sealed for. No database needed; it lives
// here because integration_tests links server/app.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "server/app/secret_box.h"

namespace invoicehub::integration {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// 32 bytes, as 64 hex characters.
constexpr char kHexKey[] = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
constexpr char kOtherHexKey[] = "f0e1d2c3b4a5968778695a4b3c2d1e0ff0e1d2c3b4a5968778695a4b3c2d1e0f";
constexpr char kSecret[] = "sk_live_0123456789abcdefXYZ";
constexpr char kContext[] = "company 42 api_key";

app::SecretBox Box(const std::string& key = kHexKey) {
  absl::StatusOr<app::SecretBox> box = app::SecretBox::FromMasterKey(key);
  EXPECT_TRUE(box.ok()) << box.status();
  return *std::move(box);
}

TEST(SecretBox, SealThenOpenGivesThePlaintextBack) {  // BP-6
  const app::SecretBox box = Box();
  const std::string sealed = box.Seal(kSecret, kContext);
  // nonce (12) || ciphertext || tag (16): nothing is left in the clear.
  EXPECT_EQ(sealed.size(), 12 + std::string(kSecret).size() + 16);
  EXPECT_THAT(sealed, Not(HasSubstr(kSecret)));
  absl::StatusOr<std::string> opened = box.Open(sealed, kContext);
  ASSERT_TRUE(opened.ok()) << opened.status();
  EXPECT_EQ(*opened, kSecret);
}

TEST(SecretBox, EmptyAndBinaryPlaintextsRoundTrip) {
  const app::SecretBox box = Box();
  const std::string binary("\0\xff\x01 secret\n", 11);
  for (const std::string& plaintext : {std::string(), binary}) {
    absl::StatusOr<std::string> opened = box.Open(box.Seal(plaintext, kContext), kContext);
    ASSERT_TRUE(opened.ok()) << opened.status();
    EXPECT_EQ(*opened, plaintext);
  }
}

// BP-6: a sealed key copied to another company's row, or to another field,
// does not open there.
TEST(SecretBox, AnotherContextDoesNotOpen) {  // BP-6
  const app::SecretBox box = Box();
  const std::string sealed = box.Seal(kSecret, kContext);
  for (const char* other : {"company 43 api_key", "company 42 webhook_secret", "company 42 api_ke", ""}) {
    absl::StatusOr<std::string> opened = box.Open(sealed, other);
    EXPECT_EQ(opened.status().code(), absl::StatusCode::kFailedPrecondition) << other;
  }
}

TEST(SecretBox, AnotherMasterKeyDoesNotOpen) {
  const std::string sealed = Box().Seal(kSecret, kContext);
  absl::StatusOr<std::string> opened = Box(kOtherHexKey).Open(sealed, kContext);
  EXPECT_EQ(opened.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(opened.status().message()), Not(HasSubstr(kSecret)));
}

TEST(SecretBox, AnyTamperedByteIsRefused) {
  const app::SecretBox box = Box();
  const std::string sealed = box.Seal(kSecret, kContext);
  // Nonce, ciphertext and tag alike: GCM authenticates every byte.
  for (size_t i = 0; i < sealed.size(); ++i) {
    std::string tampered = sealed;
    tampered[i] = static_cast<char>(tampered[i] ^ 0x01);
    EXPECT_EQ(box.Open(tampered, kContext).status().code(), absl::StatusCode::kFailedPrecondition) << "byte " << i;
  }
  // Cut short, or too short to hold a nonce and a tag.
  EXPECT_FALSE(box.Open(sealed.substr(0, sealed.size() - 1), kContext).ok());
  EXPECT_FALSE(box.Open(sealed.substr(0, 27), kContext).ok());
  EXPECT_FALSE(box.Open("", kContext).ok());
}

// A repeated nonce under one key would break GCM; each seal draws a new one.
TEST(SecretBox, EachSealUsesAFreshNonce) {
  const app::SecretBox box = Box();
  const std::string first = box.Seal(kSecret, kContext);
  const std::string second = box.Seal(kSecret, kContext);
  EXPECT_NE(first.substr(0, 12), second.substr(0, 12));
  EXPECT_NE(first, second);
  EXPECT_TRUE(box.Open(first, kContext).ok());
  EXPECT_TRUE(box.Open(second, kContext).ok());
}

// The same 32 bytes written as hex, base64 or base64url make the same key:
// what one seals, the others open.
TEST(SecretBox, HexAndBase64MasterKeysAreTheSameKey) {
  const std::string bytes = absl::HexStringToBytes(kHexKey);
  const std::string base64 = absl::Base64Escape(bytes);  // with '=' padding
  std::string web_safe;
  absl::WebSafeBase64Escape(bytes, &web_safe);  // no padding
  ASSERT_NE(base64, web_safe);
  const std::string sealed = Box().Seal(kSecret, kContext);
  for (const std::string& key : {base64, web_safe, std::string(kHexKey) + "\n", absl::AsciiStrToUpper(kHexKey)}) {
    absl::StatusOr<app::SecretBox> box = app::SecretBox::FromMasterKey(key);
    ASSERT_TRUE(box.ok()) << box.status();
    absl::StatusOr<std::string> opened = box->Open(sealed, kContext);
    ASSERT_TRUE(opened.ok()) << key << ": " << opened.status();
    EXPECT_EQ(*opened, kSecret);
  }
}

TEST(SecretBox, KeysOfTheWrongLengthAreRefusedWithoutBeingRepeated) {
  const std::string hex_31 = std::string(kHexKey).substr(0, 62);
  const std::string hex_33 = std::string(kHexKey) + "20";
  const std::string base64_31 = absl::Base64Escape(absl::HexStringToBytes(hex_31));
  const std::string base64_33 = absl::Base64Escape(absl::HexStringToBytes(hex_33));
  const std::string not_a_key = "correct horse battery staple, not a key";
  for (const std::string& key : {hex_31, hex_33, base64_31, base64_33, not_a_key, std::string()}) {
    absl::StatusOr<app::SecretBox> box = app::SecretBox::FromMasterKey(key);
    ASSERT_EQ(box.status().code(), absl::StatusCode::kInvalidArgument) << key;
    const std::string message(box.status().message());
    EXPECT_THAT(message, HasSubstr("32 bytes"));
    if (!key.empty()) {
      EXPECT_THAT(message, Not(HasSubstr(key)));
      EXPECT_THAT(message, Not(HasSubstr(key.substr(0, 8))));  // not even a piece of it
    }
  }
}

}  // namespace
}  // namespace invoicehub::integration
