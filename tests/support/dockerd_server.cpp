#include "tests/support/dockerd_server.h"

#include <curl/curl.h>
#include <signal.h>
#include <sys/mount.h>

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "tests/support/test_pki.h"

namespace watchdog::testing {
namespace {

using namespace std::chrono_literals;

const char* const kDockerd = "/usr/sbin/dockerd";
const char* const kDocker = "/usr/bin/docker";

std::size_t collect(char* data, std::size_t size, std::size_t count, void* user) {
  static_cast<std::string*>(user)->append(data, size * count);
  return size * count;
}

// GET over the engine's unix socket; status 0 when nothing answered.
long unix_get(const std::filesystem::path& socket, const std::string& path, std::string& body) {
  CURL* curl = curl_easy_init();
  if (curl == nullptr) return 0;
  const std::string url = "http://docker" + path;
  curl_easy_setopt(curl, CURLOPT_UNIX_SOCKET_PATH, socket.c_str());
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 5000L);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body);
  long status = 0;
  if (curl_easy_perform(curl) == CURLE_OK) {
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  }
  curl_easy_cleanup(curl);
  return status;
}

}  // namespace

DockerdServer::DockerdServer(bool tls_tcp, bool prefer_overlay)
    : socket_(dir_ / "docker.sock"), log_path_(dir_ / "dockerd.log") {
  bool started = false;
  if (prefer_overlay && read_text("/proc/filesystems").find("overlay") != std::string::npos) {
    try {
      start_daemon(tls_tcp, "overlay2");
      storage_driver_ = "overlay2";
      started = true;
    } catch (const std::runtime_error&) {
      stop();  // overlay2 refused here (e.g. the temp dir's filesystem): vfs always works
      kill_leftovers();
      std::filesystem::remove_all(dir_ / "data");
    }
  }
  if (!started) start_daemon(tls_tcp, "vfs");
  import_image();
}

DockerdServer::~DockerdServer() {
  if (running()) {
    auto ids = docker({"ps", "-aq"}, 20s);
    std::vector<std::string> remove = {"rm", "-f"};
    std::istringstream lines(ids.out);
    for (std::string id; std::getline(lines, id);) {
      if (!id.empty()) remove.push_back(id);
    }
    if (remove.size() > 2) docker(remove, 30s);
  }
  stop();
  kill_leftovers();
}

void DockerdServer::start_daemon(bool tls_tcp, const std::string& storage_driver) {
  ProcessOptions options;
  options.argv = {kDockerd,
                  "--data-root=" + (dir_ / "data").string(),
                  "--exec-root=" + (dir_ / "exec").string(),
                  "--pidfile=" + (dir_ / "dockerd.pid").string(),
                  "--host=unix://" + socket_.string(),
                  "--iptables=false",
                  "--ip6tables=false",
                  "--bridge=none",
                  "--storage-driver=" + storage_driver,
                  "--shutdown-timeout=2"};
  if (tls_tcp) {
    TestPki pki(tls_dir());
    pki.issue("server", TestPki::Use::Server);
    pki.issue("client", TestPki::Use::Client);
    tcp_port_ = free_port();
    options.argv.insert(options.argv.end(), {"--host=" + tcp_host(), "--tlsverify",
                                             "--tlscacert=" + pki.ca_file().string(),
                                             "--tlscert=" + pki.cert_file("server").string(),
                                             "--tlskey=" + pki.key_file("server").string()});
  }
  options.stdout_path = log_path_;
  daemon_ = std::make_unique<ChildProcess>(options);
  std::string body;
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (unix_get(socket_, "/_ping", body) != 200) {
    if (!daemon_->running() || std::chrono::steady_clock::now() > deadline) {
      throw std::runtime_error("dockerd did not come up:\n" + read_text(log_path_));
    }
    body.clear();
    std::this_thread::sleep_for(50ms);
  }
}

void DockerdServer::import_image() {
  const auto rootfs = dir_ / "rootfs";
  std::filesystem::create_directories(rootfs / "bin");
  std::filesystem::create_directories(rootfs / "tmp");
  std::filesystem::copy_file("/bin/busybox", rootfs / "bin" / "busybox");
  for (const char* applet : {"sh", "sleep", "touch", "rm", "test", "cat", "echo", "true", "false",
                             "httpd", "wget", "kill", "ls"}) {
    std::filesystem::create_symlink("busybox", rootfs / "bin" / applet);
  }
  const auto tarball = dir_ / "rootfs.tar";
  auto tar = run_command({"/bin/tar", "-C", rootfs.string(), "-cf", tarball.string(), "."});
  if (tar.exit_code != 0) throw std::runtime_error("tar failed: " + tar.err);
  docker_ok({"import", tarball.string(), image()});
  std::filesystem::remove_all(rootfs);
  std::filesystem::remove(tarball);
}

CommandResult DockerdServer::docker(const std::vector<std::string>& args,
                                    std::chrono::milliseconds limit) const {
  std::vector<std::string> argv = {kDocker};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_command(
      argv,
      // The classic builder: it is what dockerd 20.10 builds with and needs no buildx plugin.
      {{"DOCKER_HOST", "unix://" + socket_.string()},
       {"DOCKER_CONFIG", (dir_ / "cli").string()},
       {"DOCKER_BUILDKIT", "0"}},
      limit);
}

std::string DockerdServer::docker_ok(const std::vector<std::string>& args) const {
  auto result = docker(args);
  if (result.exit_code != 0) {
    std::string command = "docker";
    for (const auto& arg : args) command += " " + arg;
    throw std::runtime_error(command + " failed (" + std::to_string(result.exit_code) +
                             "): " + result.err);
  }
  while (!result.out.empty() && result.out.back() == '\n') result.out.pop_back();
  return result.out;
}

nlohmann::json DockerdServer::inspect(const std::string& name) const {
  std::string body = api_get("/containers/" + name + "/json");
  if (body.empty()) return nullptr;
  return nlohmann::json::parse(body, nullptr, false);
}

std::string DockerdServer::api_get(const std::string& path) const {
  std::string body;
  return unix_get(socket_, path, body) == 200 ? body : "";
}

bool DockerdServer::running() const { return daemon_ && daemon_->running(); }

void DockerdServer::stop() {
  if (!daemon_) return;
  if (daemon_->running()) {
    daemon_->signal(SIGTERM);
    if (!daemon_->wait(20s)) daemon_.reset();  // the destructor SIGKILLs its process group
  }
  daemon_.reset();
}

// Anything still running from this temp dir (a containerd or shim that outlived the daemon),
// and mounts left under it, would keep the dir from being removed.
void DockerdServer::kill_leftovers() {
  const std::string root = dir_.path().string();
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    const std::string pid = entry.path().filename().string();
    if (pid.find_first_not_of("0123456789") != std::string::npos) continue;
    std::string cmdline = read_text(entry.path() / "cmdline");
    if (cmdline.find(root) != std::string::npos) kill(std::stoi(pid), SIGKILL);
  }
  std::vector<std::string> mounts;
  std::ifstream table("/proc/mounts");
  for (std::string device, target, rest; table >> device >> target && std::getline(table, rest);) {
    if (target.starts_with(root)) mounts.push_back(target);
  }
  for (auto it = mounts.rbegin(); it != mounts.rend(); ++it) umount2(it->c_str(), MNT_DETACH);
}

}  // namespace watchdog::testing
