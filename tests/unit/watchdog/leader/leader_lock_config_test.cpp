// make_leader_lock() from real YAML: each kind's keys, defaults shown by describe(), and every
// bad key a ConfigError at load time that never shows a password or DSN. No I/O happens here.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>

#include "config/loader.h"
#include "tests/support/temp_dir.h"
#include "watchdog/leader/leader_lock.h"
#include "watchdog/leader/postgres_leader_lock.h"

namespace watchdog::core {
namespace {

constexpr const char* kSecret = "leader-secret-7c41";

// `keys`: the watchdog.leader mapping, one key per line, unindented.
config::LeaderSpec leader_spec(const std::string& keys) {
  std::string yaml = "watchdog:\n  leader:\n";
  std::size_t begin = 0;
  while (begin < keys.size()) {
    auto end = keys.find('\n', begin);
    if (end == std::string::npos) end = keys.size();
    if (end > begin) yaml += "    " + keys.substr(begin, end - begin) + "\n";
    begin = end + 1;
  }
  yaml +=
      "components:\n  - name: c\n    probes:\n      - name: p\n        kind: disk\n"
      "        path: /\n";
  return config::load_config_text(yaml, "t.yaml").watchdog.leader;
}

std::unique_ptr<LeaderLock> lock_from(const std::string& keys) {
  return make_leader_lock(leader_spec(keys), "host-a:1");
}

std::string error_of(const std::string& keys) {
  try {
    lock_from(keys);
  } catch (const config::ConfigError& error) {
    return error.what();
  }
  return "<no error>";
}

TEST(LeaderLockConfig, NoKindMeansNoLock) {
  EXPECT_EQ(make_leader_lock(config::LeaderSpec{}, "host-a:1"), nullptr);
  EXPECT_EQ(lock_from("lease: 20s"), nullptr);
}

TEST(LeaderLockConfig, RedisDefaults) {
  auto lock = lock_from("kind: redis\naddress: 127.0.0.1:6380");
  ASSERT_NE(lock, nullptr);
  EXPECT_EQ(lock->describe(), "redis 127.0.0.1:6380 key watchdog:leader");
  EXPECT_EQ(lock_from("kind: redis\naddress: cache")->describe(),
            "redis cache:6379 key watchdog:leader");
  EXPECT_EQ(lock_from("kind: redis\naddress: '[::1]:7000'")->describe(),
            "redis [::1]:7000 key watchdog:leader");
}

TEST(LeaderLockConfig, RedisAllKeysWithoutShowingThePassword) {
  auto lock = lock_from(std::string("kind: redis\naddress: 10.0.0.5:6379\nusername: ops\n") +
                        "password: " + kSecret + "\ndatabase: 3\nkey: stack-a:leader");
  EXPECT_EQ(lock->describe(), "redis 10.0.0.5:6379 key stack-a:leader db 3 user ops");
}

TEST(LeaderLockConfig, RedisErrors) {
  EXPECT_NE(error_of("kind: redis").find("address"), std::string::npos);
  auto bad_port = error_of("kind: redis\naddress: 127.0.0.1:port");
  EXPECT_NE(bad_port.find("watchdog.leader.address"), std::string::npos) << bad_port;
  EXPECT_NE(bad_port.find("expected host:port"), std::string::npos) << bad_port;
  EXPECT_NE(error_of("kind: redis\naddress: h:70000").find("expected host:port"),
            std::string::npos);
  auto typo = error_of("kind: redis\naddress: h:1\nkeys: x");
  EXPECT_NE(typo.find("unknown key"), std::string::npos) << typo;
  EXPECT_NE(typo.find("did you mean 'key'"), std::string::npos) << typo;
  EXPECT_NE(error_of("kind: redis\naddress: h:1\nusername: ops").find("needs a password"),
            std::string::npos);
  EXPECT_NE(error_of("kind: redis\naddress: h:1\nkey: ''").find("must not be empty"),
            std::string::npos);
  auto both = error_of(std::string("kind: redis\naddress: h:1\npassword: ") + kSecret +
                       "\npassword_file: /nonexistent");
  EXPECT_NE(both, "<no error>");
  EXPECT_EQ(both.find(kSecret), std::string::npos) << both;
}

TEST(LeaderLockConfig, RedisPasswordFile) {
  testing::TempDir dir;
  auto file = dir.write("pw", std::string(kSecret) + "\n");
  auto lock = lock_from("kind: redis\naddress: h:1\npassword_file: " + file.string());
  EXPECT_EQ(lock->describe().find(kSecret), std::string::npos);
  auto missing = error_of("kind: redis\naddress: h:1\npassword_file: " + (dir / "nope").string());
  EXPECT_NE(missing, "<no error>");
}

TEST(LeaderLockConfig, PostgresDescribeNeverShowsTheDsn) {
  auto lock = lock_from(std::string("kind: postgres\ndsn: host=10.0.0.7 port=5433 dbname=app ") +
                        "user=ops password=" + kSecret);
  ASSERT_NE(lock, nullptr);
  EXPECT_EQ(lock->describe(), "postgres 10.0.0.7:5433/app advisory lock 8602284733556354919");
  auto uri = lock_from(std::string("kind: postgres\ndsn: postgresql://ops:") + kSecret +
                       "@db.internal:5432/app?sslmode=disable\nlock_id: -42");
  EXPECT_EQ(uri->describe(), "postgres db.internal:5432/app advisory lock -42");
  EXPECT_EQ(PostgresLeaderLock::kDefaultLockId, 8602284733556354919LL);
}

TEST(LeaderLockConfig, PostgresErrors) {
  EXPECT_NE(error_of("kind: postgres").find("dsn"), std::string::npos);
  auto bad_id = error_of("kind: postgres\ndsn: host=h\nlock_id: many");
  EXPECT_NE(bad_id.find("watchdog.leader.lock_id"), std::string::npos) << bad_id;
  auto typo = error_of(std::string("kind: postgres\ndsn: password=") + kSecret + "\nlockid: 1");
  EXPECT_NE(typo.find("unknown key"), std::string::npos) << typo;
  EXPECT_EQ(typo.find(kSecret), std::string::npos) << typo;
  for (const char* table : {"\"x; drop table y\"", "a.b.c", "1st", "''", "ops.\"T\""}) {
    auto bad_table = error_of(std::string("kind: postgres\ndsn: host=h\ntable: ") + table);
    EXPECT_NE(bad_table.find("watchdog.leader.table"), std::string::npos) << bad_table;
  }
}

TEST(LeaderLockConfig, PostgresTableNameIsShownWhenNotTheDefault) {
  EXPECT_EQ(lock_from("kind: postgres\ndsn: host=h\ntable: ops.watchdog_leader")->describe(),
            "postgres h advisory lock 8602284733556354919 table ops.watchdog_leader");
  EXPECT_EQ(lock_from("kind: postgres\ndsn: host=h\ntable: watchdog_leader")->describe(),
            "postgres h advisory lock 8602284733556354919");
}

TEST(LeaderLockConfig, KubernetesDescribeNamesLeaseAndServerButNoToken) {
  auto lock = lock_from(std::string("kind: kubernetes\nserver: https://10.0.0.1:6443/\n") +
                        "token: " + kSecret + "\nnamespace: shop\nname: stack-a.leader");
  ASSERT_NE(lock, nullptr);
  EXPECT_EQ(lock->describe(), "kubernetes lease shop/stack-a.leader at 10.0.0.1:6443");
  testing::TempDir dir;
  auto ns_file = dir.write("namespace", "payments\n");
  auto token_file = dir.write("token", std::string(kSecret) + "\n");
  auto from_files = lock_from("kind: kubernetes\nserver: https://k8s.internal\nnamespace_file: " +
                              ns_file.string() + "\ntoken_file: " + token_file.string() +
                              "\nca_file: /etc/ca.crt\nverify_tls: false\nlease: 20s");
  EXPECT_EQ(from_files->describe(), "kubernetes lease payments/watchdog at k8s.internal");
  auto with_userinfo = lock_from(std::string("kind: kubernetes\nserver: https://admin:") + kSecret +
                                 "@k8s.internal:6443\nnamespace: shop");
  EXPECT_EQ(with_userinfo->describe(), "kubernetes lease shop/watchdog at k8s.internal:6443");
}

TEST(LeaderLockConfig, KubernetesInClusterByDefault) {
  // The service-account namespace file does not exist here: "default", as kubectl does.
  auto lock = lock_from("kind: kubernetes\nnamespace_file: /nonexistent/namespace");
  EXPECT_EQ(lock->describe().rfind("kubernetes lease default/watchdog at ", 0), 0u);
  if (std::getenv("KUBERNETES_SERVICE_HOST") == nullptr) {
    EXPECT_EQ(lock->describe(),
              "kubernetes lease default/watchdog at in-cluster (KUBERNETES_SERVICE_HOST unset)");
  }
}

TEST(LeaderLockConfig, KubernetesErrors) {
  auto typo = error_of(std::string("kind: kubernetes\ntoken: ") + kSecret + "\nnamespce: shop");
  EXPECT_NE(typo.find("watchdog.leader.namespce: unknown key"), std::string::npos) << typo;
  EXPECT_NE(typo.find("did you mean 'namespace'"), std::string::npos) << typo;
  EXPECT_EQ(typo.find(kSecret), std::string::npos) << typo;
  auto name = error_of("kind: kubernetes\nname: Watchdog_Leader");
  EXPECT_NE(name.find("t.yaml:"), std::string::npos) << name;
  EXPECT_NE(name.find("watchdog.leader.name: must be a DNS subdomain"), std::string::npos) << name;
  auto ns = error_of("kind: kubernetes\nnamespace: a.b");
  EXPECT_NE(ns.find("watchdog.leader.namespace: must be a DNS label"), std::string::npos) << ns;
  auto server = error_of("kind: kubernetes\nserver: 10.0.0.1:6443");
  EXPECT_NE(server.find("watchdog.leader.server: must be a URL"), std::string::npos) << server;
  auto both =
      error_of(std::string("kind: kubernetes\ntoken: ") + kSecret + "\ntoken_file: /run/token");
  EXPECT_NE(both.find("either 'token' or 'token_file'"), std::string::npos) << both;
  EXPECT_EQ(both.find(kSecret), std::string::npos) << both;
  EXPECT_NE(error_of("kind: kubernetes\nverify_tls: maybe").find("watchdog.leader.verify_tls"),
            std::string::npos);
  EXPECT_NE(error_of("kind: kubernetes\naddress: h:1").find("unknown key"), std::string::npos)
      << "another kind's key";
}

TEST(LeaderLockConfig, LeaseTooShortForALock) {
  auto error = error_of("kind: redis\naddress: h:1\nlease: 500ms\nrenew_interval: 100ms");
  EXPECT_NE(error.find("watchdog.leader.lease"), std::string::npos) << error;
  EXPECT_NE(error.find("at least 1s"), std::string::npos) << error;
}

TEST(LeaderLockConfig, DefaultIdentityNamesHostAndProcessAndIsUniquePerCall) {
  const auto identity = default_identity();
  EXPECT_NE(identity.find(':' + std::to_string(getpid()) + ':'), std::string::npos) << identity;
  EXPECT_NE(identity, default_identity());  // two replicas with one host name and pid differ
}

}  // namespace
}  // namespace watchdog::core
