// Byte-level BPE from a Hugging Face tokenizer.json (core/tokenizer/BpeTokenizer). The fixture
// tests/data/tokenizer/tiny_bpe.json is written for hand-checking: byte b is id b (through
// GPT-2's byte-to-unicode characters: ' ' is "Ġ", '\n' is "Ċ"), thirteen merges take ids
// 256..268 in rank order
//   256 Ġ t, 257 h e, 258 Ġt he, 259 Ġ c, 260 a t, 261 Ġc at, 262 ' s, 263 1 2, 264 Ã © (é),
//   265 c a, 266 ca f, 267 caf Ã© (café), 268 Ġ Ġ,
// id 269 is unused, and the added special tokens are <|endoftext|> 270 and <|padding|> 271.
// Every expected id below is worked out by hand from that table and GPT-2's pattern.
#include <QtTest>

#include "tests/support/TestMain.h"

#include <nlohmann/json.hpp>

#include <QTemporaryDir>

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "core/tokenizer/BpeTokenizer.h"
#include "core/tokenizer/ByteTokenizer.h"
#include "core/tokenizer/TokenizerFactory.h"
#include "core/util/Error.h"
#include "tests/support/ErrorText.h"

// This file's code has its own namespace: the group's tests build as one unity batch.
namespace rgpb_test_bpe_tokenizer {

using namespace rgpb;
using rgpb::test::messageOf;
namespace fs = std::filesystem;

namespace {

const std::string kFixture = std::string(RGPB_TEST_DATA_DIR) + "/tokenizer/tiny_bpe.json";

std::string readFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

using Ids = std::vector<int32_t>;

std::string show(const Ids& ids) {
    std::string out;
    for (int32_t id : ids)
        out += (out.empty() ? "" : " ") + std::to_string(id);
    return out;
}

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

std::string withChange(const std::function<void(nlohmann::json&)>& change) {
    nlohmann::json j = nlohmann::json::parse(readFile(kFixture));
    change(j);
    return j.dump();
}

}  // namespace

class BpeTokenizerTest : public QObject {
    Q_OBJECT

private:
    std::unique_ptr<BpeTokenizer> tok_;

    // The ids of `text`; with `round_trip`, decoding them gives the text back.
    void check(const std::string& text, const Ids& expected, bool round_trip = true) {
        const Ids got = tok_->encode(text);
        QVERIFY2(got == expected,
                 ("'" + text + "': got " + show(got) + ", expected " + show(expected)).c_str());
        if (round_trip)
            QCOMPARE(tok_->decode(got), text);
    }

private Q_SLOTS:
    void init() { tok_ = BpeTokenizer::loadTokenizerJson(kFixture); }

    void vocabularyAndSpecials() {
        QCOMPARE(tok_->kind(), std::string("bpe"));
        QCOMPARE(tok_->vocabSize(), 272);
        const SpecialTokens s = tok_->specials();
        QCOMPARE(s.bos, 270);
        QCOMPARE(s.eos, 270);
        QCOMPARE(s.sep, 270);
        QCOMPARE(s.pad, 271);
        QCOMPARE(BpeTokenizer::byteChar(' '), std::string("\xC4\xA0"));   // Ġ U+0120
        QCOMPARE(BpeTokenizer::byteChar('\n'), std::string("\xC4\x8A"));  // Ċ U+010A
        QCOMPARE(BpeTokenizer::byteChar('A'), std::string("A"));
        QCOMPARE(BpeTokenizer::byteChar(0xAD), std::string("\xC5\x83"));  // soft hyphen -> Ń U+0143
    }

    void wordsMergeByRank() {
        // "the": h e (257); no "t he" merge. " cat": Ġ c (259) before a t (260), then Ġc at.
        check("the cat", {116, 257, 261});
        check(" the", {258});
        check("cat", {99, 260});  // "a t" (260) outranks "c a" (265)
        check("hat", {104, 260});
    }

    void contractions() {
        check("it's", {105, 116, 262});
        // Only lowercase contractions are pieces: "'S" is punctuation then a letter.
        check("it'S", {105, 116, 39, 83});
        // "'ll", "'re" split off as pieces (no merges for them here).
        check("we'll", {119, 101, 39, 108, 108});
    }

