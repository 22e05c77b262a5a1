// `rgpb judge-stats DB`: the judging results of a judgments database (written by the
// workbench's Judge tab): per model pair and judge the win / lose / tie / both-bad rates with
// 95% bootstrap intervals, adjusted win rate, sign-test p-value and the length split; Cohen's
// and Fleiss' kappa between judges; position consistency. --table1 prints the paper's Table 1
// layout; --export-* write the votes for other tools. Needs Qt SQL (rgpb_judging); a build
// without it still has the command and says so.
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <sstream>

#include "app/cli/CliArgs.h"
#include "app/cli/Commands.h"
#include "core/util/CsvText.h"
#include "core/util/Error.h"
#ifdef RGPB_HAVE_JUDGING
#include "core/judging/JudgeRatings.h"
#include "core/judging/JudgeStats.h"
#include "store/JudgmentStore.h"
#endif

namespace rgpb::cli {
namespace {

#ifdef RGPB_HAVE_JUDGING
using namespace rgpb::judging;

std::string fixed(double x, int digits = 3) {
    if (std::isnan(x))
        return "-";
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.*f", digits, x);
    return buf;
}

std::string withInterval(double x, const Interval& ci) {
    if (std::isnan(x))
        return "-";
    return fixed(x) + " [" + fixed(ci.low) + ", " + fixed(ci.high) + "]";
}

std::string pValue(double p) {
    if (std::isnan(p))
        return "-";
    char buf[32];
    std::snprintf(buf, sizeof buf, p < 0.001 ? "%.1e" : "%.3f", p);
    return buf;
}

std::string pad(const std::string& s, std::size_t width) {
    return s.size() >= width ? s + " " : s + std::string(width - s.size(), ' ');
}

nlohmann::ordered_json intervalJson(const Interval& ci) {
    return {ci.low, ci.high};
}

nlohmann::ordered_json reportJson(const JudgeStatsReport& r, const std::string& scope,
                                  const JudgeStatsOptions& o) {
    nlohmann::ordered_json j;
    j["scope"] = scope;
    j["bootstrap_resamples"] = o.bootstrap_resamples;
    j["confidence"] = o.confidence;
    j["pairs"] = nlohmann::ordered_json::array();
    for (const PairResult& p : r.pairs) {
        nlohmann::ordered_json x;
        x["model_a"] = p.model_a;
        x["model_b"] = p.model_b;
        x["judge"] = p.judge;
        x["items"] = p.items;
        x["votes"] = p.votes;
        x["wins"] = p.wins;
        x["losses"] = p.losses;
        x["ties"] = p.ties;
        x["both_bad"] = p.both_bad;
        x["skips"] = p.skips;
        x["win_rate"] = p.win_rate;
        x["win_ci"] = intervalJson(p.win_ci);
        x["lose_rate"] = p.lose_rate;
        x["lose_ci"] = intervalJson(p.lose_ci);
        x["tie_rate"] = p.tie_rate;
        x["tie_ci"] = intervalJson(p.tie_ci);
        x["both_bad_rate"] = p.both_bad_rate;
        x["both_bad_ci"] = intervalJson(p.both_bad_ci);
        x["adjusted_win_rate"] = p.adjusted_win_rate;
        x["adjusted_ci"] = intervalJson(p.adjusted_ci);
        x["sign_test_p"] = p.sign_test_p;
        x["mean_length_a"] = p.mean_length_a;
        x["mean_length_b"] = p.mean_length_b;
        x["a_longer_votes"] = p.a_longer_votes;
        x["win_rate_a_longer"] = p.win_rate_a_longer;
        x["b_longer_votes"] = p.b_longer_votes;
        x["win_rate_b_longer"] = p.win_rate_b_longer;
        j["pairs"].push_back(x);
    }
    j["cohen_kappa"] = nlohmann::ordered_json::array();
    for (const CohenResult& c : r.cohen) {
        j["cohen_kappa"].push_back({{"judge_1", c.judge_1},
                                    {"judge_2", c.judge_2},
                                    {"items", c.items},
                                    {"observed", c.observed},
                                    {"expected", c.expected},
                                    {"kappa", c.kappa}});
    }
    if (r.fleiss) {
        j["fleiss_kappa"] = {
            {"judges", r.fleiss->judges}, {"items", r.fleiss->items}, {"kappa", r.fleiss->kappa}};
    } else {
        j["fleiss_kappa"] = nullptr;
    }
    j["position_consistency"] = nlohmann::ordered_json::array();
    for (const PositionConsistency& c : r.consistency) {
        j["position_consistency"].push_back({{"judge", c.judge},
                                             {"repeated", c.repeated},
                                             {"consistent", c.consistent},
                                             {"rate", c.rate},
                                             {"decisive", c.decisive},
                                             {"left_win_rate", c.left_win_rate}});
    }
    return j;
}

void printTable(std::ostream& out, const JudgeStatsReport& r, const std::string& scope,
                const JudgeStatsOptions& o) {
    out << "judging results: " << scope << " (95% bootstrap intervals over items, "
        << o.bootstrap_resamples << " resamples; sign test excludes ties and both-bad)\n\n";
    if (r.pairs.empty()) {
        out << "no votes yet\n";
        return;
    }
    std::size_t w = 30, jw = 12;  // widen the name columns to the longest entry
    for (const PairResult& p : r.pairs) {
        w = std::max(w, p.model_a.size() + p.model_b.size() + 5);
        jw = std::max(jw, p.judge.size() + 2);
    }
    out << pad("model A vs model B", w) << pad("judge", jw) << pad("n", 5)
        << pad("win [95% CI]", 22) << pad("lose [95% CI]", 22) << pad("tie", 7)
        << pad("both bad", 9) << pad("adj. win [95% CI]", 22) << pad("sign p", 8)
        << pad("len A/B", 12) << pad("win|A longer", 14) << "win|B longer\n";
    for (const PairResult& p : r.pairs) {
        out << pad(p.model_a + " vs " + p.model_b, w) << pad(p.judge, jw)
            << pad(std::to_string(p.votes), 5) << pad(withInterval(p.win_rate, p.win_ci), 22)
            << pad(withInterval(p.lose_rate, p.lose_ci), 22) << pad(fixed(p.tie_rate), 7)
            << pad(fixed(p.both_bad_rate), 9)
            << pad(withInterval(p.adjusted_win_rate, p.adjusted_ci), 22)
            << pad(pValue(p.sign_test_p), 8)
            << pad(fixed(p.mean_length_a, 1) + "/" + fixed(p.mean_length_b, 1), 12)
            << pad(fixed(p.win_rate_a_longer) + " (" + std::to_string(p.a_longer_votes) + ")", 14)
            << fixed(p.win_rate_b_longer) << " (" << p.b_longer_votes << ")\n";
    }
    out << "\nagreement between judges (first showings, skips excluded):\n";
    if (r.cohen.empty())
        out << "  no two judges judged a common item\n";
    for (const CohenResult& c : r.cohen) {
        out << "  Cohen's kappa " << c.judge_1 << " vs " << c.judge_2 << ": "
            << (std::isnan(c.kappa) ? std::string("undefined (p_e = 1)") : fixed(c.kappa)) << " ("
            << c.items << " items, p_o " << fixed(c.observed) << ", p_e " << fixed(c.expected)
            << ")\n";
    }
    if (r.fleiss) {
        out << "  Fleiss' kappa over " << r.fleiss->judges.size() << " judges: "
            << (std::isnan(r.fleiss->kappa) ? std::string("undefined") : fixed(r.fleiss->kappa))
            << " (" << r.fleiss->items << " items every judge judged)\n";
    }
    out << "\nposition consistency (items shown twice, sides swapped; a model judge's two "
           "orders):\n";
    for (const PositionConsistency& c : r.consistency) {
        out << "  " << c.judge << ": ";
        if (c.repeated == 0)
            out << "no repeated items";
        else
            out << c.consistent << "/" << c.repeated << " = " << fixed(c.rate) << " consistent";
        out << "; left side won " << fixed(c.left_win_rate) << " of " << c.decisive
            << " decisive votes\n";
    }
}

// Beyond the pair table: the length-controlled win rates and, for judges with three or more
// models, the Bradley-Terry ratings.
struct Ratings {
    std::vector<LengthControlledWinRate> lc;
    std::vector<JudgeRatings> bt;
};

void printRatings(std::ostream& out, const Ratings& r, const BradleyTerryOptions& o) {
    out << "\nlength-controlled win rate of model A (AlpacaEval-style GLM, ties as 1/2):\n";
    for (const LengthControlledWinRate& x : r.lc) {
        out << "  " << x.model_a << " vs " << x.model_b << ", " << x.judge << ": raw "
            << fixed(x.raw) << ", length-controlled " << fixed(x.lc) << " (" << x.votes
            << " votes)\n";
    }
    for (const JudgeRatings& j : r.bt) {
        out << "\nBradley-Terry ratings, " << j.judge << " (Elo scale, 95% bootstrap over battles, "
            << o.bootstrap_rounds << " rounds):\n";
        for (const BradleyTerryRating& m : j.ratings) {
            out << "  " << pad(m.model, 30) << pad(fixed(m.rating, 0), 7) << "["
                << fixed(m.ci.low, 0) << ", " << fixed(m.ci.high, 0) << "] (" << m.battles
                << " battles)\n";
        }
    }
}

nlohmann::ordered_json ratingsJson(const Ratings& r) {
    nlohmann::ordered_json j;
    j["length_controlled"] = nlohmann::ordered_json::array();
    for (const LengthControlledWinRate& x : r.lc) {
        j["length_controlled"].push_back({{"model_a", x.model_a},
                                          {"model_b", x.model_b},
                                          {"judge", x.judge},
                                          {"votes", x.votes},
                                          {"raw", x.raw},
                                          {"lc", x.lc},
                                          {"theta", x.theta},
                                          {"phi", x.phi},
                                          {"length_sd", x.length_sd}});
    }
    j["bradley_terry"] = nlohmann::ordered_json::array();
    for (const JudgeRatings& jr : r.bt) {
        nlohmann::ordered_json models = nlohmann::ordered_json::array();
        for (const BradleyTerryRating& m : jr.ratings) {
            models.push_back({{"model", m.model},
                              {"rating", m.rating},
                              {"ci", intervalJson(m.ci)},
                              {"battles", m.battles}});
        }
        j["bradley_terry"].push_back({{"judge", jr.judge}, {"ratings", models}});
    }
    return j;
}

void printTable1(std::ostream& out, const JudgeStatsReport& r) {
    const Table1 t = table1(r);
    out << "Table 1 layout: win and lose rates of model A vs model B, per judge\n\n";
    std::size_t w = 30;
    for (const Table1::Row& row : t.rows)
        w = std::max(w, row.label.size() + 2);
    out << pad("", w);
    for (const std::string& j : t.judges)
        out << pad(j, 14);
    out << "\n" << pad("", w);
    for (std::size_t i = 0; i < t.judges.size(); ++i)
        out << pad("win", 7) << pad("lose", 7);
    out << "\n";
    for (const Table1::Row& row : t.rows) {
        out << pad(row.label, w);
        for (const auto& cell : row.cells) {
            out << pad(cell ? fixed(cell->first, 2) : "-", 7)
                << pad(cell ? fixed(cell->second, 2) : "-", 7);
        }
        out << "\n";
    }
    for (const CohenResult& c : r.cohen) {
        out << "Cohen's kappa " << c.judge_1 << " vs " << c.judge_2 << ": "
            << (std::isnan(c.kappa) ? std::string("undefined") : fixed(c.kappa)) << " (" << c.items
            << " items)\n";
    }
}

void printCsv(std::ostream& out, const JudgeStatsReport& r) {
    out << "model_a,model_b,judge,votes,wins,losses,ties,both_bad,skips,win_rate,win_low,"
           "win_high,lose_rate,lose_low,lose_high,tie_rate,both_bad_rate,adjusted_win_rate,"
           "adjusted_low,adjusted_high,sign_test_p,mean_length_a,mean_length_b,"
           "win_rate_a_longer,win_rate_b_longer\n";
    auto num = [](double x) {
        std::ostringstream s;
        s.precision(6);
        if (!std::isnan(x))
            s << x;
        return s.str();
    };
    for (const PairResult& p : r.pairs) {
        out << csvField(p.model_a) << ',' << csvField(p.model_b) << ',' << csvField(p.judge) << ','
            << p.votes << ',' << p.wins << ',' << p.losses << ',' << p.ties << ',' << p.both_bad
            << ',' << p.skips << ',' << num(p.win_rate) << ',' << num(p.win_ci.low) << ','
            << num(p.win_ci.high) << ',' << num(p.lose_rate) << ',' << num(p.lose_ci.low) << ','
            << num(p.lose_ci.high) << ',' << num(p.tie_rate) << ',' << num(p.both_bad_rate) << ','
            << num(p.adjusted_win_rate) << ',' << num(p.adjusted_ci.low) << ','
            << num(p.adjusted_ci.high) << ',' << num(p.sign_test_p) << ',' << num(p.mean_length_a)
            << ',' << num(p.mean_length_b) << ',' << num(p.win_rate_a_longer) << ','
            << num(p.win_rate_b_longer) << '\n';
    }
}

int judgeStats(const std::vector<std::string>& argv) {
    CliArgs args(
        argv,
        {"set", "format", "export-csv", "export-fastchat", "export-alpaca", "resamples", "seed"},
        {"table1"});
    if (args.positional().size() != 1)
        throw Error("judge-stats: expected one DB (a judgments .sqlite file)");
    const std::string format = args.value("format").value_or("table");
    if (format != "table" && format != "json" && format != "csv")
        throw Error("judge-stats: --format must be table, json or csv, got '" + format + "'");
    JudgeStatsOptions o;
    // Bounded: each resample keeps a rate per model pair, and 100000 puts the Monte Carlo error
    // of a 95% bound far below any difference worth reporting.
    constexpr long long kMaxResamples = 100000;
    const long long resamples = args.integer("resamples", o.bootstrap_resamples);
    if (resamples < 1 || resamples > kMaxResamples)
        throw Error("judge-stats: --resamples must be between 1 and " +
                    std::to_string(kMaxResamples) + ", got " + std::to_string(resamples));
    o.bootstrap_resamples = static_cast<int>(resamples);
    o.seed = static_cast<uint64_t>(args.integer("seed", static_cast<long long>(o.seed)));

    JudgmentStore store(args.positional()[0], JudgmentStore::Mode::ReadOnly);
    std::optional<int64_t> set_id;
    std::string scope = "all sets in " + store.path();
    if (auto name = args.value("set")) {
        set_id = store.set(*name).id;
        scope = "set '" + *name + "' in " + store.path();
    }
    if (auto f = args.value("export-csv"))
        std::cerr << *f << ": " << store.exportCsv(*f, set_id) << " votes (CSV)\n";
    if (auto f = args.value("export-fastchat"))
        std::cerr << *f << ": " << store.exportFastChat(*f, set_id)
                  << " battles (FastChat JSONL)\n";
    if (auto f = args.value("export-alpaca"))
        std::cerr << *f << ": " << store.exportAlpacaEval(*f, set_id)
                  << " annotations (AlpacaEval JSON)\n";

    const std::vector<Vote> votes = store.statsVotes(set_id);
    JudgeStatsReport report = computeJudgeStats(votes, o);
    // A model judge judges every item in both orders: its consistency is across the orders.
    for (const PositionConsistency& m : store.modelJudgeConsistency(set_id)) {
        auto it = std::find_if(report.consistency.begin(), report.consistency.end(),
                               [&](const auto& c) { return c.judge == m.judge; });
        if (it != report.consistency.end())
            *it = m;
    }
    BradleyTerryOptions bt;
    bt.seed = o.seed;
    const Ratings ratings{lengthControlledByPair(votes), ratingsByJudge(votes, bt)};
    if (format == "json") {
        nlohmann::ordered_json j = reportJson(report, scope, o);
        j.update(ratingsJson(ratings));
        std::cout << j.dump(2) << "\n";
    } else if (format == "csv") {
        printCsv(std::cout, report);
    } else if (args.has("table1")) {
        printTable1(std::cout, report);
    } else {
        printTable(std::cout, report, scope, o);
        printRatings(std::cout, ratings, bt);
    }
    return 0;
}
#else
int judgeStats(const std::vector<std::string>&) {
    noJudgmentsStore("judge-stats", "read");
}
#endif

}  // namespace

Command judgeStatsCommand() {
    return {"judge-stats", "results of side-by-side judging: rates, intervals, kappa",
            "usage: rgpb judge-stats DB [--set NAME] [--format table|json|csv] [--table1]\n"
            "                        [--export-csv FILE] [--export-fastchat FILE]\n"
            "                        [--export-alpaca FILE] [--resamples N] [--seed N]\n\n"
            "Reads a judgments database (the workbench's Judge tab writes it; default\n"
            "<runs dir>/judgments.sqlite) without modifying it, and prints per model pair and\n"
            "judge: win, lose, tie and both-bad rates with 95% bootstrap intervals over items\n"
            "(--resamples, default 2000, seeded by --seed), the adjusted win rate\n"
            "(win + tie/2), the two-sided exact sign-test p-value (ties and both-bad\n"
            "excluded), mean response lengths (new tokens) and model A's win rate split by\n"
            "which response was longer; a row pooling all judges when there are several;\n"
            "Cohen's kappa for every two judges on their common items (the automatic judge\n"
            "'auto' included), Fleiss' kappa for three or more; and each judge's position\n"
            "consistency on items shown twice with the sides swapped (for a model judge,\n"
            "'model:M', across the two orders it judged every item in). Then each pair's\n"
            "length-controlled win rate (AlpacaEval-style: a logistic fit of the preference on\n"
            "the model and tanh(length difference / sd), read with the length term at zero)\n"
            "beside the raw one, and for a judge whose votes cover three or more models their\n"
            "Bradley-Terry ratings on the Elo scale with 95% bootstrap intervals (FastChat's\n"
            "method: base 10, scale 400, mean 1000; a tie is half a win each way).\n\n"
            "  --set NAME       one comparison set (default: every set)\n"
            "  --format F       table (default), json (everything, NaN as null) or csv (rows)\n"
            "  --table1         the paper's Table 1 layout: win / lose of A vs B per judge\n"
            "  --export-csv F   every live vote, skips included, as CSV\n"
            "  --export-fastchat F  FastChat battles JSONL (model_a = model shown left)\n"
            "  --export-alpaca F    AlpacaEval annotations (preference 1, 2 or 1.5)\n",
            judgeStats};
}

}  // namespace rgpb::cli
