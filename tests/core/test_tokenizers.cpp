#include <torch/torch.h>

#include <QtTest>

#include <fstream>

#include "core/tokenizer/SpmShim.h"

class TestTokenizers : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void smoke() {
        torch::Tensor t = torch::ones({2, 2});
        QCOMPARE(t.sum().item<float>(), 4.0f);
        const auto& api = rgpb::spm::shim();
        qInfo() << api.path.c_str();
        std::ofstream f("/tmp/smoke/in.txt");
        for (int i = 0; i < 200; ++i)
            f << "hello world number " << i << " the quick brown fox\n";
        f.close();
        const char* k[] = {"input",  "model_prefix", "vocab_size",      "pad_id",       "bos_id",
                           "eos_id", "unk_id",       "control_symbols", "byte_fallback"};
        const char* v[] = {
            "/tmp/smoke/in.txt", "/tmp/smoke/m", "300", "0", "1", "2", "4", "<sep>", "true"};
        int rc = api.train(k, v, 9, 1);
        QVERIFY2(rc == 0, api.last_error());
        rgpb_spm_model* m = api.load("/tmp/smoke/m.model");
        QVERIFY2(m, api.last_error());
        for (int i = 0; i < 6; ++i)
            qInfo() << i << api.id_to_piece(m, i) << api.is_control(m, i);
        int32_t* ids;
        size_t n;
        QCOMPARE(api.encode(m, "hello <sep> world", 17, &ids, &n), 0);
        for (size_t i = 0; i < n; ++i)
            qInfo() << ids[i] << api.id_to_piece(m, ids[i]);
        api.free_buffer(ids);
        api.free(m);
    }
};
QTEST_GUILESS_MAIN(TestTokenizers)
#include "test_tokenizers.moc"
