#include "core/config/RunConfig.h"

#include <yaml-cpp/yaml.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "core/util/Error.h"

namespace fs = std::filesystem;

namespace rgpb {
namespace {

std::string location(const std::string& source, const YAML::Mark& mark) {
    if (mark.line < 0) {
        return source + " (--set)";
    }
    return source + ":" + std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1);
}

// One YAML mapping being read: hands out its keys with type and range checks, then complains
// about any key nobody asked for.
class Section {
public:
    Section(const YAML::Node& node, std::string path, const std::string& source)
        : node_(node), path_(std::move(path)), source_(source) {
        if (node_ && !node_.IsNull() && !node_.IsMap()) {
            fail(node_, "expected a mapping of keys");
        }
    }

    [[noreturn]] void fail(const YAML::Node& at, const std::string& problem) const {
        throw InputError(location(source_, at.Mark()),
                         (path_.empty() ? std::string("top level") : path_) + ": " + problem);
    }
    [[noreturn]] void failKey(const std::string& key, const YAML::Node& at,
                              const std::string& problem) const {
        throw InputError(location(source_, at.Mark()), full(key) + ": " + problem);
    }
    std::string full(const std::string& key) const {
        return path_.empty() ? key : path_ + "." + key;
    }

    YAML::Node raw(const std::string& key) {
        known_.insert(key);
        if (!node_ || !node_.IsMap())
            return YAML::Node();
        return node_[key];
    }

    template <typename T>
    T scalar(const std::string& key, T fallback, const char* expected) {
        YAML::Node n = raw(key);
        if (!n || n.IsNull())
            return fallback;
        if (!n.IsScalar())
            failKey(key, n, std::string("expected ") + expected);
        try {
            return n.as<T>();
        } catch (const YAML::Exception&) {
            failKey(key, n, std::string("expected ") + expected + ", got '" + n.Scalar() + "'");
        }
    }

    double number(const std::string& key, double fallback, double lo, double hi,
                  bool lo_open = false) {
        std::ostringstream want;
        want << "a number in " << (lo_open ? "(" : "[") << lo << ", " << hi << "]";
        double v = scalar<double>(key, fallback, want.str().c_str());
        if (!std::isfinite(v) || v < lo || v > hi || (lo_open && v == lo)) {
            failKey(key, raw(key), "expected " + want.str() + ", got " + raw(key).Scalar());
        }
        return v;
    }

    int64_t integer(const std::string& key, int64_t fallback, int64_t lo, int64_t hi) {
        std::string want =
            "a whole number in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]";
        YAML::Node n = raw(key);
        if (!n || n.IsNull())
            return fallback;
        double d = scalar<double>(key, static_cast<double>(fallback), want.c_str());
        if (d != std::floor(d) || d < static_cast<double>(lo) || d > static_cast<double>(hi)) {
            failKey(key, n, "expected " + want + ", got " + n.Scalar());
        }
        return static_cast<int64_t>(d);
    }

    bool boolean(const std::string& key, bool fallback) {
        return scalar<bool>(key, fallback, "true or false");
    }

    std::string choice(const std::string& key, const std::string& fallback,
                       const std::vector<std::string>& allowed) {
        std::string v = scalar<std::string>(key, fallback, "a string");
        for (const auto& a : allowed) {
            if (v == a)
                return v;
        }
        std::string list;
        for (const auto& a : allowed)
            list += (list.empty() ? "" : ", ") + a;
        failKey(key, raw(key), "expected one of " + list + ", got '" + v + "'");
    }

    std::string text(const std::string& key, const std::string& fallback) {
        return scalar<std::string>(key, fallback, "a string");
    }

    Section child(const std::string& key) { return Section(raw(key), full(key), source_); }

    // Every key present must have been asked for.
    void finish() const {
        if (!node_ || !node_.IsMap())
            return;
        for (auto it = node_.begin(); it != node_.end(); ++it) {
            std::string key = it->first.Scalar();
            if (!known_.count(key)) {
                std::string list;
                for (const auto& k : known_)
                    list += (list.empty() ? "" : ", ") + k;
                throw InputError(location(source_, it->first.Mark()),
                                 "unknown key '" + full(key) + "'; allowed here: " + list);
            }
        }
    }

