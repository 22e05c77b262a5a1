#include "core/tokenizer/TokenizerJson.h"

#include <nlohmann/json.hpp>

#include "core/tokenizer/ByteUnicode.h"

namespace rgpb {
namespace {

using Json = nlohmann::ordered_json;  // keys in the order Hugging Face writes them

Json addedToken(Json id, const std::string& content, bool normalized) {
    return {{"id", std::move(id)}, {"content", content}, {"single_word", false},
            {"lstrip", false},     {"rstrip", false},    {"normalized", normalized},
            {"special", true}};
}

// A ByteLevel pre-tokenizer, post-processor or decoder.
Json byteLevel(bool add_prefix_space, bool trim_offsets, bool use_regex) {
    return {{"type", "ByteLevel"},
            {"add_prefix_space", add_prefix_space},
            {"trim_offsets", trim_offsets},
            {"use_regex", use_regex}};
}

// `affix`: the continuing-subword prefix and end-of-word suffix (both none: "" or null).
Json bpeModel(Json vocab, Json merges, const Json& affix) {
    return {{"type", "BPE"},
            {"dropout", nullptr},
            {"unk_token", nullptr},
            {"continuing_subword_prefix", affix},
            {"end_of_word_suffix", affix},
            {"fuse_unk", false},
            {"byte_fallback", false},
            {"vocab", std::move(vocab)},
            {"merges", std::move(merges)}};
}

Json tokenizerJson(Json added, Json pre_tokenizer, Json post_processor, Json decoder, Json model) {
    Json j;
    j["version"] = "1.0";
    j["truncation"] = nullptr;
    j["padding"] = nullptr;
    j["added_tokens"] = std::move(added);
    j["normalizer"] = nullptr;
    j["pre_tokenizer"] = std::move(pre_tokenizer);
    j["post_processor"] = std::move(post_processor);
    j["decoder"] = std::move(decoder);
    j["model"] = std::move(model);
    return j;
}

}  // namespace

std::string gpt2TokenizerJson(const nlohmann::json& vocab, const std::string& merges_text) {
    Json merges = Json::array();
    size_t start = 0, line_no = 0;
    while (start < merges_text.size()) {
        size_t end = merges_text.find('\n', start);
        if (end == std::string::npos)
            end = merges_text.size();
        std::string line = merges_text.substr(start, end - start);
        ++line_no;
        if (!line.empty() && line.back() == '\r')
            line.pop_back();
        start = end + 1;
        if (line.empty() || (line_no == 1 && line.rfind("#version", 0) == 0))
            continue;
        merges.push_back(line);
    }
    Json added = Json::array();
    if (vocab.contains("<|endoftext|>"))
        added.push_back(addedToken(Json(vocab.at("<|endoftext|>")), "<|endoftext|>", true));
    return tokenizerJson(std::move(added), byteLevel(false, true, true),
                         byteLevel(true, false, true), byteLevel(true, true, true),
                         bpeModel(Json(vocab), std::move(merges), ""))
        .dump();
}

std::string byteTokenizerJson() {
    const ByteUnicodeTable& table = byteUnicodeTable();
    Json vocab = Json::object();
    for (int b = 0; b < 256; ++b)
        vocab[table.text[static_cast<size_t>(b)]] = 4 + b;
    Json added = Json::array();
    const char* names[] = {"<|pad|>", "<|bos|>", "<|eos|>", "<|sep|>"};
    for (int id = 0; id < 4; ++id)
        added.push_back(addedToken(id, names[id], false));
    // No merges: with or without the regex split every byte is one token.
    return tokenizerJson(std::move(added), byteLevel(false, false, false), nullptr,
                         byteLevel(false, false, false),
                         bpeModel(std::move(vocab), Json::array(), nullptr))
               .dump(2) +
           "\n";
}

}  // namespace rgpb
