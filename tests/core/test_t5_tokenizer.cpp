// T5's tokenizer (core/tokenizer/T5Tokenizer): a tokenizer.json of the Unigram kind written here
// with a handful of pieces whose Viterbi segmentations are worked out by hand below, and a
// spiece.model trained here with SentencePiece (T5's layout: pad 0, eos 1, unk 2, no bos),
// checked against the same model written as a tokenizer.json (pieces, scores and the NFKC
// table read out of the model's protobuf by a reader in this file).
//
// The hand fixture (ids, pieces, scores; "▁" is U+2581, SentencePiece's space):
//   0 <pad> 0   1 </s> 0   2 <unk> 0   3 ▁ -2   4 ▁ab -2.5   5 ▁abc -3   6 cd -1.5
//   7 a -5   8 b -5   9 c -5   10 d -4   11 <extra_id_1> 0   12 <extra_id_0> 0
// An unknown character scores min(score) - 10 = -15.
#include <QtTest>

#include "tests/support/TestMain.h"

#include <nlohmann/json.hpp>

#include <QTemporaryDir>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/data/LineReader.h"
#include "core/tokenizer/T5Tokenizer.h"
#include "core/tokenizer/TokenizerFactory.h"
#include "core/util/Error.h"
#include "tests/support/ErrorText.h"
#include "tests/support/SpmModelFile.h"

