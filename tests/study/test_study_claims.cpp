// The paper's findings as predicates: on constructed results the same claim comes out supported,
// contradicted and inconclusive as the paired interval falls, compound claims follow the
// all/any rule, and what a study cannot test (a missing regime, recipe or beta range, the GPT-4
// judgements) says so.
#include <QtTest>

#include "tests/support/TestMain.h"

#include <cmath>

#include "core/study/StudyClaims.h"
#include "tests/support/Approx.h"
#include "tests/support/ErrorText.h"

// This file's code has its own namespace: the group's tests build as one unity batch.
namespace rgpb_test_study_claims {

using namespace rgpb;
using rgpb::test::contains;

// Per seed (1, 2, 3): perplexity and agility of one cell; pos_prob = agility + 0.5.
void addClaimCells(StudyResults& r, const std::string& task, InfoRegime regime,
                   const std::string& recipe, double beta, std::vector<double> perplexity,
                   std::vector<double> agility) {
    for (std::size_t i = 0; i < agility.size(); ++i) {
        StudyCellResult c;
        c.task = task;
        c.regime = regime;
        c.recipe = recipe;
        c.beta = beta;
        c.seed = i + 1;
        c.status = RunStatus::Finished;
        c.final_metrics = {{"eval/perplexity", perplexity[i]},
                           {"eval/agility", agility[i]},
                           {"eval/pos_prob", agility[i] + 0.5}};
        r.cells.push_back(c);
    }
}

StudyResults lowStudy(std::vector<double> exmate_agility) {
    StudyResults r;
    r.spec.betas = {0.5};
    addClaimCells(r, "low-info", InfoRegime::Low, "mle", 0, {10, 12, 11}, {0.20, 0.22, 0.25});
    addClaimCells(r, "low-info", InfoRegime::Low, "exmate", 0.5, {8, 9, 9}, exmate_agility);
    return r;
}

ClaimResult claimOf(const std::vector<ClaimResult>& claims, const std::string& id,
                    const std::string& task = "") {
    for (const ClaimResult& c : claims) {
        if (c.id == id && (task.empty() || c.task == task))
            return c;
    }
    ClaimResult none;
    none.id = "(absent: " + id + ")";
    return none;
}

ClaimResult evaluated(const StudyResults& r, const std::string& id, const std::string& task = "") {
    return claimOf(evaluateClaims(r, aggregateStudy(r)), id, task);
}

class TestStudyClaims : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void verdictFollowsThePairedInterval() {
        const std::string id = "low.exmate_agility_gt_mle";
        // Differences ExMATE - MLE {0.10, 0.11, 0.10}: mean 31/300, sd sqrt(3)/300, so
        // t = 31 with df 2, the interval [31/300 -+ 4.302653/300] lies above 0, and
        // p = 1 - 31 / sqrt(2 + 31^2).
        ClaimResult up = evaluated(lowStudy({0.30, 0.33, 0.35}), id);
        QCOMPARE(up.verdict, ClaimVerdict::Supported);
        QCOMPARE(up.task, std::string("low-info"));
        QCOMPARE(up.beta, 0.5);
        RGPB_COMPARE_NEAR(up.effect.mean, 31.0 / 300, 1e-12);
        RGPB_COMPARE_NEAR(up.effect.lo, (31.0 - 4.302653) / 300, 1e-8);
        RGPB_COMPARE_NEAR(up.p_value, 1 - 31 / std::sqrt(963.0), 1e-9);
        // The mirror image {-0.10, -0.11, -0.10}: below 0.
        ClaimResult down = evaluated(lowStudy({0.10, 0.11, 0.15}), id);
        QCOMPARE(down.verdict, ClaimVerdict::Contradicted);
        RGPB_COMPARE_NEAR(down.effect.mean, -31.0 / 300, 1e-12);
        RGPB_COMPARE_NEAR(down.p_value, up.p_value, 1e-12);
        // {0.10, -0.10, 0.02}: the interval holds 0.
        ClaimResult flat = evaluated(lowStudy({0.30, 0.12, 0.27}), id);
        QCOMPARE(flat.verdict, ClaimVerdict::Inconclusive);
        RGPB_COMPARE_NEAR(flat.effect.mean, 0.02 / 3, 1e-12);
        QVERIFY(flat.effect.lo < 0 && flat.effect.hi > 0);
        QVERIFY2(contains(flat.why, "agility of exmate - mle"), flat.why.c_str());
    }

