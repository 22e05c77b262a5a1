// The safetensors reader and writer: bit-exact round trips, the byte layout written (parsed back
// by hand here, not with our reader), every malformed-file message, atomic writes, and loading
// GptNeoX weights with shape and name checks.
#include <torch/torch.h>

#include <QtTest>

#include "tests/support/TestMain.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "core/model/GptNeoX.h"
#include "core/model/Safetensors.h"
#include "core/util/Error.h"
#include "tests/support/ErrorText.h"

// This file's code has its own namespace: the group's tests build as one unity batch.
namespace rgpb_test_safetensors {

using namespace rgpb;

namespace {

using rgpb::test::messageOf;

QByteArray readAll(const std::string& path) {
    QFile f(QString::fromStdString(path));
    if (!f.open(QIODevice::ReadOnly))
        return {};
    return f.readAll();
}

void writeAll(const std::string& path, const QByteArray& bytes) {
    QFile f(QString::fromStdString(path));
    QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
    QCOMPARE(f.write(bytes), bytes.size());
}

// A file with the given header text (length prefix computed) followed by `data_bytes` zeros.
void writeSafetensors(const std::string& path, const std::string& header, int data_bytes) {
    QByteArray bytes;
    uint64_t n = header.size();
    for (int i = 0; i < 8; ++i)
        bytes.append(static_cast<char>((n >> (8 * i)) & 0xff));
    bytes.append(header.data(), static_cast<int>(header.size()));
    bytes.append(QByteArray(data_bytes, '\0'));
    writeAll(path, bytes);
}

ModelConfig smallConfig(int64_t vocab) {
    ModelConfig c = ModelConfig::named("micro", vocab);
    c.num_layers = 2;
    c.max_positions = 32;
    return c;
}

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

}  // namespace

class TestSafetensors : public QObject {
    Q_OBJECT

private:
    QTemporaryDir dir_;
    std::string path(const char* name) const { return dir_.filePath(name).toStdString(); }

private Q_SLOTS:
    void roundTripIsBitExact() {
        torch::manual_seed(0);
        std::vector<std::pair<std::string, torch::Tensor>> tensors{
            {"f32", torch::randn({3, 5})},
            {"f16", torch::randn({4, 2}).to(torch::kFloat16)},
            {"bf16", torch::randn({7}).to(torch::kBFloat16)},
            {"i64", torch::arange(-3, 3, torch::kInt64)},
            {"i32", torch::tensor({1, -2, 3}, torch::kInt32)},
            {"scalar", torch::tensor(2.5)},
            {"empty", torch::zeros({0, 3})},
            {"transposed", torch::randn({3, 4}).t()},  // not contiguous
        };
        const std::string p = path("round.safetensors");
        saveSafetensors(p, tensors, {{"step", "12"}, {"note", "a \"quoted\" value"}});
        SafetensorsFile file = loadSafetensors(p);
        QCOMPARE(file.metadata.size(), size_t(2));
        QCOMPARE(file.metadata["note"], std::string("a \"quoted\" value"));
        QCOMPARE(file.tensors.size(), tensors.size());
        for (size_t i = 1; i < file.tensors.size(); ++i) {
            QVERIFY(file.tensors[i - 1].first < file.tensors[i].first);
        }
        for (const auto& [name, original] : tensors) {
            auto it = std::find_if(file.tensors.begin(), file.tensors.end(),
                                   [&](const auto& t) { return t.first == name; });
            QVERIFY2(it != file.tensors.end(), name.c_str());
            QCOMPARE(it->second.scalar_type(), original.scalar_type());
            QCOMPARE(it->second.sizes().vec(), original.sizes().vec());
            // Bit-exact: compare the raw bytes, not values (NaN-safe, -0 distinct).
            // An empty tensor has no storage (a null data pointer, which memcmp may not take).
            auto a = original.contiguous(), b = it->second.contiguous();
            if (a.numel() > 0)
                QCOMPARE(std::memcmp(a.data_ptr(), b.data_ptr(), a.numel() * a.element_size()), 0);
        }
    }

    void headerLayoutIsByteExact() {
        const std::string p = path("layout.safetensors");
        saveSafetensors(
            p, {{"b", torch::tensor({1.5f, -2.0f})}, {"a", torch::tensor({{7, 8}}, torch::kInt32)}},
            {{"k", "v"}});
        const QByteArray bytes = readAll(p);
        uint64_t n = 0;
        for (int i = 0; i < 8; ++i)
            n |= uint64_t(static_cast<unsigned char>(bytes[i])) << (8 * i);
        std::string expected =
            "{\"__metadata__\":{\"k\":\"v\"},"
            "\"a\":{\"dtype\":\"I32\",\"shape\":[1,2],\"data_offsets\":[0,8]},"
            "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,16]}}";
        expected.append((8 - expected.size() % 8) % 8, ' ');  // data starts 8-byte aligned
        QCOMPARE(n, uint64_t(expected.size()));
        QCOMPARE(bytes.mid(8, static_cast<int>(n)).toStdString(), expected);
        // a = int32 7, 8; b = float 1.5 (0x3FC00000), -2 (0xC0000000); all little-endian.
        const unsigned char data[] = {7, 0, 0, 0, 8, 0, 0, 0, 0, 0, 0xC0, 0x3F, 0, 0, 0, 0xC0};
        QCOMPARE(bytes.size(), static_cast<int>(8 + n + sizeof(data)));
        QCOMPARE(bytes.mid(static_cast<int>(8 + n)),
                 QByteArray(reinterpret_cast<const char*>(data), sizeof(data)));
    }