// This file's code has its own namespace: the group's tests build as one unity batch.
namespace rgpb_test_t5_tokenizer {

using namespace rgpb;
using rgpb::test::contains;
using rgpb::test::messageOf;
using rgpb::test::readSpmProto;
using rgpb::test::SpmProto;
using rgpb::test::trainSpm;
using Ids = std::vector<int32_t>;
namespace fs = std::filesystem;

namespace {

const std::string kSpace = "\xE2\x96\x81";  // ▁

std::string show(const Ids& ids) {
    std::string out;
    for (int32_t id : ids)
        out += (out.empty() ? "" : " ") + std::to_string(id);
    return out;
}

void writeFile(const std::string& path, const std::string& text) {
    std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
}

std::string readBytes(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

nlohmann::json addedToken(int id, const std::string& content) {
    return {{"id", id},        {"content", content},  {"single_word", false}, {"lstrip", false},
            {"rstrip", false}, {"normalized", false}, {"special", true}};
}

// The Metaspace pre-tokenizer and decoder as transformers writes them for T5.
nlohmann::json metaspace(const std::string& scheme) {
    return {{"type", "Metaspace"},
            {"replacement", kSpace},
            {"prepend_scheme", scheme},
            {"split", true}};
}

// A T5-style tokenizer.json: `pieces` (sentinels included) and the normalizers after an optional
// Precompiled table: Strip right, a run of spaces to one "▁" (what transformers' SpmConverter
// writes).
nlohmann::json unigramJson(const std::vector<std::pair<std::string, double>>& pieces,
                           const std::string& charsmap_base64 = "",
                           const std::string& scheme = "always") {
    nlohmann::json vocab = nlohmann::json::array();
    nlohmann::json added = nlohmann::json::array();
    for (size_t id = 0; id < pieces.size(); ++id) {
        vocab.push_back({pieces[id].first, pieces[id].second});
        const std::string& p = pieces[id].first;
        if (p == "<pad>" || p == "</s>" || p == "<unk>" || p.rfind("<extra_id_", 0) == 0)
            added.push_back(addedToken(static_cast<int>(id), p));
    }
    nlohmann::json normalizers = nlohmann::json::array();
    if (!charsmap_base64.empty())
        normalizers.push_back({{"type", "Precompiled"}, {"precompiled_charsmap", charsmap_base64}});
    normalizers.push_back({{"type", "Strip"}, {"strip_left", false}, {"strip_right", true}});
    normalizers.push_back(
        {{"type", "Replace"}, {"pattern", {{"Regex", " {2,}"}}}, {"content", kSpace}});
    return {{"version", "1.0"},
            {"added_tokens", added},
            {"normalizer", {{"type", "Sequence"}, {"normalizers", normalizers}}},
            {"pre_tokenizer", metaspace(scheme)},
            {"post_processor", nullptr},
            {"decoder", metaspace(scheme)},
            {"model",
             {{"type", "Unigram"}, {"unk_id", 2}, {"vocab", vocab}, {"byte_fallback", false}}}};
}

nlohmann::json handFixture(const std::string& scheme = "always") {
    return unigramJson({{"<pad>", 0},
                        {"</s>", 0},
                        {"<unk>", 0},
                        {kSpace, -2},
                        {kSpace + "ab", -2.5},
                        {kSpace + "abc", -3},
                        {"cd", -1.5},
                        {"a", -5},
                        {"b", -5},
                        {"c", -5},
                        {"d", -4},
                        {"<extra_id_1>", 0},
                        {"<extra_id_0>", 0}},
                       "", scheme);
}

// 300 lines of 7 words out of 17.
std::string smallCorpus() {
    std::string corpus;
    const char* words[] = {"the",       "cat",     "sat", "on",     "a",        "mat",
                           "dog",       "ran",     "far", "away",   "hello",    "world",
                           "translate", "English", "to",  "German", "summarize"};
    for (int i = 0; i < 300; ++i) {
        for (int k = 0; k < 7; ++k)
            corpus += std::string(k ? " " : "") + words[(i * 7 + k * 3) % 17];
        corpus += i % 3 == 0 ? ".\n" : "\n";
    }
    return corpus;
}

// The tokenizer.json transformers writes for the spiece.model at `model` (its pieces and scores,
// `extra_ids` sentinels, its NFKC table), read back as a T5Tokenizer.
std::unique_ptr<T5Tokenizer> convertedToJson(const std::string& model, int extra_ids) {
    const SpmProto proto = readSpmProto(readBytes(model));
    if (proto.charsmap.empty())
        throw std::runtime_error("nmt_nfkc's table expected in " + model);
    std::vector<std::pair<std::string, double>> pieces;
    for (const auto& p : proto.pieces)
        pieces.emplace_back(p.text, p.score);
    for (int i = extra_ids - 1; i >= 0; --i)
        pieces.emplace_back("<extra_id_" + std::to_string(i) + ">", 0.0);
    return T5Tokenizer::fromTokenizerJson(
        unigramJson(pieces, rgpb::test::base64(proto.charsmap)).dump(),
        model + " as tokenizer.json");
}

}  // namespace

class T5TokenizerTest : public QObject {
    Q_OBJECT

private:
    QTemporaryDir tmp_;

    static void check(const Tokenizer& tok, const std::string& text, const Ids& expected) {
        const Ids got = tok.encode(text);
        QVERIFY2(got == expected,
                 ("'" + text + "': got " + show(got) + ", expected " + show(expected)).c_str());
    }

    std::string dir(const std::string& name) {
        const std::string d = tmp_.path().toStdString() + "/" + name;
        fs::create_directories(d);
        return d;
    }

private Q_SLOTS:
    void viterbiSegmentationsAreTheHandWorkedOnes() {
        auto tok = T5Tokenizer::fromTokenizerJson(handFixture().dump(), "hand.json");
        QCOMPARE(tok->kind(), std::string("t5"));
        QCOMPARE(tok->vocabSize(), 13);
        // "▁abcd": greedy longest match takes ▁abc then d (-3 - 4 = -7); Viterbi finds ▁ab cd
        // (-2.5 - 1.5 = -4), better than ▁ a b cd (-13.5) or ▁ a b c d (-21).
        check(*tok, "abcd", {4, 6});
        // "▁abc": ▁abc (-3) beats ▁ab c (-7.5) and ▁ a b c (-17).
        check(*tok, "abc", {5});
        // Two words; "▁cd" is ▁ cd (-3.5), not ▁ c d (-11).
        check(*tok, "abcd abc cd", {4, 6, 5, 3, 6});
        // Spaces are folded as SentencePiece folds them: leading and trailing ones go, a run is
        // one "▁".
        check(*tok, "  abc   cd  ", {5, 3, 6});
        check(*tok, "", {});
        check(*tok, "   ", {});
    }

