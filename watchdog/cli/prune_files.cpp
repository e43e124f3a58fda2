#include "watchdog/cli/prune_files.h"

#include <filesystem>
#include <iostream>
#include <memory>
#include <stdexcept>

#include "config/units.h"
#include "probes/backup/backup_catalog.h"
#include "probes/backup/backup_entries.h"
#include "watchdog/cli/retention_output.h"

namespace watchdog::core {
namespace {

namespace fs = std::filesystem;

struct FilePruneArgs {
  std::string glob;
  config::RetentionPolicy policy;
  std::string keep_within;
  std::string entries = "files";  // as the backup_age probe's default
  std::string settle = "5m";
  probes::backup::EntryKinds kinds = probes::backup::EntryKinds::Files;
  config::Duration settle_duration = std::chrono::minutes(5);
};

// A reason to refuse the run before anything is listed or deleted (exit 2).
struct Refusal : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct GlobParts {
  fs::path directory;  // resolved, never "/"
  std::string pattern;
};

GlobParts split_glob(const std::string& glob) {
  const fs::path path(glob);
  if (!path.is_absolute()) throw Refusal("--glob must be an absolute path, got '" + glob + "'");
  const std::string directory = path.parent_path().native();
  const std::string pattern = path.filename().native();
  if (directory.find_first_of("*?[") != std::string::npos) {
    throw Refusal("--glob: wildcards only in the last part (one directory), got '" + glob + "'");
  }
  if (pattern.empty())
    throw Refusal("--glob: name a pattern after the directory, got '" + glob + "'");
  std::error_code error;
  fs::path resolved = fs::canonical(directory, error);
  if (error) throw Refusal("--glob: cannot resolve " + directory + ": " + error.message());
  if (resolved == resolved.root_path()) {
    throw Refusal("--glob: refusing to prune in " + resolved.native() + " (the root directory)");
  }
  return {std::move(resolved), pattern};
}

// Matching symlinks are never items; one leading out of `directory` refuses the run.
void refuse_symlinks_leading_out(const GlobParts& glob, const std::vector<std::string>& links) {
  for (const auto& name : links) {
    const fs::path link = glob.directory / name;
    std::error_code error;
    const fs::path target = fs::weakly_canonical(link, error);
    const fs::path inside = target.lexically_relative(glob.directory);
    if (error || inside.empty() || *inside.begin() == ".." || inside == ".") {
      throw Refusal("--glob matches the symlink " + link.native() + ", which leads out of " +
                    glob.directory.native() + (error ? "" : " (to " + target.native() + ")"));
    }
  }
}

// The entries retention may judge: not symlinks, not younger than `settle` (maybe still being
// written) and not dated in the future (it would move the keep-within cutoff past every real
// backup). The others are printed as skipped and neither deleted nor counted.
std::vector<actions::RetentionItem> settled_items(const probes::backup::EntryListing& listing,
                                                  config::Duration settle) {
  const auto now = std::chrono::system_clock::now();
  std::vector<actions::RetentionItem> items;
  for (const auto& entry : listing.entries) {
    if (entry.symlink) continue;
    if (entry.mtime > now) {
      std::cout << "skip   " << entry.name << "  (dated in the future)\n";
      std::cerr << "warning: " << entry.name
                << " is dated in the future (a wrong clock?); it is neither deleted nor counted\n";
    } else if (now - entry.mtime < settle) {
      std::cout << "skip   " << entry.name << "  (younger than --settle "
                << config::format_duration(settle) << ")\n";
    } else {
      items.push_back({entry.name, entry.mtime, true});
    }
  }
  for (const auto& name : listing.symlinks) std::cout << "skip   " << name << "  (symlink)\n";
  return items;
}

config::Duration parse_option_duration(const char* flag, const std::string& text) {
  try {
    return config::parse_duration(text);
  } catch (const std::invalid_argument& error) {
    throw Refusal(std::string(flag) + ": " + error.what());
  }
}

int prune_files(const FilePruneArgs& args, bool dry_run) {
  const GlobParts glob = split_glob(args.glob);
  auto listing = probes::backup::list_backup_entries(
      glob.directory, glob.pattern, args.kinds,
      std::chrono::steady_clock::now() + std::chrono::minutes(10));
  if (listing.failure != probes::FailureKind::None) {
    std::cout << "FAILED " << listing.error << "\n";
    return 1;
  }
  refuse_symlinks_leading_out(glob, listing.symlinks);
  const auto items = settled_items(listing, args.settle_duration);
  const auto decisions = actions::plan_retention(items, args.policy);
  print_retention_decisions(decisions, dry_run, std::cout);
  if (dry_run) return 0;
  int code = 0;
  bool removed = false;
  for (const auto& decision : decisions) {
    if (decision.keep) continue;
    std::error_code error;
    fs::remove_all(glob.directory / decision.name, error);
    if (error) {
      std::cout << "FAILED cannot delete " << decision.name << ": " << error.message() << "\n";
      code = 1;
    }
    removed = true;
  }
  std::string error;
  if (removed && !probes::backup::fsync_directory(glob.directory, error)) {
    std::cout << "FAILED " << error << "\n";
    code = 1;
  }
  return code;
}

}  // namespace

std::function<std::optional<int>()> add_file_prune_options(CLI::App& prune) {
  auto args = std::make_shared<FilePruneArgs>();
  CLI::Option* config = prune.get_option("--config");
  config->required(false);
  CLI::Option* glob =
      prune.add_option("--glob", args->glob, "prune the files/directories matching this instead")
          ->excludes(config)
          ->excludes(prune.get_option("--target"));
  auto& policy = args->policy;
  const std::vector<std::pair<const char*, int*>> counts = {
      {"--keep-last", &policy.keep_last},
      {"--keep-daily", &policy.keep_daily},
      {"--keep-weekly", &policy.keep_weekly},
      {"--keep-monthly", &policy.keep_monthly}};
  for (const auto& [flag, field] : counts) {
    prune.add_option(flag, *field, "with --glob: retention rule")
        ->check(CLI::NonNegativeNumber)
        ->needs(glob);
  }
  prune.add_option("--keep-within", args->keep_within, "with --glob: keep all within (e.g. 7d)")
      ->needs(glob);
  prune
      .add_option("--entries", args->entries,
                  "with --glob: what a backup is: files (default), directories or any")
      ->needs(glob);
  prune
      .add_option("--settle", args->settle,
                  "with --glob: never touch or count matches younger than this (default 5m)")
      ->needs(glob);
  CLI::App* command = &prune;
  return [args, command, config, glob]() -> std::optional<int> {
    if (!command->parsed()) return std::nullopt;
    if (glob->count() == 0) {
      if (config->count() > 0) return std::nullopt;  // the targets' retention
      std::cerr << "backups prune: give -c CONFIG (the targets' retention) or --glob PATTERN\n";
      return 2;
    }
    try {
      const auto kinds = probes::backup::entry_kinds_from_string(args->entries);
      if (!kinds) {
        throw Refusal("--entries: expected files, directories or any, got '" + args->entries + "'");
      }
      args->kinds = *kinds;
      args->settle_duration = parse_option_duration("--settle", args->settle);
      if (!args->keep_within.empty()) {
        args->policy.keep_within = parse_option_duration("--keep-within", args->keep_within);
        if (auto problem = config::keep_within_problem(args->policy.keep_within);
            !problem.empty()) {
          throw Refusal("--keep-within " + problem);
        }
      }
      if (args->policy.keeps_everything()) {
        throw Refusal("--glob needs at least one --keep-* rule (nothing would be deleted)");
      }
      return prune_files(*args, command->get_option("--dry-run")->count() > 0);
    } catch (const Refusal& refusal) {
      std::cerr << refusal.what() << "\n";
      return 2;
    } catch (const std::exception& error) {
      std::cerr << "error: " << error.what() << "\n";
      return 1;
    }
  };
}

}  // namespace watchdog::core
