// Tokenizers: the byte tokenizer, SentencePiece through the rgpb_spm shim (in a process that
// also runs LibTorch, which is what the shim exists for), saving and loading, and round trips
// on real HH-RLHF text.
#include <torch/torch.h>

#include <QTemporaryDir>
#include <QtTest>

#include "tests/support/TestMain.h"

#include <zlib.h>
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "core/tokenizer/SpmShim.h"
#include "core/tokenizer/TokenizerFactory.h"
#include "core/util/Error.h"

// This file's code has its own namespace: the group's tests build as one unity batch.
namespace rgpb_test_tokenizers {

using namespace rgpb;
namespace fs = std::filesystem;

namespace {

std::string readFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

void writeFile(const std::string& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
}

// A small varied English corpus, enough for a few hundred learnt pieces.
std::vector<std::string> syntheticCorpus() {
    const char* subjects[] = {"the cat", "a dog", "my friend", "the assistant", "every human"};
    const char* verbs[] = {"likes", "answers", "reads", "writes about", "asks for"};
    const char* objects[] = {"fresh bread", "difficult questions", "long stories", "the weather",
                             "numbers like 42"};
    std::vector<std::string> texts;
    for (int i = 0; i < 5; ++i)
        for (int j = 0; j < 5; ++j)
            for (int k = 0; k < 5; ++k)
                texts.push_back(std::string(subjects[i]) + " " + verbs[j] + " " + objects[k] +
                                ".\nIs that so? Yes, " + std::to_string(i * 25 + j * 5 + k) +
                                " times.");
    return texts;
}

// `count` records of an HH-RLHF .jsonl.gz file: chosen and rejected texts.
std::vector<std::pair<std::string, std::string>> readHhRlhf(const std::string& path, int count) {
    std::vector<std::pair<std::string, std::string>> records;
    gzFile file = gzopen(path.c_str(), "rb");
    if (!file)
        return records;
    std::string pending;
    char buffer[1 << 16];
    while (static_cast<int>(records.size()) < count) {
        int got = gzread(file, buffer, sizeof buffer);
        if (got <= 0)
            break;
        pending.append(buffer, static_cast<std::size_t>(got));
        std::size_t start = 0, end;
        while ((end = pending.find('\n', start)) != std::string::npos &&
               static_cast<int>(records.size()) < count) {
            auto record = nlohmann::json::parse(pending.substr(start, end - start));
            records.emplace_back(record.at("chosen").get<std::string>(),
                                 record.at("rejected").get<std::string>());
            start = end + 1;
        }
        pending.erase(0, start);
    }
    gzclose(file);
    return records;
}

std::string sharedDir() {
    // $RGPB_SHARED_DIR overrides the compiled-in default. That default is ../shared beside the
    // source tree, which misses for git worktrees nested one level deeper, so the nearest
    // ancestor holding shared/data is tried last.
    if (const char* env = std::getenv("RGPB_SHARED_DIR"); env && *env)
        return env;
    if (fs::exists(RGPB_SHARED_DIR "/data"))
        return RGPB_SHARED_DIR;
    for (fs::path dir = fs::path(RGPB_SOURCE_DIR).parent_path(); !dir.empty();
         dir = dir.parent_path()) {
        if (fs::exists(dir / "shared" / "data"))
            return (dir / "shared").string();
        if (dir == dir.root_path())
            break;
    }
    return RGPB_SHARED_DIR;
}

template <typename Exception, typename Fn>
QString messageOf(Fn&& fn) {
    try {
        fn();
    } catch (const Exception& e) {
        return QString::fromStdString(e.what());
    }
    return QStringLiteral("<no exception>");
}

}  // namespace

class TestTokenizers : public QObject {
    Q_OBJECT

    QTemporaryDir tmp_;
    std::unique_ptr<Tokenizer> spm_;  // trained once on syntheticCorpus(), vocab 330

