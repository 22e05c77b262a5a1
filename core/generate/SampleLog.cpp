#include "core/generate/SampleLog.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/run/RunStore.h"
#include "core/util/Error.h"
#include "core/util/JsonFile.h"
#include "core/util/SafeFile.h"

namespace fs = std::filesystem;

namespace rgpb {

namespace {

std::string samplesPath(const std::string& run_dir) {
    return (fs::path(run_dir) / "samples.jsonl").string();
}

std::string line(int64_t step, int stage, const GenerationSample& s) {
    nlohmann::ordered_json j;
    j["step"] = step;
    j["stage"] = stage;
    j["prompt"] = s.prompt;
    j["response"] = s.response;
    if (s.correct)
        j["correct"] = *s.correct;
    else
        j["correct"] = nullptr;
    // A byte model can stop inside a UTF-8 character: replace invalid bytes, never fail.
    return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

void appendSamples(const std::string& run_dir, const SamplesReport& report) {
    const std::string path = samplesPath(run_dir);
    std::string lines;
    for (const GenerationSample& s : report.samples)
        lines += line(report.step, report.stage, s) + "\n";
    AppendFile(path).write(lines);
}

std::vector<SamplesReport> readSamples(const std::string& run_dir) {
    const std::string path = samplesPath(run_dir);
    std::vector<SamplesReport> out;
    if (!fs::exists(path))
        return out;
    const std::string text = readFile(path);
    std::size_t start = 0;
    int64_t number = 0;
    while (start < text.size()) {
        const std::size_t end = text.find('\n', start);
        ++number;
        if (end == std::string::npos)
            break;  // unterminated last line: still being written
        const std::string l = text.substr(start, end - start);
        start = end + 1;
        if (l.find_first_not_of(" \t\r") == std::string::npos)
            continue;
        const std::string where = path + ":" + std::to_string(number);
        const nlohmann::json j = parseJson(l, where);
        if (!j.is_object() || !j.contains("step") || !j["step"].is_number_integer() ||
            !j.contains("prompt") || !j["prompt"].is_string() || !j.contains("response") ||
            !j["response"].is_string()) {
            throw InputError(where,
                             "expected {\"step\": int, \"stage\": int, \"prompt\": string, "
                             "\"response\": string, \"correct\": bool or null}");
        }
        const int64_t step = j["step"].get<int64_t>();
        const int stage =
            j.contains("stage") && j["stage"].is_number_integer() ? j["stage"].get<int>() : 0;
        GenerationSample s;
        s.prompt = j["prompt"].get<std::string>();
        s.response = j["response"].get<std::string>();
        if (j.contains("correct") && j["correct"].is_boolean())
            s.correct = j["correct"].get<bool>();
        if (out.empty() || out.back().step != step || out.back().stage != stage) {
            out.emplace_back();
            out.back().step = step;
            out.back().stage = stage;
        }
        out.back().samples.push_back(std::move(s));
    }
    return out;
}

void truncateSamplesAfter(const std::string& run_dir, int64_t last_step) {
    const std::string path = samplesPath(run_dir);
    if (!fs::exists(path))
        return;
    std::ostringstream kept;
    for (const SamplesReport& r : readSamples(run_dir)) {
        if (r.step > last_step)
            continue;
        for (const GenerationSample& s : r.samples)
            kept << line(r.step, r.stage, s) << "\n";
    }
    writeFileAtomic(path, kept.str());
}

}  // namespace rgpb
