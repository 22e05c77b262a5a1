// The run configuration: one YAML file describes a run (data, tokenizer, model, device,
// optimizer, evaluation, checkpointing, and the ordered training stages). Torch-free: the GUI
// edits it through this header. parseRunConfig() checks every key and reports problems as
// "file:line:column: key.path: what is allowed"; toYaml() writes the resolved config (every
// default filled in) that is saved with each run.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/objectives/ObjectiveSpec.h"

namespace rgpb {

struct DataConfig {
    // "synthetic" (the built-in pair task), "synthetic-text" (its world as plain statements,
    // core/data/SyntheticTask.h) or a path to a data file.
    std::string source = "synthetic";
    // auto, hh-rlhf, trl, contrast, causal-dialogue (pairs); text, text-jsonl (documents)
    std::string format = "auto";
    std::string synthetic_regime = "response-contrast";  // or context-contrast
    int64_t synthetic_count = 3000;  // pairs (or synthetic-text documents) generated
    double synthetic_overlap = 0.5;  // literal overlap of the negative side, [0, 1]
    int64_t eval_pairs = 200;        // held-out pairs for evaluation
    // Pairs carved from the training side (after the eval split) and not trained on: the
    // validation split a study selects learning rates on (0 = none).
    int64_t validation_pairs = 0;
    int64_t max_length = 96;            // tokens per sequence (prompt + response + specials)
    int64_t max_prompt_length = 64;     // prompt tokens kept (the end of long prompts)
    std::string on_malformed = "skip";  // skip (count and go on) or stop
    int64_t limit = 0;                  // use at most this many pairs (0 = all)
    // shuffled: each batch a random draw; by-length: random windows of batches, each batch of
    // similar-length pairs (less padding, core/train/DataOrder.h).
    std::string batch_order = "shuffled";

    // True when the source yields documents of unlabeled text (synthetic-text, or a file read
    // as text or text-jsonl): data that only method lm trains on.
    bool textSource() const;
};

struct TokenizerConfig {
    // byte, sentencepiece (trained on the run's training texts), or model: the tokenizer of
    // model.from (the only kind allowed with it, and the default then).
    std::string kind = "byte";
    int64_t vocab_size = 1000;  // sentencepiece only
};

struct ModelSection {
    // A Hugging Face model folder (config.json, safetensors weights, tokenizer; GPT-NeoX or
    // GPT-2) to start from: its shape, weights and tokenizer. Absolute once parsed. When set,
    // none of the keys below may be given.
    std::string from;
    std::string architecture = "gpt_neox";  // gpt_neox or gpt2 (ModelConfig::makeGpt2)
    std::string size = "micro";             // micro, tiny, pythia-70m, pythia-160m, pythia-410m
    // Explicit shape overrides on top of the named size (0 / negative = keep the size's value).
    int64_t hidden_size = 0;
    int64_t num_layers = 0;
    int64_t num_heads = 0;
    int64_t intermediate_size = 0;
    int64_t max_positions = 0;
    double rotary_pct = -1;
    int parallel_residual = -1;  // -1 keep, 0 off, 1 on
};

struct OptimizerConfig {
    double lr = 1e-3;  // peak learning rate (AdamW)
    double beta1 = 0.9;
    double beta2 = 0.95;
    double eps = 1e-8;
    double weight_decay = 0.0;
    int64_t warmup_steps = 20;          // linear warmup at the start of every stage
    std::string schedule = "constant";  // constant or cosine (per stage, after warmup)
    double min_lr_ratio = 0.1;          // cosine floor as a fraction of lr
    double grad_clip = 1.0;             // max global grad norm; 0 = off
    int64_t grad_accum = 1;             // micro-batches per optimizer step
    int64_t batch_size = 16;            // pairs per micro-batch
};

struct EvalConfig {
    int64_t every = 50;           // optimizer steps between evaluations (0 = only at stage ends)
    int64_t grad_diff_steps = 3;  // K of the grad_diff metric
    int64_t batch_size = 32;      // pairs per evaluation batch
    // Greedy responses to the first `samples` distinct eval prompts at every evaluation, written
    // to samples.jsonl (0 = off); each at most sample_max_new_tokens tokens.
    int64_t samples = 3;
    int64_t sample_max_new_tokens = 32;
    // Which held-out pairs evaluations measure: "eval" (the eval split) or "validation"
    // (data.validation_pairs > 0 required); with "validation" the eval split is never read.
    std::string split = "eval";
};

// Live gradient diagnostics at every evaluation (core/diagnostics/Diagnostics.h).
struct DiagnosticsConfig {
    bool enabled = true;
    int64_t probe_pairs = 8;              // first eval pairs of the positive/negative gradient
    int64_t token_pairs = 32;             // first eval pairs of the token view (0 = none)
    double displacement_threshold = 0.5;  // share of eval pairs that raises the alert
    int64_t top_pairs = 10;               // displaced pairs listed, most chosen log-prob lost first
};

struct CheckpointConfig {
    int64_t every = 0;      // optimizer steps between checkpoints (0 = only at the end)
    int64_t keep_last = 2;  // older checkpoints are deleted
};

// Data-parallel training on c10d (core/train/Distributed.h). `rgpb train --nproc N` starts N
// local worker processes; under torchrun (RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT set) the
// launcher decides the processes and `nproc` is not used.
struct DistributedConfig {
    int64_t nproc = 1;             // local worker processes `rgpb train` starts (1 = one process)
    std::string backend = "gloo";  // gloo (CPU tensors) or nccl (CUDA builds, device cuda)
    double timeout_s = 300;  // a collective waits this long for every rank, then the run fails
};

struct StageConfig {
    std::string name;                   // defaults to the objective's description
    ObjectiveSpec objective;            // method (or weighted mix) and beta
    int64_t steps = 0;                  // optimizer steps; or
    double epochs = 0;                  // passes over the training pairs (steps wins if both given)
    std::optional<double> lr;           // overrides optimizer.lr for this stage
    bool on_the_fly_reference = false;  // DPO: keep a frozen copy instead of cached log-probs