    void unknownCharactersGiveOneUnkPerRun() {
        auto tok = T5Tokenizer::fromTokenizerJson(handFixture().dump(), "hand.json");
        // "▁abxyc": ▁ab, x and y unknown (-15 each, one unk for the run), c.
        check(*tok, "abxyc", {4, 2, 9});
        // "▁xa": ▁ covers the space, x is unknown, then a; "xay": two runs, two unks.
        check(*tok, "xa", {3, 2, 7});
        check(*tok, "xay", {3, 2, 7, 2});
        // Text never produces the specials: "</s>" is four unknown characters after ▁.
        check(*tok, "</s>", {3, 2});
        // An unknown multi-byte character is one character: "é" is one unk.
        check(*tok,
              "\xC3\xA9"
              "a",
              {3, 2, 7});
    }

    void sentinelsInTextAndTheirIds() {
        auto tok = T5Tokenizer::fromTokenizerJson(handFixture().dump(), "hand.json");
        QCOMPARE(tok->extraIds(), 2);
        QCOMPARE(tok->sentinelId(0), 12);
        QCOMPARE(tok->sentinelId(1), 11);
        QCOMPARE(tok->pieceText(12), std::string("<extra_id_0>"));
        // Text on each side of a sentinel is encoded on its own, with its own leading ▁.
        check(*tok, "abc<extra_id_0>cd", {5, 12, 3, 6});
        check(*tok, "<extra_id_1> abcd <extra_id_0>", {11, 4, 6, 12});
        // <extra_id_2> is not a sentinel here (only 2): "▁<extr" unknown, a, "_i" unknown, d,
        // "_2>" unknown. Nor is a number with a leading zero.
        check(*tok, "<extra_id_2>", {3, 2, 7, 2, 10, 2});
        check(*tok, "<extra_id_00>", {3, 2, 7, 2, 10, 2});
        // prepend_scheme "first": only the text that starts the input gets the ▁.
        auto first = T5Tokenizer::fromTokenizerJson(handFixture("first").dump(), "first.json");
        check(*first, "abc<extra_id_0>cd", {5, 12, 6});
        QVERIFY(contains(messageOf<ArgumentError>([&] { tok->sentinelId(2); }), "[0, 2)"));
    }

    void specialsAndDecode() {
        auto tok = T5Tokenizer::fromTokenizerJson(handFixture().dump(), "hand.json");
        const SpecialTokens s = tok->specials();
        QCOMPARE(s.pad, 0);
        QCOMPARE(s.eos, 1);
        QCOMPARE(s.bos, 0);  // T5's decoder start token is pad
        QCOMPARE(s.sep, 1);  // the encoder input ends with eos
        QCOMPARE(tok->decode({4, 6, 5, 3, 6}), std::string("abcd abc cd"));
        // pad, eos, unk and sentinels are dropped (transformers' skip_special_tokens=True).
        QCOMPARE(tok->decode({0, 4, 12, 6, 2, 1}), std::string("abcd"));
        QCOMPARE(tok->decode({11, 3, 6}), std::string("cd"));
        // Until text has come out each token loses its leading ▁ (SentencePiece's decoder).
        QCOMPARE(tok->decode({3, 3, 6, 3, 6}), std::string("cd cd"));
        QVERIFY(tok->isSpecial(11) && tok->isSpecial(2) && !tok->isSpecial(3));
        QVERIFY(contains(messageOf<ArgumentError>([&] { tok->decode({13}); }), "[0, 13)"));
    }

