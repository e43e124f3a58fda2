// kind: mysql backups against a real MariaDB (one server for the suite): a dump whose metadata
// counts the rows it holds, verify, restore into a new database, a drill that leaves no scratch
// database behind, and the issue's headline — DROP DATABASE, then restore_latest brings the rows
// back; a database that holds data is refused without replace, and replaced only after a safety
// dump of it. The connecting user's password is full of what an options file or a shell would
// misread, and must appear in no log line, detail, metadata or status file.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "actions/backup/backup_runner.h"
#include "actions/backup/drill.h"
#include "actions/backup/mysql_client.h"
#include "actions/backup/restore.h"
#include "actions/restore_latest_action.h"
#include "probes/backup/backup_catalog.h"
#include "tests/integration/harness.h"
#include "tests/support/mariadb_server.h"

namespace watchdog::testing {
namespace {

using namespace std::chrono_literals;
namespace bk = probes::backup;
namespace fs = std::filesystem;

const std::string kPassword = "p\"a\\s#s 'w;d $HOME ";

std::string read_text(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

class MysqlBackup : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    try {
      server_ = std::make_unique<MariaDbServer>();
      server_->sql("CREATE USER 'wd'@'%' IDENTIFIED BY " + actions::mysql_literal(kPassword) +
                   "; GRANT ALL ON *.* TO 'wd'@'%'");
    } catch (const std::exception& e) {
      start_error_ = e.what();
    }
  }
  static void TearDownTestSuite() { server_.reset(); }

  void SetUp() override {
    ASSERT_TRUE(server_) << "MariaDB did not start: " << start_error_;
    server_->sql("DROP DATABASE IF EXISTS shop");
    create_shop();
  }

  // shop: users 50, orders 200 (notes full of quotes, parentheses, semicolons and newlines),
  // `odd``name` 3 (binary), empty 0; a view, a trigger, and a procedure whose body has a line
  // that reads like a row of orders.
  static void create_shop() {
    server_->sql(
        "CREATE DATABASE shop; USE shop;"
        "CREATE TABLE shop.users (id INT PRIMARY KEY AUTO_INCREMENT, name VARCHAR(50) NOT NULL);"
        "INSERT INTO shop.users (name) SELECT CONCAT('user ', seq) FROM seq_1_to_50;"
        "CREATE TABLE shop.orders (id INT PRIMARY KEY AUTO_INCREMENT, user_id INT, total "
        "DECIMAL(10,2), note TEXT, FOREIGN KEY (user_id) REFERENCES shop.users (id));"
        "INSERT INTO shop.orders (user_id, total, note) SELECT 1 + seq % 50, seq * 1.5, "
        "CONCAT('it''s (', seq, '),\\n(x);\\\\') FROM seq_1_to_200;"
        "CREATE TABLE shop.`odd``name` (b BLOB);"
        "INSERT INTO shop.`odd``name` VALUES (0x00FF28), (NULL), (0x29);"
        "CREATE TABLE shop.empty (x INT);"
        "CREATE VIEW big_orders AS SELECT * FROM orders WHERE total > 100;"
        "CREATE TRIGGER trim_name BEFORE INSERT ON users FOR EACH ROW "
        "SET NEW.name = TRIM(NEW.name);"
        "CREATE PROCEDURE add_order()\nINSERT INTO `orders` VALUES (NULL, 1, 1, 'x')");
  }

  static std::string counts(const std::string& db) {
    return server_->sql("SELECT (SELECT COUNT(*) FROM " + db + ".users), (SELECT COUNT(*) FROM " +
                        db + ".orders), (SELECT COUNT(*) FROM " + db + ".`odd``name`)");
  }

  static bool database_exists(const std::string& db) {
    return server_->sql("SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = '" +
                        db + "'") == "1\n";
  }

  config::BackupTargetSpec target() const {
    config::BackupTargetSpec spec;
    spec.name = "shop";
    spec.kind = config::BackupKind::Mysql;
    spec.host = "127.0.0.1";
    spec.port = server_->port();
    spec.user = "wd";
    spec.password = config::Secret{kPassword, "inline"};
    spec.dbname = "shop";
    spec.directory = dir_ / "backups";
    spec.timeout = 60s;
    return spec;
  }

  // Every file the engine wrote (metadata, status, dumps), checked for the password.
  void expect_no_password_on_disk() const {
    for (const auto& entry : fs::recursive_directory_iterator(dir_.path())) {
      if (!entry.is_regular_file()) continue;
      EXPECT_EQ(read_text(entry.path()).find(kPassword), std::string::npos) << entry.path();
    }
  }

