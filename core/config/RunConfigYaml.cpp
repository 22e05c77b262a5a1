#include "core/config/RunConfig.h"

#include <yaml-cpp/yaml.h>

#include <cmath>
#include <deque>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "core/config/ConfigFields.h"
#include "core/model/ModelShape.h"
#include "core/train/ModelSource.h"
#include "core/util/Error.h"

#include "core/config/YamlSection.h"

namespace fs = std::filesystem;

namespace rgpb {
namespace {

using Section = YamlSection;

std::string location(const std::string& source, const YAML::Mark& mark) {
    return yamlLocation(source, mark);
}

ObjectiveSpec parseMethod(Section& stage, double beta) {
    YAML::Node m = stage.raw("method");
    if (!m || m.IsNull()) {
        stage.failKey("method", stage.node(),
                      "missing: every stage needs a method (" + objectiveKindList() +
                          ", or a mix like {dpo: 1, mle: 0.2})");
    }
    ObjectiveSpec spec;
    auto term = [&](const std::string& name, double weight, const YAML::Node& at) {
        ObjectiveTerm t;
        try {
            t.kind = parseObjectiveKind(name);
        } catch (const ArgumentError&) {
            stage.failKey("method", at,
                          "expected one of " + objectiveKindList() + ", got '" + name + "'");
        }
        t.weight = weight;
        t.beta = beta;
        spec.terms.push_back(t);
    };
    if (m.IsScalar()) {
        term(m.Scalar(), 1.0, m);
    } else if (m.IsMap()) {
        for (auto it = m.begin(); it != m.end(); ++it) {
            double w = 0;
            try {
                w = it->second.as<double>();
            } catch (const YAML::Exception&) {
                stage.failKey("method." + it->first.Scalar(), it->second,
                              "expected a weight (number), got '" + it->second.Scalar() + "'");
            }
            term(it->first.Scalar(), w, it->first);
        }
        if (spec.terms.empty())
            stage.failKey("method", m, "expected at least one objective");
    } else {
        stage.failKey("method", m, "expected a method name or a mapping {method: weight}");
    }
    return spec;
}

StageConfig parseStage(const YAML::Node& node, std::size_t index, const std::string& source) {
    Section s(node, "stages." + std::to_string(index), source);
    StageConfig st;
    double beta = s.number("beta", 0.1, 0.0, 1e6, true);
    st.objective = parseMethod(s, beta);
    st.steps = s.integer("steps", 0, 0, 100000000);
    st.epochs = s.number("epochs", 0.0, 0.0, 1e6);
    if (st.steps == 0 && st.epochs == 0) {
        s.failKey("steps", node, "missing: give the stage 'steps' (optimizer steps) or 'epochs'");
    }
    if (s.raw("lr") && !s.raw("lr").IsNull())
        st.lr = s.number("lr", 0.0, 0.0, 10.0, true);
    Section dpo = s.child("dpo");
    DpoOptions opts;
    opts.label_smoothing = dpo.number("label_smoothing", 0.0, 0.0, 0.49);
    opts.reference_free = dpo.boolean("reference_free", false);
    opts.ipo = dpo.boolean("ipo", false);
    st.on_the_fly_reference = dpo.boolean("on_the_fly_reference", false);
    dpo.finish();
    Section ul = s.child("ul");
    double max_prob = ul.number("max_prob", 1.0 - 1e-6, 0.0, 1.0, true);
    if (max_prob >= 1.0)
        ul.failKey("max_prob", ul.raw("max_prob"), "expected a value < 1");
    ul.finish();
    for (ObjectiveTerm& t : st.objective.terms) {
        t.dpo = opts;
        t.ul_max_prob = max_prob;
    }
    try {
        validate(st.objective);
    } catch (const ArgumentError& e) {
        s.fail(node, e.what());
    }
    st.name = s.text("name", st.objective.describe());
    s.finish();
    return st;
}

// The sections of a run config being read, by path ("", "data", "data.synthetic"), created
// on first use so that every section's unknown keys are reported once all fields are read.
class Sections {
public:
    Sections(const YAML::Node& root, const std::string& source, const std::string& prefix = "") {
        sections_.emplace_back("", Section(root, prefix, source));
    }
    Section& at(const std::string& path) {
        for (auto& [p, s] : sections_) {
            if (p == path)
                return s;
        }
        const auto dot = path.rfind('.');
        const std::string parent = dot == std::string::npos ? "" : path.substr(0, dot);
        const std::string name = dot == std::string::npos ? path : path.substr(dot + 1);
        Section child = at(parent).child(name);
        sections_.emplace_back(path, std::move(child));
        return sections_.back().second;
    }
    void finish() const {
        for (const auto& [p, s] : sections_)
            s.finish();
    }

private:
    std::deque<std::pair<std::string, Section>> sections_;
};

// model.from: a Hugging Face folder, a run folder or a checkpoint folder with its weights and
// tokenizer (core/train/ModelSource.h), made absolute; it excludes the shape keys.
void readModelFrom(Section& m, RunConfig& c) {
    YAML::Node from = m.raw("from");
    if (!from || from.IsNull())
        return;
    c.model.from = m.text("from", "");
    if (const std::string problem = modelSourceProblem(c.model.from); !problem.empty())
        m.failKey("from", from, problem);
    std::error_code ec;
    fs::path dir = fs::absolute(c.model.from, ec).lexically_normal();
    if (dir.filename().empty())
        dir = dir.parent_path();  // "runs/x/" -> "runs/x"
    c.model.from = dir.string();
    for (const ConfigField& f : configFields()) {
        if (configKeySection(f.key) != "model" || f.key == "model.from")
            continue;
        YAML::Node n = m.raw(configKeyName(f.key));
        if (n && !n.IsNull())
            m.failKey(configKeyName(f.key), n,
                      "not allowed with model.from (the shape comes from the model it names: "
                      "its config.json, or the run's config.yaml)");
    }
    c.tokenizer.kind = "model";  // the default with model.from
}

// The rules that tie fields together.
void checkAcrossFields(Sections& sections, const YAML::Node& root, const RunConfig& c) {
    Section& d = sections.at("data");
    if (c.data.max_prompt_length + 4 > c.data.max_length) {
        d.failKey("max_prompt_length",
                  d.raw("max_prompt_length") ? d.raw("max_prompt_length") : root,
                  "must leave room for a response: max_prompt_length + 4 <= max_length (" +
                      std::to_string(c.data.max_length) + ")");
    }
    if (c.eval.split == "validation" && c.data.validation_pairs <= 0) {
        Section& e = sections.at("eval");
        e.failKey("split", e.raw("split"),
                  "'validation' needs data.validation_pairs > 0 (pairs held out of training)");
    }
    if (c.distributed.nproc > 1 && c.optimizer.batch_size % c.distributed.nproc != 0) {
        Section& o = sections.at("optimizer");
        o.failKey("batch_size", o.raw("batch_size") ? o.raw("batch_size") : root,
                  "a data-parallel run splits every batch evenly across its distributed.nproc = " +
                      std::to_string(c.distributed.nproc) + " processes: expected a multiple of " +
                      std::to_string(c.distributed.nproc) + ", got " +
                      std::to_string(c.optimizer.batch_size));
    }
    if (c.model.from.empty()) {
        std::string key;
        if (const std::string p = modelSectionProblem(c.model, key); !p.empty()) {
            Section& m = sections.at("model");
            m.failKey(key, m.raw(key) ? m.raw(key) : root, p);
        }
    }
    Section& t = sections.at("tokenizer");
    if (!c.model.from.empty() && c.tokenizer.kind != "model") {
        t.failKey("kind", t.raw("kind"),
                  "model.from brings its own tokenizer (" + c.model.from +
                      "); remove tokenizer.kind or set it to 'model'");
    }
    if (c.model.from.empty() && c.tokenizer.kind == "model")
        t.failKey("kind", t.raw("kind"), "'model' (the model's own tokenizer) needs model.from");
}

RunConfig parseNode(const YAML::Node& root, const std::string& source,
                    const std::string& prefix = "", bool with_stages = true) {
    Sections sections(root, source, prefix);
    RunConfig c;
    readModelFrom(sections.at("model"), c);
    for (const ConfigField& f : configFields()) {
        if (f.key == "model.from")
            continue;
        Section& s = sections.at(configKeySection(f.key));
        f.set(c, s.field(configKeyName(f.key), f, f.get(c)));
    }
    // `bf16: true|false` (before `precision`) still reads: true is precision bf16.
    if (Section& top = sections.at(""); top.has("bf16") && top.boolean("bf16", false)) {
        if (top.has("precision") && c.precision != "bf16")
            top.failKey("bf16", top.raw("bf16"), "contradicts precision: " + c.precision);
        c.precision = "bf16";
    }
    checkAcrossFields(sections, root, c);

    Section& top = sections.at("");
    YAML::Node stages = top.raw("stages");
    if (!with_stages) {
        if (stages && !stages.IsNull())
            top.failKey("stages", stages, "not allowed here (the study makes every run's stage)");
        sections.finish();
        return c;
    }
    if (!stages || stages.IsNull()) {
        top.fail(root,
                 "missing key 'stages': a list of training stages, e.g. "
                 "[{method: exmate, beta: 0.5, steps: 400}]");
    }
    if (!stages.IsSequence() || stages.size() == 0) {
        top.failKey("stages", stages, "expected a non-empty list of stages");
    }
    for (std::size_t i = 0; i < stages.size(); ++i) {
        c.stages.push_back(parseStage(stages[i], i, source));
        if (const std::string problem = stageDataProblem(c.data, c.stages.back().objective);
            !problem.empty()) {
            Section stage(stages[i], "stages." + std::to_string(i), source);
            stage.failKey("method", stages[i]["method"], problem);
        }
    }
    sections.finish();
    return c;
}

YAML::Node loadYaml(const std::string& text, const std::string& source) {
    try {
        YAML::Node n = YAML::Load(text);
        if (!n || n.IsNull())
            throw InputError(source, "the file is empty: expected a run configuration");
        if (!n.IsMap())
            throw InputError(location(source, n.Mark()),
                             "expected a mapping of keys at the top level");
        return n;
    } catch (const YAML::ParserException& e) {
        throw InputError(location(source, e.mark), "YAML syntax error: " + e.msg);
    }
}

// A copy of `n` whose nodes carry no position: what a --set value holds is reported as
// "(--set)", never at the line and column of the value's own one-line text (which yaml-cpp
// gives as 1:1 of the preset).
YAML::Node withoutPositions(const YAML::Node& n) {
    if (n.IsScalar())
        return YAML::Node(n.Scalar());
    if (n.IsSequence()) {
        YAML::Node out(YAML::NodeType::Sequence);
        for (const YAML::Node& item : n)
            out.push_back(withoutPositions(item));
        return out;
    }
    if (n.IsMap()) {
        YAML::Node out(YAML::NodeType::Map);
        for (const auto& kv : n)
            out[withoutPositions(kv.first)] = withoutPositions(kv.second);
        return out;
    }
    return YAML::Node(YAML::NodeType::Null);
}

void applyOverride(YAML::Node root, const std::string& assignment, const std::string& source) {
    auto eq = assignment.find('=');
    if (eq == std::string::npos || eq == 0) {
        throw InputError(source, "--set '" + assignment + "': expected key.path=value");
    }
    std::string path = assignment.substr(0, eq), value = assignment.substr(eq + 1);
    std::vector<std::string> parts;
    std::stringstream ss(path);
    for (std::string p; std::getline(ss, p, '.');)
        parts.push_back(p);
    // Walk with reset() semantics: YAML::Node assignment would overwrite, so keep handles.
    std::vector<YAML::Node> chain{root};
    for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
        YAML::Node cur = chain.back();
        YAML::Node next;
        if (cur.IsSequence()) {
            std::size_t idx = 0;
            try {
                idx = std::stoul(parts[i]);
            } catch (const std::exception&) {
                throw InputError(source,
                                 "--set " + path + ": '" + parts[i] + "' must be a list index");
            }
            if (idx >= cur.size()) {
                throw InputError(source, "--set " + path + ": index " + parts[i] +
                                             " is past the end (" + std::to_string(cur.size()) +
                                             " entries)");
            }
            next = cur[idx];
        } else {
            next = cur[parts[i]];
            if (!next.IsDefined() || next.IsNull()) {
                // A section the file leaves out ("data.synthetic.count=10" with no data:).
                cur[parts[i]] = YAML::Node(YAML::NodeType::Map);
                next = cur[parts[i]];
            }
        }
        chain.push_back(next);
    }
    YAML::Node parsed;
    try {
        parsed = YAML::Load(value);
    } catch (const YAML::Exception& e) {
        throw InputError(source, "--set " + path + ": value '" + value + "' is not valid YAML");
    }
    // A value from --set (a scalar, a list, a mapping) gets fresh nodes without positions, so
    // problems with it are reported as "(--set)" rather than at line 1 of the preset.
    parsed = withoutPositions(parsed);
    YAML::Node last = chain.back();
    if (last.IsSequence()) {
        std::size_t idx = 0;
        try {
            idx = std::stoul(parts.back());
        } catch (const std::exception&) {
            throw InputError(source,
                             "--set " + path + ": '" + parts.back() + "' must be a list index");
        }
        if (idx >= last.size())
            throw InputError(source, "--set " + path + ": index " + parts.back() +
                                         " is past the end (" + std::to_string(last.size()) +
                                         " entries)");
        last[idx] = parsed;
    } else if (last.IsMap() || last.IsNull()) {
        last[parts.back()] = parsed;
    } else {
        throw InputError(source, "--set " + path + ": '" +
                                     path.substr(0, path.size() - parts.back().size() - 1) +
                                     "' is a single value, not a section with keys");
    }
}

void emitStage(YAML::Emitter& out, const StageConfig& s) {
    out << YAML::BeginMap;
    out << YAML::Key << "name" << YAML::Value << s.name;
    const ObjectiveSpec& o = s.objective;
    if (o.terms.size() == 1 && o.terms[0].weight == 1.0) {
        out << YAML::Key << "method" << YAML::Value << objectiveKindName(o.terms[0].kind);
    } else {
        out << YAML::Key << "method" << YAML::Value << YAML::Flow << YAML::BeginMap;
        for (const ObjectiveTerm& t : o.terms) {
            out << YAML::Key << objectiveKindName(t.kind) << YAML::Value
                << shortestNumberText(t.weight);
        }
        out << YAML::EndMap;
    }
    const ObjectiveTerm& first = o.terms.front();
    out << YAML::Key << "beta" << YAML::Value << shortestNumberText(first.beta);
    out << YAML::Key << "steps" << YAML::Value << s.steps;
    out << YAML::Key << "epochs" << YAML::Value << shortestNumberText(s.epochs);
    if (s.lr)
        out << YAML::Key << "lr" << YAML::Value << shortestNumberText(*s.lr);
    out << YAML::Key << "dpo" << YAML::Value << YAML::Flow << YAML::BeginMap;
    out << YAML::Key << "label_smoothing" << YAML::Value
        << shortestNumberText(first.dpo.label_smoothing);
    out << YAML::Key << "reference_free" << YAML::Value << first.dpo.reference_free;
    out << YAML::Key << "ipo" << YAML::Value << first.dpo.ipo;
    out << YAML::Key << "on_the_fly_reference" << YAML::Value << s.on_the_fly_reference;
    out << YAML::EndMap;
    out << YAML::Key << "ul" << YAML::Value << YAML::Flow << YAML::BeginMap;
    out << YAML::Key << "max_prob" << YAML::Value << shortestNumberText(first.ul_max_prob);
    out << YAML::EndMap;
    out << YAML::EndMap;
}

}  // namespace

