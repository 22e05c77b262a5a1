// A run's sample log (core/generate/SampleLog.h: run_dir/samples.jsonl, read by `rgpb samples`
// and the workbench's Samples tab): the input as that file.
#include "core/generate/SampleLog.h"
#include "fuzz/FuzzSupport.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    rgpb::fuzz::writeInput("run/samples.jsonl", rgpb::fuzz::asText(data, size));
    rgpb::fuzz::expectClean([&] { rgpb::readSamples(rgpb::fuzz::tempPath("run")); });
    return 0;
}
