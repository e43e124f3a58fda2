#pragma once
// A real Docker engine for integration tests (recipe in shared/REFERENCE.md): dockerd 20.10
// with its own data root, exec root, pid file and unix socket in a temp dir, vfs storage, no
// iptables, no bridge (containers use --network none or host). The constructor imports a
// busybox image (from busybox-static: sh, sleep, touch, rm, test, httpd, wget, …) as image().
// It throws std::runtime_error, with the daemon's log, when the engine does not come up: the
// test fails (in CI and elsewhere), never skips.
// The destructor removes every container, stops the daemon (SIGTERM, then SIGKILL), kills any
// process still running from the temp dir (containerd, shims), unmounts what is left under it,
// and removes it.
// With `tls_tcp`, the engine also listens on tcp://127.0.0.1:PORT with --tlsverify (mutual TLS):
// tls_dir() holds ca.crt, client.crt and client.key made for the test.
// With `prefer_overlay`, storage is overlay2 where the kernel and the temp dir's filesystem allow
// it (vfs copies a whole image per build step: minutes for an image build), else vfs.
//
// Thread-safety: one test thread drives it.

#include <chrono>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tests/support/child_process.h"
#include "tests/support/temp_dir.h"

namespace watchdog::testing {

class DockerdServer {
 public:
  explicit DockerdServer(bool tls_tcp = false, bool prefer_overlay = false);
  ~DockerdServer();
  DockerdServer(const DockerdServer&) = delete;
  DockerdServer& operator=(const DockerdServer&) = delete;

  const std::filesystem::path& socket() const { return socket_; }
  std::string tcp_host() const { return "tcp://127.0.0.1:" + std::to_string(tcp_port_); }
  std::filesystem::path tls_dir() const { return dir_ / "pki"; }
  static std::string image() { return "watchdog-bbox:local"; }

  // /usr/bin/docker with DOCKER_HOST pointing at this engine.
  CommandResult docker(const std::vector<std::string>& args,
                       std::chrono::milliseconds limit = std::chrono::seconds(30)) const;
  // docker(args), throwing std::runtime_error (with stderr) unless it exits 0; returns stdout
  // without the trailing newline.
  std::string docker_ok(const std::vector<std::string>& args) const;
  // GET /containers/NAME/json, parsed (null when the engine does not answer 200).
  nlohmann::json inspect(const std::string& name) const;
  // Raw GET against the engine's API, e.g. "/events?since=…&until=…" ("" when no 200).
  std::string api_get(const std::string& path) const;

  bool running() const;
  const std::string& storage_driver() const { return storage_driver_; }
  // Stops the engine (SIGTERM; its containers stop with it). The socket stays gone.
  void stop();

 private:
  void start_daemon(bool tls_tcp, const std::string& storage_driver);
  void import_image();
  void kill_leftovers();
  TempDir dir_;
  std::filesystem::path socket_, log_path_;
  int tcp_port_ = 0;
  std::string storage_driver_ = "vfs";
  std::unique_ptr<ChildProcess> daemon_;
};

}  // namespace watchdog::testing
