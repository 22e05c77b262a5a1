// A SentencePiece unigram model run without the SentencePiece library: pieces with their scores
// (log probabilities), and the segmentation of a normalized string ("▁" for spaces, as the
// normalizer left it) that maximises the sum of the scores of its pieces, found by Viterbi
// exactly as SentencePiece's unigram_model.cc does it:
//  - positions are visited left to right; from each one every piece that starts there is tried
//    (shortest first), and a candidate replaces the best path to its end only when its total is
//    strictly greater (so on a tie the earlier found path stays);
//  - a character that no single piece covers is also given an unknown node (unk_id) of one
//    character, scored min(piece scores) - 10 (SentencePiece's kUnkPenalty);
//  - scores are added in float, as SentencePiece does;
//  - consecutive unknown characters come out as one unk id (SentencePiece merges them, and
//    Hugging Face's Unigram with fuse_unk does the same).
// Pieces marked not matchable (control pieces, sentinels) keep their ids but text never produces
// them. Invalid UTF-8 bytes count as one-byte characters (the normalizers in front of this model
// have already turned them into U+FFFD). Torch-free.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace rgpb {

class UnigramModel {
public:
    struct Piece {
        std::string text;
        float score = 0.0f;
        bool matchable = true;  // false: never produced from text (specials, sentinels)
    };

    // `pieces` in id order; `unk_id` indexes them. Throws rgpb::ArgumentError when unk_id is out
    // of range or no piece is matchable.
    UnigramModel(std::vector<Piece> pieces, int32_t unk_id);

    // Appends the ids of `normalized` to `out`.
    void encode(std::string_view normalized, std::vector<int32_t>& out) const;

    int32_t size() const { return static_cast<int32_t>(pieces_.size()); }
    int32_t unkId() const { return unk_id_; }
    const Piece& piece(int32_t id) const { return pieces_[static_cast<size_t>(id)]; }
    float unknownScore() const { return unk_score_; }

private:
    // A byte trie over the matchable pieces: node -> (byte -> child) in one hash map.
    int32_t child(int32_t node, unsigned char byte) const;

    std::vector<Piece> pieces_;
    int32_t unk_id_ = 0;
    float unk_score_ = 0.0f;
    std::vector<int32_t> node_piece_;                   // node -> piece id ending there, or -1
    std::unordered_map<uint64_t, int32_t> trie_edges_;  // (node << 8 | byte) -> child node
};

}  // namespace rgpb
