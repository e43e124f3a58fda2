// The operator API's bearer token check and path id validation.
#include "watchdog/http/api_token.h"

#include <gtest/gtest.h>

#include "watchdog/http/operator_api.h"

namespace watchdog::core {
namespace {

constexpr const char* kToken = "0123456789abcdef-secret";

TEST(ApiToken, NoTokenConfiguredRefusesEverything) {
  ApiToken token;
  EXPECT_FALSE(token.configured());
  EXPECT_EQ(token.check(""), TokenVerdict::NotConfigured);
  EXPECT_EQ(token.check(std::string("Bearer ") + kToken), TokenVerdict::NotConfigured);
  token.set(std::string());  // an empty token is no token
  EXPECT_EQ(token.check("Bearer "), TokenVerdict::NotConfigured);
}

TEST(ApiToken, AcceptsOnlyTheExactTokenAfterTheBearerScheme) {
  ApiToken token;
  token.set(std::string(kToken));
  EXPECT_TRUE(token.configured());
  EXPECT_EQ(token.check(std::string("Bearer ") + kToken), TokenVerdict::Accepted);
  EXPECT_EQ(token.check(std::string("bearer ") + kToken), TokenVerdict::Accepted);
  EXPECT_EQ(token.check(std::string("Bearer ") + kToken + "x"), TokenVerdict::Wrong);
  EXPECT_EQ(token.check("Bearer 0123456789abcdef-secreT"), TokenVerdict::Wrong);
  EXPECT_EQ(token.check("Bearer 0123"), TokenVerdict::Wrong);  // a prefix is not the token
  EXPECT_EQ(token.check(std::string("Bearer  ") + kToken), TokenVerdict::Wrong);
}

TEST(ApiToken, AnythingButABearerHeaderCountsAsMissing) {
  ApiToken token;
  token.set(std::string(kToken));
  EXPECT_EQ(token.check(""), TokenVerdict::Missing);
  EXPECT_EQ(token.check("Bearer "), TokenVerdict::Missing);
  EXPECT_EQ(token.check(kToken), TokenVerdict::Missing);
  EXPECT_EQ(token.check(std::string("Basic ") + kToken), TokenVerdict::Missing);
}

TEST(ApiToken, ASwappedTokenReplacesTheOldOne) {
  ApiToken token;
  token.set(std::string(kToken));
  token.set(std::string("another-token-of-16+"));
  EXPECT_EQ(token.check(std::string("Bearer ") + kToken), TokenVerdict::Wrong);
  EXPECT_EQ(token.check("Bearer another-token-of-16+"), TokenVerdict::Accepted);
  token.set(std::nullopt);
  EXPECT_EQ(token.check("Bearer another-token-of-16+"), TokenVerdict::NotConfigured);
}

TEST(PathId, NamesAndIncidentIdsPassTraversalDoesNot) {
  EXPECT_TRUE(valid_path_id("api"));
  EXPECT_TRUE(valid_path_id("postgres-main_2.replica"));
  EXPECT_TRUE(valid_path_id("api-20261122T073500.123Z"));
  EXPECT_FALSE(valid_path_id(""));
  EXPECT_FALSE(valid_path_id(".."));
  EXPECT_FALSE(valid_path_id("../etc"));
  EXPECT_FALSE(valid_path_id("..%2Fetc"));
  EXPECT_FALSE(valid_path_id("a/b"));
  EXPECT_FALSE(valid_path_id(".hidden"));
  EXPECT_FALSE(valid_path_id("a b"));
  EXPECT_FALSE(valid_path_id(std::string("a\0b", 3)));
  EXPECT_FALSE(valid_path_id(std::string(129, 'a')));
  EXPECT_TRUE(valid_path_id(std::string(128, 'a')));
}

}  // namespace
}  // namespace watchdog::core