    void perplexityClaimsAreOrientedLowerIsBetter() {
        StudyResults r = lowStudy({0.30, 0.33, 0.35});
        addClaimCells(r, "low-info", InfoRegime::Low, "ul", 0.5, {20, 25, 30}, {0.3, 0.3, 0.3});
        // MLE - ExMATE perplexity {2, 3, 2}: ExMATE is lower, the claim holds.
        ClaimResult lower = evaluated(r, "low.exmate_perplexity_lt_mle");
        QCOMPARE(lower.verdict, ClaimVerdict::Supported);
        RGPB_COMPARE_NEAR(lower.effect.mean, 7.0 / 3, 1e-12);
        // UL - MLE {10, 13, 19}: UL is higher, as claimed.
        ClaimResult ul = evaluated(r, "low.ul_perplexity_gt_mle");
        QCOMPARE(ul.verdict, ClaimVerdict::Supported);
        RGPB_COMPARE_NEAR(ul.effect.mean, 14.0, 1e-12);
    }

    void compoundClaimsNeedEveryPart() {
        const std::string id = "high.dpo_highest_agility";
        StudyResults r;
        r.spec.betas = {0.1};
        const InfoRegime hi = InfoRegime::High;
        addClaimCells(r, "high-info", hi, "mle", 0, {5, 5, 5}, {0.1, 0.12, 0.11});
        addClaimCells(r, "high-info", hi, "dpo", 0.1, {50, 60, 70}, {0.9, 0.95, 0.92});
        addClaimCells(r, "high-info", hi, "exmate", 0.1, {4, 4, 4}, {0.2, 0.25, 0.21});
        // UL is missing and no part is contradicted: not tested, naming UL.
        ClaimResult missing = evaluated(r, id);
        QCOMPARE(missing.verdict, ClaimVerdict::NotTested);
        QVERIFY2(contains(missing.why, "recipe 'ul' is not in the study"), missing.why.c_str());
        // With UL clearly below DPO every part is supported.
        addClaimCells(r, "high-info", hi, "ul", 0.1, {9, 9, 9}, {0.3, 0.31, 0.35});
        QCOMPARE(evaluated(r, id).verdict, ClaimVerdict::Supported);
        // Exmate on par with DPO (differences {0.05, -0.05, 0.01}): that part, and so the
        // claim, is inconclusive; the reported effect is that weakest part.
        StudyResults par = r;
        for (StudyCellResult& c : par.cells) {
            if (c.recipe == "exmate")
                c.final_metrics[1].second = std::vector<double>{0.85, 1.0, 0.91}[c.seed - 1];
        }
        ClaimResult inconclusive = evaluated(par, id);
        QCOMPARE(inconclusive.verdict, ClaimVerdict::Inconclusive);
        RGPB_COMPARE_NEAR(inconclusive.effect.mean, 0.01 / 3, 1e-12);
        // ExMATE clearly above DPO: contradicted, though the other parts are supported.
        for (StudyCellResult& c : par.cells) {
            if (c.recipe == "exmate")
                c.final_metrics[1].second = 1.5 + 0.01 * static_cast<double>(c.seed);
        }
        ClaimResult contradicted = evaluated(par, id);
        QCOMPARE(contradicted.verdict, ClaimVerdict::Contradicted);
        QVERIFY(contradicted.effect.hi < 0);
        // ExMATE is then above MLE and UL but also above DPO: not "second-best".
        QCOMPARE(evaluated(par, "high.exmate_second_agility").verdict, ClaimVerdict::Contradicted);
        // The combination rule itself.
        using V = ClaimVerdict;
        QCOMPARE(combineVerdicts({V::Supported, V::Supported}), V::Supported);
        QCOMPARE(combineVerdicts({V::Supported, V::Inconclusive}), V::Inconclusive);
        QCOMPARE(combineVerdicts({V::NotTested, V::Contradicted}), V::Contradicted);
        QCOMPARE(combineVerdicts({V::NotTested, V::Supported}), V::NotTested);
    }

