#include "core/analytic/GradientCoefficients.h"

#include <cmath>

#include "core/util/Error.h"

namespace rgpb::analytic {
namespace {

void requireProbability(const char* where, const char* name, double p) {
    requireArgument(std::isfinite(p) && p >= 0.0 && p <= 1.0, where, name,
                    "a probability in [0, 1]", p);
}

void requireBeta(const char* where, double beta) {
    requireArgument(std::isfinite(beta) && beta > 0.0, where, "beta", "finite and > 0", beta);
}

void requireU(const char* where, double u, double e) {
    requireArgument(std::isfinite(u) && u > 0.0 && u <= 1.0, where, "u", "in (0, 1]", u);
    requireArgument(std::isfinite(e) && u + e > 0.0 && u + e <= 1.0, where, "e",
                    "such that u + e lies in (0, 1]", "e = ", e, " (u + e = ", u + e, ")");
}

// Numerically stable log(sigmoid(x)).
double logSigmoid(double x) {
    return x >= 0 ? -std::log1p(std::exp(-x)) : x - std::log1p(std::exp(x));
}

}  // namespace

Method parseMethod(const std::string& name) {
    if (name == "dpo")
        return Method::Dpo;
    if (name == "ul" || name == "unlikelihood")
        return Method::Unlikelihood;
    if (name == "exmate")
        return Method::Exmate;
    throw ArgumentError("analytic", "method", "one of dpo, ul, exmate", "'" + name + "'");
}

const char* methodName(Method m) {
    switch (m) {
        case Method::Dpo:
            return "dpo";
        case Method::Unlikelihood:
            return "ul";
        case Method::Exmate:
            return "exmate";
    }
    return "?";
}

double dpoDistinctWeight(double beta, double u, double e) {
    const char* where = "dpoDistinctWeight";
    requireBeta(where, beta);
    requireU(where, u, e);
    // w = beta / (1 + (u/(u+e))^beta), written through logs so tiny u does not underflow.
    double ratio = std::exp(beta * (std::log(u) - std::log(u + e)));
    return beta / (1.0 + ratio);
}

DistinctCoefficients distinctCoefficients(Method m, double beta, const DistinctInputs& in) {
    const char* where = "distinctCoefficients";
    requireBeta(where, beta);
    requireProbability(where, "p_pos_ypos", in.p_pos_ypos);
    requireProbability(where, "p_pos_yneg", in.p_pos_yneg);
    requireProbability(where, "p_neg_ypos", in.p_neg_ypos);
    requireProbability(where, "p_neg_yneg", in.p_neg_yneg);
    requireProbability(where, "p_pos_other", in.p_pos_other);
    requireProbability(where, "p_neg_other", in.p_neg_other);

    DistinctCoefficients c;
    switch (m) {
        case Method::Dpo: {
            double w = dpoDistinctWeight(beta, in.u, in.e);
            c.pos = w * (1.0 - in.p_pos_ypos + in.p_neg_ypos);
            c.neg = w * (-in.p_pos_yneg - (1.0 - in.p_neg_yneg));
            c.other = w * (-in.p_pos_other + in.p_neg_other);
            break;
        }
        case Method::Unlikelihood: {
            requireArgument(in.p_neg_yneg < 1.0, where, "p_neg_yneg", "< 1 for unlikelihood",
                            in.p_neg_yneg);
            double r = in.p_neg_yneg / (1.0 - in.p_neg_yneg);
            c.pos = 1.0 - in.p_pos_ypos + beta * r * in.p_neg_ypos;
            c.neg = -in.p_pos_yneg - beta * in.p_neg_yneg;
            c.other = -in.p_pos_other + beta * r * in.p_neg_other;
            break;
        }
        case Method::Exmate: {
            c.pos = 1.0 - in.p_pos_ypos + beta * in.p_neg_yneg * in.p_neg_ypos;
            c.neg = -in.p_pos_yneg - beta * in.p_neg_yneg * (1.0 - in.p_neg_yneg);
            c.other = -in.p_pos_other + beta * in.p_neg_yneg * in.p_neg_other;
            break;
        }
    }
    return c;
}

double sharedCoefficient(Method m, double beta, double u, double e) {
    const char* where = "sharedCoefficient";
    requireBeta(where, beta);
    requireU(where, u, e);
    switch (m) {
        case Method::Dpo: {
            double a = u + e;
            double num = beta * std::pow(a, beta - 1.0) * e;
            double den = (std::pow(a, beta) + std::pow(u, beta)) * u;
            return num / den;
        }
        case Method::Unlikelihood:
            requireArgument(u + e < 1.0, where, "e", "such that u + e < 1 for unlikelihood",
                            "u + e = ", u + e);
            return (1.0 - (1.0 + beta) * u - e) / (u * (1.0 - u - e));
        case Method::Exmate:
            return 1.0 / u - beta;
    }
    return 0.0;
}

double landscapeLoss(Method m, double beta, double f_pos, double f_neg) {
    const char* where = "landscapeLoss";
    requireBeta(where, beta);
    requireArgument(std::isfinite(f_pos) && f_pos > 0.0 && f_pos <= 1.0, where, "f_pos",
                    "in (0, 1]", f_pos);
    requireArgument(std::isfinite(f_neg) && f_neg > 0.0 && f_neg <= 1.0, where, "f_neg",
                    "in (0, 1]", f_neg);
    switch (m) {
        case Method::Dpo:
            return -logSigmoid(beta * std::log(f_pos) - beta * std::log(f_neg));
        case Method::Unlikelihood:
            requireArgument(f_neg < 1.0, where, "f_neg", "< 1 for unlikelihood", f_neg);
            return -std::log(f_pos) - beta * std::log1p(-f_neg);
        case Method::Exmate:
            return -std::log(f_pos) + beta * f_neg;
    }
    return 0.0;
}

}  // namespace rgpb::analytic
