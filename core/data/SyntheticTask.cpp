#include "core/data/SyntheticTask.h"

#include <array>
#include <cctype>
#include <cmath>
#include <utility>

#include "core/data/SeededRandom.h"
#include "core/util/Error.h"

namespace rgpb {

namespace {

// Distinct first letters: the first byte of a name or colour already tells them apart, which
// keeps the lookup easy for a byte-level model.
constexpr std::array<const char*, 12> kNames = {"Al", "Bo", "Cy", "Di", "Ed", "Jo",
                                                "Li", "Mo", "Ty", "Vi", "Oz", "Xi"};
constexpr std::array<const char*, 8> kColors = {"red",  "blue", "gold", "pink",
                                                "lime", "navy", "cyan", "teal"};

// Differently worded wrong answers for response-contrast at low overlap; {} is the colour.
// The longest, " It is pink, I guess.", is 20 bytes.
constexpr std::array<const char*, 5> kOtherWordings = {
    " I think {}.", " Maybe {}?", " It is {}, I guess.", " Probably {}.", " {}, I believe."};

constexpr const char* kFactVerb = " has ";
constexpr const char* kUserTurn = "\nUser: ";
constexpr const char* kSyntheticAssistantTurn = "\nAssistant:";

// Two facts and a question about one of them.
struct Scene {
    std::array<std::size_t, 2> name{};
    std::array<std::size_t, 2> color{};
    std::size_t asked = 0;  // which fact the user asks about
};

std::string promptOf(const Scene& s) {
    return std::string(kNames[s.name[0]]) + kFactVerb + kColors[s.color[0]] + ". " +
           kNames[s.name[1]] + kFactVerb + kColors[s.color[1]] + "." + kUserTurn +
           kNames[s.name[s.asked]] + "?" + kSyntheticAssistantTurn;
}

std::string answerOf(const std::string& name, const std::string& color) {
    return " " + name + kFactVerb + color + ".";
}

std::string answerOf(const Scene& s) {
    return answerOf(kNames[s.name[s.asked]], kColors[s.color[s.asked]]);
}

// Uniform over [0, n) minus `excluded` (distinct values below n); always one draw.
std::size_t pickExcluding(SeededRandom& random, std::size_t n,
                          std::initializer_list<std::size_t> excluded) {
    std::size_t k = static_cast<std::size_t>(random.below(n - excluded.size()));
    for (std::size_t v = 0; v < n; ++v) {
        bool skip = false;
        for (std::size_t e : excluded)
            skip = skip || e == v;
        if (skip)
            continue;
        if (k == 0)
            return v;
        --k;
    }
    return n;  // unreachable for valid arguments
}

std::string wordedWrongAnswer(std::size_t wording, const std::string& color) {
    std::string text = kOtherWordings[wording];
    std::string filled = color;
    const std::size_t slot = text.find("{}");
    if (slot == 1) {  // the colour opens the sentence
        filled[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(filled[0])));
    }
    return text.replace(slot, 2, filled);
}

// Every pair takes the same draws in the same order whatever the branch and the overlap, so
// two data sets that differ only in `overlap` share their positive sides pair by pair.
PairText responseContrastPair(SeededRandom& random, const Scene& pos, double overlap) {
    const std::size_t asked_color = pos.color[pos.asked];
    const std::size_t distractor = pos.color[1 - pos.asked];
    const bool use_distractor = random.chance(0.5);
    const std::size_t other_color = pickExcluding(random, kColors.size(), {asked_color});
    const bool same_wording = random.chance(overlap);
    const std::size_t wording = static_cast<std::size_t>(random.below(kOtherWordings.size()));

    const std::string wrong = kColors[use_distractor ? distractor : other_color];
    PairText pair;
    pair.prompt_pos = promptOf(pos);
    pair.prompt_neg = pair.prompt_pos;
    pair.response_pos = answerOf(pos);
    pair.response_neg = same_wording ? answerOf(kNames[pos.name[pos.asked]], wrong)
                                     : wordedWrongAnswer(wording, wrong);
    return pair;
}

PairText contextContrastPair(SeededRandom& random, const Scene& pos, double overlap) {
    const bool ask_other = random.chance(0.5);
    const std::size_t new_color =
        pickExcluding(random, kColors.size(), {pos.color[0], pos.color[1]});
    const bool swap_facts = random.chance(1.0 - overlap);
    const bool rename = random.chance(1.0 - overlap);
    const bool recolor = random.chance(1.0 - overlap);
    const std::size_t fresh_name = pickExcluding(random, kNames.size(), {pos.name[0], pos.name[1]});
    const std::size_t fresh_color_draw = static_cast<std::size_t>(random.below(kColors.size() - 2));

    Scene neg = pos;
    if (ask_other) {
        neg.asked = 1 - pos.asked;  // y names and colours the wrong person
    } else {
        neg.color[pos.asked] = new_color;  // y states a colour the asked person no longer has
    }
    const std::size_t other = 1 - neg.asked;
    if (rename) {
        neg.name[other] = fresh_name;
    }
    if (recolor) {
        // The colours of x- stay distinct, so x- is itself a well-formed task prompt.
        std::size_t k = fresh_color_draw;
        for (std::size_t v = 0; v < kColors.size(); ++v) {
            if (v == neg.color[0] || v == neg.color[1])
                continue;
            if (k-- == 0) {
                neg.color[other] = v;
                break;
            }
        }
    }
    if (swap_facts) {
        std::swap(neg.name[0], neg.name[1]);
        std::swap(neg.color[0], neg.color[1]);
        neg.asked = 1 - neg.asked;
    }
    PairText pair;
    pair.prompt_pos = promptOf(pos);
    pair.prompt_neg = promptOf(neg);
    pair.response_pos = answerOf(pos);
    pair.response_neg = pair.response_pos;
    return pair;
}

bool isTrailingPunctuation(char c) {
    return c == '.' || c == '!' || c == '?' || c == ',' || c == ';' || c == ':';
}

}  // namespace