    void malformedFilesNameTheProblem() {
        struct Case {
            const char* file;
            std::string header;
            int data;
            std::vector<std::string> expect;
        };
        const std::string ok =
            "{\"x\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,24]}}";
        const std::vector<Case> cases{
            {"json.safetensors", "{\"x\": [1, 2", 0, {"not valid JSON"}},
            {"dtype.safetensors",
             "{\"x\":{\"dtype\":\"F8_E4M3\",\"shape\":[2],\"data_offsets\":[0,2]}}",
             2,
             {"tensor 'x'", "F8_E4M3", "supported: F64, F32, F16, BF16"}},
            {"size.safetensors",
             "{\"x\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,20]}}",
             20,
             {"tensor 'x'", "[2, 3]", "24 bytes", "span 20 bytes"}},
            {"data.safetensors", ok, 10, {"tensor 'x'", "past the end", "truncated"}},
            {"overlap.safetensors",
             "{\"x\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
             "\"y\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}",
             12,
             {"'x' and 'y' overlap"}},
            {"fields.safetensors",
             "{\"x\":{\"dtype\":\"F32\",\"shape\":[2]}}",
             8,
             {"tensor 'x'", "data_offsets"}},
            {"shape.safetensors",
             "{\"x\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}",
             8,
             {"tensor 'x'", "shape [-2]"}},
            // 2^32 x 2^32 x 4 bytes wraps to 0 in 64 bits: refused, never allocated.
            {"overflow.safetensors",
             "{\"x\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296],"
             "\"data_offsets\":[0,0]}}",
             0,
             {"tensor 'x'", "[4294967296, 4294967296]", "2^64 or more", "span 0 bytes"}},
        };
        for (const auto& c : cases) {
            const std::string p = path(c.file);
            writeSafetensors(p, c.header, c.data);
            const auto m = messageOf<InputError>([&] { loadSafetensors(p); });
            QVERIFY2(contains(m, p + ": "), m.c_str());
            for (const auto& part : c.expect)
                QVERIFY2(contains(m, part), (c.file + (": " + m)).c_str());
        }
        // Truncated inside the length prefix, and inside the header.
        const std::string shortfile = path("short.safetensors");
        writeAll(shortfile, QByteArray("\x10\x00\x00", 3));
        QVERIFY(contains(messageOf<InputError>([&] { loadSafetensors(shortfile); }), "truncated"));
        const std::string cut = path("cut.safetensors");
        writeSafetensors(cut, ok, 24);
        writeAll(cut, readAll(cut).left(20));
        const auto m = messageOf<InputError>([&] { loadSafetensors(cut); });
        QVERIFY2(contains(m, "truncated header"), m.c_str());
        // Missing file.
        const std::string missing = path("absent.safetensors");
        const auto m2 = messageOf<InputError>([&] { loadSafetensors(missing); });
        QVERIFY2(contains(m2, missing) && contains(m2, "cannot open"), m2.c_str());
    }

    // Temporary files (NAME.tmp-*) left beside `file`.
    static QStringList tempFilesBeside(const std::string& file) {
        const QFileInfo info(QString::fromStdString(file));
        return info.dir().entryList({info.fileName() + ".tmp*"}, QDir::AllEntries | QDir::System);
    }

    // The header alone (no data read): element counts without overflow, a zero dimension
    // making the rest irrelevant.
    void headerAloneGivesShapesAndCounts() {
        QTemporaryDir tmp;
        const std::string p = tmp.filePath("h.safetensors").toStdString();
        writeSafetensors(p,
                         "{\"a\":{\"dtype\":\"F32\",\"shape\":[4611686018427387904,4,0],"
                         "\"data_offsets\":[0,0]},\"b\":{\"dtype\":\"BF16\",\"shape\":[2,3],"
                         "\"data_offsets\":[0,12]}}",
                         12);
        const SafetensorsHeader h = readSafetensorsHeader(p);
        QCOMPARE(h.tensors.size(), std::size_t(2));
        QCOMPARE(h.tensors[0].name, std::string("a"));
        QCOMPARE(h.tensors[0].numel(), int64_t(0));
        QCOMPARE(h.tensors[1].numel(), int64_t(6));
        QCOMPARE(h.tensors[1].end - h.tensors[1].begin, uint64_t(12));
        QVERIFY(h.tensors[1].dtype == SafetensorsDtype::BF16);
    }

