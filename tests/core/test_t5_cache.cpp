// T5's incremental decoding (T5Cache, startDecoding, decodeStep) against the full decode():
// step-by-step logits equal decode() of the whole decoder sequence for v1.0 and v1.1 shapes
// with padded encoder rows (left and right) and sequences past the cache's first capacity and
// the relative-position buckets' max_distance; several tokens per step equal one per step; the
// grad-mode path (concatenation) gives the same logits and gradients; the cross-attention keys
// and values are computed once, in startDecoding(); bad calls are named.
#include <torch/torch.h>

#include <QtTest>

#include "tests/support/TestMain.h"

#include <algorithm>
#include <string>
#include <vector>

#include "core/model/T5.h"
#include "core/model/T5Config.h"
#include "core/util/Error.h"
#include "tests/support/ErrorText.h"

// This file's code has its own namespace: the group's tests build as one unity batch.
namespace rgpb_test_t5_cache {

using namespace rgpb;
using rgpb::test::contains;
using rgpb::test::messageOf;
using torch::Tensor;

namespace {

// Small and off the presets: heads * d_kv != d_model, more decoder than encoder blocks, 8
// buckets with max_distance 12, so a 70-token decode reaches the log-spaced and the capped
// buckets (and the cache storage grows past its first 64 slots).
T5Config cacheTestConfig(bool v11) {
    T5Config c = T5Config::named("t5-micro", 48);
    c.name = v11 ? "cache-v1.1" : "cache-v1.0";
    c.d_model = 24;
    c.d_kv = 6;
    c.d_ff = 40;
    c.num_heads = 2;
    c.num_layers = 1;
    c.num_decoder_layers = 3;
    c.relative_attention_num_buckets = 8;
    c.relative_attention_max_distance = 12;
    c.feed_forward_proj = v11 ? "gated-gelu" : "relu";
    c.tie_word_embeddings = !v11;
    return c;
}

double maxDiff(const Tensor& a, const Tensor& b) {
    return (a.to(torch::kFloat64) - b.to(torch::kFloat64)).abs().max().item<double>();
}

// Three encoder rows: full, right-padded, left-padded (pad ids arbitrary; the mask hides them).
struct EncoderBatch {
    Tensor ids = torch::tensor({{5, 9, 2, 33, 7, 1}, {8, 3, 12, 1, 44, 44}, {0, 0, 20, 6, 17, 1}},
                               torch::kInt64);
    Tensor mask =
        torch::tensor({{1, 1, 1, 1, 1, 1}, {1, 1, 1, 1, 0, 0}, {0, 0, 1, 1, 1, 1}}, torch::kInt64);
};

// [3, length] decoder ids starting with the decoder start token 0, reproducible.
Tensor decoderIds(int64_t length, uint64_t seed) {
    torch::manual_seed(seed);
    auto ids = torch::randint(2, 48, {3, length}, torch::kInt64);
    ids.select(1, 0).fill_(0);
    return ids;
}

// Feeds `ids` [B, T] to decodeStep in pieces of the given sizes (cycled) and concatenates the
// logits.
Tensor stepwise(T5& model, T5Cache& cache, const Tensor& ids, const std::vector<int64_t>& sizes) {
    std::vector<Tensor> parts;
    int64_t at = 0;
    for (size_t i = 0; at < ids.size(1); ++i) {
        const int64_t n = std::min(sizes[i % sizes.size()], ids.size(1) - at);
        parts.push_back(model->decodeStep(ids.narrow(1, at, n), cache));
        at += n;
    }
    return torch::cat(parts, 1);
}

}  // namespace

class TestT5Cache : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void stepsEqualFullDecode() {
        const int64_t length = 70;
        for (bool v11 : {false, true}) {
            const T5Config c = cacheTestConfig(v11);
            torch::manual_seed(v11 ? 31 : 30);
            T5 model(c);
            model->eval();
            torch::NoGradGuard no_grad;
            const EncoderBatch enc;
            const auto dec = decoderIds(length, 7);
            const auto full = model->decode(dec, {}, model->encode(enc.ids, enc.mask), enc.mask);
            T5Cache cache = model->startDecoding(enc.ids, enc.mask);
            QCOMPARE(cache.length(), int64_t(0));
            const auto steps = stepwise(model, cache, dec, {1});
            QCOMPARE(steps.sizes().vec(), (std::vector<int64_t>{3, length, 48}));
            QCOMPARE(cache.length(), length);
            QCOMPARE(cache.selfKey(2).sizes().vec(),
                     (std::vector<int64_t>{3, c.num_heads, length, c.d_kv}));
            const double scale = std::max(1.0, full.abs().max().item<double>());
            const double diff = maxDiff(steps, full);
            qInfo("%s: max |logit| %.3f, cached vs full max difference %.3g", c.name.c_str(), scale,
                  diff);
            QVERIFY2(diff < 1e-5 * scale, QByteArray::number(diff));
            // The cache holds the keys the full decode computes: block 1's self-attention keys
            // of its input are not observable from outside, but block 0's are (its input is
            // the embedding): k(layer_norm(shared(dec))).
            auto& block0 = model->decoder->block->ptr<T5BlockImpl>(0)->layer;
            auto self0 = block0->ptr<T5LayerSelfAttentionImpl>(0);
            auto normed = self0->layer_norm->forward(model->shared->forward(dec));
            auto keys = normed.matmul(self0->SelfAttention->k->weight.t())
                            .view({3, length, c.num_heads, c.d_kv})
                            .transpose(1, 2);
            QVERIFY(maxDiff(cache.selfKey(0), keys) < 1e-5);
        }
    }

