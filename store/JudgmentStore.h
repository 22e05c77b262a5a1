// The judgments database: comparison sets imported from `rgpb compare` directories, the order
// and sides each item is shown in (seeded at import, stored), and the judges' votes, in one
// SQLite file (Qt SQL, QSQLITE driver, WAL journal, synchronous=FULL). Every vote is its own
// transaction, committed before recordVote() returns, so killing the process right after a
// vote loses nothing. The schema is versioned (PRAGMA user_version) and marked as ours
// (PRAGMA application_id 'RGPB'); a file that is not SQLite, a database of another
// application, or a newer schema is refused with an error naming the file and what was found,
// and the file is left byte for byte as it was. Version 2 adds the model judge's answers
// (model_answers: per item and order the prompt sent, raw answer, parsed verdict, latency,
// tokens, failure reason); a version-1 file opened for writing is migrated in place, in one
// transaction, its votes untouched (read-only, it is read as it is, with no model answers).
//
// The header is Qt-free (std types, pimpl) so the torch-side CLI includes it without Qt's
// keyword macros; the implementation uses QtSql. A store belongs to the thread that opened it.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/judging/AutoJudge.h"
#include "core/judging/JudgeStats.h"

namespace rgpb::judging {

// ---- Comparison sets on disk (the `rgpb compare` contract) ---------------------------------

struct ComparisonModel {
    std::string name;        // run folder name
    std::string run;         // absolute run directory
    std::string checkpoint;  // "final" or a step
};

struct ComparisonItem {
    int64_t index = 0;
    std::string prompt;
    std::array<std::string, 2> responses;  // model 0, model 1
    std::array<int64_t, 2> new_tokens{};
    std::optional<std::string> reference;  // known correct answer (synthetic tasks)
};

struct ComparisonSet {
    std::string dir;
    std::string comparison_json;  // comparison.json verbatim (kept in the database)
    std::array<ComparisonModel, 2> models;
    std::string generation_json;  // the "generation" object, compact JSON
    std::string prompt_source;
    std::string created;
    std::vector<ComparisonItem> items;
};

// Reads DIR/comparison.json and DIR/items.jsonl. InputError naming the file (and line or key)
// and what was expected.
ComparisonSet readComparisonSet(const std::string& dir);

// ---- The store ----------------------------------------------------------------------------

struct ImportOptions {
    std::string name;              // set name; empty: the directory's name (made unique)
    uint64_t seed = 1;             // side (and repeat choice) per item: SeededRandom(seed)
    double repeat_fraction = 0.0;  // in [0, 1]: items shown a second time, sides swapped
    bool auto_judge = true;        // record judge "auto" on items with a reference
};

struct SetInfo {
    int64_t id = 0;
    std::string name;
    std::string source_dir;
    std::array<std::string, 2> models;  // model_a, model_b (comparison-set order)
    int64_t items = 0;
    int64_t presentations = 0;  // items plus repeats
    std::string prompt_source;
    std::string imported;  // ISO-8601 UTC
};

// One showing of an item: what the judge sees, left (side A) and right (side B).
struct Presentation {
    int64_t id = 0;
    int64_t set_id = 0;
    int64_t item_index = 0;
    int64_t position = 0;  // 0-based place in the judging queue
    bool model_a_left = true;
    bool swapped_repeat = false;
    std::string prompt;
    std::string left_response, right_response;
    std::string left_model, right_model;  // reveal only after the vote
    std::optional<std::string> reference;
};

// What the judge pressed, in screen terms.
enum class SideChoice { Left, Right, Tie, BothBad, Skip };
// The model-level verdict of a side choice on a showing.
Winner winnerOf(SideChoice choice, bool model_a_left);

// One answer of the model judge for one order of one item (schema version 2).
struct ModelAnswer {
    int64_t id = 0;
    int64_t set_id = 0;
    int64_t item_index = 0;
    std::string judge;          // "model:<model>"
    bool model_a_first = true;  // the set's model_a was Response 1
    std::string template_text;  // the template file verbatim
    std::string endpoint;       // base URL (never a key)
    std::string system_prompt;  // the rendered prompt sent
    std::string user_prompt;
    std::string raw_answer;  // the answer verbatim (empty on failure)
    std::string verdict;     // judgeVerdictName(): response_1 / response_2 / tie / unparsed;
                             // empty on failure
    double latency_s = 0;
    int64_t prompt_tokens = 0, completion_tokens = 0;
    int attempts = 0;
    std::string failure;  // empty on success, else the reason's class ("timeout", "HTTP 500")
    std::string failure_message;  // the full reason
    bool cached = false;          // copied from an identical earlier prompt, nothing sent
    double tstamp = 0;
};

struct StoredVote {
    int64_t id = 0;
    int64_t presentation_id = 0;
    std::string judge;
    Winner winner = Winner::Skip;
    double tstamp = 0;  // Unix seconds (UTC)
};

// One voted exchange of the Chat tab (see JudgmentStore::recordChatVote).
struct ChatVote {
    std::array<ComparisonModel, 2> models;  // name, run folder, checkpoint ("final", "step-N")
    std::string prompt;                     // the message both runs answered
    std::array<std::string, 2> responses;   // model_a's, model_b's
    std::array<int64_t, 2> new_tokens{};
    bool model_a_left = true;
    std::string judge;
    SideChoice choice = SideChoice::Tie;  // in screen terms
    std::string generation_json;          // the generation settings, compact JSON
};

class JudgmentStore {
public:
    enum class Mode { ReadWrite, ReadOnly };
    // ReadWrite creates the file when missing; ReadOnly requires it. InputError as above.
    explicit JudgmentStore(const std::string& path, Mode mode = Mode::ReadWrite);
    ~JudgmentStore();
    JudgmentStore(const JudgmentStore&) = delete;
    JudgmentStore& operator=(const JudgmentStore&) = delete;