    void digitsAndPunctuation() {
        check("a 123", {97, 32, 263, 51});
        check("12!?", {263, 33, 63});
        check("x ...", {120, 32, 46, 46, 46});
    }

    void spaces() {
        check("a  b", {97, 32, 32, 98});     // " " then " b"
        check("a   b", {97, 268, 32, 98});   // "  " (ĠĠ) then " b"
        check("a  ", {97, 268});             // trailing run stays whole
        check("\n\nHi", {10, 10, 72, 105});  // "\n", "\n" (\s+(?!\S) leaves one), "Hi"
        check("\t x", {9, 32, 120});
        check("", {});
    }

    void nonAscii() {
        check("café", {267});
        check(" café", {259, 97, 102, 264});  // Ġ c (259) first, so "c a" never forms
        check("日本", {230, 151, 165, 230, 156, 172});
        check("日本1", {230, 151, 165, 230, 156, 172, 49});
        // U+1F600 is a symbol (So): with "!" one punctuation piece, as its 4 bytes.
        check("a😀!", {97, 240, 159, 152, 128, 33});
    }

    void unicodeClassesOfThePattern() {
        using V = std::vector<std::string>;
        QCOMPARE(BpeTokenizer::preTokenize("Hello world's  123 ?!"),
                 (V{"Hello", " world", "'s", " ", " 123", " ?!"}));
        QCOMPARE(BpeTokenizer::preTokenize("ñandú 42 Ωmega"), (V{"ñandú", " 42", " Ωmega"}));
        QCOMPARE(BpeTokenizer::preTokenize("x² ٣"), (V{"x", "²", " ٣"}));  // No, Nd (Arabic)
        // NBSP is whitespace but not the optional ' ' prefix.
        QCOMPARE(BpeTokenizer::preTokenize("a\xC2\xA0"
                                           "b"),
                 (V{"a", "\xC2\xA0", "b"}));
        QCOMPARE(BpeTokenizer::preTokenize("Ǆx ǅ"), (V{"Ǆx", " ǅ"}));  // Lu, Lt letters
        // Invalid UTF-8 bytes are "other" characters, never lost.
        QCOMPARE(BpeTokenizer::preTokenize("a\xFF\xFE b"), (V{"a", "\xFF\xFE", " b"}));
    }

    void specialTokensMatchAsWholeStrings() {
        // (decode drops special ids, so these do not round-trip)
        check("the<|endoftext|> cat", {116, 257, 270, 261}, false);
        check("<|padding|><|padding|>", {271, 271}, false);
        // Only exact text matches.
        const Ids partial = tok_->encode("<|endoftext|");
        QVERIFY(std::find(partial.begin(), partial.end(), 270) == partial.end());
        // decode drops the special ids (the Tokenizer interface's rule).
        QCOMPARE(tok_->decode({116, 257, 270, 261, 271}), std::string("the cat"));
    }

    void decodeRejectsUnknownIds() {
        QVERIFY(
            contains(messageOf<ArgumentError>([&] { tok_->decode({272}); }), "ids in [0, 272)"));
        QVERIFY(contains(messageOf<ArgumentError>([&] {
                             tok_->decode({5, 269});
                         }),
                         "269 (no token has this id)"));
    }

    void roundTripsArbitraryBytes() {
        std::mt19937 rng(5);
        const std::vector<std::string> parts{"the", " ",  "  ", "\n",   "cat",      "'s",
                                             "'",   "12", "é",  "日本", "😀",        "ñ",
                                             "\t",  "x",  "Ω",  "!",    "\xC2\xA0", "<|endoftext"};
        for (int trial = 0; trial < 300; ++trial) {
            std::string text;
            const int n = static_cast<int>(rng() % 20);
            for (int i = 0; i < n; ++i) {
                if (rng() % 5 == 0)
                    text += static_cast<char>(rng() % 256);  // any byte, valid UTF-8 or not
                else
                    text += parts[rng() % parts.size()];
            }
            QCOMPARE(tok_->decode(tok_->encode(text)), text);
        }
    }

