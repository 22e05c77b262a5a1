// Pair tokenization and batching against hand-written ids and tensors. A toy tokenizer maps
// 'a'..'z' to ids 10..35 so the expected values can be read off by eye.
#include <torch/torch.h>

#include <QtTest>

#include "tests/support/TestMain.h"

#include "core/data/PairBatch.h"
#include "core/tokenizer/TokenizerFactory.h"
#include "core/util/Error.h"

// This file's code has its own namespace: the group's tests build as one unity batch.
namespace rgpb_test_pair_batch {

using namespace rgpb;

namespace {

class LetterTokenizer : public Tokenizer {
public:
    std::string kind() const override { return "letters"; }
    int32_t vocabSize() const override { return 36; }
    SpecialTokens specials() const override { return SpecialTokens{}; }
    std::vector<int32_t> encode(const std::string& text) const override {
        std::vector<int32_t> ids;
        for (char c : text)
            ids.push_back(10 + (c - 'a'));
        return ids;
    }
    std::string decode(const std::vector<int32_t>& ids) const override {
        std::string text;
        for (int32_t id : ids)
            if (id >= 10)
                text.push_back(static_cast<char>('a' + id - 10));
        return text;
    }
    void save(const std::string&) const override {}
};

using Ids = std::vector<int32_t>;

PairText pairOf(const std::string& prompt_pos, const std::string& response_pos,
                const std::string& prompt_neg, const std::string& response_neg) {
    PairText p;
    p.prompt_pos = prompt_pos;
    p.response_pos = response_pos;
    p.prompt_neg = prompt_neg;
    p.response_neg = response_neg;
    return p;
}

torch::Tensor longs(std::vector<int64_t> values, int64_t rows) {
    return torch::tensor(values, torch::kInt64).reshape({rows, -1});
}

torch::Tensor bools(std::vector<int64_t> values, int64_t rows) {
    return torch::tensor(values, torch::kInt64).reshape({rows, -1}).to(torch::kBool);
}

bool same(const torch::Tensor& a, const torch::Tensor& b) {
    return a.dtype() == b.dtype() && a.sizes() == b.sizes() && a.equal(b);
}

template <typename Fn>
QString argumentErrorOf(Fn&& fn) {
    try {
        fn();
    } catch (const ArgumentError& e) {
        return QString::fromStdString(e.what());
    }
    return QStringLiteral("<no ArgumentError>");
}

}  // namespace

class TestPairBatch : public QObject {
    Q_OBJECT

    LetterTokenizer tok_;

private Q_SLOTS:
    void layout() {
        TokenizedPair tp = tokenizePair(tok_, pairOf("ab", "cde", "ab", "f"), LengthLimits{});
        // [BOS] a b [SEP] c d e [EOS]
        QCOMPARE(tp.pos.ids, Ids({1, 10, 11, 3, 12, 13, 14, 2}));
        QCOMPARE(tp.pos.response_start, 4);
        QCOMPARE(tp.neg.ids, Ids({1, 10, 11, 3, 15, 2}));
        QCOMPARE(tp.neg.response_start, 4);
        // Empty prompt and empty response: the EOS alone carries the loss.
        tp = tokenizePair(tok_, pairOf("", "a", "b", ""), LengthLimits{});
        QCOMPARE(tp.pos.ids, Ids({1, 3, 10, 2}));
        QCOMPARE(tp.pos.response_start, 2);
        QCOMPARE(tp.neg.ids, Ids({1, 11, 3, 2}));
        QCOMPARE(tp.neg.response_start, 3);
    }

    void longPromptKeepsItsEnd() {
        LengthLimits limits{20, 3};
        TokenizedPair tp = tokenizePair(tok_, pairOf("abcdefgh", "x", "abc", "y"), limits);
        QCOMPARE(tp.pos.ids, Ids({1, 15, 16, 17, 3, 33, 2}));  // "fgh"
        QCOMPARE(tp.pos.response_start, 5);
        QCOMPARE(tp.neg.ids, Ids({1, 10, 11, 12, 3, 34, 2}));  // exactly 3: untouched
    }

