// What a training stage optimises, as plain values (no tensors): one or more weighted terms,
// each an objective of spec.md section 2 with its beta and options. Parsed from the run config,
// shown in the GUI, turned into an Objective by makeObjective() (core/objectives/Objective.h).
#pragma once

#include <string>
#include <vector>

namespace rgpb {

// Lm: next-token training on documents of unlabeled text (the pretraining a study's base gets):
// the token-weighted negative log-likelihood of the positive side, -sum S+ / sum T+ over the
// batch (core/objectives/LmLoss.h). It trains only on text sources (stageDataProblem() in
// core/config/RunConfig.h).
enum class ObjectiveKind { Mle, Dpo, Unlikelihood, Exmate, Lm };

// "mle" (or "sft"), "dpo", "ul" (or "unlikelihood"), "exmate", "lm"; throws
// rgpb::ArgumentError listing the names.
ObjectiveKind parseObjectiveKind(const std::string& name);
const char* objectiveKindName(ObjectiveKind kind);
// Every kind in the order lists show them (the form's method list, help texts).
const std::vector<ObjectiveKind>& objectiveKinds();
// The canonical names joined: "mle, dpo, ul, exmate, lm".
std::string objectiveKindList(const std::string& separator = ", ");
// Whether the kind's loss has a beta (DPO, UL, ExMATE; not MLE and LM).
bool usesBeta(ObjectiveKind kind);

struct DpoOptions {
    double label_smoothing = 0.0;  // conservative DPO epsilon in [0, 0.5)
    bool reference_free = false;   // S_ref = 0: no reference model needed
    bool ipo = false;              // IPO loss on per-token-mean log-ratios
};

struct ObjectiveTerm {
    ObjectiveKind kind = ObjectiveKind::Mle;
    double weight = 1.0;  // w_i in loss = sum_i w_i L_i
    double beta = 0.1;    // DPO inverse temperature, UL / ExMATE penalty weight (unused by MLE)
    DpoOptions dpo;
    // Unlikelihood: P-(y-_t) is clamped to at most this before log(1 - P), so the loss stays
    // finite when P rounds to 1; clamped tokens are counted in the "ul/clamped_tokens" stat.
    double ul_max_prob = 1.0 - 1e-6;
};

struct ObjectiveSpec {
    std::vector<ObjectiveTerm> terms;

    // A single-term spec: e.g. single(ObjectiveKind::Dpo, 0.1).
    static ObjectiveSpec single(ObjectiveKind kind, double beta = 0.1);
    // "exmate", "dpo+0.2*mle" style description for labels and run names.
    std::string describe() const;
    bool needsReference() const;
};

// Throws rgpb::ArgumentError naming the field when a value is out of range (beta <= 0 where
// the kind uses it, label_smoothing outside [0, 0.5), ul_max_prob outside (0, 1), no terms,
// non-finite weight).
void validate(const ObjectiveSpec& spec);

}  // namespace rgpb