    static constexpr int kSchemaVersion = 2;
    // The version of the file as opened (a version-1 file opened read-only stays 1).
    int schemaVersion() const;
    const std::string& path() const;

    // Imports a set in one transaction: models, items, presentations, and the automatic
    // judge's votes. Returns the set id.
    int64_t importSet(const ComparisonSet& set, const ImportOptions& options = {});
    std::vector<SetInfo> sets() const;
    // By name; Error listing the names when absent.
    SetInfo set(const std::string& name) const;

    std::vector<Presentation> presentations(int64_t set_id) const;  // queue order
    Presentation presentation(int64_t presentation_id) const;
    // The first showing in queue order this judge has no (live) vote on; nullopt when done.
    std::optional<Presentation> nextFor(int64_t set_id, const std::string& judge) const;
    int64_t judgedCount(int64_t set_id, const std::string& judge) const;

    // One committed transaction. A judge's earlier live vote on the same showing is marked
    // undone (replaced). Returns the vote id.
    int64_t recordVote(int64_t presentation_id, const std::string& judge, Winner winner);
    // Marks the judge's latest live vote in the set undone; returns it, nullopt if none.
    std::optional<StoredVote> undoLastVote(int64_t set_id, const std::string& judge);
    std::vector<StoredVote> liveVotes(int64_t set_id) const;

    // Live votes as JudgeStats input (item key "<set name>:<index>", lengths = new tokens);
    // every set when set_id is empty.
    std::vector<Vote> statsVotes(std::optional<int64_t> set_id = std::nullopt) const;

    // Exports (temp file + rename); every set when set_id is empty. Returns rows written.
    // CSV: one row per live vote, skips included.
    std::size_t exportCsv(const std::string& file, std::optional<int64_t> set_id = {}) const;
    // FastChat battle JSONL: model_a / model_b are the models shown left / right (as in the
    // arena), winner model_a / model_b / tie / tie (bothbad); skips left out.
    std::size_t exportFastChat(const std::string& file, std::optional<int64_t> set_id = {}) const;
    // AlpacaEval annotations (JSON array): output_1 / generator_1 are the set's model_a,
    // preference 1, 2 or 1.5 (tie and both bad); skips left out.
    std::size_t exportAlpacaEval(const std::string& file, std::optional<int64_t> set_id = {}) const;

    // ---- The model judge (schema version 2; JudgmentModelAnswers.cpp) ----
    // Records one answer, committed before it returns. When the item then has a successful
    // answer in both orders from this judge, the item's combined verdict (combinedVerdict)
    // is recorded in the same transaction as the judge's vote on the item's first showing
    // (replacing an earlier one); returns that verdict then.
    std::optional<Winner> recordModelAnswer(const ModelAnswer& answer);
    // A successful answer to exactly this prompt (judge, template text and both messages
    // compared as text), from any set; nullopt when there is none.
    std::optional<ModelAnswer> cachedModelAnswer(const std::string& judge,
                                                 const std::string& template_text,
                                                 const std::string& system_prompt,
                                                 const std::string& user_prompt) const;
    // Every answer of `judge` in the set (failures included), oldest first.
    std::vector<ModelAnswer> modelAnswers(int64_t set_id, const std::string& judge) const;
    // Per model judge: items whose both orders parsed, of which how many gave the same
    // model-level verdict; left_win_rate is the share of decisive answers won by Response 1.
    std::vector<PositionConsistency> modelJudgeConsistency(
        std::optional<int64_t> set_id = std::nullopt) const;

    // A blinded exchange of the Chat tab, voted on: appended, in one transaction, to the set of
    // this pair of runs (models[0] and [1] with their run folders and checkpoints; the set
    // "chat: <a> vs <b>" made on its first vote, source "chat") as one item with one showing
    // (model_a on the left when model_a_left) and the judge's vote on it. Returns the set id.
    // ArgumentError for an empty judge, the automatic judge's name, or a skip.
    int64_t recordChatVote(const ChatVote& vote);

private:
    struct Impl;
    std::unique_ptr<Impl> d_;
};

}  // namespace rgpb::judging