    void olderJsonLayoutGivesTheSameIds() {
        // transformers' older converter: Precompiled only, WhitespaceSplit then Metaspace with
        // add_prefix_space.
        nlohmann::json j = handFixture();
        j["normalizer"] = nullptr;
        j["pre_tokenizer"] = {
            {"type", "Sequence"},
            {"pretokenizers",
             {{{"type", "WhitespaceSplit"}},
              {{"type", "Metaspace"}, {"replacement", kSpace}, {"add_prefix_space", true}}}}};
        j["decoder"] = {{"type", "Metaspace"}, {"replacement", kSpace}, {"add_prefix_space", true}};
        auto tok = T5Tokenizer::fromTokenizerJson(j.dump(), "old.json");
        check(*tok, "abcd  abc cd ", {4, 6, 5, 3, 6});
        QCOMPARE(tok->decode({4, 6, 5}), std::string("abcd abc"));
    }

    void saveReloadAndFolderLoading() {
        const std::string hf = dir("hf_json");
        writeFile(hf + "/tokenizer.json", handFixture().dump());
        auto tok = loadTokenizerFrom(hf);
        QCOMPARE(tok->kind(), std::string("t5"));
        check(*tok, "abcd<extra_id_1>xa", {4, 6, 11, 3, 2, 7});
        auto file = loadTokenizerFrom(hf + "/tokenizer.json");
        check(*file, "abcd", {4, 6});

        const std::string saved = dir("saved_json");
        tok->save(saved);
        const nlohmann::json d = nlohmann::json::parse(readBytes(saved + "/rgpb_tokenizer.json"));
        QCOMPARE(d["kind"].get<std::string>(), std::string("t5"));
        QCOMPARE(d["file"].get<std::string>(), std::string("tokenizer.json"));
        QCOMPARE(d["specials"]["eos"].get<int>(), 1);
        auto back = loadTokenizer(saved);
        QCOMPARE(back->vocabSize(), 13);
        check(*back, "abcd<extra_id_1>xa", {4, 6, 11, 3, 2, 7});
        QCOMPARE(back->decode({4, 6}), std::string("abcd"));
    }