    void writesAreAtomic() {
        const std::string p = path("atomic.safetensors");
        saveSafetensors(p, {{"w", torch::ones({4})}});
        QVERIFY(QFile::exists(QString::fromStdString(p)));
        QVERIFY(tempFilesBeside(p).isEmpty());
        const QByteArray before = readAll(p);

        // Unsupported dtype: refused before anything is written.
        auto m = messageOf<ArgumentError>([&] {
            saveSafetensors(
                p, {{"w", torch::ones({4})}, {"c", torch::ones({2}, torch::kComplexFloat)}});
        });
        QVERIFY2(contains(m, "'c'"), m.c_str());
        QCOMPARE(readAll(p), before);
        QVERIFY(tempFilesBeside(p).isEmpty());

        // The target cannot be replaced (a folder is in the way): the error names it, and no
        // temporary file is left behind.
        const std::string blocked = path("blocked.safetensors");
        QVERIFY(QDir().mkdir(QString::fromStdString(blocked)));
        m = messageOf<Error>([&] { saveSafetensors(blocked, {{"w", torch::zeros({9})}}); });
        QVERIFY2(contains(m, blocked), m.c_str());
        QVERIFY(tempFilesBeside(blocked).isEmpty());

        // A folder that does not exist.
        const std::string nowhere = path("no/such/dir/w.safetensors");
        m = messageOf<Error>([&] { saveSafetensors(nowhere, {{"w", torch::zeros({1})}}); });
        QVERIFY2(contains(m, "cannot create"), m.c_str());
    }

    void modelWeightsRoundTrip() {
        torch::manual_seed(1);
        GptNeoX a(smallConfig(40));
        torch::manual_seed(2);
        GptNeoX b(smallConfig(40));
        const std::string p = path("model.safetensors");
        saveModelWeights(a, p, {{"step", "3"}});
        QCOMPARE(loadSafetensors(p).metadata["format"], std::string("pt"));
        loadModelWeights(b, p);
        auto wa = namedWeights(a), wb = namedWeights(b);
        for (size_t i = 0; i < wa.size(); ++i)
            QVERIFY(torch::equal(wa[i].second, wb[i].second));
        torch::NoGradGuard no_grad;
        auto ids = torch::randint(0, 40, {2, 9}, torch::kInt64);
        QVERIFY(torch::equal(a->forward(ids), b->forward(ids)));

        // bf16 checkpoint into a float32 model: values are the bf16-rounded weights.
        std::vector<std::pair<std::string, torch::Tensor>> half;
        for (const auto& [name, t] : wa)
            half.emplace_back(name, t.to(torch::kBFloat16));
        const std::string hp = path("model_bf16.safetensors");
        saveSafetensors(hp, half);
        loadModelWeights(b, hp);
        for (size_t i = 0; i < wa.size(); ++i) {
            QCOMPARE(wb[i].second.scalar_type(), torch::kFloat32);
            QVERIFY(torch::equal(wb[i].second, half[i].second.to(torch::kFloat32)));
        }
    }

    void modelWeightErrorsNameTheTensor() {
        torch::manual_seed(1);
        GptNeoX small(smallConfig(40));
        GptNeoX large(smallConfig(60));
        const std::string p = path("vocab40.safetensors");
        saveModelWeights(small, p);
        const auto before =
            large->named_parameters()["gpt_neox.layers.0.attention.dense.weight"].clone();
        auto m = messageOf<InputError>([&] { loadModelWeights(large, p); });
        QVERIFY2(contains(m, p + ": tensor 'gpt_neox.embed_in.weight' has shape [40, 128], the "
                                 "model expects [60, 128]"),
                 m.c_str());
        // Nothing was copied: the check runs before any weight changes.
        QVERIFY(torch::equal(
            before, large->named_parameters()["gpt_neox.layers.0.attention.dense.weight"]));

        auto weights = namedWeights(small);
        auto without = weights;
        without.pop_back();  // embed_out.weight
        const std::string pm = path("missing.safetensors");
        saveSafetensors(pm, without);
        m = messageOf<InputError>([&] { loadModelWeights(small, pm); });
        QVERIFY2(contains(m, pm + ": tensor 'embed_out.weight' is missing"), m.c_str());

        auto extra = weights;
        extra.emplace_back("gpt_neox.layers.9.mlp.dense_h_to_4h.bias", torch::zeros({512}));
        const std::string pe = path("extra.safetensors");
        saveSafetensors(pe, extra);
        m = messageOf<InputError>([&] { loadModelWeights(small, pe); });
        QVERIFY2(contains(m, "unexpected tensor 'gpt_neox.layers.9.mlp.dense_h_to_4h.bias'"),
                 m.c_str());
    }
};

RGPB_TEST_MAIN(TestSafetensors)
}  // namespace rgpb_test_safetensors
#include "test_safetensors.moc"
