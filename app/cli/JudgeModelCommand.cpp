// `rgpb judge-model DB --set NAME --endpoint URL --model M`: the model judge from the command
// line (store/ModelJudgeRunner.h does the work): every item of a comparison set judged in both
// orders by a chat model behind an OpenAI-compatible endpoint, answers and the combined votes
// ("model:<model>") written to the judgments database as they arrive, a progress line on
// stderr and a summary at the end. Needs Qt SQL (the store) and cpp-httplib (the client); a
// build without either still has the command and says what it lacks.
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>

#include "app/cli/CliArgs.h"
#include "app/cli/Commands.h"
#include "app/cli/GradlabProgress.h"
#include "app/cli/StopSignals.h"
#include "core/util/Error.h"
#ifdef RGPB_HAVE_JUDGING
#include "store/JudgmentStore.h"
#include "store/ModelJudgeRunner.h"
#endif

namespace rgpb::cli {
namespace {

#ifdef RGPB_HAVE_JUDGING
using namespace rgpb::judging;

// Exit status when every prompt this run sent failed (the failures are recorded).
constexpr int kAllFailed = 3;

void printSummary(std::ostream& out, const ModelJudgeSummary& s, const std::string& set,
                  bool priced) {
    const ModelJudgeProgress& p = s.progress;
    out << "judge-model: " << s.judge << " on set '" << set << "' (" << s.items
        << " items, both orders; template " << s.template_source << ")\n";
    out << "  answered " << s.answered << ", from the cache " << p.cached << ", already judged "
        << s.already_judged << ", failed " << p.failed;
    if (s.unparsed > 0)
        out << ", unparseable answers " << s.unparsed << " (recorded as skips, raw text kept)";
    out << "\n";
    for (const auto& [reason, n] : s.failures)
        out << "  failed: " << reason << " x " << n << "\n";
    if (!s.first_failure.empty())
        out << "  e.g. " << s.first_failure << "\n";
    out << "  votes (items with both orders answered): " << s.votes << " of " << s.items << "\n";
    out << "  position consistency: ";
    if (s.both_parsed == 0) {
        out << "- (no item has both orders parsed)\n";
    } else {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%.3f",
                      static_cast<double>(s.consistent) / static_cast<double>(s.both_parsed));
        out << s.consistent << "/" << s.both_parsed << " = " << buf
            << " (same verdict in both orders; a flip counts as a tie)\n";
    }
    out << "  tokens: " << p.tokens_in << " in, " << p.tokens_out << " out";
    if (priced) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%.4f", p.cost);
        out << "; cost " << buf;
    }
    out << "\n";
    if (s.cancelled)
        out << "  stopped early: rerun the same command to judge the rest\n";
    else if (p.failed > 0)
        out << "  rerun the same command to retry the failures (answers are kept)\n";
}

