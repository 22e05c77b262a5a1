#include "core/judging/JudgeTemplate.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <system_error>
#include <vector>

#include "core/util/Error.h"

namespace rgpb::judging {

namespace fs = std::filesystem;

namespace {

constexpr const char* kPlaceholders[] = {"{conversation}", "{response_1}", "{response_2}"};

std::string trimBlankLines(const std::string& s) {
    std::size_t begin = 0;
    while (begin < s.size() && (s[begin] == '\n' || s[begin] == '\r'))
        ++begin;
    std::size_t end = s.size();
    while (end > begin && std::isspace(static_cast<unsigned char>(s[end - 1])))
        --end;
    return s.substr(begin, end - begin);
}

std::string trimSpace(const std::string& s) {
    std::size_t b = 0, e = s.size();
    while (b < e && std::isspace(static_cast<unsigned char>(s[b])))
        ++b;
    while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1])))
        --e;
    return s.substr(b, e - b);
}

std::string lowerCase(std::string s) {
    for (char& c : s)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

// Lower case, markdown emphasis, quotes and brackets around the answer and trailing
// punctuation removed, runs of blank space made one space.
std::string normalised(const std::string& s) {
    std::string out;
    for (char c : lowerCase(s)) {
        if (c == '*' || c == '_' || c == '`' || c == '"' || c == '\'')
            continue;
        if (std::isspace(static_cast<unsigned char>(c))) {
            if (!out.empty() && out.back() != ' ')
                out += ' ';
            continue;
        }
        out += c;
    }
    out = trimSpace(out);
    while (!out.empty() && std::string(".!,:;)").find(out.back()) != std::string::npos)
        out.pop_back();
    while (!out.empty() && out.front() == '(')
        out.erase(out.begin());
    return trimSpace(out);
}

struct Form {
    const char* text;
    JudgeVerdict verdict;
};

// Answer forms, longest first (a form must be followed by the end or a non-word character).
const Form kForms[] = {
    {"response 1", JudgeVerdict::Response1},
    {"response 2", JudgeVerdict::Response2},
    {"response one", JudgeVerdict::Response1},
    {"response two", JudgeVerdict::Response2},
    {"assistant a", JudgeVerdict::Response1},
    {"assistant b", JudgeVerdict::Response2},
    {"option 1", JudgeVerdict::Response1},
    {"option 2", JudgeVerdict::Response2},
    {"[[a]]", JudgeVerdict::Response1},
    {"[[b]]", JudgeVerdict::Response2},
    {"[[c]]", JudgeVerdict::Tie},
    {"neither", JudgeVerdict::Tie},
    {"equal", JudgeVerdict::Tie},
    {"tie", JudgeVerdict::Tie},
    {"1", JudgeVerdict::Response1},
    {"2", JudgeVerdict::Response2},
    {"a", JudgeVerdict::Response1},
    {"b", JudgeVerdict::Response2},
    {"c", JudgeVerdict::Tie},
};

bool wordEnd(const std::string& s, std::size_t at) {
    return at >= s.size() || !std::isalnum(static_cast<unsigned char>(s[at]));
}

// The verdict a normalised text starts with; `whole`: the text must be exactly that form.
JudgeVerdict leadingForm(const std::string& s, bool whole) {
    for (const Form& f : kForms) {
        const std::string form = f.text;
        if (s.compare(0, form.size(), form) != 0 || !wordEnd(s, form.size()))
            continue;
        if (whole && s.size() != form.size())
            continue;
        return f.verdict;
    }
    return JudgeVerdict::Unparsed;
}

JudgeVerdict bracketVerdict(const std::string& low) {
    std::size_t best = std::string::npos;
    JudgeVerdict v = JudgeVerdict::Unparsed;
    for (const Form& f :
         {Form{"[[a]]", JudgeVerdict::Response1}, Form{"[[b]]", JudgeVerdict::Response2},
          Form{"[[c]]", JudgeVerdict::Tie}}) {
        const std::size_t at = low.rfind(f.text);
        if (at != std::string::npos && (best == std::string::npos || at > best)) {
            best = at;
            v = f.verdict;
        }
    }
    return v;
}

JudgeVerdict labelledLineVerdict(const std::string& answer) {
    std::istringstream lines(answer);
    std::string line;
    JudgeVerdict v = JudgeVerdict::Unparsed;
    while (std::getline(lines, line)) {
        const std::string n = normalised(line);
        for (const char* label : {"preferred:", "preference:", "verdict:", "final answer:"}) {
            const std::string l = label;
            if (n.compare(0, l.size(), l) == 0) {
                const JudgeVerdict here = leadingForm(trimSpace(n.substr(l.size())), false);
                if (here != JudgeVerdict::Unparsed)
                    v = here;
            }
        }
    }
    return v;
}

// "prefer[s|red][:] [*"']response N" anywhere; Unparsed unless exactly one N is named. A scan,
// not a regular expression: an answer is untrusted text of any length.
JudgeVerdict preferStatement(const std::string& low) {
    std::set<char> named;
    auto skip = [&](std::size_t at, const char* chars) {
        while (at < low.size() && std::strchr(chars, low[at]) && low[at] != '\0')
            ++at;
        return at;
    };
    for (std::size_t at = low.find("prefer"); at != std::string::npos;
         at = low.find("prefer", at + 1)) {
        std::size_t k = at + 6;
        if (low.compare(k, 3, "red") == 0)
            k += 3;
        else if (low.compare(k, 1, "s") == 0)
            k += 1;
        k = skip(k, " \t\n\r");
        k = skip(k, ":");
        k = skip(k, " \t\n\r*\"'");
        if (low.compare(k, 8, "response") != 0)
            continue;
        k = skip(k + 8, " \t\n\r");
        if (k < low.size() && (low[k] == '1' || low[k] == '2') &&
            (k + 1 == low.size() || !std::isdigit(static_cast<unsigned char>(low[k + 1]))))
            named.insert(low[k]);
    }
    if (named.size() != 1)
        return JudgeVerdict::Unparsed;
    return *named.begin() == '1' ? JudgeVerdict::Response1 : JudgeVerdict::Response2;
}

std::string readTemplateFile(const std::string& path, const std::string& what) {
    std::error_code ec;
    if (!fs::is_regular_file(path, ec))
        throw InputError(path, "cannot be read (" + what + ")");
    std::ifstream in(path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    if (!in && !in.eof())
        throw InputError(path, "cannot be read (" + what + ")");
    return s.str();
}

}  // namespace

std::string judgeTemplateDir() {
    if (const char* env = std::getenv("RGPB_JUDGE_TEMPLATES"); env && *env)
        return env;
    std::error_code ec;
    const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
    if (!ec) {
        const fs::path installed = exe.parent_path() / ".." / "share" / "rgpb" / "judge-templates";
        if (fs::is_regular_file(installed / "paper.txt", ec))
            return fs::weakly_canonical(installed, ec).string();
    }
#ifdef RGPB_SOURCE_JUDGE_TEMPLATES
    return RGPB_SOURCE_JUDGE_TEMPLATES;
#else
    return "resources/judge-templates";
#endif
}

JudgeTemplate parseJudgeTemplate(const std::string& text, const std::string& source) {
    JudgeTemplate t;
    t.source = source;
    t.text = text;
    std::istringstream lines(text);
    std::string line, system, user;
    std::string* part = nullptr;
    bool seen_user = false;
    int number = 0;
    while (std::getline(lines, line)) {
        ++number;
        if (!line.empty() && line.back() == '\r')
            line.pop_back();
        if (line == "[system]") {
            part = &system;
            continue;
        }
        if (line == "[user]") {
            part = &user;
            seen_user = true;
            continue;
        }
        if (!part) {
            if (trimSpace(line).empty() || line[0] == '#')
                continue;
            throw InputError(source + ":" + std::to_string(number),
                             "text before the first section; expected comment lines ('#'), "
                             "then \"[system]\" and \"[user]\" sections");
        }
        *part += line + "\n";
    }
    if (!seen_user)
        throw InputError(source,
                         "has no \"[user]\" section (a judge template needs one, "
                         "holding {conversation}, {response_1} and {response_2})");
    t.system = trimBlankLines(system);
    t.user = trimBlankLines(user);
    for (const char* p : kPlaceholders) {
        if (t.system.find(p) == std::string::npos && t.user.find(p) == std::string::npos)
            throw InputError(source, std::string("has no placeholder ") + p +
                                         " (a judge template needs {conversation}, "
                                         "{response_1} and {response_2})");
    }
    return t;
}

JudgeTemplate loadJudgeTemplate(const std::string& name_or_file) {
    std::string path = name_or_file;
    if (name_or_file == "paper" || name_or_file == "mtbench")
        path = (fs::path(judgeTemplateDir()) / (name_or_file + ".txt")).string();
    JudgeTemplate t = parseJudgeTemplate(
        readTemplateFile(path,
                         "expected a judge template: \"paper\", \"mtbench\" or a template file"),
        path);
    t.name = name_or_file;
    return t;
}

std::string conversationText(const std::string& prompt) {
    std::string s = trimSpace(prompt);
    const std::string cue = "Assistant:";
    if (s.size() >= cue.size() && s.compare(s.size() - cue.size(), cue.size(), cue) == 0)
        s = trimSpace(s.substr(0, s.size() - cue.size()));
    return s;
}

namespace {

std::string fillPlaceholders(const std::string& text, const std::string values[3]) {
    std::string out;
    std::size_t at = 0;
    while (at < text.size()) {
        bool replaced = false;
        if (text[at] == '{') {
            for (int k = 0; k < 3; ++k) {
                const std::string p = kPlaceholders[k];
                if (text.compare(at, p.size(), p) == 0) {
                    out += values[k];
                    at += p.size();
                    replaced = true;
                    break;
                }
            }
        }
        if (!replaced)
            out += text[at++];
    }
    return out;
}

}  // namespace

JudgePrompt renderJudgePrompt(const JudgeTemplate& t, const std::string& prompt,
                              const std::string& response_1, const std::string& response_2) {
    const std::string values[3] = {conversationText(prompt), trimSpace(response_1),
                                   trimSpace(response_2)};
    return {fillPlaceholders(t.system, values), fillPlaceholders(t.user, values)};
}

const char* judgeVerdictName(JudgeVerdict v) {
    switch (v) {
        case JudgeVerdict::Response1:
            return "response_1";
        case JudgeVerdict::Response2:
            return "response_2";
        case JudgeVerdict::Tie:
            return "tie";
        case JudgeVerdict::Unparsed:
            return "unparsed";
    }
    return "unparsed";
}

JudgeVerdict parseJudgeVerdictName(const std::string& name) {
    for (JudgeVerdict v : {JudgeVerdict::Response1, JudgeVerdict::Response2, JudgeVerdict::Tie,
                           JudgeVerdict::Unparsed}) {
        if (name == judgeVerdictName(v))
            return v;
    }
    throw ArgumentError("parseJudgeVerdictName", "name", "response_1, response_2, tie or unparsed",
                        "'" + name + "'");
}

JudgeVerdict parseJudgeVerdict(const std::string& answer) {
    const std::string low = lowerCase(answer);
    if (JudgeVerdict v = bracketVerdict(low); v != JudgeVerdict::Unparsed)
        return v;
    if (JudgeVerdict v = labelledLineVerdict(answer); v != JudgeVerdict::Unparsed)
        return v;
    const std::string n = normalised(answer);
    if (n.size() <= 40) {
        for (const char* lead : {"", "i prefer ", "prefer ", "winner: ", "better: "}) {
            const std::string l = lead;
            if (n.compare(0, l.size(), l) == 0) {
                if (JudgeVerdict v = leadingForm(n.substr(l.size()), true);
                    v != JudgeVerdict::Unparsed)
                    return v;
            }
        }
    }
    return preferStatement(low);
}

Winner winnerOfAnswer(JudgeVerdict v, bool model_a_first) {
    switch (v) {
        case JudgeVerdict::Response1:
            return model_a_first ? Winner::ModelA : Winner::ModelB;
        case JudgeVerdict::Response2:
            return model_a_first ? Winner::ModelB : Winner::ModelA;
        case JudgeVerdict::Tie:
            return Winner::Tie;
        case JudgeVerdict::Unparsed:
            return Winner::Skip;
    }
    return Winner::Skip;
}

Winner combinedVerdict(Winner first, Winner second) {
    if (first == Winner::Skip || second == Winner::Skip)
        return Winner::Skip;
    return first == second ? first : Winner::Tie;
}

}  // namespace rgpb::judging
