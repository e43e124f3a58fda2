#pragma once
// The series behind /metrics, kept compactly and written straight into the exposition. In
// prometheus-cpp a series cost ~300 bytes (a label map, two hash maps, the object) and a
// component ~25 of them (issue #15); here a family is a name, help and type, and its series live
// in rows: one row per component holds the component's label text once and a value cell per
// per-component series, one row per probe holds the probe's fixed series (success, duration,
// runs, last run) and its measurements. Label text is rendered once, when a row is created;
// values are atomics.
//
// Thread-safety: one mutex guards the structure (families, rows, cells created on first use);
// render holds it one family at a time. A probe row's cells are written without it — the hot
// path (ProbeSeries::observe) touches atomics only, and takes the mutex only to add a
// measurement it has not reported before.

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "watchdog/metrics_text.h"

namespace watchdog::core {

// A gauge's or counter's value, and whether the series exists now (a removed series keeps its
// cell, absent, so that its row need not change shape).
class Cell {
 public:
  void set(double value) noexcept;
  void add(double delta) noexcept;
  // A counter following a running total kept elsewhere: it never decreases.
  void raise_to(double total) noexcept;
  void remove() noexcept;  // absent; the value stays until set again (see set())
  void clear() noexcept;   // absent and back to 0: only where no render reads concurrently
  bool present() const noexcept { return present_.load(std::memory_order_acquire); }
  double value() const noexcept { return value_.load(std::memory_order_relaxed); }
  void copy_from(const Cell& other) noexcept;

 private:
  std::atomic<double> value_{0};
  std::atomic<bool> present_{false};
};

// A histogram with fixed upper bounds (shared by its family); _count is the sum of the buckets,
// so it always equals the +Inf bucket. One writer at a time.
class HistogramCell {
 public:
  explicit HistogramCell(std::span<const double> bounds);
  void observe(double value) noexcept;
  void append_to(std::string& out, std::string_view name,
                 std::initializer_list<std::string_view> labels) const;

 private:
  std::span<const double> bounds_;
  std::unique_ptr<std::atomic<std::uint64_t>[]> counts_;  // per bucket; the last one is +Inf
  std::atomic<double> sum_{0};
};

// A probe's series. Its cells are written by one ProbeSeries without the store's mutex.
struct ProbeRow {
  ProbeRow(std::string probe_label, std::string kind_label, std::span<const double> buckets);

  struct Measurement {
    std::size_t family;
    std::string_view name;  // the measurement's name (the family's, stable)
    Cell cell;
  };
  const std::string probe_label;  // probe="p"
  const std::string kind_label;   // kind="tcp" (the measurements carry no kind)
  Cell success;
  Cell last_run;
  std::array<Cell, 4> runs;  // by ProbeStatus; present from the first run of that status
  HistogramCell duration;
  // Added under the store's mutex, by the row's writer only: that writer reads it without.
  std::vector<std::unique_ptr<Measurement>> measurements;
};

enum class ProbeField { Success, DurationSeconds, Runs, LastRun };

class MetricsStore {
 public:
  using FamilyId = std::size_t;

  MetricsStore();
  ~MetricsStore();
  MetricsStore(const MetricsStore&) = delete;
  MetricsStore& operator=(const MetricsStore&) = delete;

  // Families render in the order they are added. A family without series is left out.
  // Few series with labels of their own (per alert sink, per reload result, none at all).
  FamilyId add_global(std::string name, std::string help, MetricType type);
  // One series per component, or one per value of `variant_label` (component_state's state).
  FamilyId add_component(std::string name, std::string help, MetricType type,
                         std::string_view variant_label = {},
                         std::span<const std::string_view> variants = {});
  FamilyId add_component_histogram(std::string name, std::string help,
                                   std::span<const double> bounds);
  // Per-component series with labels of their own, created on first use (actions by result).
  FamilyId add_component_tagged(std::string name, std::string help, MetricType type);
  // Runs: one series per value of `variant_label`, in ProbeRow::runs order.
  FamilyId add_probe(std::string name, std::string help, MetricType type, ProbeField field,
                     std::string_view variant_label = {},
                     std::span<const std::string_view> variants = {});

  // `labels` is pre-rendered label text (append_label). The cell stays as long as the store.
  Cell& global(FamilyId family, std::string labels);

  // Per-component series, created on first use; a component whose series are all removed and
  // that has no probe left loses its row.
  void set(FamilyId family, std::string_view component, double value, std::size_t variant = 0);
  void add(FamilyId family, std::string_view component, double delta, std::size_t variant = 0);
  void observe(FamilyId family, std::string_view component, double value);
  void add_tagged(FamilyId family, std::string_view component, std::string labels, double delta);
  // Removes one series (a variant), or every series of a histogram or tagged family.
  void remove(FamilyId family, std::string_view component, std::size_t variant = 0);

  // The probe's row, created with its success, last-run and duration series (kept by a later
  // call with the same names, so a new plan keeps the values).
  std::shared_ptr<ProbeRow> probe(std::string_view component, std::string_view probe,
                                  std::string_view kind, std::span<const double> buckets);
  // The measurement's cell in `row`, adding it (and its family on first use: watchdog_<name>).
  Cell& add_measurement(ProbeRow& row, std::string_view name, MetricType type, std::string help);
  void forget_probe(std::string_view component, std::string_view probe, std::string_view kind);
  void forget_probes(std::string_view component);

  void render(std::string& out) const;

 private:
  struct Family;
  struct ComponentRow;
  ComponentRow& row(std::string_view component);  // mutex held
  Cell& component_cell(FamilyId family, std::string_view component, std::size_t variant);
  void drop_if_empty(std::string_view component);  // mutex held
  FamilyId add(std::unique_ptr<Family> family);
  static void add_variants(Family& family, std::string_view label,
                           std::span<const std::string_view> values);
  void render_family(std::string& out, FamilyId id) const;  // mutex held

  mutable std::mutex mutex_;
  std::vector<std::unique_ptr<Family>> families_;
  std::size_t component_cells_ = 0;       // cells a component row needs
  std::size_t component_histograms_ = 0;  // histogram slots a component row needs
  std::map<std::string, FamilyId, std::less<>> measurement_families_;
  std::map<std::string, std::unique_ptr<ComponentRow>, std::less<>> components_;
};

}  // namespace watchdog::core
