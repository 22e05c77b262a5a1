// `rgpb gradlab analytic`: the paper's closed-form gradient coefficients (spec.md 4.1-4.3) from
// the command line. Single values print one JSON object; any list or range prints CSV over the
// cartesian product of all inputs.
#include <nlohmann/json.hpp>

#include <functional>
#include <iomanip>
#include <iostream>
#include <limits>
#include <sstream>

#include "app/cli/CliArgs.h"
#include "app/cli/Commands.h"
#include "core/analytic/GradientCoefficients.h"
#include "core/util/Error.h"

namespace rgpb::cli {

// GradlabMeasure.cpp: `gradlab measure`; GradlabReplay.cpp: `gradlab replay`.
Command gradlabMeasureCommand();
Command gradlabReplayCommand();

namespace {

const char* kHelp =
    "usage: rgpb gradlab analytic --method dpo|ul|exmate --case shared|distinct|landscape\n"
    "                             [--beta B] [inputs...]\n\n"
    "Prints the paper's gradient coefficients (spec.md section 4). Every numeric input takes a\n"
    "value, a list (0.05,0.1) or a range start:stop:count (0.01:0.99:99); with a single value\n"
    "for each the output is JSON, otherwise CSV with one row per combination.\n\n"
    "  --case shared     coefficient on the shared token (y+_t = y-_t), eq. 16-18\n"
    "                    inputs: --u (f+, default 0.1), --e (f- - f+, default 0.01)\n"
    "  --case distinct   coefficients on y+_t, y-_t and another token z, eq. 10-15\n"
    "                    inputs: --p-pos-ypos --p-pos-yneg --p-neg-ypos --p-neg-yneg\n"
    "                            --p-pos-other --p-neg-other --u --e\n"
    "  --case landscape  single-step loss (Fig. 1): --f-pos, --f-neg (default 0.1 each)\n"
    "  --beta            default 1\n";

struct Input {
    std::string flag;
    double fallback;
};

// Runs `row` over the cartesian product of the inputs' values; `row` returns named outputs.
int emit(
    const CliArgs& args, const std::string& method, const std::string& kase,
    const std::vector<Input>& inputs,
    const std::function<std::vector<std::pair<std::string, double>>(const std::vector<double>&)>&
        row) {
    std::vector<std::vector<double>> values;
    bool single = true;
    for (const Input& in : inputs) {
        auto v = args.value(in.flag);
        values.push_back(v ? parseNumberList(in.flag, *v) : std::vector<double>{in.fallback});
        single = single && values.back().size() == 1;
    }
    std::vector<double> current(inputs.size());
    if (single) {
        for (std::size_t i = 0; i < inputs.size(); ++i)
            current[i] = values[i][0];
        nlohmann::ordered_json j;
        j["method"] = method;
        j["case"] = kase;
        for (std::size_t i = 0; i < inputs.size(); ++i)
            j[inputs[i].flag] = current[i];
        for (auto& [name, v] : row(current))
            j[name] = v;
        std::cout << j.dump(2) << "\n";
        return 0;
    }
    std::cout << std::setprecision(std::numeric_limits<double>::max_digits10);
    bool header = false;
    std::function<void(std::size_t)> loop = [&](std::size_t k) {
        if (k == inputs.size()) {
            auto out = row(current);
            if (!header) {
                std::cout << "method,case";
                for (const Input& in : inputs)
                    std::cout << "," << in.flag;
                for (auto& [name, v] : out)
                    std::cout << "," << name;
                std::cout << "\n";
                header = true;
            }
            std::cout << method << "," << kase;
            for (double v : current)
                std::cout << "," << v;
            for (auto& [name, v] : out)
                std::cout << "," << v;
            std::cout << "\n";
            return;
        }
        for (double v : values[k]) {
            current[k] = v;
            loop(k + 1);
        }
    };
    loop(0);
    return 0;
}

int runAnalytic(const std::vector<std::string>& argv) {
    CliArgs args(argv,
                 {"method", "case", "beta", "u", "e", "p-pos-ypos", "p-pos-yneg", "p-neg-ypos",
                  "p-neg-yneg", "p-pos-other", "p-neg-other", "f-pos", "f-neg"});
    auto method_name = args.value("method");
    if (!method_name)
        throw Error("gradlab analytic: --method is required (dpo, ul or exmate)");
    analytic::Method method = analytic::parseMethod(*method_name);
    std::string kase = args.value("case").value_or("shared");
    const std::string m = analytic::methodName(method);
    if (kase == "shared") {
        return emit(args, m, kase, {{"beta", 1.0}, {"u", 0.1}, {"e", 0.01}},
                    [&](const std::vector<double>& v) {
                        return std::vector<std::pair<std::string, double>>{
                            {"coefficient", analytic::sharedCoefficient(method, v[0], v[1], v[2])}};
                    });
    }
    if (kase == "distinct") {
        return emit(args, m, kase,
                    {{"beta", 1.0},
                     {"p-pos-ypos", 0.5},
                     {"p-pos-yneg", 0.1},
                     {"p-neg-ypos", 0.1},
                     {"p-neg-yneg", 0.5},
                     {"p-pos-other", 0.01},
                     {"p-neg-other", 0.01},
                     {"u", 0.1},
                     {"e", 0.01}},
                    [&](const std::vector<double>& v) {
                        analytic::DistinctInputs in;
                        in.p_pos_ypos = v[1];
                        in.p_pos_yneg = v[2];
                        in.p_neg_ypos = v[3];
                        in.p_neg_yneg = v[4];
                        in.p_pos_other = v[5];
                        in.p_neg_other = v[6];
                        in.u = v[7];
                        in.e = v[8];
                        auto c = analytic::distinctCoefficients(method, v[0], in);
                        return std::vector<std::pair<std::string, double>>{
                            {"pos", c.pos}, {"neg", c.neg}, {"other", c.other}};
                    });
    }
    if (kase == "landscape") {
        return emit(args, m, kase, {{"beta", 1.0}, {"f-pos", 0.1}, {"f-neg", 0.1}},
                    [&](const std::vector<double>& v) {
                        return std::vector<std::pair<std::string, double>>{
                            {"loss", analytic::landscapeLoss(method, v[0], v[1], v[2])}};
                    });
    }
    throw Error("gradlab analytic: --case must be shared, distinct or landscape, got '" + kase +
                "'");
}

}  // namespace

Command gradlabCommand() {
    Command analytic{"analytic",
                     "the paper's closed-form gradient coefficients (spec.md section 4)", kHelp,
                     runAnalytic};
    return {"gradlab",
            "gradient analysis: the paper's coefficients, and measured ones on a model",
            "usage: rgpb gradlab <command> [options]\n\n"
            "The gradient lab from the command line (docs/gradlab.md).\n",
            {},
            {analytic, gradlabMeasureCommand(), gradlabReplayCommand()}};
}

}  // namespace rgpb::cli