    void responseCutToMaxLength() {
        LengthLimits limits{8, 4};  // after "ab": 8 - 4 = 4 ids for response + EOS
        TokenizedPair tp = tokenizePair(tok_, pairOf("ab", "cde", "ab", "cdef"), limits);
        QCOMPARE(tp.pos.ids, Ids({1, 10, 11, 3, 12, 13, 14, 2}));   // EOS just fits
        QCOMPARE(tp.neg.ids, Ids({1, 10, 11, 3, 12, 13, 14, 15}));  // cut: no EOS
        tp = tokenizePair(tok_, pairOf("ab", "cdefghij", "abcdefg", "cd"), limits);
        QCOMPARE(tp.pos.ids, Ids({1, 10, 11, 3, 12, 13, 14, 15}));
        // Prompt cut to "defg" first, then one response token and no EOS.
        QCOMPARE(tp.neg.ids, Ids({1, 13, 14, 15, 16, 3, 12, 13}));
        QCOMPARE(tp.neg.ids.size(), std::size_t(8));
        QCOMPARE(tp.neg.response_start, 6);
        // The tightest legal limits: one response token after the longest prompt.
        tp = tokenizePair(tok_, pairOf("abcd", "xyz", "a", "xyz"), LengthLimits{5, 2});
        QCOMPARE(tp.pos.ids, Ids({1, 12, 13, 3, 33}));
        QCOMPARE(tp.neg.ids, Ids({1, 10, 3, 33, 34}));
    }

    void impossibleLimitsAreRejected() {
        PairText p = pairOf("ab", "c", "ab", "c");
        QString msg = argumentErrorOf([&] { tokenizePair(tok_, p, LengthLimits{4, 2}); });
        QVERIFY2(msg.contains("max_length") && msg.contains("max_prompt_length") &&
                     msg.contains("got 4") && msg.contains("5"),
                 qPrintable(msg));
        msg = argumentErrorOf([&] { tokenizePair(tok_, p, LengthLimits{10, -1}); });
        QVERIFY2(msg.contains("max_prompt_length"), qPrintable(msg));
    }

    void realTokenizerSplitsBackToText() {
        auto byte = makeByteTokenizer();
        PairText p = pairOf("\n\nHuman: Hi, caf\xC3\xA9?\n\nAssistant:", " Bonjour!",
                            "\n\nHuman: Hi, caf\xC3\xA9?\n\nAssistant:", " Go away.");
        TokenizedPair tp = tokenizePair(*byte, p, LengthLimits{});
        const auto& ids = tp.pos.ids;
        int32_t rs = tp.pos.response_start;
        QCOMPARE(ids.front(), 1);
        QCOMPARE(ids[static_cast<std::size_t>(rs - 1)], 3);
        QCOMPARE(ids.back(), 2);
        QCOMPARE(byte->decode(Ids(ids.begin() + 1, ids.begin() + rs - 1)), p.prompt_pos);
        QCOMPARE(byte->decode(Ids(ids.begin() + rs, ids.end() - 1)), p.response_pos);
        QCOMPARE(byte->decode(tp.neg.ids), p.prompt_neg + p.response_neg);
    }

    void collateByHand() {
        TokenizedSequence a{{1, 10, 3, 11, 12, 2}, 3};
        TokenizedSequence b{{1, 3, 14, 2}, 2};
        SequenceBatch batch = collate({&a, &b}, 0);
        QVERIFY(same(batch.input_ids, longs({1, 10, 3, 11, 12, 2,  //
                                             1, 3, 14, 2, 0, 0},
                                            2)));
        QVERIFY(same(batch.attention_mask, bools({1, 1, 1, 1, 1, 1,  //
                                                  1, 1, 1, 1, 0, 0},
                                                 2)));
        QVERIFY(same(batch.labels, longs({10, 3, 11, 12, 2,  //
                                          3, 14, 2, 0, 0},
                                         2)));
        // a: labels 11, 12, 2 (t = 2..4); b: labels 14, 2 (t = 1..2), never the padding.
        QVERIFY(same(batch.loss_mask, bools({0, 0, 1, 1, 1,  //
                                             0, 1, 1, 0, 0},
                                            2)));
    }

    void collatePadsWithPadIdAndShiftsLabels() {
        TokenizedSequence a{{1, 10, 3, 11}, 3};
        TokenizedSequence b{{1, 3, 12, 13, 14, 2}, 2};
        SequenceBatch batch = collate({&a, &b}, 99);
        QCOMPARE(batch.input_ids.sizes(), (torch::IntArrayRef{2, 6}));
        QCOMPARE(batch.labels.sizes(), (torch::IntArrayRef{2, 5}));
        QVERIFY(same(batch.input_ids[0], longs({1, 10, 3, 11, 99, 99}, 1)[0]));
        QVERIFY(batch.labels.equal(batch.input_ids.slice(1, 1)));
        QVERIFY(batch.labels.is_contiguous());
        QVERIFY(same(batch.loss_mask, bools({0, 0, 1, 0, 0,  //
                                             0, 1, 1, 1, 1},
                                            2)));
        // A single sequence with no padding at all.
        SequenceBatch one = collate({&b}, 0);
        QCOMPARE(one.attention_mask.all().item<bool>(), true);
        QCOMPARE(one.loss_mask.sum().item<int64_t>(), int64_t(4));
    }

