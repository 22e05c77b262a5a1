// The model judge's prompt templates and its verdict parser. A template is a text file a user
// can edit (resources/judge-templates/*.txt documents the format at its top): a system part, a
// user part, and the placeholders {conversation}, {response_1}, {response_2}. "paper" (the
// default, the paper's wording) and "mtbench" (MT-bench's pairwise prompt) are found where the
// presets are: installed beside the executable (../share/rgpb/judge-templates), else in the
// source tree. The parser turns a judge's answer into Response 1 / Response 2 / Tie, or
// Unparsed (the caller keeps the raw text). Pure C++.
#pragma once

#include <string>

#include "core/judging/JudgeStats.h"

namespace rgpb::judging {

struct JudgeTemplate {
    std::string name;    // "paper", "mtbench" or the file's path as given
    std::string source;  // the file it was read from
    std::string text;    // the file verbatim (part of the answer cache's key)
    std::string system;  // the system message (may be empty)
    std::string user;    // the user message
};

// Where the built-in templates are: $RGPB_JUDGE_TEMPLATES when set, else the installed folder
// (<exe>/../share/rgpb/judge-templates), else the source tree's resources/judge-templates.
std::string judgeTemplateDir();

// "paper", "mtbench" or a file path. InputError naming the file and what was expected when it
// cannot be read, has no [user] section, or lacks a placeholder.
JudgeTemplate loadJudgeTemplate(const std::string& name_or_file);
// Parses template text (`source` names it in errors).
JudgeTemplate parseJudgeTemplate(const std::string& text, const std::string& source);

struct JudgePrompt {
    std::string system, user;
};

// The conversation as the judge sees it: `prompt` with surrounding blank space and a trailing
// "Assistant:" cue (the hh-rlhf format's) removed.
std::string conversationText(const std::string& prompt);

// Fills the placeholders (each replaced everywhere, in one pass: text inside a response that
// looks like a placeholder is left alone).
JudgePrompt renderJudgePrompt(const JudgeTemplate& t, const std::string& prompt,
                              const std::string& response_1, const std::string& response_2);

enum class JudgeVerdict { Response1, Response2, Tie, Unparsed };

// "response_1", "response_2", "tie", "unparsed" (the store's names) and back; ArgumentError
// on an unknown name.
const char* judgeVerdictName(JudgeVerdict v);
JudgeVerdict parseJudgeVerdictName(const std::string& name);

// The verdict in a judge's answer. In order: the last "[[A]]" / "[[B]]" / "[[C]]"; the last
// line starting "Preferred:" (or "Verdict:" / "Final answer:"); the whole answer when it is
// short ("Response 1.", "**2**", "A", "Tie", "Assistant B"); a single "I prefer Response N"
// statement. Case, quotes, markdown emphasis and trailing punctuation are ignored. Anything
// else, or an answer naming both responses as preferred, is Unparsed.
JudgeVerdict parseJudgeVerdict(const std::string& answer);

// The model-level verdict of one order's answer: Response 1 is model_a when `model_a_first`.
// Unparsed -> Skip.
Winner winnerOfAnswer(JudgeVerdict v, bool model_a_first);

// The item's verdict from its two orders (model-level winners), MT-bench's rule: the same
// model in both -> that model; a tie in both -> tie; a flip, or a win in one order and a tie
// in the other -> tie; a skip (unparseable answer) in either -> skip.
Winner combinedVerdict(Winner model_a_first, Winner model_a_second);

}  // namespace rgpb::judging