    const YAML::Node& node() const { return node_; }
    const std::string& source() const { return source_; }

private:
    YAML::Node node_;
    std::string path_;
    const std::string& source_;
    std::set<std::string> known_;
};

ObjectiveSpec parseMethod(Section& stage, double beta) {
    YAML::Node m = stage.raw("method");
    if (!m || m.IsNull()) {
        stage.failKey("method", stage.node(),
                      "missing: every stage needs a method "
                      "(mle, dpo, ul, exmate, or a mix like {dpo: 1, mle: 0.2})");
    }
    ObjectiveSpec spec;
    auto term = [&](const std::string& name, double weight, const YAML::Node& at) {
        ObjectiveTerm t;
        try {
            t.kind = parseObjectiveKind(name);
        } catch (const ArgumentError&) {
            stage.failKey("method", at, "expected mle, dpo, ul or exmate, got '" + name + "'");
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

RunConfig parseNode(const YAML::Node& root, const std::string& source) {
    Section top(root, "", source);
    RunConfig c;
    c.name = top.text("name", c.name);
    c.seed = static_cast<uint64_t>(top.integer("seed", 1, 0, (int64_t(1) << 53)));
    c.device = top.text("device", c.device);
    if (c.device != "cpu" && c.device != "cuda" && c.device.rfind("cuda:", 0) != 0) {
        top.failKey("device", top.raw("device"),
                    "expected cpu, cuda or cuda:N, got '" + c.device + "'");
    }
    c.threads = top.integer("threads", 0, 0, 1024);
    c.bf16 = top.boolean("bf16", false);
    c.max_nonfinite_steps = top.integer("max_nonfinite_steps", 5, 1, 1000000);

    Section d = top.child("data");
    c.data.source = d.text("source", c.data.source);
    c.data.format = d.choice("format", c.data.format,
                             {"auto", "hh-rlhf", "trl", "contrast", "causal-dialogue"});
    Section syn = d.child("synthetic");
    c.data.synthetic_regime =
        syn.choice("regime", c.data.synthetic_regime, {"response-contrast", "context-contrast"});
    c.data.synthetic_count = syn.integer("count", c.data.synthetic_count, 10, 10000000);
    c.data.synthetic_overlap = syn.number("overlap", c.data.synthetic_overlap, 0.0, 1.0);
    syn.finish();
    c.data.eval_pairs = d.integer("eval_pairs", c.data.eval_pairs, 1, 10000000);
    c.data.max_length = d.integer("max_length", c.data.max_length, 8, 1000000);
    c.data.max_prompt_length = d.integer("max_prompt_length", c.data.max_prompt_length, 1, 1000000);
    if (c.data.max_prompt_length + 4 > c.data.max_length) {
        d.failKey("max_prompt_length",
                  d.raw("max_prompt_length") ? d.raw("max_prompt_length") : root,
                  "must leave room for a response: max_prompt_length + 4 <= max_length (" +
                      std::to_string(c.data.max_length) + ")");
    }
    c.data.on_malformed = d.choice("on_malformed", c.data.on_malformed, {"skip", "stop"});
    c.data.limit = d.integer("limit", 0, 0, 1000000000);
    d.finish();

    Section m = top.child("model");
    YAML::Node from = m.raw("from");
    if (from && !from.IsNull()) {
        c.model.from = m.text("from", "");
        std::error_code ec;
        const fs::path dir = fs::absolute(c.model.from, ec);
        if (c.model.from.empty() || !fs::is_directory(dir, ec))
            m.failKey(
                "from", from,
                "'" + c.model.from + "' is not a folder (expected a Hugging Face model folder)");
        if (!fs::exists(dir / "config.json", ec))
            m.failKey(
                "from", from,
                "'" + c.model.from + "' has no config.json (expected a Hugging Face model folder)");
        c.model.from = dir.lexically_normal().string();
        for (const char* key :
             {"architecture", "size", "hidden_size", "num_layers", "num_heads", "intermediate_size",
              "max_positions", "rotary_pct", "parallel_residual"}) {
            YAML::Node n = m.raw(key);
            if (n && !n.IsNull())
                m.failKey(key, n,
                          "not allowed with model.from (the shape comes from its config.json)");
        }
    }
    c.model.architecture = m.choice("architecture", c.model.architecture, {"gpt_neox", "gpt2"});
    c.model.size = m.text("size", c.model.size);
    c.model.hidden_size = m.integer("hidden_size", 0, 0, 1 << 20);
    c.model.num_layers = m.integer("num_layers", 0, 0, 1024);
    c.model.num_heads = m.integer("num_heads", 0, 0, 1024);
    c.model.intermediate_size = m.integer("intermediate_size", 0, 0, 1 << 22);
    c.model.max_positions = m.integer("max_positions", 0, 0, 1 << 20);
    c.model.rotary_pct = m.number("rotary_pct", -1.0, -1.0, 1.0);
    YAML::Node pr = m.raw("parallel_residual");
    if (pr && !pr.IsNull())
        c.model.parallel_residual = m.boolean("parallel_residual", true) ? 1 : 0;
    m.finish();

    Section t = top.child("tokenizer");
    YAML::Node kind = t.raw("kind");
    c.tokenizer.kind = t.choice("kind", c.model.from.empty() ? c.tokenizer.kind : "model",
                                {"byte", "sentencepiece", "model"});
    if (!c.model.from.empty() && c.tokenizer.kind != "model") {
        t.failKey("kind", kind,
                  "model.from brings its own tokenizer (" + c.model.from +
                      "); remove tokenizer.kind or set it to 'model'");
    }
    if (c.model.from.empty() && c.tokenizer.kind == "model")
        t.failKey("kind", kind, "'model' (the model's own tokenizer) needs model.from");
    c.tokenizer.vocab_size = t.integer("vocab_size", c.tokenizer.vocab_size, 16, 1000000);
    t.finish();

    Section o = top.child("optimizer");
    OptimizerConfig& op = c.optimizer;
    op.lr = o.number("lr", op.lr, 0.0, 10.0, true);
    YAML::Node betas = o.raw("betas");
    if (betas && !betas.IsNull()) {
        if (!betas.IsSequence() || betas.size() != 2) {
            o.failKey("betas", betas, "expected two numbers [beta1, beta2] in [0, 1)");
        }
        try {
            op.beta1 = betas[0].as<double>();
            op.beta2 = betas[1].as<double>();
        } catch (const YAML::Exception&) {
            o.failKey("betas", betas, "expected two numbers [beta1, beta2] in [0, 1)");
        }
        if (!(op.beta1 >= 0 && op.beta1 < 1 && op.beta2 >= 0 && op.beta2 < 1)) {
            o.failKey("betas", betas, "expected two numbers [beta1, beta2] in [0, 1)");
        }
    }
    op.eps = o.number("eps", op.eps, 0.0, 1.0, true);
    op.weight_decay = o.number("weight_decay", op.weight_decay, 0.0, 10.0);
    op.warmup_steps = o.integer("warmup_steps", op.warmup_steps, 0, 100000000);
    op.schedule = o.choice("schedule", op.schedule, {"constant", "cosine"});
    op.min_lr_ratio = o.number("min_lr_ratio", op.min_lr_ratio, 0.0, 1.0);
    op.grad_clip = o.number("grad_clip", op.grad_clip, 0.0, 1e9);
    op.grad_accum = o.integer("grad_accum", op.grad_accum, 1, 100000);
    op.batch_size = o.integer("batch_size", op.batch_size, 1, 1000000);
    o.finish();

    Section e = top.child("eval");
    c.eval.every = e.integer("every", c.eval.every, 0, 100000000);
    c.eval.grad_diff_steps = e.integer("grad_diff_steps", c.eval.grad_diff_steps, 0, 1000);
    c.eval.batch_size = e.integer("batch_size", c.eval.batch_size, 1, 1000000);
    c.eval.samples = e.integer("samples", c.eval.samples, 0, 10000);
    c.eval.sample_max_new_tokens =
        e.integer("sample_max_new_tokens", c.eval.sample_max_new_tokens, 1, 100000);
    e.finish();

    Section k = top.child("checkpoint");
    c.checkpoint.every = k.integer("every", c.checkpoint.every, 0, 100000000);
    c.checkpoint.keep_last = k.integer("keep_last", c.checkpoint.keep_last, 1, 1000000);
    k.finish();

    YAML::Node stages = top.raw("stages");
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
    }
    top.finish();
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
        }
        chain.push_back(next);
    }
    YAML::Node parsed;
    try {
        parsed = YAML::Load(value);
    } catch (const YAML::Exception& e) {
        throw InputError(source, "--set " + path + ": value '" + value + "' is not valid YAML");
    }
    // A scalar from --set gets a fresh node without a position, so problems with it are
    // reported as "(--set)" rather than at line 1 of the preset.
    if (parsed.IsScalar())
        parsed = YAML::Node(parsed.Scalar());
    YAML::Node last = chain.back();
    if (last.IsSequence()) {
        std::size_t idx = 0;
        try {
            idx = std::stoul(parts.back());
        } catch (const std::exception&) {
            throw InputError(source, "--set " + path + ": '" + parts.back() + "' must be a list index");
        }
        if (idx >= last.size())
            throw InputError(source, "--set " + path + ": index " + parts.back() +
                                         " is past the end (" + std::to_string(last.size()) + " entries)");
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
            out << YAML::Key << objectiveKindName(t.kind) << YAML::Value << t.weight;
        }
        out << YAML::EndMap;
    }
    const ObjectiveTerm& first = o.terms.front();
    out << YAML::Key << "beta" << YAML::Value << first.beta;
    out << YAML::Key << "steps" << YAML::Value << s.steps;
    out << YAML::Key << "epochs" << YAML::Value << s.epochs;
    if (s.lr)
        out << YAML::Key << "lr" << YAML::Value << *s.lr;
    out << YAML::Key << "dpo" << YAML::Value << YAML::Flow << YAML::BeginMap;
    out << YAML::Key << "label_smoothing" << YAML::Value << first.dpo.label_smoothing;
    out << YAML::Key << "reference_free" << YAML::Value << first.dpo.reference_free;
    out << YAML::Key << "ipo" << YAML::Value << first.dpo.ipo;
    out << YAML::Key << "on_the_fly_reference" << YAML::Value << s.on_the_fly_reference;
    out << YAML::EndMap;
    out << YAML::Key << "ul" << YAML::Value << YAML::Flow << YAML::BeginMap;
    out << YAML::Key << "max_prob" << YAML::Value << first.ul_max_prob;
    out << YAML::EndMap;
    out << YAML::EndMap;
}

}  // namespace

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
    out.SetDoublePrecision(17);  // max_digits10: a saved config reloads to the same doubles
    out << YAML::BeginMap;
    out << YAML::Key << "name" << YAML::Value << c.name;
    out << YAML::Key << "seed" << YAML::Value << c.seed;
    out << YAML::Key << "device" << YAML::Value << c.device;
    out << YAML::Key << "threads" << YAML::Value << c.threads;
    out << YAML::Key << "bf16" << YAML::Value << c.bf16;
    out << YAML::Key << "max_nonfinite_steps" << YAML::Value << c.max_nonfinite_steps;
    out << YAML::Key << "data" << YAML::Value << YAML::BeginMap;
    out << YAML::Key << "source" << YAML::Value << c.data.source;
    out << YAML::Key << "format" << YAML::Value << c.data.format;
    out << YAML::Key << "synthetic" << YAML::Value << YAML::Flow << YAML::BeginMap;
    out << YAML::Key << "regime" << YAML::Value << c.data.synthetic_regime;
    out << YAML::Key << "count" << YAML::Value << c.data.synthetic_count;
    out << YAML::Key << "overlap" << YAML::Value << c.data.synthetic_overlap;
    out << YAML::EndMap;
    out << YAML::Key << "eval_pairs" << YAML::Value << c.data.eval_pairs;
    out << YAML::Key << "max_length" << YAML::Value << c.data.max_length;
    out << YAML::Key << "max_prompt_length" << YAML::Value << c.data.max_prompt_length;
    out << YAML::Key << "on_malformed" << YAML::Value << c.data.on_malformed;
    out << YAML::Key << "limit" << YAML::Value << c.data.limit;
    out << YAML::EndMap;
    out << YAML::Key << "tokenizer" << YAML::Value << YAML::BeginMap;
    out << YAML::Key << "kind" << YAML::Value << c.tokenizer.kind;
    out << YAML::Key << "vocab_size" << YAML::Value << c.tokenizer.vocab_size;
    out << YAML::EndMap;
    out << YAML::Key << "model" << YAML::Value << YAML::BeginMap;
    if (!c.model.from.empty()) {
        out << YAML::Key << "from" << YAML::Value << c.model.from;
    } else {
        if (c.model.architecture != "gpt_neox")
            out << YAML::Key << "architecture" << YAML::Value << c.model.architecture;
        out << YAML::Key << "size" << YAML::Value << c.model.size;
        if (c.model.hidden_size)
            out << YAML::Key << "hidden_size" << YAML::Value << c.model.hidden_size;
        if (c.model.num_layers)
            out << YAML::Key << "num_layers" << YAML::Value << c.model.num_layers;
        if (c.model.num_heads)
            out << YAML::Key << "num_heads" << YAML::Value << c.model.num_heads;
        if (c.model.intermediate_size)
            out << YAML::Key << "intermediate_size" << YAML::Value << c.model.intermediate_size;
        if (c.model.max_positions)
            out << YAML::Key << "max_positions" << YAML::Value << c.model.max_positions;
        if (c.model.rotary_pct >= 0)
            out << YAML::Key << "rotary_pct" << YAML::Value << c.model.rotary_pct;
        if (c.model.parallel_residual >= 0)
            out << YAML::Key << "parallel_residual" << YAML::Value
                << (c.model.parallel_residual == 1);
    }
    out << YAML::EndMap;
    const OptimizerConfig& o = c.optimizer;
    out << YAML::Key << "optimizer" << YAML::Value << YAML::BeginMap;
    out << YAML::Key << "lr" << YAML::Value << o.lr;
    out << YAML::Key << "betas" << YAML::Value << YAML::Flow << YAML::BeginSeq << o.beta1 << o.beta2
        << YAML::EndSeq;
    out << YAML::Key << "eps" << YAML::Value << o.eps;
    out << YAML::Key << "weight_decay" << YAML::Value << o.weight_decay;
    out << YAML::Key << "warmup_steps" << YAML::Value << o.warmup_steps;
    out << YAML::Key << "schedule" << YAML::Value << o.schedule;
    out << YAML::Key << "min_lr_ratio" << YAML::Value << o.min_lr_ratio;
    out << YAML::Key << "grad_clip" << YAML::Value << o.grad_clip;
    out << YAML::Key << "grad_accum" << YAML::Value << o.grad_accum;
    out << YAML::Key << "batch_size" << YAML::Value << o.batch_size;
    out << YAML::EndMap;
    out << YAML::Key << "eval" << YAML::Value << YAML::BeginMap;
    out << YAML::Key << "every" << YAML::Value << c.eval.every;
    out << YAML::Key << "grad_diff_steps" << YAML::Value << c.eval.grad_diff_steps;
    out << YAML::Key << "batch_size" << YAML::Value << c.eval.batch_size;
    out << YAML::Key << "samples" << YAML::Value << c.eval.samples;
    out << YAML::Key << "sample_max_new_tokens" << YAML::Value << c.eval.sample_max_new_tokens;
    out << YAML::EndMap;
    out << YAML::Key << "checkpoint" << YAML::Value << YAML::BeginMap;
    out << YAML::Key << "every" << YAML::Value << c.checkpoint.every;
    out << YAML::Key << "keep_last" << YAML::Value << c.checkpoint.keep_last;
    out << YAML::EndMap;
    out << YAML::Key << "stages" << YAML::Value << YAML::BeginSeq;
    for (const StageConfig& s : c.stages)
        emitStage(out, s);
    out << YAML::EndSeq;
    out << YAML::EndMap;
    return std::string(out.c_str()) + "\n";
}

}  // namespace rgpb
