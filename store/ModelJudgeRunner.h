// The model judge's batch: every item of a comparison set is judged by a chat model behind an
// OpenAI-compatible endpoint in both orders (the set's model_a as Response 1, then as
// Response 2), each answer committed to the judgments database as it arrives, and the item's
// combined verdict recorded as a vote under judge "model:<model>" (the same model wins in both
// orders -> that model; a verdict that flips with the order -> tie, MT-bench's rule; an
// unparseable answer -> a skip, its raw text kept). A prompt already answered (the same
// rendered text, template and judge model) is never sent again, and a rerun sends only what is
// missing or failed.
//
// Threads: runModelJudge() runs on the thread that opened the store (it owns the store) and
// starts `concurrency` HTTP workers that hand their answers back to it; it returns when every
// prompt is answered or failed, or soon after `cancel` is set: no new request starts, the
// requests in flight are abandoned (their connections shut down; the next run sends them), a
// wait between retries ends at once, and every answer already in is kept.
// Torch-free and Qt-free (the store's Qt SQL stays behind JudgmentStore's pimpl).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <string>

namespace rgpb::judging {

class JudgmentStore;

struct ModelJudgeSettings {
    std::string endpoint;     // base URL: http://127.0.0.1:8000/v1, https://api.openai.com/v1
    std::string model;        // the judge model's name, sent as "model"; judge "model:<model>"
    std::string api_key_env;  // NAME of the environment variable holding the key (empty: none);
                              // the key itself is never stored, logged or shown
    std::string template_name = "paper";  // "paper", "mtbench" or a template file's path
    double temperature = 0;               // sampling temperature sent to the endpoint
    int max_tokens = 512;                 // completion token limit per answer
    int concurrency = 4;                  // requests in flight at once (>= 1)
    double timeout_s = 120;               // per request (connect, read, write), seconds
    int retries = 4;       // extra attempts after timeouts, unreachable, 429 and 5xx (backoff)
    double backoff_s = 1;  // first wait before a retry, doubled each time (max 60 s)
    int64_t limit = 0;     // judge at most this many items (in item order); 0: all
    double price_in_per_million = 0;   // cost of 1e6 prompt tokens (any currency; 0: no cost)
    double price_out_per_million = 0;  // cost of 1e6 completion tokens
};

// Counts over the prompts of this batch (two per item); reported after each answer.
struct ModelJudgeProgress {
    int64_t done = 0;        // prompts answered, failed or taken from the cache so far
    int64_t total = 0;       // prompts this run handles (already judged ones not counted)
    int64_t failed = 0;      // failures (recorded with their reason, retried by a rerun)
    int64_t cached = 0;      // answered from an identical earlier prompt, nothing sent
    int64_t tokens_in = 0;   // prompt tokens the endpoint reported, this run
    int64_t tokens_out = 0;  // completion tokens, this run
    double cost = 0;         // tokens x prices, this run
};

struct ModelJudgeSummary {
    std::string judge;            // "model:<model>"
    std::string template_source;  // the template file used
    int64_t items = 0;            // items in scope (after --limit)
    int64_t already_judged = 0;   // prompts answered by an earlier run (not counted below)
    int64_t answered = 0;         // prompts answered by the endpoint this run
    int64_t unparsed = 0;         // of those (and the cached), answers with no verdict found
    ModelJudgeProgress progress;  // the final counts
    std::map<std::string, int64_t> failures;  // reason ("timeout", "HTTP 500", ...) -> count
    std::string first_failure;                // one full failure message, as an example
    int64_t votes = 0;                        // items with both orders in: a vote under `judge`
    int64_t consistent = 0;   // of the items with both orders parsed: same verdict twice
    int64_t both_parsed = 0;  // items with both orders parsed
    bool cancelled = false;
};

struct ModelJudgeCallbacks {
    std::function<void(const ModelJudgeProgress&)> progress;  // on the calling thread
    const std::atomic<bool>* cancel = nullptr;                // stop soon when set
};

// False when this build has no HTTP client (cpp-httplib was not found at configure time).
bool modelJudgeAvailable();

// Judges set `set_id` of `store` (see above). Throws rgpb::Error for settings that cannot
// work (bad URL, unreadable template, missing key variable, no HTTP client in this build);
// per-prompt failures are recorded and counted, never thrown.
ModelJudgeSummary runModelJudge(JudgmentStore& store, int64_t set_id,
                                const ModelJudgeSettings& settings,
                                const ModelJudgeCallbacks& callbacks = {});

}  // namespace rgpb::judging