    void claimsOverBetasComparePairedSmallestAndLargest() {
        StudyResults r;
        r.spec.betas = {0.1, 1.0};
        const InfoRegime lo = InfoRegime::Low;
        // pos_prob = agility + 0.5: at beta 0.1 agility {0.3, 0.4, 0.35}, at 1.0 {0.5, 0.62, 0.6}.
        addClaimCells(r, "low-info", lo, "exmate", 0.1, {8, 8, 8}, {0.3, 0.4, 0.35});
        addClaimCells(r, "low-info", lo, "exmate", 1.0, {8, 8, 8}, {0.5, 0.62, 0.6});
        std::vector<ClaimResult> claims = evaluateClaims(r, aggregateStudy(r));
        // Agility rises by {0.2, 0.22, 0.25}: supported; pos_prob falls by the negative of it.
        ClaimResult rises = claimOf(claims, "both.beta_raises_exmate_agility");
        QCOMPARE(rises.verdict, ClaimVerdict::Supported);
        RGPB_COMPARE_NEAR(rises.effect.mean, 0.67 / 3, 1e-12);
        QCOMPARE(rises.beta, 0.0);
        ClaimResult falls = claimOf(claims, "both.beta_lowers_exmate_pos_prob");
        QCOMPARE(falls.verdict, ClaimVerdict::Contradicted);
        RGPB_COMPARE_NEAR(falls.effect.mean, -0.67 / 3, 1e-12);
        // DPO is absent; the per-beta claims come once per beta.
        QVERIFY(contains(claimOf(claims, "both.beta_lowers_dpo_agility").why, "'dpo'"));
        int per_beta = 0;
        for (const ClaimResult& c : claims)
            per_beta += c.id == "low.exmate_agility_gt_mle" ? 1 : 0;
        QCOMPARE(per_beta, 2);
        // With one beta the beta claims cannot be tested.
        ClaimResult one = evaluated(lowStudy({0.3, 0.3, 0.3}), "both.beta_raises_exmate_agility");
        QCOMPARE(one.verdict, ClaimVerdict::NotTested);
        QVERIFY2(contains(one.why, "one beta"), one.why.c_str());
    }

    void whatAStudyCannotTestSaysWhy() {
        StudyResults r = lowStudy({0.3, 0.33, 0.35});
        std::vector<ClaimResult> claims = evaluateClaims(r, aggregateStudy(r));
        // No task of higher information difference.
        ClaimResult high = claimOf(claims, "high.exmate_lowest_perplexity");
        QCOMPARE(high.verdict, ClaimVerdict::NotTested);
        QVERIFY2(contains(high.why, "no task of higher information difference"), high.why.c_str());
        QVERIFY(std::isnan(high.effect.mean));
        // The judgements of GPT-4 are not a study's to make.
        ClaimResult judge = claimOf(claims, "both.gpt4_judgements");
        QCOMPARE(judge.verdict, ClaimVerdict::NotTested);
        QVERIFY2(contains(judge.why, "Judge tab"), judge.why.c_str());
        // A recipe the study lacks.
        QCOMPARE(claimOf(claims, "low.ul_agility_gt_mle").verdict, ClaimVerdict::NotTested);
        // A seed in common but only one: tested, no interval, inconclusive.
        StudyResults single = lowStudy({0.9, 0.9, 0.9});
        single.cells.erase(single.cells.begin() + 1, single.cells.begin() + 3);  // MLE seeds 2, 3
        ClaimResult one = evaluated(single, "low.exmate_agility_gt_mle");
        QCOMPARE(one.verdict, ClaimVerdict::Inconclusive);
        QCOMPARE(one.effect.n, 1);
        // Failed cells never count: with every MLE cell failed there is no seed to pair.
        StudyResults failed = lowStudy({0.9, 0.9, 0.9});
        for (StudyCellResult& c : failed.cells) {
            if (c.recipe == "mle")
                c.status = RunStatus::Failed;
        }
        ClaimResult none = evaluated(failed, "low.exmate_agility_gt_mle");
        QCOMPARE(none.verdict, ClaimVerdict::NotTested);
        QVERIFY2(contains(none.why, "no seed where both finished"), none.why.c_str());
        QCOMPARE(std::string(claimVerdictName(ClaimVerdict::NotTested)), std::string("not tested"));
    }
};

RGPB_TEST_MAIN(TestStudyClaims)

}  // namespace rgpb_test_study_claims

#include "test_study_claims.moc"