    void malformedJsonNamesTheFileAndKey() {
        struct Case {
            std::function<void(nlohmann::json&)> change;
            std::string expected;
        };
        const std::vector<Case> cases{
            {[](nlohmann::json& j) { j["model"]["vocab"][7] = {"a"}; },
             "bad.json (model.vocab[7]): expected [piece, score]"},
            {[](nlohmann::json& j) {
                 j["model"]["vocab"][8] = {"b", "x"};
             },
             "bad.json (model.vocab[8]): expected [piece, score]"},
            {[](nlohmann::json& j) { j["model"]["unk_id"] = 40; },
             "bad.json (model.unk_id): expected the id of the unknown piece, in [0, 13)"},
            {[](nlohmann::json& j) { j["model"]["byte_fallback"] = true; },
             "bad.json (model.byte_fallback): unsupported"},
            {[](nlohmann::json& j) {
                 j["normalizer"] = {{"type", "NFD"}};
             },
             "bad.json (normalizer.type): unsupported normalizer NFD"},
            {[](nlohmann::json& j) {
                 j["pre_tokenizer"] = {{"type", "ByteLevel"}};
             },
             "bad.json (pre_tokenizer.type): unsupported pre-tokenizer ByteLevel"},
            {[](nlohmann::json& j) { j["pre_tokenizer"]["prepend_scheme"] = "sometimes"; },
             "bad.json (pre_tokenizer.prepend_scheme): expected \"always\""},
            {[](nlohmann::json& j) {
                 j["model"]["vocab"][11][0] = "<extra_id_2>";
                 j["added_tokens"][3]["content"] = "<extra_id_2>";
             },
             "bad.json: sentinel <extra_id_1> missing"},
            {[](nlohmann::json& j) { j["added_tokens"][0]["content"] = "<s>"; },
             "bad.json (added_tokens[0].content): id 0 is '<pad>' in model.vocab, not '<s>'"},
            {[](nlohmann::json& j) {
                 j["model"]["vocab"][1][0] = "<eos>";
                 j["added_tokens"][1]["content"] = "<eos>";
             },
             "bad.json (model): not T5's Unigram model layout: expected the control pieces "
             "<pad> at id 0 and </s> at 1 and the unknown piece at 2, got '<pad>', '<eos>' and "
             "unknown id 2"},
            {[](nlohmann::json& j) { j["model"]["unk_id"] = 3; },
             "bad.json (model): not T5's Unigram model layout"},
            {[](nlohmann::json& j) {
                 j["normalizer"] = {{"type", "Precompiled"}, {"precompiled_charsmap", "AAA*"}};
             },
             "bad.json (normalizer.precompiled_charsmap): not base64"},
            {[](nlohmann::json& j) {
                 j["normalizer"] = {{"type", "Precompiled"}, {"precompiled_charsmap", "AAAA"}};
             },
             "bad.json (normalizer.precompiled_charsmap): precompiled_charsmap too short"},
            {[](nlohmann::json& j) {
                 // A trie of 100 bytes announced in a table of 8.
                 j["normalizer"] = {{"type", "Precompiled"},
                                    {"precompiled_charsmap", "ZAAAAAAAAAA="}};
             },
             "trie size 100 does not fit its 8 bytes"},
        };
        for (const Case& c : cases) {
            nlohmann::json j = handFixture();
            c.change(j);
            const std::string m = messageOf<InputError>(
                [&] { T5Tokenizer::fromTokenizerJson(j.dump(), "bad.json"); });
            QVERIFY2(contains(m, c.expected), (m + " <- expected: " + c.expected).c_str());
        }
        // Through the folder loader: a model type that is neither BPE nor Unigram.
        const std::string wp = dir("wordpiece");
        nlohmann::json j = handFixture();
        j["model"]["type"] = "WordPiece";
        writeFile(wp + "/tokenizer.json", j.dump());
        const std::string m = messageOf<InputError>([&] { loadTokenizerFrom(wp); });
        QVERIFY2(contains(m, wp + "/tokenizer.json (model.type)") &&
                     contains(m, "\"WordPiece\": expected \"BPE\"") && contains(m, "\"Unigram\""),
                 m.c_str());
    }

    void spieceModelIdsSentinelsAndRoundTrip() {
        const std::string work = dir("spm_train");
        const std::string model = trainSpm(work, smallCorpus(), 80);
        const std::string hf = dir("hf_spm");
        fs::copy_file(model, hf + "/spiece.model");
        writeFile(hf + "/tokenizer_config.json", R"({"extra_ids": 5})");
        auto loaded = loadTokenizerFrom(hf);
        auto* tok = dynamic_cast<T5Tokenizer*>(loaded.get());
        QVERIFY(tok && tok->fromSpieceModel());
        const int pieces = static_cast<int>(readSpmProto(readBytes(model)).pieces.size());
        QCOMPARE(tok->vocabSize(), pieces + 5);
        QCOMPARE(tok->specials().pad, 0);
        QCOMPARE(tok->specials().eos, 1);
        QVERIFY(tok->isSpecial(2));                // unk
        QCOMPARE(tok->sentinelId(0), pieces + 4);  // the last id
        QCOMPARE(tok->sentinelId(4), pieces);
        QCOMPARE(tok->pieceText(pieces + 4), std::string("<extra_id_0>"));

        const std::string text = "the cat sat on a mat";
        const Ids ids = tok->encode(text);
        QVERIFY(!ids.empty());
        for (int32_t id : ids)
            QVERIFY2(id > 2 && id < pieces, show(ids).c_str());
        QCOMPARE(tok->decode(ids), text);
        Ids with = tok->encode("hello world");
        with.push_back(tok->sentinelId(0));
        const Ids far = tok->encode("far away");
        with.insert(with.end(), far.begin(), far.end());
        check(*tok, "hello world <extra_id_0>far away", with);
        QCOMPARE(tok->decode(with), std::string("hello world far away"));
        QCOMPARE(tok->decode({0, ids[0], 1}), tok->decode({ids[0]}));

        // Default extra_ids is 100; save and reload keep the ids.
        auto hundred = T5Tokenizer::loadSpieceModel(hf + "/spiece.model");
        QCOMPARE(hundred->sentinelId(0), pieces + 99);
        const std::string saved = dir("saved_spm");
        tok->save(saved);
        auto back = loadTokenizer(saved);
        QCOMPARE(back->vocabSize(), pieces + 5);
        check(*back, "hello world <extra_id_0>far away", with);
        QCOMPARE(readBytes(saved + "/spiece.model"), readBytes(model));
    }

