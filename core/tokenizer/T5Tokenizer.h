// T5's tokenizer (t5-small, flan-t5-*, ...): a SentencePiece unigram model plus T5's special
// tokens and sentinels, from either file of a Hugging Face T5 folder. Torch-free.
//
// Sources:
//  - spiece.model: run by the SentencePiece library itself (through the rgpb_spm shim,
//    SpmShim.h), so normalization (nmt_nfkc), whitespace handling and segmentation are
//    SentencePiece's own.
//  - tokenizer.json whose model is of type "Unigram" (vocab [[piece, score], ...], unk_id):
//    run by UnigramModel (Viterbi, as SentencePiece) behind the file's normalizers (Precompiled,
//    Strip, Replace, in a Sequence or alone) and pre-tokenizer (Metaspace with replacement
//    "\u2581" and prepend_scheme "always" / "first" / "never" or the older add_prefix_space, and
//    WhitespaceSplit), as Hugging Face `tokenizers` applies them. Other kinds are refused naming
//    the key.
//
// Ids, as transformers' T5Tokenizer gives them:
//  - pad 0 "<pad>", eos 1 "</s>" (control pieces), unk 2 (the unknown piece): T5's fixed ids,
//    required of either file (another layout is refused naming the file);
//  - the sentinels <extra_id_0> .. <extra_id_{N-1}> after the model's P pieces, in reverse:
//    <extra_id_i> is P + N - 1 - i, so <extra_id_0> is the last id (32099 for t5-small's 32000
//    pieces and N = 100). From spiece.model, N is extra_ids (tokenizer_config.json's, 100 by
//    default); from tokenizer.json the sentinels and their ids are read from the file.
//  - the Tokenizer interface's bos and sep: T5 has neither. bos is pad (0), which is T5's
//    decoder start token (the first decoder input); sep is eos (1), which ends the encoder's
//    input. Both are specials, so decode() drops them either way; no text id is given up.
//
// encode(): text never produces pad, eos or unk-as-text ("</s>" in text is encoded as the
// characters it is made of, the interface's rule); "<extra_id_K>" written in the text (0 <= K <
// N) becomes that sentinel's id, as in transformers. The text between sentinels is encoded as
// separate pieces of text, each with its own leading "\u2581" (transformers' legacy T5
// behaviour, the default for the T5 checkpoints; with tokenizer.json prepend_scheme "first" only
// the text at the very start gets it). Unknown characters give unk (2), a run of them one unk.
// decode(): as transformers' decode(skip_special_tokens=True): pad, eos, unk and the sentinels
// are dropped, "\u2581" becomes a space and the leading space is removed. Not applied:
// transformers' clean_up_tokenization_spaces (" ." -> "."), which changes the text.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/tokenizer/Tokenizer.h"

namespace rgpb {

class T5Tokenizer : public Tokenizer {
public:
    static constexpr int kDefaultExtraIds = 100;

    // A spiece.model file in T5's layout (control pieces "<pad>" 0 and "</s>" 1, the unknown
    // piece 2; unigram or BPE, the library runs either), with `extra_ids` sentinels after its
    // pieces. Throws rgpb::InputError naming the file when it is missing, not a SentencePiece
    // model, or not of that layout.
    static std::unique_ptr<T5Tokenizer> loadSpieceModel(const std::string& path,
                                                        int extra_ids = kDefaultExtraIds);
    // A tokenizer.json (its text; `source` names it in messages, "source (model.vocab[3])") whose
    // model is Unigram, in T5's layout; InputError naming the key otherwise.
    static std::unique_ptr<T5Tokenizer> fromTokenizerJson(const std::string& text,
                                                          const std::string& source);
    static std::unique_ptr<T5Tokenizer> loadTokenizerJson(const std::string& path);

    ~T5Tokenizer() override;

    std::string kind() const override { return "t5"; }
    int32_t vocabSize() const override { return vocab_size_; }
    SpecialTokens specials() const override;
    std::vector<int32_t> encode(const std::string& text) const override;
    std::string decode(const std::vector<int32_t>& ids) const override;
    // dir/spiece.model or dir/tokenizer.json (the bytes it was read from) and
    // dir/rgpb_tokenizer.json {"kind": "t5", "model": "spiece.model", "extra_ids": N} or
    // {"kind": "t5", "file": "tokenizer.json"}.
    void save(const std::string& dir) const override;

    static constexpr int32_t kPadId = 0, kEosId = 1, kUnkId = 2;
    // N, the number of sentinels.
    int extraIds() const { return static_cast<int>(sentinel_ids_.size()); }
    // The id of <extra_id_i>; rgpb::ArgumentError unless 0 <= i < extraIds().
    int32_t sentinelId(int i) const;
    // The piece text of an id ("<extra_id_i>" for sentinels); ArgumentError out of range.
    std::string pieceText(int32_t id) const;
    // True for pad, eos, unk, sentinels and other special ids: what decode() drops.
    bool isSpecial(int32_t id) const;
    // True when loaded from spiece.model (the SentencePiece library runs it).
    bool fromSpieceModel() const { return spm_ != nullptr; }

    static constexpr const char* kSpieceFile = "spiece.model";
    static constexpr const char* kJsonFile = "tokenizer.json";

private:
    struct Spm;
    struct Unigram;
    T5Tokenizer();
    // Appends the ids of text between sentinels; `at_start`: the piece starts the whole text.
    void encodeText(const std::string& text, bool at_start, std::vector<int32_t>& out) const;
    void finishSentinels(const std::string& source);

    std::unique_ptr<Spm> spm_;          // from spiece.model
    std::unique_ptr<Unigram> unigram_;  // from tokenizer.json
    std::string file_bytes_;            // the file it was read from, for save()
    int32_t vocab_size_ = 0;
    std::vector<int32_t> sentinel_ids_;  // index i -> id of <extra_id_i>
    std::vector<std::string> pieces_;    // id -> piece text
    std::vector<char> special_;          // id -> 1 when decode() drops it
};

}  // namespace rgpb
