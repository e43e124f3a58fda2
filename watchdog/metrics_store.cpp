#include "watchdog/metrics_store.h"

#include <algorithm>
#include <limits>
#include <stdexcept>

namespace watchdog::core {
namespace {

constexpr std::size_t kMaxHistogramBuckets = 32;  // +Inf included: a fixed array at render

}  // namespace

struct MetricsStore::Family {
  enum class Rows { Global, Component, ComponentHistogram, ComponentTagged, Probe, Measurement };
  Family(std::string name_, std::string help_, MetricType type_, Rows rows_)
      : name(std::move(name_)), help(std::move(help_)), type(type_), rows(rows_) {}
  std::string name;
  std::string help;
  MetricType type;
  Rows rows;
  std::size_t slot = 0;               // Component: first cell; ComponentHistogram: its index
  std::vector<std::string> variants;  // Component: a series per pre-rendered extra label
  std::span<const double> bounds;     // ComponentHistogram
  ProbeField field = ProbeField::Success;
  std::string measurement;                          // Measurement: the reported name
  std::map<std::string, Cell, std::less<>> global;  // Global: label text → value
};

struct MetricsStore::ComponentRow {
  std::string label;  // component="c"
  std::size_t cell_count = 0;
  std::unique_ptr<Cell[]> cells;
  std::vector<std::unique_ptr<HistogramCell>> histograms;  // null until first observed
  struct Tagged {
    FamilyId family;
    std::string labels;
    Cell cell;
  };
  std::vector<std::unique_ptr<Tagged>> tagged;
  std::vector<std::shared_ptr<ProbeRow>> probes;

