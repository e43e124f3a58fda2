#pragma once
// A throw-away PKI for TLS tests, made with the openssl CLI: a CA (DIR/ca.crt, DIR/ca.key) and
// certificates it signs (DIR/NAME.crt, DIR/NAME.key; EC P-256, valid two days). Server
// certificates name 127.0.0.1 and localhost. Throws std::runtime_error when openssl fails.

#include <filesystem>
#include <string>

namespace watchdog::testing {

class TestPki {
 public:
  explicit TestPki(std::filesystem::path dir);  // makes the CA
  std::filesystem::path ca_file() const { return dir_ / "ca.crt"; }
  std::filesystem::path cert_file(const std::string& name) const { return dir_ / (name + ".crt"); }
  std::filesystem::path key_file(const std::string& name) const { return dir_ / (name + ".key"); }
  enum class Use { Server, Client };
  void issue(const std::string& name, Use use) const;

 private:
  std::filesystem::path dir_;
};

}  // namespace watchdog::testing