    // The beta of the stage: that of its first term that uses one (MLE does not); nullopt for
    // a stage of MLE alone. The one definition every table, label and form reads.
    std::optional<double> beta() const;
};

struct RunConfig {
    std::string name = "run";
    uint64_t seed = 1;  // initial weights, data order, sampling (and the data when data_seed < 0)
    // Data generation and the train/validation/eval split; -1 = `seed`. Apart from `seed` so
    // that several training seeds can share one fixed eval set.
    int64_t data_seed = -1;
    std::string device = "cpu";  // cpu, cuda, cuda:N
    int64_t threads = 0;         // LibTorch intra-op threads; 0 = all cores
    // fp32, or bf16: the model's forward under autocast to bfloat16 (matrix products in bf16
    // on CPU and CUDA) while weights, optimizer state, log-probabilities and loss stay float32.
    // Evaluation is float32 either way. A config's old `bf16: true` reads as bf16.
    std::string precision = "fp32";
    int64_t max_nonfinite_steps = 5;  // consecutive NaN/Inf steps before the run fails
    DataConfig data;
    TokenizerConfig tokenizer;
    ModelSection model;
    OptimizerConfig optimizer;
    EvalConfig eval;
    DiagnosticsConfig diagnostics;
    CheckpointConfig checkpoint;
    DistributedConfig distributed;
    std::vector<StageConfig> stages;

    // The seed of data generation and splitting: data_seed, or seed when data_seed < 0.
    uint64_t dataSeed() const;
    // "exmate -> dpo" style recipe label.
    std::string recipe() const;
    // The run's beta as one number (run lists, labels, the landscape): the beta of its last
    // stage that uses one; 0 when no stage does (MLE alone).
    double beta() const;
};

// Why `objective` cannot train on `data`, or empty: method lm needs a text source (documents)
// and a text source allows only lm, since its pairs have no negative side. The parser reports
// it at the stage's method; the trainer checks configs made in code (sweeps, studies) too.
std::string stageDataProblem(const DataConfig& data, const ObjectiveSpec& objective);

// Parses YAML text; `source` names the file in messages. Throws rgpb::InputError with
// "source:line:column: key: problem" for syntax errors, unknown keys, wrong types and values
// out of range.
RunConfig parseRunConfig(const std::string& yaml_text, const std::string& source);
RunConfig loadRunConfig(const std::string& path);
// Like parseRunConfig, after applying "key.path=value" overrides (the CLI's --set): e.g.
// "optimizer.lr=3e-4", "stages.0.beta=0.5". An override naming no known key is an error.
RunConfig parseRunConfig(const std::string& yaml_text, const std::string& source,
                         const std::vector<std::string>& overrides);
// The resolved configuration as YAML (every field written), parseable by parseRunConfig.
std::string toYaml(const RunConfig& config);

}  // namespace rgpb