    std::string tmpPath(const char* name) const { return (tmp_.path() + "/" + name).toStdString(); }

private Q_SLOTS:
    void initTestCase() {
        QVERIFY(tmp_.isValid());
        // LibTorch is live in this process before SentencePiece is loaded: the combination the
        // shim exists for.
        QCOMPARE(torch::ones({2, 3}).sum().item<float>(), 6.0f);
        spm_ = trainSentencePieceTokenizer(syntheticCorpus(), 330, tmpPath("spm"));
        QVERIFY(spm_);
    }

    void byteIdsAndRoundTrip() {
        auto tok = makeByteTokenizer();
        QCOMPARE(tok->kind(), std::string("byte"));
        QCOMPARE(tok->vocabSize(), 260);
        QCOMPARE(tok->encode("A"), std::vector<int32_t>({4 + 65}));
        // é is UTF-8 C3 A9
        QCOMPARE(tok->encode("\xC3\xA9"), std::vector<int32_t>({4 + 0xC3, 4 + 0xA9}));
        QVERIFY(tok->encode("").empty());
        const std::string texts[] = {"plain ASCII, with  two spaces\n", "caf\xC3\xA9",
                                     "\xE4\xB8\xAD\xE6\x96\x87",    // 中文
                                     "emoji \xF0\x9F\x98\x80 end",  // 😀
                                     std::string("nul\0byte", 8),       "\xFF\xFE raw bytes"};
        for (const std::string& text : texts) {
            auto ids = tok->encode(text);
            QCOMPARE(ids.size(), text.size());
            QCOMPARE(tok->decode(ids), text);
        }
    }

    void byteDecodeSkipsSpecialsAndRejectsInvalid() {
        auto tok = makeByteTokenizer();
        QCOMPARE(tok->decode({1, 4 + 'h', 3, 4 + 'i', 2, 0, 0}), std::string("hi"));
        QString msg = messageOf<ArgumentError>([&] { tok->decode({4 + 'a', 260}); });
        QVERIFY2(msg.contains("260") && msg.contains("position 1"), qPrintable(msg));
        msg = messageOf<ArgumentError>([&] { tok->decode({-1}); });
        QVERIFY2(msg.contains("-1"), qPrintable(msg));
    }

    void byteSaveAndLoad() {
        std::string dir = tmpPath("byte");
        makeByteTokenizer()->save(dir);
        auto json = nlohmann::json::parse(readFile(dir + "/rgpb_tokenizer.json"));
        QCOMPARE(json.at("kind").get<std::string>(), std::string("byte"));
        auto tok = loadTokenizer(dir);
        QCOMPARE(tok->kind(), std::string("byte"));
        QCOMPARE(tok->encode("x\xC3\xA9"), makeByteTokenizer()->encode("x\xC3\xA9"));
    }

    void sentencePieceTrainSaveLoad() {
        std::string dir = tmpPath("spm");
        QVERIFY(fs::exists(dir + "/spm.model"));
        QVERIFY(fs::exists(dir + "/rgpb_tokenizer.json"));
        QVERIFY(!fs::exists(dir + "/spm_training_text.txt"));  // temporary input removed
        QCOMPARE(spm_->kind(), std::string("sentencepiece"));
        QCOMPARE(spm_->vocabSize(), 330);
        // Learnt pieces make known text shorter than bytes.
        std::string known = "the cat likes fresh bread.";
        QVERIFY(spm_->encode(known).size() < known.size());

        auto loaded = loadTokenizer(dir);
        QCOMPARE(loaded->kind(), std::string("sentencepiece"));
        QCOMPARE(loaded->vocabSize(), 330);
        std::string copy = tmpPath("spm_copy");
        loaded->save(copy);
        auto reloaded = loadTokenizer(copy);
        QCOMPARE(readFile(copy + "/spm.model"), readFile(dir + "/spm.model"));

        // Unseen characters (byte fallback), newlines, runs of spaces, leading and trailing
        // whitespace: all round-trip exactly, and all three instances agree on the ids.
        const std::string texts[] = {known,
                                     "\n\nHuman: a dog asks for   numbers?\n\nAssistant: 42",
                                     "  leading and trailing  ",
                                     "caf\xC3\xA9 \xE4\xB8\xAD\xE6\x96\x87 \xF0\x9F\x98\x80",
                                     "tab\there",
                                     ""};
        for (const std::string& text : texts) {
            auto ids = spm_->encode(text);
            QCOMPARE(spm_->decode(ids), text);
            QCOMPARE(loaded->encode(text), ids);
            QCOMPARE(reloaded->encode(text), ids);
            for (int32_t id : ids)
                QVERIFY(id >= 5 && id < 330);  // no specials, no <unk>
        }
        QString msg = messageOf<ArgumentError>([&] { spm_->decode({330}); });
        QVERIFY2(msg.contains("330"), qPrintable(msg));
    }

