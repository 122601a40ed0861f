// The human summary printed on stdout: findings by severity, each with the
// CPU, task, start time as the trace prints it (so it can be grepped) and why.
#pragma once

#include <cstdio>

namespace ftlens {

struct AnalysisResult;

void write_text_summary(const AnalysisResult& result, std::FILE* out);

}  // namespace ftlens
