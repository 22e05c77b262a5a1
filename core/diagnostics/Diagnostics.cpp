#include "core/diagnostics/Diagnostics.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <regex>

#include "core/run/RunStore.h"
#include "core/util/Error.h"
#include "core/util/JsonFile.h"
#include "core/util/SafeFile.h"

namespace fs = std::filesystem;
using json = nlohmann::ordered_json;

namespace rgpb {

namespace {

std::string rowsPath(const std::string& run_dir) {
    return (fs::path(run_dir) / "diagnostics.jsonl").string();
}
fs::path diagDir(const std::string& run_dir) {
    return fs::path(run_dir) / "diagnostics";
}
std::string piecesPath(const std::string& run_dir) {
    return (diagDir(run_dir) / "tokens.json").string();
}
std::string snapshotPath(const std::string& run_dir, int64_t step) {
    return (diagDir(run_dir) / ("tokens-step-" + std::to_string(step) + ".json")).string();
}
std::string baselinePath(const std::string& run_dir, int stage) {
    return (diagDir(run_dir) / ("baseline-stage-" + std::to_string(stage) + ".json")).string();
}

// Non-finite numbers are written as null and read back as NaN.
json number(double v) {
    return std::isfinite(v) ? json(v) : json(nullptr);
}
json numbers(const std::vector<double>& values) {
    json a = json::array();
    for (double v : values)
        a.push_back(number(v));
    return a;
}
std::string dump(const json& j) {
    // Token pieces of a byte model may be cut inside a UTF-8 character: replaced, never fatal.
    return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

// Reading with messages that name the file (and line) and the key.
class Reader {
public:
    explicit Reader(std::string where) : where_(std::move(where)) {}

    const json& field(const json& obj, const char* key, const std::string& parent = "") const {
        if (!obj.is_object())
            fail(parent.empty() ? "expected a JSON object" : parent + ": expected an object");
        auto it = obj.find(key);
        if (it == obj.end())
            fail("missing key '" + name(parent, key) + "'");
        return *it;
    }
    double real(const json& obj, const char* key, const std::string& parent = "") const {
        const json& v = field(obj, key, parent);
        if (v.is_null())
            return std::numeric_limits<double>::quiet_NaN();
        if (!v.is_number())
            fail("key '" + name(parent, key) + "': expected a number or null");
        return v.get<double>();
    }
    int64_t integer(const json& obj, const char* key, const std::string& parent = "") const {
        const json& v = field(obj, key, parent);
        if (!v.is_number_integer())
            fail("key '" + name(parent, key) + "': expected an integer");
        return v.get<int64_t>();
    }
    std::size_t index(const json& obj, const char* key, const std::string& parent = "") const {
        const int64_t v = integer(obj, key, parent);
        if (v < 0)
            fail("key '" + name(parent, key) + "': expected a non-negative integer");
        return static_cast<std::size_t>(v);
    }
    std::string text(const json& obj, const char* key, const std::string& parent = "") const {
        const json& v = field(obj, key, parent);
        if (!v.is_string())
            fail("key '" + name(parent, key) + "': expected a string");
        return v.get<std::string>();
    }
    bool flag(const json& obj, const char* key, const std::string& parent = "") const {
        const json& v = field(obj, key, parent);
        if (!v.is_boolean())
            fail("key '" + name(parent, key) + "': expected true or false");
        return v.get<bool>();
    }
    const json& array(const json& obj, const char* key, const std::string& parent = "") const {
        const json& v = field(obj, key, parent);
        if (!v.is_array())
            fail("key '" + name(parent, key) + "': expected an array");
        return v;
    }
    std::vector<double> reals(const json& a, const std::string& key) const {
        std::vector<double> out;
        out.reserve(a.size());
        for (const json& v : a) {
            if (v.is_null())
                out.push_back(std::numeric_limits<double>::quiet_NaN());
            else if (v.is_number())
                out.push_back(v.get<double>());
            else
                fail("key '" + key + "': expected an array of numbers");
        }
        return out;
    }
    std::vector<std::string> strings(const json& a, const std::string& key) const {
        std::vector<std::string> out;
        out.reserve(a.size());
        for (const json& v : a) {
            if (!v.is_string())
                fail("key '" + key + "': expected an array of strings");
            out.push_back(v.get<std::string>());
        }
        return out;
    }
    [[noreturn]] void fail(const std::string& problem) const { throw InputError(where_, problem); }

private:
    static std::string name(const std::string& parent, const char* key) {
        return parent.empty() ? std::string(key) : parent + "." + key;
    }
    std::string where_;
};

json toJson(const DiagnosticsRow& r) {
    json j;
    j["step"] = r.step;
    j["stage"] = r.stage;
    j["stage_name"] = r.stage_name;
    j["method"] = r.method;
    j["beta"] = number(r.beta);
    j["probe_pairs"] = r.probe_pairs;
    j["seconds"] = number(r.seconds);
    json weights = json::array();
    for (const WeightDistribution& w : r.weights) {
        json o;
        o["term"] = w.term;
        o["formula"] = w.formula;
        o["q1"] = number(w.q1);
        o["median"] = number(w.median);
        o["q3"] = number(w.q3);
        o["values"] = numbers(w.values);
        weights.push_back(std::move(o));
    }
    j["weights"] = std::move(weights);
    const DisplacementInfo& d = r.displacement;
    json disp;
    disp["pairs"] = d.pairs;
    disp["share"] = number(d.share);
    disp["threshold"] = number(d.threshold);
    disp["alert"] = d.alert;
    json top = json::array();
    for (const DisplacedPair& p : d.top)
        top.push_back({{"pair", p.pair},
                       {"d_pos", number(p.d_pos)},
                       {"d_neg", number(p.d_neg)},
                       {"d_margin", number(p.d_margin)}});
    disp["top"] = std::move(top);
    j["displacement"] = std::move(disp);
    json grads = json::array();
    for (const GradientGroup& g : r.gradients)
        grads.push_back({{"name", g.name},
                         {"pos_norm", number(g.pos_norm)},
                         {"neg_norm", number(g.neg_norm)},
                         {"cosine", number(g.cosine)}});
    j["gradients"] = std::move(grads);
    return j;
}

DiagnosticsRow rowFromJson(const json& j, const Reader& in) {
    DiagnosticsRow r;
    r.step = in.integer(j, "step");
    r.stage = static_cast<int>(in.integer(j, "stage"));
    r.stage_name = in.text(j, "stage_name");
    r.method = in.text(j, "method");
    r.beta = in.real(j, "beta");
    r.probe_pairs = in.index(j, "probe_pairs");
    r.seconds = in.real(j, "seconds");
    for (const json& o : in.array(j, "weights")) {
        WeightDistribution w;
        w.term = in.text(o, "term", "weights[]");
        w.formula = in.text(o, "formula", "weights[]");
        w.q1 = in.real(o, "q1", "weights[]");
        w.median = in.real(o, "median", "weights[]");
        w.q3 = in.real(o, "q3", "weights[]");
        w.values = in.reals(in.array(o, "values", "weights[]"), "weights[].values");
        r.weights.push_back(std::move(w));
    }
    const json& d = in.field(j, "displacement");
    r.displacement.pairs = in.index(d, "pairs", "displacement");
    r.displacement.share = in.real(d, "share", "displacement");
    r.displacement.threshold = in.real(d, "threshold", "displacement");
    r.displacement.alert = in.flag(d, "alert", "displacement");
    for (const json& o : in.array(d, "top", "displacement")) {
        DisplacedPair p;
        p.pair = in.index(o, "pair", "displacement.top[]");
        p.d_pos = in.real(o, "d_pos", "displacement.top[]");
        p.d_neg = in.real(o, "d_neg", "displacement.top[]");
        p.d_margin = in.real(o, "d_margin", "displacement.top[]");
        r.displacement.top.push_back(p);
    }
    for (const json& o : in.array(j, "gradients")) {
        GradientGroup g;
        g.name = in.text(o, "name", "gradients[]");
        g.pos_norm = in.real(o, "pos_norm", "gradients[]");
        g.neg_norm = in.real(o, "neg_norm", "gradients[]");
        g.cosine = in.real(o, "cosine", "gradients[]");
        r.gradients.push_back(std::move(g));
    }
    return r;
}

// A whole JSON file (parse errors name the file).
json readJsonFile(const std::string& path) {
    return parseJson(readFile(path), path);
}

// Each row of diagnostics.jsonl with its line, skipping a torn last line.
template <typename F>
void forEachRow(const std::string& run_dir, F&& f) {
    const std::string path = rowsPath(run_dir);
    std::ifstream in(path);
    if (!in)
        return;
    std::string line;
    int64_t number = 0;
    while (std::getline(in, line)) {
        ++number;
        const bool last = in.peek() == std::char_traits<char>::eof();
        if (line.find_first_not_of(" \t\r") == std::string::npos)
            continue;
        const Reader reader(path + ":" + std::to_string(number));
        json j;
        try {
            j = json::parse(line);
        } catch (const json::exception& e) {
            // A process killed mid-write leaves a torn last line; elsewhere it is corruption.
            if (last)
                break;
            reader.fail("not valid JSON (" + jsonErrorDetail(e, false) + ")");
        }
        f(rowFromJson(j, reader));
    }
}

}  // namespace

void appendDiagnostics(const std::string& run_dir, const DiagnosticsRow& row) {
    AppendFile(rowsPath(run_dir)).write(dump(toJson(row)) + "\n");
}

std::vector<DiagnosticsRow> readDiagnostics(const std::string& run_dir) {
    std::vector<DiagnosticsRow> out;
    forEachRow(run_dir, [&](DiagnosticsRow r) { out.push_back(std::move(r)); });
    return out;
}

void writeTokenPieces(const std::string& run_dir, const std::vector<TokenPieces>& pieces) {
    json a = json::array();
    for (const TokenPieces& p : pieces)
        a.push_back({{"pair", p.pair}, {"pos", p.pos}, {"neg", p.neg}});
    json j;
    j["pairs"] = std::move(a);
    writeFileAtomic(piecesPath(run_dir), dump(j) + "\n");
}

std::vector<TokenPieces> readTokenPieces(const std::string& run_dir) {
    const std::string path = piecesPath(run_dir);
    std::vector<TokenPieces> out;
    std::error_code ec;
    if (!fs::exists(path, ec))
        return out;
    const json j = readJsonFile(path);
    const Reader in(path);
    for (const json& o : in.array(j, "pairs")) {
        TokenPieces p;
        p.pair = in.index(o, "pair", "pairs[]");
        p.pos = in.strings(in.array(o, "pos", "pairs[]"), "pairs[].pos");
        p.neg = in.strings(in.array(o, "neg", "pairs[]"), "pairs[].neg");
        out.push_back(std::move(p));
    }
    return out;
}

void writeTokenSnapshot(const std::string& run_dir, const TokenSnapshot& s) {
    if (s.pos.size() != s.pairs.size() || s.neg.size() != s.pairs.size())
        throw ArgumentError("writeTokenSnapshot", "snapshot", "pos and neg: one list per pair",
                            std::to_string(s.pairs.size()) + " pairs, " +
                                std::to_string(s.pos.size()) + " pos, " +
                                std::to_string(s.neg.size()) + " neg");
    json j;
    j["step"] = s.step;
    j["stage"] = s.stage;
    j["stage_start_step"] = s.stage_start_step;
    json a = json::array();
    for (std::size_t i = 0; i < s.pairs.size(); ++i)
        a.push_back({{"pair", s.pairs[i]}, {"pos", numbers(s.pos[i])}, {"neg", numbers(s.neg[i])}});
    j["pairs"] = std::move(a);
    writeFileAtomic(snapshotPath(run_dir, s.step), dump(j) + "\n");
}

std::vector<int64_t> listTokenSnapshots(const std::string& run_dir) {
    std::vector<int64_t> steps;
    std::error_code ec;
    const fs::path dir = diagDir(run_dir);
    if (!fs::is_directory(dir, ec))
        return steps;
    static const std::regex name("tokens-step-([0-9]{1,18})\\.json");
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
        std::smatch m;
        const std::string file = entry.path().filename().string();
        if (std::regex_match(file, m, name))
            steps.push_back(std::stoll(m[1].str()));
    }
    std::sort(steps.begin(), steps.end());
    return steps;
}

TokenSnapshot readTokenSnapshot(const std::string& run_dir, int64_t step) {
    const std::string path = snapshotPath(run_dir, step);
    const json j = readJsonFile(path);
    const Reader in(path);
    TokenSnapshot s;
    s.step = in.integer(j, "step");
    if (s.step != step)
        in.fail("key 'step': expected " + std::to_string(step) + " (the file's name), found " +
                std::to_string(s.step));
    s.stage = static_cast<int>(in.integer(j, "stage"));
    s.stage_start_step = in.integer(j, "stage_start_step");
    for (const json& o : in.array(j, "pairs")) {
        s.pairs.push_back(in.index(o, "pair", "pairs[]"));
        s.pos.push_back(in.reals(in.array(o, "pos", "pairs[]"), "pairs[].pos"));
        s.neg.push_back(in.reals(in.array(o, "neg", "pairs[]"), "pairs[].neg"));
    }
    return s;
}

void writeStageBaseline(const std::string& run_dir, const StageBaseline& b) {
    if (b.s_pos.size() != b.s_neg.size())
        throw ArgumentError(
            "writeStageBaseline", "baseline", "as many S- as S+ values",
            std::to_string(b.s_pos.size()) + " S+, " + std::to_string(b.s_neg.size()) + " S-");
    json j;
    j["stage"] = b.stage;
    j["step"] = b.step;
    j["s_pos"] = numbers(b.s_pos);
    j["s_neg"] = numbers(b.s_neg);
    writeFileAtomic(baselinePath(run_dir, b.stage), dump(j) + "\n");
}

bool readStageBaseline(const std::string& run_dir, int stage, StageBaseline& out) {
    const std::string path = baselinePath(run_dir, stage);
    std::error_code ec;
    if (!fs::exists(path, ec))
        return false;
    const json j = readJsonFile(path);
    const Reader in(path);
    StageBaseline b;
    b.stage = static_cast<int>(in.integer(j, "stage"));
    if (b.stage != stage)
        in.fail("key 'stage': expected " + std::to_string(stage) + " (the file's name), found " +
                std::to_string(b.stage));
    b.step = in.integer(j, "step");
    b.s_pos = in.reals(in.array(j, "s_pos"), "s_pos");
    b.s_neg = in.reals(in.array(j, "s_neg"), "s_neg");
    if (b.s_pos.size() != b.s_neg.size())
        in.fail("keys 's_pos' and 's_neg': expected as many values, found " +
                std::to_string(b.s_pos.size()) + " and " + std::to_string(b.s_neg.size()));
    out = std::move(b);
    return true;
}

void truncateDiagnosticsAfter(const std::string& run_dir, int64_t last_step) {
    std::error_code ec;
    if (fs::exists(rowsPath(run_dir), ec)) {
        std::string kept;
        forEachRow(run_dir, [&](const DiagnosticsRow& r) {
            if (r.step <= last_step)
                kept += dump(toJson(r)) + "\n";
        });
        writeFileAtomic(rowsPath(run_dir), kept);
    }
    auto remove = [](const fs::path& file) {
        std::error_code failed;
        if (!fs::remove(file, failed) && failed)
            throw Error("cannot remove " + file.string() + ": " + failed.message());
    };
    for (int64_t step : listTokenSnapshots(run_dir)) {
        if (step > last_step)
            remove(snapshotPath(run_dir, step));
    }
    const fs::path dir = diagDir(run_dir);
    if (!fs::is_directory(dir, ec))
        return;
    static const std::regex name("baseline-stage-([0-9]{1,9})\\.json");
    std::vector<int> stages;
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
        std::smatch m;
        const std::string file = entry.path().filename().string();
        if (std::regex_match(file, m, name))
            stages.push_back(std::stoi(m[1].str()));
    }
    for (int stage : stages) {
        StageBaseline b;
        if (readStageBaseline(run_dir, stage, b) && b.step > last_step)
            remove(baselinePath(run_dir, stage));
    }
}

}  // namespace rgpb