    void collateRejectsBadSequences() {
        TokenizedSequence ok{{1, 3, 10, 2}, 2};
        TokenizedSequence start0{{1, 3, 10, 2}, 0};
        TokenizedSequence start_end{{1, 3, 10, 2}, 4};
        TokenizedSequence tiny{{1}, 1};
        QVERIFY(argumentErrorOf([&] { collate({}, 0); }).contains("seqs"));
        QVERIFY(argumentErrorOf([&] { collate({&ok, nullptr}, 0); }).contains("null at 1"));
        QVERIFY(argumentErrorOf([&] { collate({&start0}, 0); }).contains("response_start"));
        QVERIFY(argumentErrorOf([&] { collate({&start_end}, 0); }).contains("response_start"));
        QVERIFY(argumentErrorOf([&] { collate({&tiny}, 0); }).contains("at least 2"));
    }

    void collatePairsRowOrder() {
        LengthLimits limits;
        std::vector<TokenizedPair> pairs = {
            tokenizePair(tok_, pairOf("a", "b", "a", "c"), limits),
            tokenizePair(tok_, pairOf("d", "ee", "d", "f"), limits),
            tokenizePair(tok_, pairOf("g", "hhh", "g", "i"), limits),
        };
        SequenceBatch batch = collatePairs(pairs, {2, 0}, 0);
        // rows: pos of pair 2, pos of pair 0, neg of pair 2, neg of pair 0; common length 7
        QVERIFY(same(batch.input_ids, longs({1, 16, 3, 17, 17, 17, 2,  //
                                             1, 10, 3, 11, 2,  0,  0,  //
                                             1, 16, 3, 18, 2,  0,  0,  //
                                             1, 10, 3, 12, 2,  0,  0},
                                            4)));
        QVERIFY(same(batch.loss_mask, bools({0, 0, 1, 1, 1, 1,  //
                                             0, 0, 1, 1, 0, 0,  //
                                             0, 0, 1, 1, 0, 0,  //
                                             0, 0, 1, 1, 0, 0},
                                            4)));
        QVERIFY(argumentErrorOf([&] { collatePairs(pairs, {0, 3}, 0); }).contains("indices"));
        QVERIFY(argumentErrorOf([&] { collatePairs(pairs, {}, 0); }).contains("indices"));
    }

    // Documents (negative = positive) batch as their positive rows alone when asked; a batch
    // with one true pair among them keeps both sides.
    void documentsShareTheirNegativeRows() {
        LengthLimits limits;
        std::vector<TokenizedPair> pairs = {
            tokenizePair(tok_, documentPair("abc", "d:1"), limits),
            tokenizePair(tok_, documentPair("de", "d:2"), limits),
            tokenizePair(tok_, pairOf("g", "hhh", "g", "i"), limits),
        };
        QCOMPARE(pairs[0].neg.ids, (Ids{1, 3, 10, 11, 12, 2}));  // [BOS] [SEP] abc [EOS]
        SequenceBatch shared = collatePairs(pairs, {1, 0}, 0, true);
        QVERIFY(shared.negatives_shared);
        QVERIFY(same(shared.input_ids, longs({1, 3, 13, 14, 2, 0,  //
                                              1, 3, 10, 11, 12, 2},
                                             2)));
        SequenceBatch both = collatePairs(pairs, {1, 0}, 0);  // not asked: both sides
        QVERIFY(!both.negatives_shared && both.input_ids.size(0) == 4);
        QVERIFY(same(both.input_ids.slice(0, 0, 2), shared.input_ids));
        SequenceBatch mixed = collatePairs(pairs, {0, 2}, 0, true);
        QVERIFY(!mixed.negatives_shared && mixed.input_ids.size(0) == 4);
    }
};

RGPB_TEST_MAIN(TestPairBatch)
}  // namespace rgpb_test_pair_batch
#include "test_pair_batch.moc"