    void mergesAsPairsGiveTheSameIds() {
        const std::string text = withChange([](nlohmann::json& j) {
            nlohmann::json pairs = nlohmann::json::array();
            for (const auto& m : j["model"]["merges"]) {
                const std::string s = m.get<std::string>();
                pairs.push_back({s.substr(0, s.find(' ')), s.substr(s.find(' ') + 1)});
            }
            j["model"]["merges"] = pairs;
        });
        auto pairs = BpeTokenizer::fromTokenizerJson(text, "pairs.json");
        for (const std::string s : {"the cat", " café", "it's 123", "a   b"})
            QVERIFY(pairs->encode(s) == tok_->encode(s));
    }

    void saveAndReloadThroughTheFactory() {
        QTemporaryDir tmp;
        const std::string dir = tmp.path().toStdString() + "/tok";
        tok_->save(dir);
        QVERIFY(fs::exists(dir + "/tokenizer.json"));
        auto back = loadTokenizer(dir);
        QCOMPARE(back->kind(), std::string("bpe"));
        QCOMPARE(back->vocabSize(), 272);
        QCOMPARE(back->specials().pad, 271);
        QVERIFY(back->encode("the<|endoftext|> café") == tok_->encode("the<|endoftext|> café"));
        // loadTokenizerFrom: the file itself, the folder, a run-like folder.
        QVERIFY(loadTokenizerFrom(kFixture)->encode("the cat") == (Ids{116, 257, 261}));
        QVERIFY(loadTokenizerFrom(dir)->encode("the cat") == (Ids{116, 257, 261}));
        fs::create_directories(tmp.path().toStdString() + "/run");
        fs::rename(dir, tmp.path().toStdString() + "/run/tokenizer");
        QCOMPARE(loadTokenizerFrom(tmp.path().toStdString() + "/run")->vocabSize(), 272);
    }

    void specialOverridesInTheDescriptor() {
        QTemporaryDir tmp;
        const std::string dir = tmp.path().toStdString();
        tok_->save(dir);
        nlohmann::json d = nlohmann::json::parse(readFile(dir + "/rgpb_tokenizer.json"));
        d["tokens"]["sep"] = "Ġthe";
        d.erase("specials");
        std::ofstream(dir + "/rgpb_tokenizer.json") << d.dump();
        QCOMPARE(loadTokenizer(dir)->specials().sep, 258);
        d["tokens"]["sep"] = "<nope>";
        std::ofstream(dir + "/rgpb_tokenizer.json") << d.dump();
        const std::string m = messageOf<InputError>([&] { loadTokenizer(dir); });
        QVERIFY2(contains(m, "no token for the sep special token '<nope>'"), m.c_str());
    }

    void byteTokenizerJsonIsTheByteTokenizer() {
        auto bpe = BpeTokenizer::fromTokenizerJson(
            byteTokenizerJson(), "byte.json",
            {{"pad", "<|pad|>"}, {"bos", "<|bos|>"}, {"eos", "<|eos|>"}, {"sep", "<|sep|>"}});
        ByteTokenizer byte;
        QCOMPARE(bpe->vocabSize(), byte.vocabSize());
        QCOMPARE(bpe->specials().bos, byte.specials().bos);
        QCOMPARE(bpe->specials().sep, byte.specials().sep);
        std::mt19937 rng(3);
        for (int trial = 0; trial < 100; ++trial) {
            std::string text;
            for (int i = 0, n = static_cast<int>(rng() % 40); i < n; ++i)
                text += static_cast<char>(rng() % 256);
            QVERIFY(bpe->encode(text) == byte.encode(text));
        }
    }

    void vocabAndMergesFiles() {
        // GPT-2's original two files: the same model.
        QTemporaryDir tmp;
        const std::string dir = tmp.path().toStdString();
        nlohmann::json j = nlohmann::json::parse(readFile(kFixture));
        nlohmann::json vocab = j["model"]["vocab"];
        vocab.erase("<|padding|>");
        std::ofstream(dir + "/vocab.json") << vocab.dump();
        std::ofstream merges(dir + "/merges.txt");
        merges << "#version: 0.2\n";
        for (const auto& m : j["model"]["merges"])
            merges << m.get<std::string>() << "\n";
        merges.close();
        auto t = loadTokenizerFrom(dir);
        QVERIFY(t->encode("the<|endoftext|> café's") ==
                (Ids{116, 257, 270, 259, 97, 102, 264, 262}));
        QCOMPARE(t->specials().pad, 270);  // no <|padding|>: padding shares <|endoftext|>
    }