RunConfig parseRunConfigNode(const YAML::Node& node, const std::string& source,
                             const std::string& prefix, bool with_stages) {
    try {
        return parseNode(node, source, prefix, with_stages);
    } catch (const YAML::Exception& e) {
        throw InputError(location(source, e.mark), e.msg);
    }
}

RunConfig parseRunConfig(const std::string& yaml_text, const std::string& source) {
    return parseRunConfig(yaml_text, source, {});
}

RunConfig parseRunConfig(const std::string& yaml_text, const std::string& source,
                         const std::vector<std::string>& overrides) {
    YAML::Node root = loadYaml(yaml_text, source);
    try {
        for (const std::string& o : overrides)
            applyOverride(root, o, source);
        return parseNode(root, source);
    } catch (const YAML::Exception& e) {
        throw InputError(location(source, e.mark), e.msg);
    }
}

RunConfig loadRunConfig(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw InputError(path, "cannot open the run configuration (missing or unreadable)");
    std::stringstream buf;
    buf << in.rdbuf();
    return parseRunConfig(buf.str(), path);
}

std::string toYaml(const RunConfig& c) {
    YAML::Emitter out;
    out << YAML::BeginMap;
    // The table's keys in order; a section's map opens at its first key and closes when the
    // next key leaves it (sections are contiguous in the table).
    std::vector<std::string> open;
    auto enter = [&](const std::string& section) {
        std::vector<std::string> want;
        std::stringstream ss(section);
        for (std::string p; std::getline(ss, p, '.');)
            want.push_back(p);
        std::size_t common = 0;
        while (common < open.size() && common < want.size() && open[common] == want[common])
            ++common;
        while (open.size() > common) {
            out << YAML::EndMap;
            open.pop_back();
        }
        for (std::size_t i = common; i < want.size(); ++i) {
            out << YAML::Key << want[i] << YAML::Value << YAML::BeginMap;
            open.push_back(want[i]);
        }
    };
    for (const ConfigField& f : configFields()) {
        const FieldValue v = f.get(c);
        const bool model_key = configKeySection(f.key) == "model";
        if (model_key && !c.model.from.empty() && f.key != "model.from")
            continue;  // the folder gives the shape
        if ((f.omit_default || f.key == "model.from") && v == defaultValue(f))
            continue;
        enter(configKeySection(f.key));
        out << YAML::Key << configKeyName(f.key) << YAML::Value;
        if (f.type == FieldType::NumberPair) {
            out << YAML::Flow << YAML::BeginSeq;
            for (double d : std::get<std::vector<double>>(v))
                out << shortestNumberText(d);
            out << YAML::EndSeq;
        } else if (f.type == FieldType::TriState) {
            out << (std::get<int64_t>(v) == 1);
        } else if (std::holds_alternative<std::string>(v)) {
            out << std::get<std::string>(v);
        } else {
            out << valueText(v);  // numbers in their shortest exact form, true/false
        }
    }
    enter("");
    out << YAML::Key << "stages" << YAML::Value << YAML::BeginSeq;
    for (const StageConfig& s : c.stages)
        emitStage(out, s);
    out << YAML::EndSeq;
    out << YAML::EndMap;
    return std::string(out.c_str()) + "\n";
}

}  // namespace rgpb