int judgeModel(const std::vector<std::string>& argv) {
    CliArgs args(
        argv,
        {"set", "endpoint", "model", "template", "api-key-env", "temperature", "max-tokens",
         "concurrency", "timeout", "retries", "limit", "price-in", "price-out"},
        {});
    if (args.positional().size() != 1)
        throw Error("judge-model: expected one DB (a judgments .sqlite file)");
    for (const char* required : {"set", "endpoint", "model"}) {
        if (!args.value(required))
            throw Error(std::string("judge-model: --") + required + " is required");
    }
    ModelJudgeSettings s;
    s.endpoint = *args.value("endpoint");
    s.model = *args.value("model");
    s.template_name = args.value("template").value_or("paper");
    s.api_key_env = args.value("api-key-env").value_or("");
    s.temperature = args.number("temperature", s.temperature);
    s.max_tokens = static_cast<int>(args.integer("max-tokens", s.max_tokens));
    s.concurrency = static_cast<int>(args.integer("concurrency", s.concurrency));
    s.timeout_s = args.number("timeout", s.timeout_s);
    s.retries = static_cast<int>(args.integer("retries", s.retries));
    s.limit = args.integer("limit", 0);
    s.price_in_per_million = args.number("price-in", 0);
    s.price_out_per_million = args.number("price-out", 0);
    if (!(s.timeout_s > 0) || s.max_tokens < 1 || s.retries < 0 || s.retries > 20)
        throw Error("judge-model: --timeout must be > 0, --max-tokens >= 1, --retries in [0, 20]");

    if (!std::filesystem::exists(args.positional()[0]))
        throw InputError(args.positional()[0],
                         "does not exist (expected a judgments database; make one with "
                         "`rgpb judge-import DB DIR`)");
    JudgmentStore store(args.positional()[0]);
    const SetInfo set = store.set(*args.value("set"));
    StopSignals stop;
    auto bar = gradlabProgress("judge-model", "prompts");
    ModelJudgeCallbacks callbacks;
    callbacks.cancel = stop.flag();
    callbacks.progress = [&](const ModelJudgeProgress& p) {
        if (p.total > 0)
            bar(static_cast<std::size_t>(p.done), static_cast<std::size_t>(p.total));
    };
    const ModelJudgeSummary summary = runModelJudge(store, set.id, s, callbacks);
    printSummary(std::cout, summary, set.name,
                 s.price_in_per_million > 0 || s.price_out_per_million > 0);
    if (summary.cancelled && stop.signal() != 0)
        return stop.exitCode();
    const ModelJudgeProgress& p = summary.progress;
    if (p.failed > 0 && summary.answered == 0 && p.cached == 0)
        return kAllFailed;
    return 0;
}
#else
int judgeModel(const std::vector<std::string>&) {
    noJudgmentsStore("judge-model", "write");
}
#endif

}  // namespace

Command judgeModelCommand() {
    return {
        "judge-model", "judge a comparison set with a chat model (OpenAI-compatible endpoint)",
        "usage: rgpb judge-model DB --set NAME --endpoint URL --model M\n"
        "                        [--template paper|mtbench|FILE] [--api-key-env VAR]\n"
        "                        [--temperature T] [--max-tokens N] [--concurrency N]\n"
        "                        [--timeout S] [--retries N] [--limit N]\n"
        "                        [--price-in P --price-out P]\n\n"
        "Asks the chat model M behind URL (an OpenAI-compatible base URL such as\n"
        "http://127.0.0.1:8000/v1 or https://api.openai.com/v1; POST URL/chat/completions)\n"
        "which response of each item of set NAME in DB is better, in both orders (the set's\n"
        "model A as Response 1, then as Response 2). Each answer is committed as it arrives\n"
        "with its raw text, parsed verdict, latency and token counts; an item answered in\n"
        "both orders gets a vote under judge 'model:M' (the same model wins in both orders:\n"
        "that model; a verdict that flips with the order: a tie; an unparseable answer: a\n"
        "skip), so `rgpb judge-stats` compares it with the human judges (Cohen's kappa).\n"
        "A prompt already answered (same text, template and judge model) is never sent\n"
        "again; a rerun sends only what is missing or failed.\n\n"
        "  --template T      paper (default: the paper's wording), mtbench ([[A]]/[[B]]/[[C]])\n"
        "                    or a template file (format: see the top of the built-in ones,\n"
        "                    share/rgpb/judge-templates/ or resources/judge-templates/)\n"
        "  --api-key-env VAR read the API key from $VAR (the key is never stored or printed)\n"
        "  --temperature T   default 0;  --max-tokens N  default 512\n"
        "  --concurrency N   requests in flight (default 4)\n"
        "  --timeout S       seconds per request (default 120)\n"
        "  --retries N       retries after timeouts, unreachable, HTTP 429 and 5xx, with\n"
        "                    exponential backoff and Retry-After (default 4); 400/401/403/404\n"
        "                    are not retried\n"
        "  --limit N         the first N items only\n"
        "  --price-in P --price-out P  price per million prompt / completion tokens: the\n"
        "                    summary shows the cost\n\n"
        "Exit status: 0 when the batch ran (failures are recorded and counted in the\n"
        "summary), 3 when every prompt sent failed (recorded too; e.g. the endpoint is\n"
        "unreachable), 1 when nothing could start (bad arguments, template or URL, a key\n"
        "variable that is not set, a build without cpp-httplib), 128+N after signal N.\n",
        judgeModel};
}

}  // namespace rgpb::cli