SyntheticRegime parseSyntheticRegime(const std::string& name) {
    for (SyntheticRegime r :
         {SyntheticRegime::ContextContrast, SyntheticRegime::ResponseContrast}) {
        if (name == syntheticRegimeName(r)) {
            return r;
        }
    }
    throw ArgumentError("parseSyntheticRegime", "regime",
                        "one of context-contrast, response-contrast", "'" + name + "'");
}

const char* syntheticRegimeName(SyntheticRegime regime) {
    return regime == SyntheticRegime::ContextContrast ? "context-contrast" : "response-contrast";
}

std::vector<PairText> generateSyntheticPairs(const SyntheticTaskOptions& options) {
    requireArgument(options.overlap >= 0.0 && options.overlap <= 1.0, "generateSyntheticPairs",
                    "overlap", "in [0, 1]", options.overlap);
    SeededRandom random(options.seed);
    std::vector<PairText> pairs;
    pairs.reserve(options.count);
    const std::string origin =
        std::string("synthetic:") + syntheticRegimeName(options.regime) + ":";
    for (std::size_t i = 0; i < options.count; ++i) {
        Scene pos;
        pos.name[0] = static_cast<std::size_t>(random.below(kNames.size()));
        pos.name[1] = pickExcluding(random, kNames.size(), {pos.name[0]});
        pos.color[0] = static_cast<std::size_t>(random.below(kColors.size()));
        pos.color[1] = pickExcluding(random, kColors.size(), {pos.color[0]});
        pos.asked = static_cast<std::size_t>(random.below(2));
        PairText pair = options.regime == SyntheticRegime::ResponseContrast
                            ? responseContrastPair(random, pos, options.overlap)
                            : contextContrastPair(random, pos, options.overlap);
        pair.reference = pair.response_pos;
        pair.origin = origin + std::to_string(i);
        pairs.push_back(std::move(pair));
    }
    return pairs;
}

