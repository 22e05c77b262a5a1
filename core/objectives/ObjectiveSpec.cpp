#include "core/objectives/ObjectiveSpec.h"

#include <cmath>
#include <sstream>

#include "core/util/Error.h"

namespace rgpb {

ObjectiveKind parseObjectiveKind(const std::string& name) {
    if (name == "mle" || name == "sft")
        return ObjectiveKind::Mle;
    if (name == "dpo")
        return ObjectiveKind::Dpo;
    if (name == "ul" || name == "unlikelihood")
        return ObjectiveKind::Unlikelihood;
    if (name == "exmate")
        return ObjectiveKind::Exmate;
    if (name == "lm")
        return ObjectiveKind::Lm;
    throw ArgumentError("objective", "method", "one of " + objectiveKindList(), "'" + name + "'");
}

const std::vector<ObjectiveKind>& objectiveKinds() {
    static const std::vector<ObjectiveKind> kinds{ObjectiveKind::Mle, ObjectiveKind::Dpo,
                                                  ObjectiveKind::Unlikelihood,
                                                  ObjectiveKind::Exmate, ObjectiveKind::Lm};
    return kinds;
}

std::string objectiveKindList(const std::string& separator) {
    std::string out;
    for (ObjectiveKind k : objectiveKinds())
        out += (out.empty() ? "" : separator) + objectiveKindName(k);
    return out;
}

bool usesBeta(ObjectiveKind kind) {
    return kind != ObjectiveKind::Mle && kind != ObjectiveKind::Lm;
}

const char* objectiveKindName(ObjectiveKind kind) {
    switch (kind) {
        case ObjectiveKind::Mle:
            return "mle";
        case ObjectiveKind::Dpo:
            return "dpo";
        case ObjectiveKind::Unlikelihood:
            return "ul";
        case ObjectiveKind::Exmate:
            return "exmate";
        case ObjectiveKind::Lm:
            return "lm";
    }
    return "?";
}

ObjectiveSpec ObjectiveSpec::single(ObjectiveKind kind, double beta) {
    ObjectiveSpec s;
    ObjectiveTerm t;
    t.kind = kind;
    t.beta = beta;
    s.terms.push_back(t);
    return s;
}

std::string ObjectiveSpec::describe() const {
    std::ostringstream out;
    for (std::size_t i = 0; i < terms.size(); ++i) {
        if (i)
            out << "+";
        if (terms[i].weight != 1.0)
            out << terms[i].weight << "*";
        out << objectiveKindName(terms[i].kind);
        if (terms[i].kind == ObjectiveKind::Dpo && terms[i].dpo.ipo)
            out << "(ipo)";
    }
    return out.str();
}

bool ObjectiveSpec::needsReference() const {
    for (const ObjectiveTerm& t : terms) {
        if (t.kind == ObjectiveKind::Dpo && !t.dpo.reference_free)
            return true;
    }
    return false;
}

void validate(const ObjectiveSpec& spec) {
    const char* where = "objective";
    requireArgument(!spec.terms.empty(), where, "terms", "at least one objective term", "none");
    for (std::size_t i = 0; i < spec.terms.size(); ++i) {
        const ObjectiveTerm& t = spec.terms[i];
        std::string name = std::string(objectiveKindName(t.kind)) + " term " + std::to_string(i);
        requireArgument(std::isfinite(t.weight), where, "weight", "finite", t.weight, " (", name,
                        ")");
        if (usesBeta(t.kind)) {
            requireArgument(std::isfinite(t.beta) && t.beta > 0, where, "beta", "finite and > 0",
                            t.beta, " (", name, ")");
        }
        if (t.kind == ObjectiveKind::Dpo) {
            requireArgument(t.dpo.label_smoothing >= 0 && t.dpo.label_smoothing < 0.5, where,
                            "label_smoothing", "in [0, 0.5)", t.dpo.label_smoothing);
            requireArgument(!(t.dpo.ipo && t.dpo.label_smoothing > 0), where, "label_smoothing",
                            "0 when ipo is on (IPO has no label smoothing)", t.dpo.label_smoothing);
        }
        if (t.kind == ObjectiveKind::Unlikelihood) {
            requireArgument(t.ul_max_prob > 0 && t.ul_max_prob < 1, where, "ul_max_prob",
                            "in (0, 1)", t.ul_max_prob);
        }
    }
}

}  // namespace rgpb
