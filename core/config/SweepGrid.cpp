#include "core/config/SweepGrid.h"

#include <cctype>
#include <cmath>
#include <cstdio>

#include "core/util/Error.h"

namespace rgpb {

std::string betaText(double beta) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", beta);
    return buf;
}

std::string runNameSlug(const std::string& name) {
    std::string out;
    bool dash = false;
    for (unsigned char ch : name) {
        const bool keep = std::isalnum(ch) || ch == '.' || ch == '_' || ch == '+' || ch == '-';
        if (keep && ch != '-') {
            if (dash && !out.empty())
                out += '-';
            dash = false;
            out += static_cast<char>(ch);
        } else {
            dash = true;
        }
    }
    // A name of dots alone ("." or "..") would name the runs folder or its parent.
    if (out.find_first_not_of('.') == std::string::npos)
        return "run";
    return out;
}

std::vector<SweepCell> sweepGrid(const RunConfig& base, const std::vector<std::string>& methods,
                                 const std::vector<double>& betas) {
    for (double b : betas) {
        if (!std::isfinite(b) || b <= 0)
            throw ArgumentError("sweep", "beta", "a number > 0", betaText(b));
    }
    std::vector<std::string> grid = methods.empty() ? std::vector<std::string>{""} : methods;
    std::vector<SweepCell> cells;
    for (const std::string& method : grid) {
        const bool own = method.empty();
        const ObjectiveKind kind = own ? ObjectiveKind::Mle : parseObjectiveKind(method);
        for (double beta : betas) {
            SweepCell cell{method, beta, base};
            for (StageConfig& st : cell.config.stages) {
                const bool renamed = st.name == st.objective.describe();
                for (ObjectiveTerm& t : st.objective.terms)
                    t.beta = beta;
                if (!own && st.objective.terms.size() == 1)
                    st.objective.terms[0].kind = kind;
                if (renamed)
                    st.name = st.objective.describe();
                validate(st.objective);
            }
            cell.config.name =
                runNameSlug(base.name + (own ? "" : "-" + method) + "-b" + betaText(beta));
            cells.push_back(std::move(cell));
        }
    }
    return cells;
}

}  // namespace rgpb
