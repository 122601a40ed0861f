// The JSON report of CONTRACT.md (schema 1).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "util/status.h"

namespace ftlens {

struct AnalysisResult;

nlohmann::ordered_json build_report(const AnalysisResult& result);
// The report as the file holds it (invalid UTF-8 in comms replaced by U+FFFD).
std::string render_report(const AnalysisResult& result);
// Writes the report to `path` ("-" for stdout); fails (kIo) naming the path.
Status write_report(const AnalysisResult& result, const std::string& path);

}  // namespace ftlens