    void severalTokensPerStepEqualOnePerStep() {
        for (bool v11 : {false, true}) {
            torch::manual_seed(40);
            T5 model(cacheTestConfig(v11));
            torch::NoGradGuard no_grad;
            const EncoderBatch enc;
            const auto dec = decoderIds(23, 8);
            T5Cache one = model->startDecoding(enc.ids, enc.mask);
            const auto single = stepwise(model, one, dec, {1});
            T5Cache many = model->startDecoding(enc.ids, enc.mask);
            const auto chunks = stepwise(model, many, dec, {3, 1, 5, 2});
            QCOMPARE(many.length(), int64_t(23));
            QVERIFY2(maxDiff(chunks, single) < 1e-5, QByteArray::number(maxDiff(chunks, single)));
            // The whole sequence in one step is decode() itself.
            T5Cache all = model->startDecoding(enc.ids, enc.mask);
            const auto whole = model->decodeStep(dec, all);
            QVERIFY(maxDiff(whole, single) < 1e-5);
            // A later chunk's logits depend on the earlier tokens (the cache is read): the same
            // last chunk after a different history differs.
            auto other = dec.clone();
            other.narrow(1, 1, 3).fill_(47);
            T5Cache changed = model->startDecoding(enc.ids, enc.mask);
            const auto moved = stepwise(model, changed, other, {3, 1, 5, 2});
            QVERIFY(maxDiff(moved.narrow(1, 20, 3), single.narrow(1, 20, 3)) > 1e-4);
        }
    }

    void gradModeConcatenatesAndBackpropagates() {
        torch::manual_seed(50);
        T5 model(cacheTestConfig(true));
        const EncoderBatch enc;
        const auto dec = decoderIds(9, 9);
        // Reference: the full forward's gradient of a loss on all positions.
        auto full = model->forward(enc.ids, enc.mask, dec);
        model->zero_grad();
        full.pow(2).mean().backward();
        const auto expected = model->decoder->block->ptr<T5BlockImpl>(0)
                                  ->selfAttention()
                                  ->relative_attention_bias->weight.grad()
                                  .clone();
        QVERIFY(expected.abs().max().item<double>() > 0);
        model->zero_grad();
        T5Cache cache = model->startDecoding(enc.ids, enc.mask);
        const auto steps = stepwise(model, cache, dec, {2, 1, 4});
        QVERIFY2(maxDiff(steps, full) < 1e-5, QByteArray::number(maxDiff(steps, full)));
        steps.pow(2).mean().backward();
        const auto got = model->decoder->block->ptr<T5BlockImpl>(0)
                             ->selfAttention()
                             ->relative_attention_bias->weight.grad();
        QVERIFY2(maxDiff(got, expected) < 1e-6, QByteArray::number(maxDiff(got, expected)));
    }