std::vector<PairText> generateSyntheticDocuments(const SyntheticTextOptions& options) {
    SeededRandom random(options.seed);
    std::vector<PairText> documents;
    documents.reserve(options.count);
    for (std::size_t i = 0; i < options.count; ++i) {
        const std::size_t facts = 2 + static_cast<std::size_t>(random.below(3));
        // A partial Fisher-Yates draw: the first `facts` entries are distinct names / colours.
        std::array<std::size_t, kNames.size()> names{};
        std::array<std::size_t, kColors.size()> colors{};
        for (std::size_t k = 0; k < names.size(); ++k)
            names[k] = k;
        for (std::size_t k = 0; k < colors.size(); ++k)
            colors[k] = k;
        std::string text;
        for (std::size_t f = 0; f < facts; ++f) {
            std::swap(names[f],
                      names[f + static_cast<std::size_t>(random.below(names.size() - f))]);
            std::swap(colors[f],
                      colors[f + static_cast<std::size_t>(random.below(colors.size() - f))]);
            text += (f == 0 ? "" : " ") + std::string(kNames[names[f]]) + kFactVerb +
                    kColors[colors[f]] + ".";
        }
        documents.push_back(documentPair(std::move(text), "synthetic-text:" + std::to_string(i)));
    }
    return documents;
}

std::optional<std::string> syntheticAnswer(const std::string& prompt) {
    const std::string assistant = kSyntheticAssistantTurn;
    const std::size_t user = prompt.find(kUserTurn);
    if (user == std::string::npos || prompt.size() < assistant.size() ||
        prompt.compare(prompt.size() - assistant.size(), assistant.size(), assistant) != 0) {
        return std::nullopt;
    }
    const std::size_t question_start = user + std::char_traits<char>::length(kUserTurn);
    const std::size_t question_end = prompt.size() - assistant.size();
    if (question_end <= question_start + 1 || prompt[question_end - 1] != '?') {
        return std::nullopt;
    }
    const std::string asked = prompt.substr(question_start, question_end - 1 - question_start);
    // Facts: "<name> has <colour>." sentences separated by one space.
    const std::string facts = prompt.substr(0, user);
    std::size_t start = 0;
    while (start < facts.size()) {
        std::size_t end = facts.find(". ", start);
        if (end == std::string::npos) {
            end = facts.size();
            if (facts.back() != '.')
                return std::nullopt;
            --end;
        }
        const std::string fact = facts.substr(start, end - start);
        const std::size_t verb = fact.find(kFactVerb);
        if (verb == std::string::npos)
            return std::nullopt;
        if (fact.compare(0, verb, asked) == 0 && verb == asked.size()) {
            return answerOf(asked, fact.substr(verb + std::char_traits<char>::length(kFactVerb)));
        }
        start = end + 2;
    }
    return std::nullopt;
}

std::string normalizeForJudging(const std::string& response) {
    const std::string turn = response.substr(0, response.find('\n'));
    std::string out;
    bool pending_space = false;
    for (char c : turn) {
        const unsigned char u = static_cast<unsigned char>(c);
        if (std::isspace(u) != 0) {
            pending_space = !out.empty();
            continue;
        }
        if (pending_space) {
            out += ' ';
            pending_space = false;
        }
        out += u < 0x80 ? static_cast<char>(std::tolower(u)) : c;
    }
    while (!out.empty() && (isTrailingPunctuation(out.back()) || out.back() == ' ')) {
        out.pop_back();
    }
    return out;
}

bool isCorrectResponse(const PairText& pair, const std::string& response) {
    std::string reference = pair.reference;
    if (reference.empty()) {
        reference = syntheticAnswer(pair.prompt_pos).value_or(std::string());
    }
    requireArgument(!reference.empty(), "isCorrectResponse", "pair",
                    "a pair with a reference response or a synthetic-task prompt",
                    "origin '" + pair.origin + "'");
    return normalizeForJudging(response) == normalizeForJudging(reference);
}

}  // namespace rgpb
