#include "core/config/ConfigFields.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <sstream>

#include "core/data/DataFormat.h"
#include "core/data/SyntheticTask.h"
#include "core/model/ModelShape.h"

namespace rgpb {

namespace {

// Accessors of one RunConfig member, by type. `M` is the member path after `c.`.
#define RGPB_TEXT(M)                                      \
    [](const RunConfig& c) -> FieldValue { return c.M; }, \
        [](RunConfig& c, const FieldValue& v) { c.M = std::get<std::string>(v); }
#define RGPB_INT(M)                                                             \
    [](const RunConfig& c) -> FieldValue { return static_cast<int64_t>(c.M); }, \
        [](RunConfig& c, const FieldValue& v) {                                 \
            c.M = static_cast<decltype(c.M)>(std::get<int64_t>(v));             \
        }
#define RGPB_NUM(M)                                       \
    [](const RunConfig& c) -> FieldValue { return c.M; }, \
        [](RunConfig& c, const FieldValue& v) { c.M = std::get<double>(v); }

#define RGPB_BOOL(M)                                      \
    [](const RunConfig& c) -> FieldValue { return c.M; }, \
        [](RunConfig& c, const FieldValue& v) { c.M = std::get<bool>(v); }

using Getter = std::function<FieldValue(const RunConfig&)>;
using Setter = std::function<void(RunConfig&, const FieldValue&)>;

ConfigField text(std::string key, std::string label, std::string doc, Getter g, Setter s) {
    ConfigField f;
    f.key = std::move(key);
    f.type = FieldType::Text;
    f.label = std::move(label);
    f.doc = std::move(doc);
    f.get = std::move(g);
    f.set = std::move(s);
    return f;
}

ConfigField choice(std::string key, std::string label, std::string doc,
                   std::vector<std::string> choices, Getter g, Setter s) {
    ConfigField f =
        text(std::move(key), std::move(label), std::move(doc), std::move(g), std::move(s));
    f.type = FieldType::Choice;
    f.choices = std::move(choices);
    return f;
}

ConfigField integer(std::string key, std::string label, std::string doc, double min, double max,
                    Getter g, Setter s) {
    ConfigField f =
        text(std::move(key), std::move(label), std::move(doc), std::move(g), std::move(s));
    f.type = FieldType::Integer;
    f.min = min;
    f.max = max;
    return f;
}

ConfigField number(std::string key, std::string label, std::string doc, double min, double max,
                   bool min_open, Getter g, Setter s) {
    ConfigField f =
        text(std::move(key), std::move(label), std::move(doc), std::move(g), std::move(s));
    f.type = FieldType::Number;
    f.min = min;
    f.max = max;
    f.min_open = min_open;
    return f;
}

ConfigField boolean(std::string key, std::string label, std::string doc, Getter g, Setter s) {
    ConfigField f =
        text(std::move(key), std::move(label), std::move(doc), std::move(g), std::move(s));
    f.type = FieldType::Boolean;
    return f;
}

ConfigField omitDefault(ConfigField f) {
    f.omit_default = true;
    return f;
}

std::string deviceRule(const FieldValue& v) {
    const std::string& d = std::get<std::string>(v);
    if (d == "cpu" || d == "cuda")
        return {};
    if (d.rfind("cuda:", 0) == 0 && d.size() > 5 &&
        d.find_first_not_of("0123456789", 5) == std::string::npos)
        return {};
    return "expected cpu, cuda or cuda:N, got '" + d + "'";
}

std::vector<ConfigField> buildRunFields() {
    std::vector<ConfigField> f;
    f.push_back(
        text("name", "name", "Run name; the run folder is <name>-<UTC time>.", RGPB_TEXT(name)));
    f.push_back(integer("seed", "seed",
                        "Seeds initialisation, data order and sampling (and the data itself "
                        "unless data_seed is set).",
                        0, 9007199254740992.0, RGPB_INT(seed)));
    f.push_back(omitDefault(integer("data_seed", "data seed",
                                    "Seeds data generation and the train/validation/eval split; "
                                    "-1 = seed. Fix it to keep one eval set across seeds.",
                                    -1, 9007199254740992.0, RGPB_INT(data_seed))));
    ConfigField device =
        text("device", "device", "Where the run trains: cpu, cuda or cuda:N.", RGPB_TEXT(device));
    device.rule = deviceRule;
    f.push_back(device);
    f.push_back(integer("threads", "threads",
                        "LibTorch intra-op threads for this run; 0 = all cores.", 0, 1024,
                        RGPB_INT(threads)));
    f.push_back(choice("precision", "precision",
                       "fp32, or bf16: the forward in bfloat16 (autocast; CPUs with AVX-512 BF16 "
                       "and GPUs) with float32 weights, optimizer state and loss; evaluation is "
                       "float32.",
                       {"fp32", "bf16"}, RGPB_TEXT(precision)));
    f.push_back(integer("max_nonfinite_steps", "max NaN/Inf steps",
                        "Consecutive skipped (NaN/Inf) steps before the run fails.", 1, 1000000,
                        RGPB_INT(max_nonfinite_steps)));
    return f;
}

void addDataFields(std::vector<ConfigField>& f) {
    f.push_back(text("data.source", "source",
                     "'synthetic' (the built-in pair task), 'synthetic-text' (its world as plain "
                     "statements, documents for method lm) or a data file.",
                     RGPB_TEXT(data.source)));
    f.push_back(choice("data.format", "format",
                       "File format; auto detects a pair format from the first record. text "
                       "(blank-line separated) and text-jsonl ({text} per line) are documents "
                       "for method lm.",
                       dataFormatNames(), RGPB_TEXT(data.format)));
    f.push_back(choice("data.synthetic.regime", "synthetic regime",
                       "response-contrast: high information difference; context-contrast: low.",
                       {syntheticRegimeName(SyntheticRegime::ResponseContrast),
                        syntheticRegimeName(SyntheticRegime::ContextContrast)},
                       RGPB_TEXT(data.synthetic_regime)));
    f.push_back(integer("data.synthetic.count", "synthetic pairs",
                        "Pairs (synthetic-text: documents) generated (train + eval).", 10, 10000000,
                        RGPB_INT(data.synthetic_count)));
    f.push_back(number("data.synthetic.overlap", "synthetic overlap",
                       "Literal overlap of the negative side.", 0, 1, false,
                       RGPB_NUM(data.synthetic_overlap)));
    f.push_back(integer("data.eval_pairs", "eval pairs", "Held-out pairs for evaluation.", 1,
                        10000000, RGPB_INT(data.eval_pairs)));
    f.push_back(omitDefault(integer("data.validation_pairs", "validation pairs",
                                    "Pairs taken from the training side and not trained on "
                                    "(for selecting a learning rate); 0 = none.",
                                    0, 10000000, RGPB_INT(data.validation_pairs))));
    f.push_back(integer("data.max_length", "max length",
                        "Tokens per sequence (prompt + response + specials).", 8, 1000000,
                        RGPB_INT(data.max_length)));
    f.push_back(integer("data.max_prompt_length", "max prompt length",
                        "Prompt tokens kept (the end of long prompts); at most max_length - 4.", 1,
                        1000000, RGPB_INT(data.max_prompt_length)));
    f.push_back(choice("data.on_malformed", "malformed records",
                       "skip: count and go on; stop: fail at the first bad record.",
                       {"skip", "stop"}, RGPB_TEXT(data.on_malformed)));
    f.push_back(integer("data.limit", "limit", "Use at most this many pairs (0 = all).", 0,
                        1000000000, RGPB_INT(data.limit)));
    f.push_back(omitDefault(choice(
        "data.batch_order", "batch order",
        "shuffled: random batches; by-length: random windows of 32 batches, each batch of "
        "similar-length pairs (less padding, faster steps; still every pair once per epoch).",
        {"shuffled", "by-length"}, RGPB_TEXT(data.batch_order))));
    f.push_back(choice("tokenizer.kind", "kind",
                       "byte: 260 ids; sentencepiece: trained on the run's texts; model: the "
                       "tokenizer of model.from (its default, and the only kind allowed with it).",
                       {"byte", "sentencepiece", "model"}, RGPB_TEXT(tokenizer.kind)));
    f.push_back(integer("tokenizer.vocab_size", "vocab size", "SentencePiece only.", 16, 1000000,
                        RGPB_INT(tokenizer.vocab_size)));
}

void addModelFields(std::vector<ConfigField>& f) {
    f.push_back(text("model.from", "start from",
                     "A local Hugging Face GPT-NeoX or GPT-2 folder (config.json, safetensors, "
                     "tokenizer), a run folder (its newest complete checkpoint) or a checkpoint "
                     "folder of a run: its shape, weights and tokenizer; no other model key is "
                     "allowed with it. Empty = a fresh model of the size below.",
                     RGPB_TEXT(model.from)));
    f.push_back(
        omitDefault(choice("model.architecture", "architecture",
                           "gpt_neox (Pythia) or gpt2 (decoder-only), or t5 (encoder-decoder: "
                           "the prompt goes to the encoder, the response to the decoder).",
                           modelArchitectures(), RGPB_TEXT(model.architecture))));
    f.push_back(text("model.size", "size",
                     "Named shape: micro, tiny, pythia-70m, pythia-160m, pythia-410m; with "
                     "architecture t5: t5-micro, t5-small, t5-base, t5-large. The keys below "
                     "override it (t5: hidden size is d_model, layers each stack's depth, MLP "
                     "width d_ff; max positions, rotary fraction and parallel residual do not "
                     "apply).",
                     RGPB_TEXT(model.size)));
    const char* keep = "0 = the size's value.";
    f.push_back(omitDefault(integer("model.hidden_size", "hidden size", keep, 0, 1 << 20,
                                    RGPB_INT(model.hidden_size))));
    f.push_back(omitDefault(
        integer("model.num_layers", "layers", keep, 0, 1024, RGPB_INT(model.num_layers))));
    f.push_back(
        omitDefault(integer("model.num_heads", "heads", keep, 0, 1024, RGPB_INT(model.num_heads))));
    f.push_back(omitDefault(integer("model.intermediate_size", "MLP width", keep, 0, 1 << 22,
                                    RGPB_INT(model.intermediate_size))));
    f.push_back(omitDefault(integer("model.max_positions", "max positions", keep, 0, 1 << 20,
                                    RGPB_INT(model.max_positions))));
    f.push_back(omitDefault(number("model.rotary_pct", "rotary fraction",
                                   "Share of each head's dimensions that get rotary embeddings; "
                                   "-1 = the size's value.",
                                   -1, 1, false, RGPB_NUM(model.rotary_pct))));
    ConfigField pr;
    pr.key = "model.parallel_residual";
    pr.type = FieldType::TriState;
    pr.label = "parallel residual";
    pr.doc = "Pythia's x + attn(ln1 x) + mlp(ln2 x); absent = the size's value.";
    pr.omit_default = true;
    pr.get = [](const RunConfig& c) -> FieldValue {
        return static_cast<int64_t>(c.model.parallel_residual);
    };
    pr.set = [](RunConfig& c, const FieldValue& v) {
        c.model.parallel_residual = static_cast<int>(std::get<int64_t>(v));
    };
    f.push_back(pr);
}

void addOptimizerFields(std::vector<ConfigField>& f) {
    f.push_back(number("optimizer.lr", "learning rate",
                       "Peak learning rate (AdamW); a stage may override it.", 0, 10, true,
                       RGPB_NUM(optimizer.lr)));
    ConfigField betas;
    betas.key = "optimizer.betas";
    betas.type = FieldType::NumberPair;
    betas.label = "betas";
    betas.doc = "AdamW's beta1, beta2.";
    betas.min = 0;
    betas.max = 1;
    betas.choices = {"beta1", "beta2"};  // the two numbers' names
    betas.get = [](const RunConfig& c) -> FieldValue {
        return std::vector<double>{c.optimizer.beta1, c.optimizer.beta2};
    };
    betas.set = [](RunConfig& c, const FieldValue& v) {
        const auto& b = std::get<std::vector<double>>(v);
        c.optimizer.beta1 = b.at(0);
        c.optimizer.beta2 = b.at(1);
    };
    f.push_back(betas);
    f.push_back(
        number("optimizer.eps", "eps", "AdamW epsilon.", 0, 1, true, RGPB_NUM(optimizer.eps)));
    f.push_back(number("optimizer.weight_decay", "weight decay", "Decoupled weight decay.", 0, 10,
                       false, RGPB_NUM(optimizer.weight_decay)));
    f.push_back(integer("optimizer.warmup_steps", "warmup steps",
                        "Linear warmup at the start of every stage.", 0, 100000000,
                        RGPB_INT(optimizer.warmup_steps)));
    f.push_back(choice("optimizer.schedule", "schedule",
                       "Learning-rate schedule after warmup, per stage.", {"constant", "cosine"},
                       RGPB_TEXT(optimizer.schedule)));
    f.push_back(number("optimizer.min_lr_ratio", "min lr ratio",
                       "Cosine floor as a fraction of lr.", 0, 1, false,
                       RGPB_NUM(optimizer.min_lr_ratio)));
    f.push_back(number("optimizer.grad_clip", "grad clip", "Max global grad norm; 0 = off.", 0, 1e9,
                       false, RGPB_NUM(optimizer.grad_clip)));
    f.push_back(integer("optimizer.grad_accum", "grad accumulation",
                        "Micro-batches per optimizer step.", 1, 100000,
                        RGPB_INT(optimizer.grad_accum)));
    f.push_back(integer("optimizer.batch_size", "batch size", "Pairs per micro-batch.", 1, 1000000,
                        RGPB_INT(optimizer.batch_size)));
}

void addEvalFields(std::vector<ConfigField>& f) {
    f.push_back(integer("eval.every", "every (steps)",
                        "Optimizer steps between evaluations; 0 = only at stage ends.", 0,
                        100000000, RGPB_INT(eval.every)));
    f.push_back(integer("eval.grad_diff_steps", "grad_diff steps K",
                        "Response steps of the gradient-difference metric.", 0, 1000,
                        RGPB_INT(eval.grad_diff_steps)));
    f.push_back(integer("eval.batch_size", "batch size", "Pairs per evaluation batch.", 1, 1000000,
                        RGPB_INT(eval.batch_size)));
    f.push_back(integer("eval.samples", "samples",
                        "Greedy responses to the first N eval prompts at every evaluation, "
                        "written to samples.jsonl (0 = off).",
                        0, 10000, RGPB_INT(eval.samples)));
    f.push_back(integer("eval.sample_max_new_tokens", "sample max tokens",
                        "Longest sampled response, in tokens.", 1, 100000,
                        RGPB_INT(eval.sample_max_new_tokens)));
    f.push_back(omitDefault(choice("eval.split", "evaluate on",
                                   "eval: the eval split; validation: data.validation_pairs "
                                   "carved from the training pairs (the eval split is not read).",
                                   {"eval", "validation"}, RGPB_TEXT(eval.split))));
    // Written only when changed, so configs of runs made before diagnostics read the same.
    f.push_back(omitDefault(boolean("diagnostics.enabled", "gradient diagnostics",
                                    "Per-pair negative weights, likelihood displacement and the "
                                    "positive/negative gradient at every evaluation "
                                    "(diagnostics.jsonl, diagnostics/).",
                                    RGPB_BOOL(diagnostics.enabled))));
    f.push_back(omitDefault(integer("diagnostics.probe_pairs", "probe pairs",
                                    "First eval pairs whose positive and negative gradients are "
                                    "measured; 0 = no gradients.",
                                    0, 4096, RGPB_INT(diagnostics.probe_pairs))));
    f.push_back(omitDefault(integer("diagnostics.token_pairs", "token pairs",
                                    "First eval pairs whose per-token log-probs are kept at "
                                    "every evaluation (the token view); 0 = none.",
                                    0, 100000, RGPB_INT(diagnostics.token_pairs))));
    f.push_back(omitDefault(number("diagnostics.displacement_threshold", "displacement alert",
                                   "Share of eval pairs whose chosen log-prob fell while their "
                                   "margin grew (since the stage began) that raises the alert.",
                                   0, 1, true, RGPB_NUM(diagnostics.displacement_threshold))));
    f.push_back(omitDefault(integer("diagnostics.top_pairs", "listed pairs",
                                    "Displaced pairs listed, those that lost the most first.", 0,
                                    100000, RGPB_INT(diagnostics.top_pairs))));
    f.push_back(integer("checkpoint.every", "every (steps)",
                        "Optimizer steps between checkpoints; 0 = only at the end.", 0, 100000000,
                        RGPB_INT(checkpoint.every)));
    f.push_back(integer("checkpoint.keep_last", "keep last", "Older checkpoints are deleted.", 1,
                        1000000, RGPB_INT(checkpoint.keep_last)));
    f.push_back(omitDefault(integer(
        "distributed.nproc", "processes",
        "Data-parallel worker processes `rgpb train` starts on this machine (c10d); each takes "
        "batch_size / nproc pairs of every batch. 1 = one process.",
        1, 1024, RGPB_INT(distributed.nproc))));
    f.push_back(omitDefault(choice("distributed.backend", "backend",
                                   "c10d backend: gloo (CPU) or nccl (CUDA builds, device cuda).",
                                   {"gloo", "nccl"}, RGPB_TEXT(distributed.backend))));
    f.push_back(omitDefault(number("distributed.timeout_s", "timeout (s)",
                                   "How long a rank waits for the others in a collective before "
                                   "the run fails with the reason.",
                                   0, 86400, true, RGPB_NUM(distributed.timeout_s))));
}

#undef RGPB_TEXT
#undef RGPB_INT
#undef RGPB_NUM
#undef RGPB_BOOL

std::string rangeNumber(double v) {
    std::ostringstream s;
    s << v;
    return s.str();
}

}  // namespace

const std::vector<ConfigField>& configFields() {
    static const std::vector<ConfigField> fields = [] {
        std::vector<ConfigField> f = buildRunFields();
        addDataFields(f);
        addModelFields(f);
        addOptimizerFields(f);
        addEvalFields(f);
        return f;
    }();
    return fields;
}

const ConfigField* findConfigField(const std::string& key) {
    for (const ConfigField& f : configFields()) {
        if (f.key == key)
            return &f;
    }
    return nullptr;
}

std::string configKeySection(const std::string& key) {
    const auto dot = key.rfind('.');
    return dot == std::string::npos ? "" : key.substr(0, dot);
}

std::string configKeyName(const std::string& key) {
    const auto dot = key.rfind('.');
    return dot == std::string::npos ? key : key.substr(dot + 1);
}

FieldValue defaultValue(const ConfigField& field) {
    static const RunConfig defaults;
    return field.get(defaults);
}

std::string expectedText(const ConfigField& f) {
    switch (f.type) {
        case FieldType::Text:
            return "a string";
        case FieldType::Integer:
            return "a whole number in [" + std::to_string(static_cast<int64_t>(f.min)) + ", " +
                   std::to_string(static_cast<int64_t>(f.max)) + "]";
        case FieldType::Number:
            return "a number in " + std::string(f.min_open ? "(" : "[") + rangeNumber(f.min) +
                   ", " + rangeNumber(f.max) + "]";
        case FieldType::Boolean:
        case FieldType::TriState:
            return "true or false";
        case FieldType::Choice: {
            std::string list;
            for (const auto& c : f.choices)
                list += (list.empty() ? "" : ", ") + c;
            return "one of " + list;
        }
        case FieldType::NumberPair:
            return "two numbers [" + f.choices.at(0) + ", " + f.choices.at(1) + "] in [" +
                   rangeNumber(f.min) + ", " + rangeNumber(f.max) + ")";
    }
    return "a value";
}

std::string checkValue(const ConfigField& f, const FieldValue& v) {
    const std::string want = "expected " + expectedText(f) + ", got ";
    switch (f.type) {
        case FieldType::Integer: {
            const double d = static_cast<double>(std::get<int64_t>(v));
            if (d < f.min || d > f.max)
                return want + valueText(v);
            break;
        }
        case FieldType::Number: {
            const double d = std::get<double>(v);
            if (!std::isfinite(d) || d < f.min || d > f.max || (f.min_open && d == f.min))
                return want + valueText(v);
            break;
        }
        case FieldType::Choice: {
            const std::string& s = std::get<std::string>(v);
            bool known = false;
            for (const auto& c : f.choices)
                known |= c == s;
            if (!known)
                return want + "'" + s + "'";
            break;
        }
        case FieldType::NumberPair: {
            const auto& p = std::get<std::vector<double>>(v);
            bool ok = p.size() == 2;
            for (double d : p)
                ok = ok && std::isfinite(d) && d >= f.min && d < f.max;
            if (!ok)
                return want + valueText(v);
            break;
        }
        case FieldType::TriState: {
            const int64_t t = std::get<int64_t>(v);
            if (t < -1 || t > 1)
                return want + valueText(v);
            break;
        }
        case FieldType::Text:
        case FieldType::Boolean:
            break;
    }
    return f.rule ? f.rule(v) : std::string();
}

std::string shortestNumberText(double value) {
    char buf[40];
    for (int digits = 1; digits <= 17; ++digits) {
        std::snprintf(buf, sizeof buf, "%.*g", digits, value);
        if (std::strtod(buf, nullptr) == value || !std::isfinite(value))
            return buf;
    }
    return buf;
}

std::string valueText(const FieldValue& v) {
    struct Visit {
        std::string operator()(bool b) const { return b ? "true" : "false"; }
        std::string operator()(int64_t i) const { return std::to_string(i); }
        std::string operator()(double d) const { return shortestNumberText(d); }
        std::string operator()(const std::string& s) const { return s; }
        std::string operator()(const std::vector<double>& p) const {
            std::string out = "[";
            for (std::size_t i = 0; i < p.size(); ++i)
                out += (i ? ", " : "") + shortestNumberText(p[i]);
            return out + "]";
        }
    };
    return std::visit(Visit{}, v);
}

std::string configReferenceMarkdown() {
    std::string out =
        "# Run configuration keys\n\n"
        "Generated from the table in core/config/ConfigFields.cpp (the YAML reader, the writer,\n"
        "`--set` and the window's form read the same table); tests/core/test_run_config.cpp\n"
        "fails when this file and the table differ. Besides these keys a run config has\n"
        "`stages`, a list of training stages (`method`, `beta`, `steps` or `epochs`, `lr`,\n"
        "`name`, `dpo: {label_smoothing, reference_free, ipo, on_the_fly_reference}`,\n"
        "`ul: {max_prob}`), described in the README.\n\n"
        "| key | accepts | default | meaning |\n"
        "|---|---|---|---|\n";
    for (const ConfigField& f : configFields()) {
        FieldValue d = defaultValue(f);
        std::string def = valueText(d);
        if (f.type == FieldType::TriState)
            def = "(the size's)";
        else if (def.empty())
            def = "(empty)";
        std::string accepts = expectedText(f);
        if (f.type == FieldType::Text && f.rule)
            accepts = "cpu, cuda or cuda:N";
        out += "| `" + f.key + "` | " + accepts + " | `" + def + "` | " + f.doc + " |\n";
    }
    return out;
}

}  // namespace rgpb