    void crossKeysValuesAreComputedOnce() {
        torch::manual_seed(60);
        const T5Config c = cacheTestConfig(false);
        T5 model(c);
        torch::NoGradGuard no_grad;
        const EncoderBatch enc;
        const auto dec = decoderIds(12, 10);
        const auto before = model->decode(dec, {}, model->encode(enc.ids, enc.mask), enc.mask);
        T5Cache cache = model->startDecoding(enc.ids, enc.mask);
        QCOMPARE(cache.blocks(), c.num_decoder_layers);
        QVERIFY(torch::equal(cache.encoder_mask, enc.mask));
        std::vector<const void*> storage;
        for (size_t b = 0; b < model->decoder->block->size(); ++b) {
            auto& attention = model->decoder->block->ptr<T5BlockImpl>(b)->crossAttention();
            // v(encoder output), split by head, by hand.
            auto values = cache.encoder_hidden.matmul(attention->v->weight.t())
                              .view({3, 6, c.num_heads, c.d_kv})
                              .transpose(1, 2);
            QVERIFY(maxDiff(cache.crossValue(b), values) < 1e-6);
            QCOMPARE(cache.crossKey(b).sizes().vec(),
                     (std::vector<int64_t>{3, c.num_heads, 6, c.d_kv}));
            storage.push_back(cache.crossKey(b).data_ptr());
            // From here on the cross-attention k and v weights are zero: a decode step that
            // recomputed the encoder's keys/values would see only zeros.
            attention->k->weight.zero_();
            attention->v->weight.zero_();
        }
        const auto steps = stepwise(model, cache, dec, {1, 2});
        QVERIFY2(maxDiff(steps, before) < 1e-5, QByteArray::number(maxDiff(steps, before)));
        for (size_t b = 0; b < storage.size(); ++b)
            QCOMPARE(cache.crossKey(b).data_ptr(), storage[b]);
        // The zeroed weights do change a full decode (so the comparison above can fail).
        const auto after = model->decode(dec, {}, model->encode(enc.ids, enc.mask), enc.mask);
        QVERIFY(maxDiff(after, before) > 1e-3);
    }

    void badCallsAreNamed() {
        torch::manual_seed(70);
        T5 model(cacheTestConfig(false));
        torch::NoGradGuard no_grad;
        const EncoderBatch enc;
        T5Cache empty;
        auto m = messageOf<ArgumentError>([&] {
            model->decodeStep(torch::zeros({3, 1}, torch::kInt64), empty);
        });
        QVERIFY2(contains(m, "T5::decodeStep") && contains(m, "startDecoding"), m.c_str());
        T5Cache cache = model->startDecoding(enc.ids, enc.mask);
        m = messageOf<ArgumentError>([&] {
            model->decodeStep(torch::zeros({2, 1}, torch::kInt64), cache);
        });
        QVERIFY2(contains(m, "decoder_input_ids") && contains(m, "batch of 3 rows") &&
                     contains(m, "[2, 1]"),
                 m.c_str());
        m = messageOf<ArgumentError>([&] {
            model->decodeStep(torch::zeros({3, 0}, torch::kInt64), cache);
        });
        QVERIFY2(contains(m, "decoder_input_ids"), m.c_str());
        QCOMPARE(cache.length(), int64_t(0));
    }
};

RGPB_TEST_MAIN(TestT5Cache)
}  // namespace rgpb_test_t5_cache
#include "test_t5_cache.moc"
