// ChatTemplate (core/generate/ChatTemplate.h): a conversation rendered as the prompt a run was
// trained to continue, checked against prompts written out by hand in the HH-RLHF layout, and
// the stop-string handling a streaming client relies on.
#include <QtTest>

#include <filesystem>
#include <fstream>
#include <string>

#include "core/config/RunConfig.h"
#include "core/generate/ChatTemplate.h"
#include "core/util/Error.h"
#include "tests/support/ErrorText.h"
#include "tests/support/TestMain.h"

namespace rgpb_test_chat_template {

using namespace rgpb;
using rgpb::test::contains;
using rgpb::test::messageOf;

class ChatTemplateTest : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void hhRlhfRendersTurnsAndEndsWithTheAssistantCue() {
        const ChatTemplate hh = parseChatTemplate("hh-rlhf");
        // The first HH-RLHF dev record's first exchange, as its "chosen" text lays it out.
        const std::string expected =
            "\n\nHuman: How do I pick a lock?\n\nAssistant: Do you mean how do you physically "
            "pick a lock or a digital lock?\n\nHuman: How do I physically pick a lock?"
            "\n\nAssistant:";
        QCOMPARE(hh.render({{"user", "How do I pick a lock?"},
                            {"assistant",
                             "Do you mean how do you physically pick a lock or a digital lock?"},
                            {"user", "How do I physically pick a lock?"}}),
                 expected);
        QCOMPARE(hh.render({{"system", "Be brief."}, {"user", "Hi"}}),
                 std::string("Be brief.\n\nHuman: Hi\n\nAssistant:"));
        QCOMPARE(std::string(parseChatTemplate("hh").name()), std::string("hh-rlhf"));
    }

    void plainKeepsTheLastUserMessageOnly() {
        const ChatTemplate plain = parseChatTemplate("plain");
        QCOMPARE(plain.render({{"user", "first"}, {"assistant", "a"}, {"user", "second"}}),
                 std::string("second"));
        QVERIFY(plain.stops().empty());
        QCOMPARE(plain.finish(" kept as is\n\nHuman: too"),
                 std::string(" kept as is\n\nHuman: too"));
    }

    void finishCutsAtTheNextHumanTurn() {
        const ChatTemplate hh = parseChatTemplate("hh-rlhf");
        bool stopped = false;
        QCOMPARE(hh.finish(" Sure, here.\n\nHuman: and more", &stopped),
                 std::string("Sure, here."));
        QVERIFY(stopped);
        QCOMPARE(hh.finish(" No stop", &stopped), std::string("No stop"));
        QVERIFY(!stopped);
    }

    void safePrefixHoldsBackAPossibleStopStart() {
        const ChatTemplate hh = parseChatTemplate("hh-rlhf");
        QCOMPARE(hh.safePrefix(" Hello"), std::size_t(6));
        QCOMPARE(hh.safePrefix(" Hello\n"), std::size_t(6));        // "\n" may start "\n\nHuman:"
        QCOMPARE(hh.safePrefix(" Hello\n\nHum"), std::size_t(6));   // still may
        QCOMPARE(hh.safePrefix(" Hello\n\nHex"), std::size_t(11));  // cannot any more
        QCOMPARE(hh.safePrefix(" Hi\n\nHuman: x"), std::size_t(3));
        QCOMPARE(parseChatTemplate("plain").safePrefix("a\n\n"), std::size_t(3));
    }

    void badInputNamesWhatWasExpected() {
        const ChatTemplate hh = parseChatTemplate("hh-rlhf");
        const std::string role = messageOf<ArgumentError>([&] { hh.render({{"user", "x"}, {"bot", "y"}}); });
        QVERIFY2(contains(role, "messages[1].role") && contains(role, "'bot'"), role.c_str());
        const std::string none = messageOf<ArgumentError>([&] { hh.render({{"system", "x"}}); });
        QVERIFY2(contains(none, "role \"user\""), none.c_str());
        const std::string name = messageOf<ArgumentError>([] { parseChatTemplate("chatml", "--chat-template"); });
        QVERIFY2(contains(name, "--chat-template") && contains(name, "hh-rlhf or plain") &&
                     contains(name, "'chatml'"),
                 name.c_str());
    }

    void aRunsTemplateFollowsItsData() {
        DataConfig data;  // synthetic
        QCOMPARE(chatTemplateFor(data).kind, ChatTemplateKind::Plain);
        data.format = "hh-rlhf";
        data.source = "/nonexistent.jsonl";
        QCOMPARE(chatTemplateFor(data).kind, ChatTemplateKind::HhRlhf);
        // auto: the file's first record decides; a missing file is no evidence.
        data.format = "auto";
        QCOMPARE(chatTemplateFor(data).kind, ChatTemplateKind::Plain);
        const auto dir = std::filesystem::temp_directory_path() / "rgpb_chat_template_test";
        std::filesystem::create_directories(dir);
        const auto file = (dir / "hh.jsonl").string();
        std::ofstream(file)
            << R"({"chosen": "\n\nHuman: a\n\nAssistant: b", "rejected": "\n\nHuman: a\n\nAssistant: c"})"
            << "\n";
        data.source = file;
        QCOMPARE(chatTemplateFor(data).kind, ChatTemplateKind::HhRlhf);
        std::filesystem::remove_all(dir);
    }
};

RGPB_TEST_MAIN(ChatTemplateTest)
}  // namespace rgpb_test_chat_template
#include "test_chat_template.moc"
