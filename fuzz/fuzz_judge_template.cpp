// The model judge's untrusted text (core/judging/JudgeTemplate.h): the input as a judge
// template file (loaded, then rendered), and as an endpoint's answer to the verdict parser.
#include "core/judging/JudgeTemplate.h"
#include "fuzz/FuzzSupport.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string text(rgpb::fuzz::asText(data, size));
    rgpb::judging::parseJudgeVerdict(text);
    const std::string path = rgpb::fuzz::writeInput("template.txt", text);
    rgpb::fuzz::expectClean([&] {
        const auto t = rgpb::judging::loadJudgeTemplate(path);
        rgpb::judging::renderJudgePrompt(t, text, "{response_2}", "{conversation}");
    });
    return 0;
}