    void malformedFilesNameTheJsonPath() {
        struct Case {
            std::function<void(nlohmann::json&)> change;
            std::string expected;
        };
        const std::vector<Case> cases{
            {[](nlohmann::json& j) { j["model"]["type"] = "Unigram"; },
             "(model.type): unsupported tokenizer model \"Unigram\": only byte-level BPE"},
            {[](nlohmann::json& j) { j["model"]["type"] = "WordPiece"; },
             "unsupported tokenizer model \"WordPiece\""},
            {[](nlohmann::json& j) { j["model"]["merges"][3] = "Ġc"; },
             "(model.merges[3]): expected \"left right\""},
            {[](nlohmann::json& j) { j["model"]["merges"][4] = 7; }, "(model.merges[4]): expected"},
            {[](nlohmann::json& j) { j["model"]["merges"][5] = "Ġc zz"; },
             "(model.merges[5]): token 'zz' is not in model.vocab"},
            {[](nlohmann::json& j) { j["model"]["vocab"]["Ġthe"] = "x"; },
             "(model.vocab.Ġthe): expected a non-negative integer id"},
            {[](nlohmann::json& j) { j["model"].erase("merges"); }, "(model.merges): missing"},
            {[](nlohmann::json& j) { j.erase("model"); }, "(model): missing"},
            {[](nlohmann::json& j) { j["added_tokens"][1]["id"] = -2; },
             "(added_tokens[1].id): expected a non-negative integer id"},
            {[](nlohmann::json& j) {
                 j["pre_tokenizer"] = {{"type", "Whitespace"}};
             },
             "(pre_tokenizer.type): unsupported pre-tokenizer Whitespace"},
            {[](nlohmann::json& j) {
                 j["normalizer"] = {{"type", "Lowercase"}};
             },
             "(normalizer): unsupported normalizer"},
            {[](nlohmann::json& j) { j["model"]["continuing_subword_prefix"] = "##"; },
             "(model.continuing_subword_prefix): unsupported"},
        };
        for (const Case& c : cases) {
            const std::string m = messageOf<InputError>(
                [&] { BpeTokenizer::fromTokenizerJson(withChange(c.change), "t.json"); });
            QVERIFY2(contains(m, "t.json " + c.expected) || contains(m, c.expected),
                     (m + " <- expected: " + c.expected).c_str());
            QVERIFY2(contains(m, "t.json"), m.c_str());
        }
        const std::string m = messageOf<InputError>(
            [] { BpeTokenizer::fromTokenizerJson("{\"model\": ", "x.json"); });
        QVERIFY2(contains(m, "x.json") && contains(m, "not valid JSON"), m.c_str());
    }

    // The id -> token tables are sized by the largest id: one id of 100,000,000 is refused,
    // naming it and the file, instead of taking gigabytes (issue #17).
    void aHugeTokenIdIsRefusedNamingItAndTheFile() {
        std::string m = messageOf<InputError>([] {
            BpeTokenizer::fromTokenizerJson(
                withChange([](nlohmann::json& j) { j["model"]["vocab"]["Ġthe"] = 100000000; }),
                "t.json");
        });
        QVERIFY2(contains(m,
                          "t.json (model.vocab.Ġthe): token id 100000000 is beyond the 271 "
                          "tokens listed"),
                 m.c_str());
        m = messageOf<InputError>([] {
            BpeTokenizer::fromTokenizerJson(
                withChange([](nlohmann::json& j) { j["added_tokens"][1]["id"] = 100000000; }),
                "t.json");
        });
        QVERIFY2(contains(m, "t.json (added_tokens[1].id): token id 100000000 is beyond"),
                 m.c_str());
        // GPT-2's vocab.json: the file is named.
        QTemporaryDir tmp;
        const std::string dir = tmp.path().toStdString();
        nlohmann::json vocab = nlohmann::json::parse(readFile(kFixture))["model"]["vocab"];
        vocab["caf"] = 100000000;
        std::ofstream(dir + "/vocab.json") << vocab.dump();
        std::ofstream(dir + "/merges.txt") << "#version: 0.2\nĠ t\n";
        m = messageOf<InputError>([&] { loadTokenizerFrom(dir); });
        QVERIFY2(contains(m, dir + "/vocab.json") && contains(m,
                                                              "(model.vocab.caf): token id "
                                                              "100000000 is beyond"),
                 m.c_str());
        // Ids up to the padding real vocabularies have still load (Pythia's 50,277 tokens
        // padded to 50,304): a gap of 1,000 unused ids.
        BpeTokenizer::fromTokenizerJson(
            withChange([](nlohmann::json& j) { j["added_tokens"][1]["id"] = 1271; }), "t.json");
    }