    void spieceModelAndItsTokenizerJsonAgree() {
        const std::string work = dir("spm_compare");
        const std::string model = trainSpm(work, smallCorpus(), 80);
        auto spm = T5Tokenizer::loadSpieceModel(model, 3);
        const SpmProto proto = readSpmProto(readBytes(model));
        QCOMPARE(proto.pieces[0].type, 3);  // <pad> control
        QCOMPARE(proto.pieces[2].type, 2);  // <unk> unknown
        auto json = convertedToJson(model, 3);
        QCOMPARE(json->vocabSize(), spm->vocabSize());
        QCOMPARE(json->sentinelId(0), spm->sentinelId(0));
        const std::vector<std::string> texts = {
            "the cat sat on a mat",
            "  Hello   World.  ",
            "translate English to German: the dog ran far away",
            "summarize:<extra_id_0> cat <extra_id_2>mat",
            "\xEF\xBC\xB4\xEF\xBD\x88\xEF\xBD\x85 cat",  // full-width "The": NFKC makes it ASCII
            "zebra \xE2\x82\xAC 42 qq",                  // letters and a sign never seen
            "tab\tand\nnewline",
            "\xFF broken \xC3 utf8",
        };
        // The model normalizes (NFKC): full-width letters give the ASCII word's ids.
        QCOMPARE(show(spm->encode(texts[4])), show(spm->encode("The cat")));
        for (const std::string& t : texts) {
            const Ids a = spm->encode(t), b = json->encode(t);
            QVERIFY2(
                a == b,
                ("'" + t + "': spiece.model " + show(a) + ", tokenizer.json " + show(b)).c_str());
            QVERIFY2(json->decode(b) == spm->decode(a),
                     ("'" + t + "': decoded by spiece.model '" + spm->decode(a) +
                      "', by tokenizer.json '" + json->decode(b) + "'")
                         .c_str());
        }
    }

    // Real dialogue text (HH-RLHF, when the shared data is there): a 1000-piece model trained
    // on 300 records, compared on those and 200 held-out records.
    void spieceModelAndItsTokenizerJsonAgreeOnHhRlhf() {
        const QByteArray env = qgetenv("RGPB_SHARED_DIR");
        const std::string shared = env.isEmpty() ? std::string(RGPB_SHARED_DIR) : env.toStdString();
        const std::string path = shared + "/data/hh-rlhf/harmless-base-dev.jsonl.gz";
        if (!fs::exists(path))
            QSKIP(qPrintable(QString::fromStdString(
                path + " not found (set RGPB_SHARED_DIR to the folder holding data/hh-rlhf)")));
        std::vector<std::string> texts;
        LineReader reader(path);
        for (std::string line; texts.size() < 1000 && reader.next(line);) {
            const nlohmann::json record = nlohmann::json::parse(line);
            texts.push_back(record.at("chosen").get<std::string>());
            texts.push_back(record.at("rejected").get<std::string>());
        }
        QCOMPARE(texts.size(), std::size_t(1000));
        std::string corpus;
        for (size_t i = 0; i < 600; ++i)
            corpus += texts[i] + "\n";
        const std::string model = trainSpm(dir("hh"), corpus, 1000);
        auto spm = T5Tokenizer::loadSpieceModel(model);
        auto json = convertedToJson(model, 100);
        size_t ids = 0, bytes = 0;
        for (const std::string& t : texts) {
            const Ids a = spm->encode(t), b = json->encode(t);
            QVERIFY2(
                a == b,
                ("'" + t + "': spiece.model " + show(a) + ", tokenizer.json " + show(b)).c_str());
            QVERIFY2(json->decode(b) == spm->decode(a), t.c_str());
            ids += a.size();
            bytes += t.size();
        }
        // A 1000-piece model needs well under one id per two bytes of English.
        QVERIFY2(ids * 2 < bytes,
                 (std::to_string(ids) + " ids, " + std::to_string(bytes) + " bytes").c_str());
    }

