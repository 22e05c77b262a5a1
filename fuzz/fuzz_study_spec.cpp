// A study file (core/study/StudySpec.h): parseStudySpec() on the input as the YAML of
// study.yaml, and a study that parses is planned (planStudy(): its runs, cells and content
// hashes) into a folder that holds nothing, as `rgpb study plan` does.
#include "core/study/StudyPlan.h"
#include "core/study/StudySpec.h"
#include "fuzz/FuzzSupport.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string text(rgpb::fuzz::asText(data, size));
    rgpb::fuzz::expectClean([&] {
        const rgpb::StudySpec spec = rgpb::parseStudySpec(text, rgpb::fuzz::tempPath("study.yaml"));
        (void)rgpb::planStudy(spec, rgpb::fuzz::tempPath("studies"));
    });
    return 0;
}
