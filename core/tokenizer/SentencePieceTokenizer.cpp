#include "core/tokenizer/SentencePieceTokenizer.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "core/tokenizer/SpmShim.h"
#include "core/tokenizer/TokenizerFiles.h"
#include "core/util/Error.h"
#include "core/util/SafeFile.h"

namespace fs = std::filesystem;

namespace rgpb {

namespace {

// The control pieces trainSentencePieceTokenizer() asks for, at the ids of SpecialTokens.
constexpr const char* kSpecialPieces[] = {"<pad>", "<s>", "</s>", "<sep>"};

}  // namespace

std::unique_ptr<SentencePieceTokenizer> SentencePieceTokenizer::loadModelFile(
    const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw InputError(path, "SentencePiece model file missing or unreadable");
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());

    const spm::ShimApi& api = spm::shim();
    std::unique_ptr<SentencePieceTokenizer> tok(new SentencePieceTokenizer());
    tok->model_ = api.load(path.c_str());
    if (!tok->model_) {
        throw InputError(path, std::string("not a SentencePiece model: ") + api.last_error());
    }
    tok->serialized_ = std::move(bytes);
    tok->vocab_size_ = api.piece_count(tok->model_);
    for (int32_t id = 0; id < 4; ++id) {
        std::string piece = api.id_to_piece(tok->model_, id);
        if (!api.is_control(tok->model_, id) || piece != kSpecialPieces[id]) {
            throw InputError(path, "id " + std::to_string(id) + " must be the control piece " +
                                       kSpecialPieces[id] + ", got '" + piece +
                                       "' (not trained by the workbench?)");
        }
    }
    return tok;
}

SentencePieceTokenizer::~SentencePieceTokenizer() {
    if (model_)
        spm::shim().free(model_);
}

std::vector<int32_t> SentencePieceTokenizer::encode(const std::string& text) const {
    std::vector<int32_t> ids = spm::encode(model_, text);
    // SentencePiece never matches control pieces in text; this guards the contract of
    // Tokenizer::encode() against a model trained with other options.
    for (int32_t id : ids) {
        if (id >= 0 && id < 4)
            throw Error("SentencePiece produced special id from text");
    }
    return ids;
}

std::string SentencePieceTokenizer::decode(const std::vector<int32_t>& ids) const {
    std::vector<int32_t> kept;
    kept.reserve(ids.size());
    for (std::size_t i = 0; i < ids.size(); ++i) {
        int32_t id = ids[i];
        requireArgument(id >= 0 && id < vocab_size_, "SentencePieceTokenizer::decode", "ids",
                        detail::concat("ids in [0, ", vocab_size_, ")"), "id ", id, " at position ",
                        i);
        if (id >= 4)
            kept.push_back(id);  // specials carry no text
    }
    return spm::decode(model_, kept);
}

void SentencePieceTokenizer::save(const std::string& dir) const {
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec)
        throw Error("cannot create tokenizer folder " + dir + ": " + ec.message());
    std::string model_path = (fs::path(dir) / kModelFile).string();
    // Saving into the folder it was loaded from rewrites the same bytes, which is harmless.
    writeFileAtomic(model_path, serialized_);
    nlohmann::json descriptor = {{"kind", kind()},
                                 {"vocab_size", vocab_size_},
                                 {"model", kModelFile},
                                 {"algorithm", "unigram"},
                                 {"byte_fallback", true}};
    writeDescriptor(dir, descriptor, specials());
}

}  // namespace rgpb