    // Found by fuzz_tokenizer_vocab_merges (tests/fuzz/corpus/tokenizer_vocab_merges/
    // regression_merges_not_utf8): a merges.txt line that is not UTF-8 escaped as nlohmann's
    // type_error 316 from the tokenizer.json writer. It is an InputError naming file:line.
    void mergesThatAreNotUtf8NameTheLine() {
        QTemporaryDir tmp;
        const std::string dir = tmp.path().toStdString();
        std::ofstream(dir + "/vocab.json") << R"({"a": 0, "b": 1, "ab": 2})";
        std::ofstream(dir + "/merges.txt") << "#version: 0.2\na b\n\nab\x9b\x80 b\n";
        const std::string m = messageOf<InputError>([&] { loadTokenizerFrom(dir); });
        QVERIFY2(contains(m, dir + "/merges.txt:4") && contains(m, "not valid UTF-8"), m.c_str());
    }

    // Met writing fuzz_tokenizer_descriptor: rgpb_tokenizer.json's "file" (and "model") named
    // any path, so a descriptor in a shared folder read files outside it ("../x", "/abs/x"), and
    // a FIFO or device there ("/dev/zero") blocked or never ended. Only a regular file of the
    // tokenizer folder, named without '/', is read; the rest is an InputError naming the key.
    void theDescriptorNamesOnlyFilesOfItsFolder() {
        QTemporaryDir tmp;
        const std::string dir = tmp.path().toStdString() + "/tok";
        tok_->save(dir);
        fs::copy_file(dir + "/tokenizer.json", tmp.path().toStdString() + "/outside.json");
        QVERIFY(mkfifo((dir + "/fifo").c_str(), 0600) == 0);
        nlohmann::json d = nlohmann::json::parse(readFile(dir + "/rgpb_tokenizer.json"));
        for (const std::string& name :
             std::vector<std::string>{"../outside.json", kFixture, "/dev/zero", "fifo", ".."}) {
            d["file"] = name;
            std::ofstream(dir + "/rgpb_tokenizer.json", std::ios::trunc) << d.dump();
            const std::string m = messageOf<InputError>([&] { loadTokenizer(dir); });
            QVERIFY2(contains(m, dir + "/rgpb_tokenizer.json (file)") && contains(m, name),
                     m.c_str());
        }
        d["kind"] = "sentencepiece";
        d["model"] = "/dev/zero";
        std::ofstream(dir + "/rgpb_tokenizer.json", std::ios::trunc) << d.dump();
        const std::string m = messageOf<InputError>([&] { loadTokenizer(dir); });
        QVERIFY2(contains(m, dir + "/rgpb_tokenizer.json (model)") && contains(m, "/dev/zero"),
                 m.c_str());
        // The descriptor itself as a FIFO: refused, not waited on.
        fs::remove(dir + "/rgpb_tokenizer.json");
        QVERIFY(mkfifo((dir + "/rgpb_tokenizer.json").c_str(), 0600) == 0);
        const std::string f = messageOf<InputError>([&] { loadTokenizer(dir); });
        QVERIFY2(contains(f, "not a regular file"), f.c_str());
    }
};

RGPB_TEST_MAIN(BpeTokenizerTest)
}  // namespace rgpb_test_bpe_tokenizer
#include "test_bpe_tokenizer.moc"
