#include "core/tokenizer/T5Tokenizer.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <climits>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "core/run/RunStore.h"
#include "core/tokenizer/SpmShim.h"
#include "core/tokenizer/TokenizerFiles.h"
#include "core/tokenizer/UnigramPipeline.h"
#include "core/util/Error.h"
#include "core/util/JsonFile.h"
#include "core/util/SafeFile.h"

namespace fs = std::filesystem;

namespace rgpb {

namespace {

constexpr const char* kSentinelPrefix = "<extra_id_";

// K when `text` at `at` starts "<extra_id_K>" with K a decimal number without leading zeros
// below `count` (the strings transformers registers); `length` gets the match's length.
int sentinelAt(const std::string& text, size_t at, int count, size_t* length) {
    const size_t prefix = std::char_traits<char>::length(kSentinelPrefix);
    if (text.compare(at, prefix, kSentinelPrefix) != 0)
        return -1;
    size_t i = at + prefix;
    int64_t k = 0;
    const size_t digits_begin = i;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9' && i - digits_begin < 9)
        k = k * 10 + (text[i++] - '0');
    const size_t digits = i - digits_begin;
    if (digits == 0 || (digits > 1 && text[digits_begin] == '0') || i >= text.size() ||
        text[i] != '>' || k >= count)
        return -1;
    *length = i + 1 - at;
    return static_cast<int>(k);
}

// K for a piece text that is exactly "<extra_id_K>", else -1.
int sentinelIndex(const std::string& piece) {
    size_t length = 0;
    const int k = sentinelAt(piece, 0, INT32_MAX, &length);
    return k >= 0 && length == piece.size() ? k : -1;
}

// T5's fixed ids: "<pad>" 0 and "</s>" 1 (control pieces: unk_id -2 says one is not), the
// unknown piece 2. InputError(where) naming what differs.
void checkT5Layout(const std::vector<std::string>& pieces, int32_t unk_id, const std::string& where,
                   const char* what) {
    if (pieces.size() > 3 && pieces[0] == "<pad>" && pieces[1] == "</s>" && unk_id == 2)
        return;
    auto text = [&](size_t id) {
        return id < pieces.size() ? "'" + excerpt(pieces[id], 40) + "'" : std::string("none");
    };
    throw InputError(where, std::string("not T5's ") + what +
                                " layout: expected the control pieces <pad> at id 0 and </s> at "
                                "1 and the unknown piece at 2, got " +
                                text(0) + ", " + text(1) +
                                (unk_id == -2 ? std::string(" (not both control pieces)")
                                              : " and unknown id " + std::to_string(unk_id)));
}

std::string readBytes(const std::string& path, const char* what) {
    std::error_code ec;
    if (!fs::is_regular_file(path, ec))
        throw InputError(path, std::string(what) + " missing or not a regular file");
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw InputError(path, std::string(what) + " unreadable");
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

}  // namespace

struct T5Tokenizer::Spm {
    rgpb_spm_model* model = nullptr;
    ~Spm() {
        if (model)
            spm::shim().free(model);
    }
};

struct T5Tokenizer::Unigram {
    std::unique_ptr<UnigramPipeline> pipeline;
};

T5Tokenizer::T5Tokenizer() = default;
T5Tokenizer::~T5Tokenizer() = default;

std::unique_ptr<T5Tokenizer> T5Tokenizer::loadSpieceModel(const std::string& path, int extra_ids) {
    requireArgument(extra_ids >= 0 && extra_ids <= 100000, "T5Tokenizer::loadSpieceModel",
                    "extra_ids", "a count in [0, 100000]", extra_ids);
    std::unique_ptr<T5Tokenizer> tok(new T5Tokenizer());
    tok->file_bytes_ = readBytes(path, "SentencePiece model file");
    const spm::ShimApi& api = spm::shim();
    tok->spm_ = std::make_unique<Spm>();
    tok->spm_->model = api.load(path.c_str());
    if (!tok->spm_->model)
        throw InputError(path, std::string("not a SentencePiece model: ") + api.last_error());
    const int32_t pieces = api.piece_count(tok->spm_->model);
    int32_t unk_id = -1;
    bool controls = true;  // <pad> and </s> are control pieces, which text never produces
    for (int32_t id = 0; id < pieces; ++id) {
        const bool control = api.is_control(tok->spm_->model, id) != 0;
        const bool unknown = api.is_unknown(tok->spm_->model, id) != 0;
        if (unknown && unk_id < 0)
            unk_id = id;
        if (id < 2 && !control)
            controls = false;
        tok->special_.push_back(control || unknown ? 1 : 0);
        tok->pieces_.emplace_back(api.id_to_piece(tok->spm_->model, id));
    }
    checkT5Layout(tok->pieces_, controls ? unk_id : -2, path, "SentencePiece model");
    for (int i = 0; i < extra_ids; ++i) {
        tok->pieces_.push_back(kSentinelPrefix + std::to_string(extra_ids - 1 - i) + ">");
        tok->special_.push_back(1);
    }
    tok->vocab_size_ = pieces + extra_ids;
    for (int i = 0; i < extra_ids; ++i)
        tok->sentinel_ids_.push_back(pieces + extra_ids - 1 - i);
    return tok;
}

std::unique_ptr<T5Tokenizer> T5Tokenizer::fromTokenizerJson(const std::string& text,
                                                            const std::string& source) {
    std::unique_ptr<T5Tokenizer> tok(new T5Tokenizer());
    tok->file_bytes_ = text;
    tok->unigram_ = std::make_unique<Unigram>();
    tok->unigram_->pipeline = std::make_unique<UnigramPipeline>(parseJson(text, source), source);
    const UnigramPipeline& p = *tok->unigram_->pipeline;
    const UnigramModel& model = p.model();
    int32_t size = model.size();
    for (const auto& t : p.addedTokens())
        size = std::max(size, t.id + 1);
    tok->vocab_size_ = size;
    tok->pieces_.assign(static_cast<size_t>(size), std::string());
    tok->special_.assign(static_cast<size_t>(size), 0);
    for (int32_t id = 0; id < model.size(); ++id)
        tok->pieces_[static_cast<size_t>(id)] = model.piece(id).text;
    for (const auto& t : p.addedTokens()) {
        tok->pieces_[static_cast<size_t>(t.id)] = t.content;
        tok->special_[static_cast<size_t>(t.id)] = t.special ? 1 : 0;
    }
    checkT5Layout(tok->pieces_, model.unkId(), source + " (model)", "Unigram model");
    for (int32_t id = 0; id < 3; ++id)
        tok->special_[static_cast<size_t>(id)] = 1;
    tok->finishSentinels(source);
    return tok;
}

// The sentinels of a tokenizer.json: the pieces "<extra_id_K>", which must run from 0 to N-1.
void T5Tokenizer::finishSentinels(const std::string& source) {
    std::vector<int32_t> ids;
    for (int32_t id = 0; id < vocab_size_; ++id) {
        const int k = sentinelIndex(pieces_[static_cast<size_t>(id)]);
        if (k < 0)
            continue;
        if (k >= vocab_size_)
            throw InputError(source, "sentinel <extra_id_" + std::to_string(k) + "> but only " +
                                         std::to_string(vocab_size_) + " ids");
        if (ids.size() <= static_cast<size_t>(k))
            ids.resize(static_cast<size_t>(k) + 1, -1);
        if (ids[static_cast<size_t>(k)] >= 0 && ids[static_cast<size_t>(k)] != id)
            throw InputError(source, "sentinel <extra_id_" + std::to_string(k) +
                                         "> appears twice, with ids " +
                                         std::to_string(ids[static_cast<size_t>(k)]) + " and " +
                                         std::to_string(id));
        ids[static_cast<size_t>(k)] = id;
        special_[static_cast<size_t>(id)] = 1;
    }
    for (size_t k = 0; k < ids.size(); ++k) {
        if (ids[k] < 0)
            throw InputError(source, "sentinel <extra_id_" + std::to_string(k) +
                                         "> missing: expected <extra_id_0> .. <extra_id_" +
                                         std::to_string(ids.size() - 1) + "> without gaps");
    }
    sentinel_ids_ = std::move(ids);
}

std::unique_ptr<T5Tokenizer> T5Tokenizer::loadTokenizerJson(const std::string& path) {
    return fromTokenizerJson(readFile(path), path);
}

SpecialTokens T5Tokenizer::specials() const {
    SpecialTokens s;
    s.pad = kPadId;
    s.bos = kPadId;  // T5's decoder start token
    s.eos = kEosId;
    s.sep = kEosId;  // ends the encoder's input
    return s;
}

int32_t T5Tokenizer::sentinelId(int i) const {
    requireArgument(i >= 0 && i < extraIds(), "T5Tokenizer::sentinelId", "i",
                    detail::concat("a sentinel index in [0, ", extraIds(), ")"), i);
    return sentinel_ids_[static_cast<size_t>(i)];
}

std::string T5Tokenizer::pieceText(int32_t id) const {
    requireArgument(id >= 0 && id < vocab_size_, "T5Tokenizer::pieceText", "id",
                    detail::concat("an id in [0, ", vocab_size_, ")"), id);
    return pieces_[static_cast<size_t>(id)];
}

bool T5Tokenizer::isSpecial(int32_t id) const {
    return id >= 0 && id < vocab_size_ && special_[static_cast<size_t>(id)] != 0;
}

void T5Tokenizer::encodeText(const std::string& text, bool at_start,
                             std::vector<int32_t>& out) const {
    if (text.empty())
        return;
    if (unigram_) {
        unigram_->pipeline->encode(text, at_start, out);
        return;
    }
    const std::vector<int32_t> ids = spm::encode(spm_->model, text);
    out.insert(out.end(), ids.begin(), ids.end());
}

std::vector<int32_t> T5Tokenizer::encode(const std::string& text) const {
    std::vector<int32_t> ids;
    const int count = extraIds();
    size_t plain = 0;  // start of the text not yet encoded
    for (size_t at = text.find(kSentinelPrefix); at != std::string::npos;
         at = text.find(kSentinelPrefix, at + 1)) {
        size_t length = 0;
        const int k = sentinelAt(text, at, count, &length);
        if (k < 0)
            continue;
        encodeText(text.substr(plain, at - plain), plain == 0, ids);
        ids.push_back(sentinel_ids_[static_cast<size_t>(k)]);
        plain = at + length;
        at = plain - 1;
    }
    encodeText(text.substr(plain), plain == 0, ids);
    // Control pieces never come from text (SentencePiece never matches them and the Unigram
    // model leaves them out); this guards the interface's contract.
    for (int32_t id : ids) {
        if (id == kPadId || id == kEosId)
            throw Error("T5 tokenizer produced special id " + std::to_string(id) + " from text");
    }
    return ids;
}

std::string T5Tokenizer::decode(const std::vector<int32_t>& ids) const {
    std::vector<int32_t> kept;
    kept.reserve(ids.size());
    for (std::size_t i = 0; i < ids.size(); ++i) {
        const int32_t id = ids[i];
        requireArgument(id >= 0 && id < vocab_size_, "T5Tokenizer::decode", "ids",
                        detail::concat("ids in [0, ", vocab_size_, ")"), "id ", id, " at position ",
                        i);
        if (!special_[static_cast<size_t>(id)])
            kept.push_back(id);
    }
    if (unigram_) {
        std::vector<std::string> pieces;
        pieces.reserve(kept.size());
        for (int32_t id : kept)
            pieces.push_back(pieces_[static_cast<size_t>(id)]);
        return unigram_->pipeline->decode(pieces);
    }
    return spm::decode(spm_->model, kept);
}

void T5Tokenizer::save(const std::string& dir) const {
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec)
        throw Error("cannot create tokenizer folder " + dir + ": " + ec.message());
    nlohmann::json descriptor = {{"kind", kind()}, {"vocab_size", vocab_size_}};
    if (spm_) {
        writeFileAtomic((fs::path(dir) / kSpieceFile).string(), file_bytes_);
        descriptor["model"] = kSpieceFile;
        descriptor["extra_ids"] = extraIds();
    } else {
        writeFileAtomic((fs::path(dir) / kJsonFile).string(), file_bytes_);
        descriptor["file"] = kJsonFile;
    }
    writeDescriptor(dir, descriptor, specials());
}

}  // namespace rgpb
