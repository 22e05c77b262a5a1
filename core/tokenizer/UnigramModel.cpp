#include "core/tokenizer/UnigramModel.h"

#include <algorithm>
#include <limits>

#include "core/util/Error.h"

namespace rgpb {

namespace {

// SentencePiece's penalty for an unknown character, below the least likely piece.
constexpr float kUnkPenalty = 10.0f;

// The byte length of the UTF-8 character led by `lead`, from the lead byte alone (as
// SentencePiece's OneCharLen: continuation and invalid bytes count 1).
size_t charLength(unsigned char lead) {
    static constexpr unsigned char kLength[16] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 3, 4};
    return kLength[lead >> 4];
}

uint64_t edgeKey(int32_t node, unsigned char byte) {
    return (static_cast<uint64_t>(node) << 8) | byte;
}

}  // namespace

UnigramModel::UnigramModel(std::vector<Piece> pieces, int32_t unk_id)
    : pieces_(std::move(pieces)), unk_id_(unk_id) {
    requireArgument(unk_id >= 0 && unk_id < size(), "UnigramModel", "unk_id",
                    detail::concat("an id in [0, ", size(), ")"), unk_id);
    float min_score = std::numeric_limits<float>::max();
    node_piece_.push_back(-1);  // the root
    for (int32_t id = 0; id < size(); ++id) {
        const Piece& p = pieces_[static_cast<size_t>(id)];
        min_score = std::min(min_score, p.score);
        if (!p.matchable || p.text.empty())
            continue;
        int32_t node = 0;
        for (unsigned char byte : p.text) {
            auto [it, added] =
                trie_edges_.emplace(edgeKey(node, byte), static_cast<int32_t>(node_piece_.size()));
            if (added)
                node_piece_.push_back(-1);
            node = it->second;
        }
        // A piece listed twice keeps its first id, as SentencePiece's piece index does.
        if (node_piece_[static_cast<size_t>(node)] < 0)
            node_piece_[static_cast<size_t>(node)] = id;
    }
    requireArgument(node_piece_.size() > 1, "UnigramModel", "pieces",
                    "at least one piece that text can produce", size(),
                    " pieces, none of them matchable");
    unk_score_ = min_score - kUnkPenalty;
}

int32_t UnigramModel::child(int32_t node, unsigned char byte) const {
    auto it = trie_edges_.find(edgeKey(node, byte));
    return it == trie_edges_.end() ? -1 : it->second;
}

void UnigramModel::encode(std::string_view text, std::vector<int32_t>& out) const {
    if (text.empty())
        return;
    struct Node {
        int32_t id = -1;
        float score = 0.0f;
        int64_t starts_at = -1;  // -1: not reached yet
    };
    const size_t n = text.size();
    std::vector<Node> best(n + 1);
    best[0].starts_at = 0;
    auto offer = [&](size_t end, int32_t id, float score, size_t start) {
        Node& target = best[end];
        if (target.starts_at < 0 || score > target.score) {
            target.id = id;
            target.score = score;
            target.starts_at = static_cast<int64_t>(start);
        }
    };
    for (size_t start = 0; start < n;) {
        const float here = best[start].score;
        const size_t char_len =
            std::min(charLength(static_cast<unsigned char>(text[start])), n - start);
        bool single_char_piece = false;
        int32_t node = 0;
        for (size_t end = start; end < n; ++end) {
            node = child(node, static_cast<unsigned char>(text[end]));
            if (node < 0)
                break;
            const int32_t id = node_piece_[static_cast<size_t>(node)];
            if (id < 0)
                continue;
            offer(end + 1, id, here + pieces_[static_cast<size_t>(id)].score, start);
            if (end + 1 - start == char_len)
                single_char_piece = true;
        }
        if (!single_char_piece)
            offer(start + char_len, unk_id_, here + unk_score_, start);
        start += char_len;
    }
    // Back from the end; then forwards, merging runs of unknowns.
    std::vector<int32_t> ids;
    for (size_t pos = n; pos > 0; pos = static_cast<size_t>(best[pos].starts_at))
        ids.push_back(best[pos].id);
    bool previous_unknown = false;
    for (auto it = ids.rbegin(); it != ids.rend(); ++it) {
        const bool unknown = *it == unk_id_;
        if (!(unknown && previous_unknown))
            out.push_back(*it);
        previous_unknown = unknown;
    }
}

}  // namespace rgpb
