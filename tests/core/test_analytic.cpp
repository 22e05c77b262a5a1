// Spec.md section 4.1-4.3 closed forms against hand-computed values, including the points the
// paper discusses.
#include <QtTest>

#include "tests/support/TestMain.h"

#include <cmath>

#include "core/analytic/GradientCoefficients.h"
#include "core/util/Error.h"

// This file's code has its own namespace: the group's tests build as one unity batch.
namespace rgpb_test_analytic {

using namespace rgpb;
using namespace rgpb::analytic;

namespace {
bool near(double a, double b, double tol = 1e-9) {
    return std::abs(a - b) < tol;
}

// P+(y+)=0.5, P+(y-)=0.1, P-(y+)=0.1, P-(y-)=0.5, P+(z)=0.01, P-(z)=0.02, u=0.2, e=0.1.
DistinctInputs sample() {
    DistinctInputs in;
    in.p_pos_ypos = 0.5;
    in.p_pos_yneg = 0.1;
    in.p_neg_ypos = 0.1;
    in.p_neg_yneg = 0.5;
    in.p_pos_other = 0.01;
    in.p_neg_other = 0.02;
    in.u = 0.2;
    in.e = 0.1;
    return in;
}
}  // namespace

class TestAnalytic : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void dpoDistinct() {
        // w = 1 * 0.3^1 / (0.3 + 0.2) = 0.6
        QVERIFY(near(dpoDistinctWeight(1.0, 0.2, 0.1), 0.6));
        DistinctCoefficients c = distinctCoefficients(Method::Dpo, 1.0, sample());
        QVERIFY(near(c.pos, 0.6 * (1 - 0.5 + 0.1)));     // 0.36
        QVERIFY(near(c.neg, 0.6 * (-0.1 - (1 - 0.5))));  // -0.36
        QVERIFY(near(c.other, 0.6 * (-0.01 + 0.02)));    // 0.006
        // beta = 2: w = 2 * 0.09 / (0.09 + 0.04) = 1.3846154
        QVERIFY(near(dpoDistinctWeight(2.0, 0.2, 0.1), 1.3846153846));
        // Underflowing sequence probabilities keep w finite: u = 1e-300, e = u (f- = 2u):
        // w = beta / (1 + (1/2)^beta) = 1 / 1.5 at beta = 1.
        QVERIFY(near(dpoDistinctWeight(1.0, 1e-300, 1e-300), 2.0 / 3.0));
    }

    void unlikelihoodDistinct() {
        // beta = 1: r = 0.5 / 0.5 = 1
        DistinctCoefficients c = distinctCoefficients(Method::Unlikelihood, 1.0, sample());
        QVERIFY(near(c.pos, 1 - 0.5 + 1 * 1 * 0.1));   // 0.6
        QVERIFY(near(c.neg, -0.1 - 1 * 0.5));          // -0.6
        QVERIFY(near(c.other, -0.01 + 1 * 1 * 0.02));  // 0.01
    }

    void unlikelihoodOtherTokensVanishAtOneOverOnePlusBeta() {
        // With P+(z) = P-(z), the "other" coefficient P(z)(beta r - 1) is 0 exactly when
        // r = 1/beta, i.e. P-(y-) = 1/(1+beta); positive above, negative below.
        for (double beta : {0.5, 1.0, 3.0, 5.0}) {
            DistinctInputs in = sample();
            in.p_pos_other = in.p_neg_other = 0.04;
            in.p_neg_yneg = 1.0 / (1.0 + beta);
            QVERIFY(near(distinctCoefficients(Method::Unlikelihood, beta, in).other, 0.0, 1e-15));
            in.p_neg_yneg = 1.0 / (1.0 + beta) + 0.05;
            QVERIFY(distinctCoefficients(Method::Unlikelihood, beta, in).other > 0);
            in.p_neg_yneg = 1.0 / (1.0 + beta) - 0.05;
            QVERIFY(distinctCoefficients(Method::Unlikelihood, beta, in).other < 0);
        }
    }

    void exmateDistinct() {
        // beta = 2
        DistinctCoefficients c = distinctCoefficients(Method::Exmate, 2.0, sample());
        QVERIFY(near(c.pos, 1 - 0.5 + 2 * 0.5 * 0.1));     // 0.6
        QVERIFY(near(c.neg, -0.1 - 2 * 0.5 * (1 - 0.5)));  // -0.6
        QVERIFY(near(c.other, -0.01 + 2 * 0.5 * 0.02));    // 0.01
    }