    void sentencePieceTrainingIsDeterministic() {
        // Same texts, same folder: byte-identical model (the model file records its input and
        // output paths, so models trained in different folders differ in those bytes only).
        std::string a = tmpPath("det_a"), b = tmpPath("det_b");
        trainSentencePieceTokenizer(syntheticCorpus(), 300, a);
        std::string first = readFile(a + "/spm.model");
        auto again = trainSentencePieceTokenizer(syntheticCorpus(), 300, a);
        QVERIFY(!first.empty());
        QVERIFY(first == readFile(a + "/spm.model"));
        // In another folder: the same pieces at the same ids.
        auto other = trainSentencePieceTokenizer(syntheticCorpus(), 300, b);
        for (int32_t id = 4; id < 300; ++id)
            QCOMPARE(other->decode({id}), again->decode({id}));
    }

    void sentencePieceVocabErrors() {
        QString msg = messageOf<ArgumentError>(
            [&] { trainSentencePieceTokenizer(syntheticCorpus(), 100, tmpPath("small")); });
        QVERIFY2(msg.contains("vocab_size") && msg.contains("262"), qPrintable(msg));
        msg = messageOf<Error>(
            [&] { trainSentencePieceTokenizer(syntheticCorpus(), 50000, tmpPath("big")); });
        QVERIFY2(msg.contains("vocab_size 50000") && msg.contains("SentencePiece"),
                 qPrintable(msg));
        msg = messageOf<ArgumentError>([&] {
            trainSentencePieceTokenizer({"", "\n\n"}, 300, tmpPath("empty"));
        });
        QVERIFY2(msg.contains("texts"), qPrintable(msg));
    }

    void specialsAgreeAndTextNeverMakesThem() {
        auto byte = makeByteTokenizer();
        for (const Tokenizer* tok : {byte.get(), spm_.get()}) {
            SpecialTokens s = tok->specials();
            QCOMPARE(s.pad, 0);
            QCOMPARE(s.bos, 1);
            QCOMPARE(s.eos, 2);
            QCOMPARE(s.sep, 3);
            std::string literal = "<sep> <s></s><pad> <unk> [SEP] <|endoftext|> <0x00>";
            auto ids = tok->encode(literal);
            for (int32_t id : ids)
                QVERIFY2(id >= 4, qPrintable(QString::number(id)));
            QCOMPARE(tok->decode(ids), literal);
            // Decoding skips special ids wherever they are.
            auto framed = ids;
            framed.insert(framed.begin(), s.bos);
            framed.insert(framed.begin() + 3, s.sep);
            framed.push_back(s.eos);
            framed.push_back(s.pad);
            std::vector<int32_t> without(ids);
            QCOMPARE(tok->decode(framed), tok->decode(without));
        }
    }

    void hhRlhfRoundTrip() {
        std::string path = sharedDir() + "/data/hh-rlhf/harmless-base-dev.jsonl.gz";
        if (!fs::exists(path)) {
            QSKIP(qPrintable(QString::fromStdString(
                path + " not found (set RGPB_SHARED_DIR to the folder holding data/hh-rlhf)")));
        }
        auto records = readHhRlhf(path, 200);
        QCOMPARE(records.size(), std::size_t(200));
        std::vector<std::string> train, all;
        for (std::size_t i = 0; i < records.size(); ++i) {
            all.push_back(records[i].first);
            all.push_back(records[i].second);
            if (i < 150) {  // the last 50 records are held out from training
                train.push_back(records[i].first);
                train.push_back(records[i].second);
            }
        }
        auto spm = trainSentencePieceTokenizer(train, 2000, tmpPath("hh"));
        auto byte = makeByteTokenizer();
        std::size_t bytes = 0, pieces = 0;
        for (const std::string& text : all) {
            auto ids = spm->encode(text);
            QCOMPARE(spm->decode(ids), text);
            QCOMPARE(byte->decode(byte->encode(text)), text);
            bytes += text.size();
            pieces += ids.size();
        }
        // A 2000-piece model should need well under half a token per byte on this text.
        QVERIFY2(pieces * 3 < bytes,
                 qPrintable(QString("%1 pieces for %2 bytes").arg(pieces).arg(bytes)));
    }

