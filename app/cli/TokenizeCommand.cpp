// `rgpb tokenize --tokenizer PATH [--decode]`: text on stdin -> token ids (space separated) on
// stdout, or with --decode ids on stdin -> text. PATH: a tokenizer.json, a folder with
// rgpb_tokenizer.json, a Hugging Face model folder, or a run folder.
#include <nlohmann/json.hpp>

#include <climits>
#include <iostream>
#include <iterator>
#include <sstream>
#include <string>

#include "app/cli/CliArgs.h"
#include "app/cli/Commands.h"
#include "core/tokenizer/TokenizerFactory.h"
#include "core/util/Error.h"
#include "core/util/JsonFile.h"

namespace rgpb::cli {
namespace {

int tokenize(const std::vector<std::string>& argv) {
    CliArgs args(argv, {"tokenizer"}, {"decode", "jsonl"});
    auto path = args.value("tokenizer");
    if (!path)
        throw Error("tokenize: --tokenizer PATH is required");
    if (!args.positional().empty())
        throw Error("tokenize: unexpected argument '" + args.positional()[0] +
                    "' (the text comes on stdin)");
    auto tok = loadTokenizerFrom(*path);
    std::ios::sync_with_stdio(false);
    const std::string input((std::istreambuf_iterator<char>(std::cin)),
                            std::istreambuf_iterator<char>());
    if (args.has("decode")) {
        std::istringstream in(input);
        std::vector<int32_t> ids;
        std::string word;
        while (in >> word) {
            try {
                size_t used = 0;
                const long long id = std::stoll(word, &used);
                if (used != word.size() || id < INT32_MIN || id > INT32_MAX)
                    throw std::invalid_argument(word);
                ids.push_back(static_cast<int32_t>(id));
            } catch (const std::exception&) {
                throw Error("tokenize --decode: '" + word + "' on stdin is not a token id");
            }
        }
        std::cout << tok->decode(ids);
        return 0;
    }
    auto line = [&](const std::string& text) {
        std::string out;
        for (int32_t id : tok->encode(text)) {
            if (!out.empty())
                out += ' ';
            out += std::to_string(id);
        }
        std::cout << out << "\n";
    };
    if (!args.has("jsonl")) {
        line(input);
        return 0;
    }
    std::istringstream in(input);
    std::string row;
    for (int number = 1; std::getline(in, row); ++number) {
        if (row.empty())
            continue;
        const nlohmann::json j = parseJson(row, "stdin:" + std::to_string(number), "a JSON string");
        if (!j.is_string())
            throw InputError("stdin:" + std::to_string(number), "expected a JSON string");
        line(j.get<std::string>());
    }
    return 0;
}

}  // namespace

Command tokenizeCommand() {
    return {"tokenize", "text on stdin to token ids, or ids to text (--decode)",
            "usage: rgpb tokenize --tokenizer PATH [--decode | --jsonl] < input\n\n"
            "Reads all of stdin. Without --decode prints the ids of the text, space separated,\n"
            "on one line (special tokens such as <|endoftext|> written in the text become their\n"
            "ids for BPE tokenizers); with --decode reads whitespace-separated ids and prints\n"
            "the text (special ids are skipped). PATH: a tokenizer.json, a folder with\n"
            "rgpb_tokenizer.json, a Hugging Face model folder (tokenizer.json or vocab.json +\n"
            "merges.txt), or a run folder. --jsonl: every stdin line is a JSON string; prints\n"
            "one line of ids per string.\n",
            tokenize};
}

}  // namespace rgpb::cli