  TempDir dir_;
  static inline std::unique_ptr<MariaDbServer> server_;
  static inline std::string start_error_;
};

const std::map<std::string, std::int64_t> kShopRows = {
    {"users", 50}, {"orders", 200}, {"odd`name", 3}, {"empty", 0}};

TEST_F(MysqlBackup, DumpsVerifiesRestoresIntoANewDatabaseAndDrills) {
  const auto spec = target();
  const auto backup = actions::run_backup(spec, 60s);
  ASSERT_TRUE(backup.ok) << backup.error;
  const auto& meta = *backup.metadata;
  EXPECT_EQ(meta.format, "sql");
  EXPECT_EQ(meta.file, meta.name + ".sql");
  EXPECT_EQ(meta.database, "shop");
  EXPECT_NE(meta.server_version.find("MariaDB"), std::string::npos) << meta.server_version;
  EXPECT_EQ(meta.row_counts, kShopRows);
  EXPECT_TRUE(meta.row_counts_exact);
  ASSERT_TRUE(fs::is_regular_file(spec.directory / meta.file));
  EXPECT_EQ(fs::file_size(spec.directory / meta.file), meta.size_bytes);
  EXPECT_TRUE(bk::verify_backup(spec.directory, meta).ok);
  EXPECT_EQ(actions::describe_outcome(backup).find(kPassword), std::string::npos);

  actions::RestoreRequest request;
  request.into_name = "shop_copy";
  request.compare_row_counts = true;
  auto restored = actions::restore_backup(spec, request);
  ASSERT_TRUE(restored.ok) << restored.error;
  EXPECT_EQ(restored.detail, "4 tables, row counts match");
  EXPECT_EQ(counts("shop_copy"), counts("shop"));
  EXPECT_EQ(server_->sql("SELECT note FROM shop_copy.orders WHERE id = 7"),
            server_->sql("SELECT note FROM shop.orders WHERE id = 7"));
  EXPECT_EQ(server_->sql("SELECT HEX(b) FROM shop_copy.`odd``name` ORDER BY b"),
            "NULL\n00FF28\n29\n");
  EXPECT_EQ(server_->sql("SELECT COUNT(*) FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = "
                         "'shop_copy'"),
            "1\n");
  EXPECT_EQ(server_->sql("SELECT COUNT(*) FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA "
                         "= 'shop_copy'"),
            "1\n");

  // It holds tables now: refused without replace, untouched.
  server_->sql("DELETE FROM shop_copy.orders WHERE id > 100");
  restored = actions::restore_backup(spec, request);
  EXPECT_FALSE(restored.ok);
  EXPECT_TRUE(restored.refused);
  EXPECT_NE(restored.error.find("database shop_copy exists and holds"), std::string::npos)
      << restored.error;
  EXPECT_EQ(server_->sql("SELECT COUNT(*) FROM shop_copy.orders"), "100\n");

  const auto drill = actions::run_drill(spec, 60s);
  EXPECT_TRUE(drill.ok) << drill.detail;
  EXPECT_EQ(drill.backup, meta.name);
  EXPECT_NE(drill.detail.find("4 tables, row counts match"), std::string::npos) << drill.detail;
  EXPECT_FALSE(database_exists(actions::drill_database("shop")));

  // A wrong password: the error says so, and never quotes a password.
  auto wrong = spec;
  wrong.password = config::Secret{"wrong-secret-42", "inline"};
  const auto failed = actions::run_backup(wrong, 60s);
  EXPECT_FALSE(failed.ok);
  EXPECT_NE(failed.error.find("Access denied"), std::string::npos) << failed.error;
  EXPECT_EQ(failed.error.find("wrong-secret-42"), std::string::npos) << failed.error;
  expect_no_password_on_disk();
  server_->sql("DROP DATABASE shop_copy");
}

TEST_F(MysqlBackup, DroppedDatabaseIsBackWithRestoreLatestAndReplacingTakesASafetyDump) {
  const auto spec = target();
  ASSERT_TRUE(actions::run_backup(spec, 60s).ok);
  server_->sql("DROP DATABASE shop");

  actions::RestoreLatestAction restore("restore", spec, actions::PgConnection{}, false, 1);
  auto outcome = restore.run({"shop-1", "shop", 1, "shop-db: database shop not found"}, 60s);
  ASSERT_TRUE(outcome.ok) << outcome.detail;
  EXPECT_EQ(counts("shop"), "50\t200\t3\n");

  // A database that holds data: left alone without replace …
  server_->sql("INSERT INTO shop.users (name) VALUES ('late')");
  outcome = restore.run({"shop-2", "shop", 1, "shop-db: data corruption"}, 60s);
  EXPECT_FALSE(outcome.ok);
  EXPECT_NE(outcome.detail.find("refusing to overwrite"), std::string::npos) << outcome.detail;
  EXPECT_EQ(counts("shop"), "51\t200\t3\n");

  // … and with replace, copied first: the safety dump holds the 51 users and restores.
  actions::RestoreLatestAction replace("restore", spec, actions::PgConnection{}, true, 1);
  outcome = replace.run({"shop-3", "shop", 1, "shop-db: data corruption"}, 60s);
  ASSERT_TRUE(outcome.ok) << outcome.detail;
  EXPECT_NE(outcome.detail.find("safety dump shop_safety_"), std::string::npos) << outcome.detail;
  EXPECT_EQ(counts("shop"), "50\t200\t3\n");
  const auto dumps = bk::list_safety_dumps(spec.directory, "shop");
  ASSERT_EQ(dumps.size(), 1u);
  EXPECT_EQ(dumps[0].file, dumps[0].name + ".sql");
  EXPECT_EQ(dumps[0].row_counts.at("users"), 51);
  ASSERT_TRUE(dumps[0].safety.has_value());
  EXPECT_EQ(dumps[0].safety->incident, "shop-3");

  actions::RestoreRequest rescue;
  rescue.backup = dumps[0].name;
  rescue.into_name = "shop_rescued";
  rescue.compare_row_counts = true;
  const auto rescued = actions::restore_backup(spec, rescue);
  ASSERT_TRUE(rescued.ok) << rescued.error;
  EXPECT_EQ(counts("shop_rescued"), "51\t200\t3\n");
  expect_no_password_on_disk();
  server_->sql("DROP DATABASE shop_rescued");
}

// The same through the CLI, as an operator would: backup, DROP DATABASE, restore latest, the
// --yes guard, drill. The password comes from the environment into the config.
TEST_F(MysqlBackup, CliBacksUpRestoresAfterDropDatabaseAndGuardsWithYes) {
  const fs::path backups = dir_ / "backups";
  const std::string config = dir_.write("watchdog.yaml", R"(backups:
  - name: shop
    kind: mysql
    host: 127.0.0.1
    port: )" + std::to_string(server_->port()) + R"(
    user: wd
    password: ${TEST_MYSQL_PASSWORD}
    dbname: shop
    directory: )" + backups.string() + R"(
components:
  - name: backups
    probes:
      - name: shop-backup
        kind: backup
        target: shop
)")
                                 .string();
  const std::map<std::string, std::string> env = {{"TEST_MYSQL_PASSWORD", kPassword}};
  auto watchdog = [&](std::vector<std::string> args) {
    args.insert(args.begin(), kWatchdog);
    auto result = run_command(args, env, 60s);
    EXPECT_EQ(result.out.find(kPassword), std::string::npos);
    EXPECT_EQ(result.err.find(kPassword), std::string::npos);
    return result;
  };
  auto backup = watchdog({"backup", "-c", config});
  ASSERT_EQ(backup.exit_code, 0) << backup.out << backup.err;
  EXPECT_NE(backup.out.find("shop: backup shop_"), std::string::npos) << backup.out;

  server_->sql("DROP DATABASE shop");
  auto restore = watchdog({"restore", "latest", "-c", config, "--target", "shop"});
  ASSERT_EQ(restore.exit_code, 0) << restore.out << restore.err;
  EXPECT_EQ(counts("shop"), "50\t200\t3\n");

  auto refused = watchdog({"restore", "latest", "-c", config, "--target", "shop"});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.out.find("restore refused: database shop exists and holds"), std::string::npos)
      << refused.out;
  server_->sql("DELETE FROM shop.orders");
  auto replaced = watchdog({"restore", "latest", "-c", config, "--target", "shop", "--yes"});
  ASSERT_EQ(replaced.exit_code, 0) << replaced.out << replaced.err;
  EXPECT_EQ(counts("shop"), "50\t200\t3\n");

  auto drill = watchdog({"drill", "-c", config});
  EXPECT_EQ(drill.exit_code, 0) << drill.out << drill.err;
  EXPECT_NE(drill.out.find("shop: drill passed"), std::string::npos) << drill.out;
}

}  // namespace
}  // namespace watchdog::testing
