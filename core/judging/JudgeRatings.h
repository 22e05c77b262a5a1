// Ratings beyond one pair of models, from the same votes JudgeStats reads (first showings,
// skips left out; "both bad" counts as a tie, as in FastChat's battles):
//  - Bradley-Terry ratings on the Elo scale, FastChat's compute_mle_elo: P(i beats j) =
//    1 / (1 + base^((R_j - R_i) / scale)), base 10, scale 400, ratings centred on 1000 (the
//    mean rating is the initial one); a tie is half a win each way. Fitted by the MM algorithm
//    (Hunter 2004), the same maximum-likelihood ratings FastChat's unpenalised logistic
//    regression finds; percentile intervals from a seeded bootstrap over battles. The maximum
//    does not exist when a model never loses or never wins (its rating runs off to +-infinity);
//    the fit then stops after its iteration cap and the ratings say only "far above / below".
//  - AlpacaEval-2-style length-controlled win rate of one model pair: a logistic GLM of the
//    preference for model_a, logit P = theta + phi * tanh((len_a - len_b) / sd), sd the sample
//    standard deviation of the length differences, ties counted as 1/2; LC = sigmoid(theta)
//    (the prediction with the length term at zero). Left out of AlpacaEval's full GLM: the
//    instruction-difficulty term (gamma times each instruction's difficulty, which needs many
//    models on the same instructions) and its fitting across many models against one baseline.
//    phi carries a small L2 penalty (lambda = 0.1) so a judge that always prefers the longer
//    response (perfect separation) still has a finite fit; there theta tends to
//    (1/2) ln(n_a_longer / n_b_longer), the only value the data pin down. theta is not
//    penalised, so with equal lengths LC equals the raw rate exactly. A raw rate of 0 or 1 is
//    returned as is.
// Pure C++ (no Qt, no LibTorch).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/judging/JudgeStats.h"

namespace rgpb::judging {

struct BradleyTerryOptions {
    double base = 10, scale = 400, init = 1000;  // FastChat's compute_mle_elo
    int bootstrap_rounds = 1000;                 // resamples of the battles (0: no intervals)
    uint64_t seed = 7;                           // SeededRandom seed of the resampling
    double confidence = 0.95;
};

struct BradleyTerryRating {
    std::string model;
    double rating = 0;        // Elo scale
    Interval ci{};            // percentile bootstrap interval (NaN bounds without resamples)
    std::size_t battles = 0;  // non-skip votes the model took part in
};

// Maximum-likelihood ratings of the battles in `votes` (first showings, skips left out), best
// first. Empty when the votes name fewer than two models.
std::vector<BradleyTerryRating> bradleyTerryRatings(const std::vector<Vote>& votes,
                                                    const BradleyTerryOptions& options = {});

// Per judge: the ratings of that judge's votes, for judges whose votes name three or more
// models (with two, the pair's win rate says it all).
struct JudgeRatings {
    std::string judge;
    std::vector<BradleyTerryRating> ratings;
};
std::vector<JudgeRatings> ratingsByJudge(const std::vector<Vote>& votes,
                                         const BradleyTerryOptions& options = {});

struct LengthControlledWinRate {
    std::string model_a, model_b, judge;
    std::size_t votes = 0;  // non-skip first-showing votes
    double raw = 0;         // (wins + ties / 2) / votes, ties including both-bad
    double lc = 0;          // sigmoid(theta)
    double theta = 0, phi = 0;
    double length_sd = 0;  // sample sd of len_a - len_b (0: the length term is left out)
};

// The GLM above on votes about one pair (model_a's preference, votes' own model_a/model_b).
LengthControlledWinRate lengthControlledWinRate(const std::vector<Vote>& votes);

// Per model pair and judge (first showings, skips left out), in the order the pairs appear.
std::vector<LengthControlledWinRate> lengthControlledByPair(const std::vector<Vote>& votes);

}  // namespace rgpb::judging