    void sharedCoefficients() {
        // DPO, beta=1, u=0.2, e=0.1: 1 * 0.3^0 * 0.1 / ((0.3 + 0.2) * 0.2) = 1.0
        QVERIFY(near(sharedCoefficient(Method::Dpo, 1.0, 0.2, 0.1), 1.0));
        // DPO, beta=2: 2 * 0.3 * 0.1 / ((0.09 + 0.04) * 0.2) = 2.3076923
        QVERIFY(near(sharedCoefficient(Method::Dpo, 2.0, 0.2, 0.1), 2.3076923077));
        // DPO gives no gradient on the shared token when e = 0 (the paper's low-information-
        // difference failure), and pushes it DOWN when e < 0.
        QCOMPARE(sharedCoefficient(Method::Dpo, 0.5, 0.3, 0.0), 0.0);
        QVERIFY(sharedCoefficient(Method::Dpo, 0.5, 0.3, -0.1) < 0);
        // UL, beta=1, u=0.2, e=0.1: (1 - 2*0.2 - 0.1) / (0.2 * (1 - 0.3)) = 0.5/0.14 = 3.5714286
        QVERIFY(near(sharedCoefficient(Method::Unlikelihood, 1.0, 0.2, 0.1), 3.5714285714));
        // ExMATE: 1/u - beta; u = 0.25, beta = 2: 2
        QVERIFY(near(sharedCoefficient(Method::Exmate, 2.0, 0.25, 0.3), 2.0));
    }

    void exmateSharedChangesSignAtOneOverBeta() {
        for (double beta : {0.5, 1.0, 2.0, 5.0}) {
            double u0 = 1.0 / beta;
            if (u0 > 1.0) {
                // For beta < 1 the zero lies outside (0, 1]: always pushes up.
                QVERIFY(sharedCoefficient(Method::Exmate, beta, 1.0, 0.0) > 0);
                continue;
            }
            QVERIFY(near(sharedCoefficient(Method::Exmate, beta, u0, 0.0), 0.0, 1e-12));
            if (u0 > 0.01)
                QVERIFY(sharedCoefficient(Method::Exmate, beta, u0 - 0.01, 0.0) > 0);
            if (u0 < 0.99)
                QVERIFY(sharedCoefficient(Method::Exmate, beta, u0 + 0.01, 0.0) < 0);
        }
    }

    void landscapes() {
        // DPO beta=1, f+ = f- = 0.1: -log sigmoid(0) = ln 2
        QVERIFY(near(landscapeLoss(Method::Dpo, 1.0, 0.1, 0.1), std::log(2.0)));
        // DPO beta=1, f+=0.5, f-=0.1: h = ln 5, loss = ln(1 + 1/5) = 0.1823216
        QVERIFY(near(landscapeLoss(Method::Dpo, 1.0, 0.5, 0.1), 0.1823215568));
        // UL beta=1, f+=0.1, f-=0.5: -ln 0.1 - ln 0.5 = 2.9957323
        QVERIFY(near(landscapeLoss(Method::Unlikelihood, 1.0, 0.1, 0.5), 2.9957322736));
        // ExMATE beta=1, f+=0.5, f-=0.1: ln 2 + 0.1 = 0.7931472
        QVERIFY(near(landscapeLoss(Method::Exmate, 1.0, 0.5, 0.1), 0.7931471806));
        // DPO stays finite for an extreme ratio (h = -beta * ln 1e300 ~ -690.8).
        QVERIFY(near(landscapeLoss(Method::Dpo, 1.0, 1e-300, 1.0), 690.7755279, 1e-6));
    }

    void badArgumentsAreRejected() {
        auto throwsWith = [](const std::function<void()>& f, const char* text) {
            try {
                f();
            } catch (const ArgumentError& e) {
                return QString(e.what()).contains(text);
            }
            return false;
        };
        QVERIFY(throwsWith([] { sharedCoefficient(Method::Exmate, 0.0, 0.5, 0.0); },
                           "argument 'beta' must be finite and > 0, got 0"));
        QVERIFY(throwsWith([] { sharedCoefficient(Method::Dpo, 1.0, 0.0, 0.0); },
                           "argument 'u' must be in (0, 1]"));
        QVERIFY(throwsWith([] { sharedCoefficient(Method::Dpo, 1.0, 0.5, 0.6); }, "u + e = 1.1"));
        QVERIFY(throwsWith([] { sharedCoefficient(Method::Unlikelihood, 1.0, 0.5, 0.5); },
                           "u + e < 1"));
        DistinctInputs in = sample();
        in.p_neg_ypos = 1.5;
        QVERIFY(throwsWith([&] { distinctCoefficients(Method::Exmate, 1.0, in); },
                           "argument 'p_neg_ypos' must be a probability in [0, 1], got 1.5"));
        QVERIFY(throwsWith([] { landscapeLoss(Method::Unlikelihood, 1.0, 0.5, 1.0); }, "f_neg"));
        QVERIFY(throwsWith([] { parseMethod("ppo"); }, "one of dpo, ul, exmate"));
    }
};

RGPB_TEST_MAIN(TestAnalytic)
}  // namespace rgpb_test_analytic
#include "test_analytic.moc"