    void loadErrorsNameFileAndKey() {
        std::string missing = tmpPath("no_such_dir");
        QString msg = messageOf<InputError>([&] { loadTokenizer(missing); });
        QVERIFY2(msg.contains(QString::fromStdString(missing)), qPrintable(msg));

        std::string dir = tmpPath("bad");
        fs::create_directories(dir);
        msg = messageOf<InputError>([&] { loadTokenizer(dir); });
        QVERIFY2(msg.contains("rgpb_tokenizer.json"), qPrintable(msg));

        std::string json = dir + "/rgpb_tokenizer.json";
        writeFile(json, "{\"kind\": \"byte\",");
        msg = messageOf<InputError>([&] { loadTokenizer(dir); });
        QVERIFY2(msg.contains(QString::fromStdString(json)) && msg.contains("JSON"),
                 qPrintable(msg));

        writeFile(json, "{\"vocab_size\": 260}");
        msg = messageOf<InputError>([&] { loadTokenizer(dir); });
        QVERIFY2(msg.contains("rgpb_tokenizer.json (kind)"), qPrintable(msg));

        writeFile(json, "{\"kind\": \"wordpiece\"}");
        msg = messageOf<InputError>([&] { loadTokenizer(dir); });
        QVERIFY2(msg.contains("rgpb_tokenizer.json (kind)") && msg.contains("wordpiece"),
                 qPrintable(msg));

        writeFile(json, "{\"kind\": \"sentencepiece\"}");
        msg = messageOf<InputError>([&] { loadTokenizer(dir); });
        QVERIFY2(msg.contains("rgpb_tokenizer.json (model)"), qPrintable(msg));

        writeFile(json, "{\"kind\": \"sentencepiece\", \"model\": \"gone.model\"}");
        msg = messageOf<InputError>([&] { loadTokenizer(dir); });
        QVERIFY2(msg.contains("gone.model"), qPrintable(msg));

        writeFile(dir + "/junk.model", "this is not a protobuf");
        writeFile(json, "{\"kind\": \"sentencepiece\", \"model\": \"junk.model\"}");
        msg = messageOf<InputError>([&] { loadTokenizer(dir); });
        QVERIFY2(msg.contains("junk.model"), qPrintable(msg));

        writeFile(json, "{\"kind\": \"byte\", \"specials\": {\"sep\": 7}}");
        msg = messageOf<InputError>([&] { loadTokenizer(dir); });
        QVERIFY2(msg.contains("(specials.sep)"), qPrintable(msg));

        writeFile(json, "{\"kind\": \"byte\", \"vocab_size\": 300}");
        msg = messageOf<InputError>([&] { loadTokenizer(dir); });
        QVERIFY2(msg.contains("(vocab_size)"), qPrintable(msg));
    }

    void shimLookupHonoursEnvironment() {
        auto defaults = spm::shimCandidates();
        QVERIFY(defaults.size() >= 2);
        qInfo("shim loaded from %s", spm::shim().path.c_str());
        QVERIFY(fs::path(spm::shim().path).filename() == "librgpb_spm.so");
        setenv("RGPB_SPM_SHIM", "/somewhere/librgpb_spm.so", 1);
        auto chosen = spm::shimCandidates();
        unsetenv("RGPB_SPM_SHIM");
        QCOMPARE(chosen, std::vector<std::string>({"/somewhere/librgpb_spm.so"}));
    }
};

RGPB_TEST_MAIN(TestTokenizers)
}  // namespace rgpb_test_tokenizers
#include "test_tokenizers.moc"
