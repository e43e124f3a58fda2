// The redaction registry: which forms of a secret are found, overlaps, the process-wide swap,
// and secrets noted while Options reads a configuration.
#include "config/redaction.h"

#include <gtest/gtest.h>

#include <thread>

#include "tests/support/temp_dir.h"
#include "tests/unit/config/config_test_util.h"

namespace watchdog::config {
namespace {

using test::probe_options;
using test::ScopedEnv;

TEST(Redactor, ReplacesEveryOccurrence) {
  Redactor redactor({"hunter2-secret"});
  EXPECT_EQ(redactor.redact("a hunter2-secret b hunter2-secret"), "a [REDACTED] b [REDACTED]");
  EXPECT_EQ(redactor.redact("nothing here"), "nothing here");
  EXPECT_EQ(redactor.redact(""), "");
}

TEST(Redactor, SkipsValuesShorterThanFourBytes) {
  Redactor redactor({"pg", "abc", ""});
  EXPECT_TRUE(redactor.empty());
  EXPECT_EQ(redactor.redact("pg abc"), "pg abc");
  EXPECT_EQ(Redactor({"abcd"}).redact("xabcdx"), "x[REDACTED]x");
}

TEST(Redactor, OverlappingAndAdjacentSecretsBecomeOneMarker) {
  Redactor redactor({"abcd1234", "1234wxyz", "wxyz-tail"});
  EXPECT_EQ(redactor.redact("<abcd1234wxyz-tail>"), "<[REDACTED]>");
  // One secret inside another: the longer one wins, nothing of it shows.
  Redactor nested({"token", "my-token-value"});
  EXPECT_EQ(nested.redact("x my-token-value y token z"), "x [REDACTED] y [REDACTED] z");
  // A secret that overlaps itself ("aaaa" in "aaaaaa").
  EXPECT_EQ(Redactor({"aaaa"}).redact("baaaaaab"), "b[REDACTED]b");
}

TEST(Redactor, FindsUrlEncodedAndBase64Forms) {
  Redactor redactor({"p@ss/w0rd+x"});
  EXPECT_EQ(redactor.redact("url ?pw=p%40ss%2Fw0rd%2Bx end"), "url ?pw=[REDACTED] end");
  // base64("p@ss/w0rd+x") as a whole, and as the prefix of a longer blob.
  EXPECT_EQ(redactor.redact("cEBzcy93MHJkK3g="), "[REDACTED]");
  // Followed by more bytes only the characters that do not depend on them are matched.
  EXPECT_EQ(redactor.redact("blob cEBzcy93MHJkK3g5OTk"), "blob [REDACTED]g5OTk");
}

TEST(Redactor, WebhookUrlPathPartsAndQueryValues) {
  Redactor redactor(
      {"https://hooks.example.com/services/T0ABC123/B0DEF456/"
       "XyZsecretTokenValue42?token=abcd&format=json"});
  // A 404 body that echoes the path: every token-like part goes, words stay.
  EXPECT_EQ(redactor.redact("Cannot POST /services/T0ABC123/B0DEF456/XyZsecretTokenValue42"),
            "Cannot POST /services/[REDACTED]/[REDACTED]/[REDACTED]");
  EXPECT_EQ(redactor.redact("token abcd in json"), "token [REDACTED] in json");
  EXPECT_EQ(redactor.redact("the services are down"), "the services are down");
}

TEST(Redactor, UrlUserInfoPasswordAndBasicAuth) {
  Redactor redactor({"https://ops:s3cr%3At@api.example.com/healthz"});
  EXPECT_EQ(redactor.redact("password s3cr:t"), "password [REDACTED]");
  EXPECT_EQ(redactor.redact("raw s3cr%3At"), "raw [REDACTED]");
  // What libcurl sends for that URL: Authorization: Basic base64("ops:s3cr:t").
  EXPECT_EQ(redactor.redact("Authorization: Basic b3BzOnMzY3I6dA=="),
            "Authorization: Basic [REDACTED]");
  EXPECT_EQ(redactor.redact("GET /healthz"), "GET /healthz");  // a word, not a token
}

TEST(Redactor, ConninfoPasswordAndBearerCredential) {
  Redactor dsn({"host=db port=5432 password='it\\'s-pw' user=app"});
  EXPECT_EQ(dsn.redact("FATAL: it's-pw rejected"), "FATAL: [REDACTED] rejected");
  Redactor unquoted({"host=db password=plainpw9 dbname=x"});
  EXPECT_EQ(unquoted.redact("pw plainpw9"), "pw [REDACTED]");
  Redactor bearer({"Bearer eyJhbGciOi.payload.sig"});
  EXPECT_EQ(bearer.redact("401: headers {\"authorization\":\"Bearer eyJhbGciOi.payload.sig\"}"),
            "401: headers {\"authorization\":\"[REDACTED]\"}");
  EXPECT_EQ(bearer.redact("token=eyJhbGciOi.payload.sig"), "token=[REDACTED]");
}

TEST(SecretNames, RecognisesCommonSpellings) {
  for (const char* name : {"DB_PASSWORD", "Authorization", "X-Api-Key", "GITHUB_TOKEN",
                           "client_secret", "PGPASSFILE", "Cookie", "DATABASE_DSN"}) {
    EXPECT_TRUE(names_a_secret(name)) << name;
  }
  for (const char* name : {"PATH", "HOME", "MODE", "Accept", "LOG_LEVEL"}) {
    EXPECT_FALSE(names_a_secret(name)) << name;
  }
}

class RedactionRegistryTest : public ::testing::Test {
 protected:
  void TearDown() override { clear_secrets(); }
};

TEST_F(RedactionRegistryTest, InstallReplacesTheWholeSetAndKeepsRuntimeSecrets) {
  install_secrets({"first-secret"});
  remember_runtime_secret("token_file /t", "runtime-token-1");
  EXPECT_EQ(redact("first-secret runtime-token-1"), "[REDACTED] [REDACTED]");
  // A reload: the previous file's secrets stay redacted for one more generation (work the old
  // plan started may still print a password the new file rotated away).
  install_secrets({"second-secret"});
  EXPECT_EQ(redact("first-secret second-secret runtime-token-1"),
            "[REDACTED] [REDACTED] [REDACTED]");
  install_secrets({"second-secret"});
  EXPECT_EQ(redact("first-secret second-secret runtime-token-1"),
            "first-secret [REDACTED] [REDACTED]");
  // A rotated token: the previous value is still scrubbed, the one before that no longer.
  remember_runtime_secret("token_file /t", "runtime-token-2");
  remember_runtime_secret("token_file /t", "runtime-token-3");
  EXPECT_EQ(redact("runtime-token-1 runtime-token-2 runtime-token-3"),
            "runtime-token-1 [REDACTED] [REDACTED]");
  std::string text = "x second-secret";
  redact_in_place(text);
  EXPECT_EQ(text, "x [REDACTED]");
  clear_secrets();
  EXPECT_EQ(redact("second-secret"), "second-secret");
}

TEST_F(RedactionRegistryTest, ConcurrentRedactAndInstall) {
  std::atomic<bool> leaked{false};
  install_secrets({"alpha-secret-1"});
  std::thread reader([&] {
    for (int i = 0; i < 20000; ++i) {
      if (redact("pre alpha-secret-1 post").find("alpha") != std::string::npos) leaked = true;
    }
  });
  for (int i = 0; i < 500; ++i) {
    install_secrets({"alpha-secret-1", "beta-secret-" + std::to_string(i)});
  }
  reader.join();
  EXPECT_FALSE(leaked.load());
}

TEST_F(RedactionRegistryTest, OptionsNoteSecretsIntoTheActiveCollector) {
  watchdog::testing::TempDir dir;
  auto file = dir.write("token", "file-secret-value\n");
  ScopedEnv token("WD_REDACT_TOKEN", "env-token-value");
  ScopedEnv mode("WD_REDACT_MODE", "fastmode");
  auto options = probe_options(
      "        password: ${WD_REDACT_TOKEN}\n"
      "        token_file: " +
      file.string() + "\n" +
      "        plain: not-a-secret\n"
      "        env: {API_PASSWORD: literal-pw, MODE: '${WD_REDACT_MODE}', X: "
      "'k=${WD_REDACT_TOKEN}'}\n"
      "        headers: {Authorization: 'Bearer ${WD_REDACT_TOKEN}', Accept: text/plain}\n");
  std::vector<std::string> noted;
  {
    SecretCollector outer;
    {
      SecretCollector inner;
      options.secret("password");
      options.secret("token");
      options.string("plain");
      options.string_map("env");
      options.string_map("headers");
      noted = inner.take();
    }
    EXPECT_EQ(outer.take().size(), noted.size());  // nested collectors both see them
  }
  auto has = [&](const std::string& value) {
    return std::find(noted.begin(), noted.end(), value) != noted.end();
  };
  EXPECT_TRUE(has("env-token-value"));
  EXPECT_TRUE(has("file-secret-value"));
  EXPECT_TRUE(has("literal-pw"));              // env entry named like a secret
  EXPECT_TRUE(has("Bearer env-token-value"));  // header named like a secret
  EXPECT_FALSE(has("not-a-secret"));
  EXPECT_FALSE(has("fastmode"));  // neither the key nor the variable names a secret
  EXPECT_FALSE(has("text/plain"));
  note_secret("outside-any-collector");  // no collector: ignored, no crash
}

}  // namespace
}  // namespace watchdog::config
