#include "probes/disk_trend.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <nlohmann/json.hpp>

namespace watchdog::probes {
namespace {
constexpr std::int64_t kLatestMs = 9'000'000'000'000;
}  // namespace

DiskTrend::DiskTrend(std::chrono::milliseconds window, std::size_t max_samples)
    : window_(window), max_samples_(std::max(max_samples, kMinSamples)) {}

void DiskTrend::add(TimePoint at, double available_bytes,
                    std::optional<std::chrono::nanoseconds> never_stepped) {
  if (never_stepped && last_added_) {
    const auto wall = at - last_added_->first;
    const auto steady = *never_stepped - last_added_->second;
    if (wall - steady > kMaxClockStep) samples_.clear();  // stepped forward: start afresh
  }
  if (never_stepped) last_added_.emplace(at, *never_stepped);
  while (!samples_.empty() && samples_.back().at > at) samples_.pop_back();
  // Within what restore() accepts, so that a history always survives its own memory.
  const double bytes = std::min(std::max(available_bytes, 0.0), std::nextafter(kMaxBytes, 0.0));
  samples_.push_back({at, bytes});
  prune(at);
  thin();
}

void DiskTrend::prune(TimePoint newest) {
  const auto oldest_kept = newest - window_;
  const auto first_kept = std::find_if(samples_.begin(), samples_.end(),
                                       [&](const Sample& s) { return s.at >= oldest_kept; });
  samples_.erase(samples_.begin(), first_kept);
}

// One over the cap (each add()): drop one sample, O(n). Further over (a restored history):
// one pass, O(n) too, instead of one sample per pass.
void DiskTrend::thin() {
  if (samples_.size() == max_samples_ + 1) {
    drop_narrowest();
  } else if (samples_.size() > max_samples_) {
    keep_evenly_spaced();
  }
}

// Drops the inner sample whose neighbours are closest together: where samples are densest (a
// burst of re-checks, a shorter interval before a reload) they go first, and the first and
// last stay, so the span is kept.
void DiskTrend::drop_narrowest() {
  std::size_t drop = 1;
  auto narrowest = samples_[2].at - samples_[0].at;
  for (std::size_t i = 2; i + 1 < samples_.size(); ++i) {
    const auto gap = samples_[i + 1].at - samples_[i - 1].at;
    if (gap < narrowest) {
      narrowest = gap;
      drop = i;
    }
  }
  samples_.erase(samples_.begin() + static_cast<std::ptrdiff_t>(drop));
}

// Keeps max_samples_ samples at evenly spaced indices, the first and the last among them.
void DiskTrend::keep_evenly_spaced() {
  const std::size_t last = samples_.size() - 1;
  const std::size_t steps = max_samples_ - 1;
  std::vector<Sample> kept;
  kept.reserve(max_samples_);
  for (std::size_t k = 0; k <= steps; ++k) kept.push_back(samples_[k * last / steps]);
  samples_ = std::move(kept);
}

std::optional<DiskTrend::Estimate> DiskTrend::estimate() const {
  if (samples_.size() < kMinSamples) return std::nullopt;
  const auto origin = samples_.front().at;
  const Seconds span = samples_.back().at - origin;
  const auto min_span = window_ * kMinSpanPercent / 100;
  if (span.count() <= 0 || span < min_span) return std::nullopt;
  // Least squares on centred values: x in seconds since the first sample, y in bytes.
  const double n = static_cast<double>(samples_.size());
  double mean_x = 0, mean_y = 0;
  for (const auto& s : samples_) {
    mean_x += Seconds(s.at - origin).count() / n;
    mean_y += s.available_bytes / n;
  }
  double sxx = 0, sxy = 0;
  for (const auto& s : samples_) {
    const double dx = Seconds(s.at - origin).count() - mean_x;
    sxx += dx * dx;
    sxy += dx * (s.available_bytes - mean_y);
  }
  if (sxx <= 0) return std::nullopt;
  const double growth = -sxy / sxx;  // available bytes shrink as the disk fills
  if (!(growth > 0) || !std::isfinite(growth)) return std::nullopt;
  const double available = samples_.back().available_bytes;
  return Estimate{growth, Seconds(available / growth), span};
}

std::string DiskTrend::encode(const std::string& of) const {
  nlohmann::json samples = nlohmann::json::array();
  for (const auto& s : samples_) {
    samples.push_back(
        {std::chrono::duration_cast<std::chrono::milliseconds>(s.at.time_since_epoch()).count(),
         std::llround(s.available_bytes)});
  }
  return nlohmann::json{{"of", of}, {"samples", std::move(samples)}}.dump();
}

bool DiskTrend::restore(std::string_view encoded, const std::string& of) {
  const auto doc = nlohmann::json::parse(encoded, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object()) return false;
  const auto tag = doc.find("of");
  if (tag == doc.end() || !tag->is_string() || tag->get<std::string>() != of) return false;
  const auto found = doc.find("samples");
  if (found == doc.end() || !found->is_array()) return false;
  if (found->size() > kMaxRestoredFactor * max_samples_) return false;
  std::vector<Sample> read;
  read.reserve(found->size());
  for (const auto& pair : *found) {
    if (!pair.is_array() || pair.size() != 2 || !pair[0].is_number_integer() ||
        !pair[1].is_number()) {
      return false;
    }
    // Epoch milliseconds a system_clock time point can hold (nanoseconds up to 2262).
    const auto ms = pair[0].get<std::int64_t>();
    const double bytes = pair[1].get<double>();
    if (ms < 0 || ms > kLatestMs || !(bytes >= 0 && bytes < kMaxBytes)) return false;
    read.push_back({TimePoint(std::chrono::milliseconds(ms)), bytes});
  }
  std::stable_sort(read.begin(), read.end(),
                   [](const Sample& a, const Sample& b) { return a.at < b.at; });
  samples_ = std::move(read);
  last_added_.reset();
  if (!samples_.empty()) prune(samples_.back().at);
  thin();
  return true;
}

}  // namespace watchdog::probes