    void corruptSpieceModelIsRefusedNamingTheFile() {
        const std::string hf = dir("corrupt");
        writeFile(hf + "/spiece.model", "this is not a protobuf");
        const std::string m = messageOf<InputError>([&] { loadTokenizerFrom(hf); });
        QVERIFY2(contains(m, hf + "/spiece.model") && contains(m, "not a SentencePiece model"),
                 m.c_str());
        // SentencePiece's default layout (<unk> 0, <s> 1, </s> 2) and the workbench's own
        // (<pad> 0, <s> 1, </s> 2, <sep> 3, <unk> 4) are not T5's.
        const std::string other = trainSpm(dir("other_layout"), smallCorpus(), 80, false);
        const std::string o = messageOf<InputError>([&] { T5Tokenizer::loadSpieceModel(other); });
        QVERIFY2(contains(o, other + ": not T5's SentencePiece model layout") &&
                     contains(o, "got '<unk>', '<s>'"),
                 o.c_str());
        // <pad> and </s> at 0 and 1 but as user-defined pieces (text would produce them).
        const std::string user = trainSpm(dir("user_defined"), smallCorpus(), 80, false,
                                          {{"unk_id", "2"},
                                           {"bos_id", "-1"},
                                           {"eos_id", "-1"},
                                           {"user_defined_symbols", "<pad>,</s>"}});
        const std::string u = messageOf<InputError>([&] { T5Tokenizer::loadSpieceModel(user); });
        QVERIFY2(contains(u, "got '<pad>', '</s>' (not both control pieces)"), u.c_str());
        const std::string own = dir("own_layout");
        std::vector<std::string> lines;
        std::istringstream corpus(readBytes(dir("other_layout") + "/corpus.txt"));
        for (std::string line; std::getline(corpus, line);)
            lines.push_back(line);
        auto own_tok = trainSentencePieceTokenizer(lines, 300, own);
        QCOMPARE(own_tok->decode(own_tok->encode("the cat sat")), std::string("the cat sat"));
        const std::string w =
            messageOf<InputError>([&] { T5Tokenizer::loadSpieceModel(own + "/spm.model"); });
        QVERIFY2(
            contains(w, "not T5's SentencePiece model layout") && contains(w, "got '<pad>', '<s>'"),
            w.c_str());
        writeFile(hf + "/spiece.model", readBytes(trainSpm(dir("t5_layout"), smallCorpus(), 80)));
        writeFile(hf + "/tokenizer_config.json", R"({"extra_ids": "many"})");
        const std::string e = messageOf<InputError>([&] { loadTokenizerFrom(hf); });
        QVERIFY2(contains(e, hf + "/tokenizer_config.json (extra_ids)"), e.c_str());
    }
};

RGPB_TEST_MAIN(T5TokenizerTest)
}  // namespace rgpb_test_t5_tokenizer
#include "test_t5_tokenizer.moc"
