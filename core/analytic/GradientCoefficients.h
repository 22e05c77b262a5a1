// The paper's closed-form gradient analysis (spec.md section 4.1-4.3) as plain functions of
// probabilities, for the gradient lab's plots and the CLI. No tensors: every input is a
// probability or a (signed) probability difference, every output a coefficient.
//
// Conventions (spec.md section 4): u = f+ = P(y+|x+), u + e = f- = P(y-|x-), P+ and P- are
// the next-token distributions under the positive and negative contexts. Coefficients are
// for gradient ASCENT along the logit of the token named: positive = pushed up.
#pragma once

#include <string>

namespace rgpb::analytic {

enum class Method { Dpo, Unlikelihood, Exmate };

// "dpo", "ul" (or "unlikelihood"), "exmate"; throws rgpb::ArgumentError otherwise.
Method parseMethod(const std::string& name);
const char* methodName(Method m);

// Inputs of the distinct-token case (y+_t != y-_t), spec.md section 4.1.
struct DistinctInputs {
    double p_pos_ypos = 0.5;    // P+(y+_t)
    double p_pos_yneg = 0.1;    // P+(y-_t)
    double p_neg_ypos = 0.1;    // P-(y+_t)
    double p_neg_yneg = 0.5;    // P-(y-_t)
    double p_pos_other = 0.01;  // P+(z) for one other token z
    double p_neg_other = 0.01;  // P-(z) for the same z
    double u = 0.1;             // f+ = P(y+|x+), used by DPO's weight
    double e = 0.0;             // f- - f+, used by DPO's weight (u + e must lie in (0, 1])
};

// Coefficients on the logit of y+_t, of y-_t, and of the other token z.
struct DistinctCoefficients {
    double pos = 0.0;
    double neg = 0.0;
    double other = 0.0;
};

// Spec.md 4.1 (paper eq. 10-15). Throws rgpb::ArgumentError for probabilities outside [0, 1],
// beta <= 0, u outside (0, 1], or u + e outside (0, 1].
DistinctCoefficients distinctCoefficients(Method m, double beta, const DistinctInputs& in);

// DPO's weight w = beta (u+e)^beta / ((u+e)^beta + u^beta) of section 4.1.
double dpoDistinctWeight(double beta, double u, double e);

// Spec.md 4.2 (paper eq. 16-18): the coefficient on the shared token when y+_t = y-_t.
// DPO: beta (u+e)^(beta-1) e / (((u+e)^beta + u^beta) u)
// UL:  (1 - (1+beta) u - e) / (u (1 - u - e))        (needs u + e < 1)
// ExMATE: 1/u - beta                                 (e does not enter)
double sharedCoefficient(Method m, double beta, double u, double e);

// Spec.md 4.3 (paper Fig. 1): single-step loss as a function of f+ and f-, DPO with P_ref = 1.
// DPO: -log sigmoid(beta log f+ - beta log f-); UL: -log f+ - beta log(1 - f-);
// ExMATE: -log f+ + beta f-. Both probabilities must lie in (0, 1] (UL: f- < 1).
double landscapeLoss(Method m, double beta, double f_pos, double f_neg);

}  // namespace rgpb::analytic