  bool empty() const {
    const auto absent = [](const auto& c) { return !c.present(); };
    return probes.empty() && std::all_of(cells.get(), cells.get() + cell_count, absent) &&
           std::all_of(histograms.begin(), histograms.end(), [](const auto& h) { return !h; }) &&
           std::all_of(tagged.begin(), tagged.end(),
                       [](const auto& t) { return !t->cell.present(); });
  }
};

// --- cells ------------------------------------------------------------------------------------

// The value is stored before `present` (release) and read after it (acquire), and remove()
// leaves the value alone: a render that sees the series present never sees a value written by
// a removal (a removed timestamp read as 0 would make `time() - x` huge for one scrape).
void Cell::set(double value) noexcept {
  value_.store(value, std::memory_order_relaxed);
  present_.store(true, std::memory_order_release);
}

void Cell::add(double delta) noexcept {
  value_.fetch_add(delta, std::memory_order_relaxed);
  present_.store(true, std::memory_order_release);
}

void Cell::raise_to(double total) noexcept {
  if (total > value_.load(std::memory_order_relaxed))
    value_.store(total, std::memory_order_relaxed);
  present_.store(true, std::memory_order_release);
}

void Cell::remove() noexcept { present_.store(false, std::memory_order_release); }

void Cell::clear() noexcept {
  present_.store(false, std::memory_order_release);
  value_.store(0, std::memory_order_relaxed);
}

void Cell::copy_from(const Cell& other) noexcept {
  value_.store(other.value(), std::memory_order_relaxed);
  present_.store(other.present(), std::memory_order_relaxed);
}

HistogramCell::HistogramCell(std::span<const double> bounds)
    : bounds_(bounds), counts_(std::make_unique<std::atomic<std::uint64_t>[]>(bounds.size() + 1)) {
  if (bounds.size() >= kMaxHistogramBuckets)
    throw std::invalid_argument("too many histogram buckets");
}

void HistogramCell::observe(double value) noexcept {
  // Prometheus buckets count value <= le: the first bound not below the value.
  const auto bucket = std::lower_bound(bounds_.begin(), bounds_.end(), value) - bounds_.begin();
  counts_[static_cast<std::size_t>(bucket)].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(value, std::memory_order_relaxed);
}

void HistogramCell::append_to(std::string& out, std::string_view name,
                              std::initializer_list<std::string_view> labels) const {
  std::array<std::uint64_t, kMaxHistogramBuckets> cumulative{};
  const std::size_t buckets = bounds_.size() + 1;
  std::uint64_t total = 0;
  for (std::size_t i = 0; i < buckets; ++i) {
    total += counts_[i].load(std::memory_order_relaxed);
    cumulative[i] = total;
  }
  std::string joined;  // the series' labels, written once per line below
  for (std::string_view piece : labels) {
    if (piece.empty()) continue;
    if (!joined.empty()) joined += ',';
    joined += piece;
  }
  append_sample(out, name, "_count", {joined}, static_cast<double>(total));
  append_sample(out, name, "_sum", {joined}, sum_.load(std::memory_order_relaxed));
  for (std::size_t i = 0; i < buckets; ++i) {
    out += name;
    out += "_bucket{";
    out += joined;
    out += joined.empty() ? "le=\"" : ",le=\"";
    append_number(out, i < bounds_.size() ? bounds_[i] : std::numeric_limits<double>::infinity());
    out += "\"} ";
    append_number(out, static_cast<double>(cumulative[i]));
    out += '\n';
  }
}

ProbeRow::ProbeRow(std::string probe, std::string kind, std::span<const double> buckets)
    : probe_label(std::move(probe)), kind_label(std::move(kind)), duration(buckets) {
  success.set(0);
  last_run.set(0);
}

// --- families ---------------------------------------------------------------------------------

namespace {

std::string label_text(std::string_view name, std::string_view value) {
  std::string text;
  append_label(text, name, value);
  return text;
}

}  // namespace

void MetricsStore::add_variants(Family& family, std::string_view label,
                                std::span<const std::string_view> values) {
  for (std::string_view value : values) family.variants.push_back(label_text(label, value));
}

MetricsStore::MetricsStore() = default;
MetricsStore::~MetricsStore() = default;

MetricsStore::FamilyId MetricsStore::add(std::unique_ptr<Family> family) {
  std::lock_guard lock(mutex_);
  families_.push_back(std::move(family));
  return families_.size() - 1;
}

MetricsStore::FamilyId MetricsStore::add_global(std::string name, std::string help,
                                                MetricType type) {
  return add(
      std::make_unique<Family>(std::move(name), std::move(help), type, Family::Rows::Global));
}

MetricsStore::FamilyId MetricsStore::add_component(std::string name, std::string help,
                                                   MetricType type, std::string_view variant_label,
                                                   std::span<const std::string_view> variants) {
  auto family =
      std::make_unique<Family>(std::move(name), std::move(help), type, Family::Rows::Component);
  add_variants(*family, variant_label, variants);
  std::lock_guard lock(mutex_);
  family->slot = component_cells_;
  component_cells_ += std::max<std::size_t>(1, family->variants.size());
  families_.push_back(std::move(family));
  return families_.size() - 1;
}

MetricsStore::FamilyId MetricsStore::add_component_histogram(std::string name, std::string help,
                                                             std::span<const double> bounds) {
  auto family = std::make_unique<Family>(std::move(name), std::move(help), MetricType::Histogram,
                                         Family::Rows::ComponentHistogram);
  family->bounds = bounds;
  std::lock_guard lock(mutex_);
  family->slot = component_histograms_++;
  families_.push_back(std::move(family));
  return families_.size() - 1;
}

MetricsStore::FamilyId MetricsStore::add_component_tagged(std::string name, std::string help,
                                                          MetricType type) {
  return add(std::make_unique<Family>(std::move(name), std::move(help), type,
                                      Family::Rows::ComponentTagged));
}

MetricsStore::FamilyId MetricsStore::add_probe(std::string name, std::string help, MetricType type,
                                               ProbeField field, std::string_view variant_label,
                                               std::span<const std::string_view> variants) {
  auto family =
      std::make_unique<Family>(std::move(name), std::move(help), type, Family::Rows::Probe);
  family->field = field;
  add_variants(*family, variant_label, variants);
  return add(std::move(family));
}

Cell& MetricsStore::global(FamilyId family, std::string labels) {
  std::lock_guard lock(mutex_);
  return families_.at(family)->global.try_emplace(std::move(labels)).first->second;
}

// --- component rows ---------------------------------------------------------------------------

MetricsStore::ComponentRow& MetricsStore::row(std::string_view component) {
  auto it = components_.find(component);
  if (it == components_.end()) {
    auto created = std::make_unique<ComponentRow>();
    append_label(created->label, "component", component);
    it = components_.emplace(std::string(component), std::move(created)).first;
  }
  ComponentRow& found = *it->second;
  // Families added after the row was created (RecoveryMetrics, IncidentMetrics): grow it.
  if (found.cell_count < component_cells_) {
    auto cells = std::make_unique<Cell[]>(component_cells_);
    for (std::size_t i = 0; i < found.cell_count; ++i) cells[i].copy_from(found.cells[i]);
    found.cells = std::move(cells);
    found.cell_count = component_cells_;
  }
  found.histograms.resize(component_histograms_);
  return found;
}

Cell& MetricsStore::component_cell(FamilyId family, std::string_view component,
                                   std::size_t variant) {
  return row(component).cells[families_.at(family)->slot + variant];
}

void MetricsStore::set(FamilyId family, std::string_view component, double value,
                       std::size_t variant) {
  std::lock_guard lock(mutex_);
  component_cell(family, component, variant).set(value);
}

void MetricsStore::add(FamilyId family, std::string_view component, double delta,
                       std::size_t variant) {
  std::lock_guard lock(mutex_);
  component_cell(family, component, variant).add(delta);
}

void MetricsStore::observe(FamilyId family, std::string_view component, double value) {
  std::lock_guard lock(mutex_);
  const Family& f = *families_.at(family);
  auto& histogram = row(component).histograms[f.slot];
  if (!histogram) histogram = std::make_unique<HistogramCell>(f.bounds);
  histogram->observe(value);
}

void MetricsStore::add_tagged(FamilyId family, std::string_view component, std::string labels,
                              double delta) {
  std::lock_guard lock(mutex_);
  auto& tagged = row(component).tagged;
  auto it = std::find_if(tagged.begin(), tagged.end(),
                         [&](const auto& t) { return t->family == family && t->labels == labels; });
  if (it == tagged.end()) {
    tagged.push_back(std::make_unique<ComponentRow::Tagged>());
    it = tagged.end() - 1;
    (*it)->family = family;
    (*it)->labels = std::move(labels);
  }
  (*it)->cell.add(delta);
}

void MetricsStore::remove(FamilyId family, std::string_view component, std::size_t variant) {
  std::lock_guard lock(mutex_);
  auto it = components_.find(component);
  if (it == components_.end()) return;
  ComponentRow& r = *it->second;
  const Family& f = *families_.at(family);
  switch (f.rows) {
    case Family::Rows::Component:
      if (f.slot + variant < r.cell_count) r.cells[f.slot + variant].clear();
      break;
    case Family::Rows::ComponentHistogram:
      if (f.slot < r.histograms.size()) r.histograms[f.slot].reset();
      break;
    case Family::Rows::ComponentTagged:
      std::erase_if(r.tagged, [&](const auto& t) { return t->family == family; });
      break;
    default:
      break;
  }
  drop_if_empty(component);
}

void MetricsStore::drop_if_empty(std::string_view component) {
  auto it = components_.find(component);
  if (it != components_.end() && it->second->empty()) components_.erase(it);
}

// --- probe rows -------------------------------------------------------------------------------

std::shared_ptr<ProbeRow> MetricsStore::probe(std::string_view component, std::string_view probe,
                                              std::string_view kind,
                                              std::span<const double> buckets) {
  auto probe_label = label_text("probe", probe);
  auto kind_label = label_text("kind", kind);
  std::lock_guard lock(mutex_);
  auto& probes = row(component).probes;
  for (const auto& existing : probes) {
    if (existing->probe_label == probe_label && existing->kind_label == kind_label) return existing;
  }
  return probes.emplace_back(
      std::make_shared<ProbeRow>(std::move(probe_label), std::move(kind_label), buckets));
}

Cell& MetricsStore::add_measurement(ProbeRow& row, std::string_view name, MetricType type,
                                    std::string help) {
  std::lock_guard lock(mutex_);
  auto it = measurement_families_.find(name);
  if (it == measurement_families_.end()) {
    auto family = std::make_unique<Family>("watchdog_" + std::string(name), std::move(help), type,
                                           Family::Rows::Measurement);
    family->measurement = std::string(name);
    families_.push_back(std::move(family));
    it = measurement_families_.emplace(std::string(name), families_.size() - 1).first;
  }
  const FamilyId id = it->second;
  auto cell = std::make_unique<ProbeRow::Measurement>();
  cell->family = id;
  cell->name = families_[id]->measurement;
  return row.measurements.emplace_back(std::move(cell))->cell;
}

void MetricsStore::forget_probe(std::string_view component, std::string_view probe,
                                std::string_view kind) {
  const auto probe_label = label_text("probe", probe);
  const auto kind_label = label_text("kind", kind);
  std::lock_guard lock(mutex_);
  auto it = components_.find(component);
  if (it == components_.end()) return;
  std::erase_if(it->second->probes, [&](const auto& p) {
    return p->probe_label == probe_label && p->kind_label == kind_label;
  });
  drop_if_empty(component);
}

void MetricsStore::forget_probes(std::string_view component) {
  std::lock_guard lock(mutex_);
  auto it = components_.find(component);
  if (it == components_.end()) return;
  it->second->probes.clear();
  drop_if_empty(component);
}

// --- exposition -------------------------------------------------------------------------------

void MetricsStore::render(std::string& out) const {
  std::size_t families = 0;
  {
    std::lock_guard lock(mutex_);
    families = families_.size();
  }
  // One family at a time: observation and updates wait at most one family's worth of text.
  for (FamilyId id = 0; id < families; ++id) {
    std::lock_guard lock(mutex_);
    render_family(out, id);
  }
}

void MetricsStore::render_family(std::string& out, FamilyId id) const {
  const Family& f = *families_[id];
  const std::size_t header_at = out.size();
  append_family_header(out, f.name, f.help, f.type);
  const std::size_t samples_at = out.size();
  const auto cell = [&](const Cell& c, std::initializer_list<std::string_view> labels) {
    if (c.present()) append_sample(out, f.name, "", labels, c.value());
  };
  switch (f.rows) {
    case Family::Rows::Global:
      for (const auto& [labels, c] : f.global) cell(c, {labels});
      break;
    case Family::Rows::Component:
      for (const auto& [name, r] : components_) {
        if (f.variants.empty()) {
          if (f.slot < r->cell_count) cell(r->cells[f.slot], {r->label});
          continue;
        }
        for (std::size_t v = 0; v < f.variants.size() && f.slot + v < r->cell_count; ++v) {
          cell(r->cells[f.slot + v], {r->label, f.variants[v]});
        }
      }
      break;
    case Family::Rows::ComponentHistogram:
      for (const auto& [name, r] : components_) {
        if (f.slot < r->histograms.size() && r->histograms[f.slot]) {
          r->histograms[f.slot]->append_to(out, f.name, {r->label});
        }
      }
      break;
    case Family::Rows::ComponentTagged:
      for (const auto& [name, r] : components_) {
        for (const auto& t : r->tagged) {
          if (t->family == id) cell(t->cell, {r->label, t->labels});
        }
      }
      break;
    case Family::Rows::Probe:
      for (const auto& [name, r] : components_) {
        for (const auto& p : r->probes) {
          switch (f.field) {
            case ProbeField::Success:
              cell(p->success, {r->label, p->probe_label, p->kind_label});
              break;
            case ProbeField::LastRun:
              cell(p->last_run, {r->label, p->probe_label, p->kind_label});
              break;
            case ProbeField::DurationSeconds:
              p->duration.append_to(out, f.name, {r->label, p->probe_label, p->kind_label});
              break;
            case ProbeField::Runs:
              for (std::size_t s = 0; s < p->runs.size() && s < f.variants.size(); ++s) {
                cell(p->runs[s], {r->label, p->probe_label, p->kind_label, f.variants[s]});
              }
              break;
          }
        }
      }
      break;
    case Family::Rows::Measurement:
      for (const auto& [name, r] : components_) {
        for (const auto& p : r->probes) {
          for (const auto& m : p->measurements) {
            if (m->family == id) cell(m->cell, {r->label, p->probe_label});
          }
        }
      }
      break;
  }
  if (out.size() == samples_at) out.resize(header_at);  // no series: no family
}

}  // namespace watchdog::core
