// Detector thresholds as named, typed, documented options, so that
// `--set DETECTOR.KEY=VALUE` and `--config` reach every one of them without
// each detector parsing text.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "parser/event.h"
#include "util/status.h"

namespace ftlens {

// "20s", "1.5s", "250ms", "100us", "40ns"; a bare number is seconds.
std::optional<TimeNs> parse_duration(std::string_view text);

struct Option {
  std::string_view key;          // "error"
  std::string_view description;  // what it means, with its unit and where the default comes from
  // Where the value lives inside the detector's config struct.
  std::variant<TimeNs*, bool*, std::vector<std::string>*, uint64_t*> target;

  // Sets the option from text; fails (kBadArgument) saying what was expected.
  Status set(std::string_view value) const;
  std::string current() const;
};

// Shell-style glob with '*' and '?', for kick patterns and task names.
bool glob_match(std::string_view pattern, std::string_view text);

}  // namespace ftlens
