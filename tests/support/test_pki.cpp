#include "tests/support/test_pki.h"

#include <fstream>
#include <stdexcept>
#include <vector>

#include "tests/support/child_process.h"

namespace watchdog::testing {
namespace {

void openssl(std::vector<std::string> args) {
  args.insert(args.begin(), "/usr/bin/openssl");
  auto result = run_command(args);
  if (result.exit_code != 0) throw std::runtime_error("openssl failed: " + result.err);
}

}  // namespace

TestPki::TestPki(std::filesystem::path dir) : dir_(std::move(dir)) {
  std::filesystem::create_directories(dir_);
  openssl({"req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
           "-keyout", (dir_ / "ca.key").string(), "-out", ca_file().string(), "-days", "2", "-subj",
           "/CN=watchdog-test-ca", "-addext", "basicConstraints=critical,CA:TRUE", "-addext",
           "keyUsage=critical,keyCertSign,cRLSign"});
}

void TestPki::issue(const std::string& name, Use use) const {
  const auto extensions = dir_ / (name + ".ext");
  std::ofstream(extensions) << (use == Use::Server ? "subjectAltName=IP:127.0.0.1,DNS:localhost\n"
                                                     "extendedKeyUsage=serverAuth\n"
                                                   : "extendedKeyUsage=clientAuth\n")
                            << "basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\n";
  const auto request = dir_ / (name + ".csr");
  openssl({"req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout",
           key_file(name).string(), "-out", request.string(), "-subj",
           use == Use::Server ? "/CN=127.0.0.1" : "/CN=" + name});
  openssl({"x509", "-req", "-in", request.string(), "-CA", ca_file().string(), "-CAkey",
           (dir_ / "ca.key").string(), "-CAcreateserial", "-out", cert_file(name).string(), "-days",
           "2", "-extfile", extensions.string()});
}

}  // namespace watchdog::testing
