// rgpb_spm: the only code that links SentencePiece. Built as a separate MODULE library (see
// core/CMakeLists.txt) and loaded by core/tokenizer/SpmShim.cpp; rgpb_spm.h says why. Every
// entry point catches everything: no C++ exception may cross the C boundary.
#include "core/tokenizer/spm_shim/rgpb_spm.h"

#include <sentencepiece_processor.h>
#include <sentencepiece_trainer.h>

#include <cstdlib>
#include <cstring>
#include <exception>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

// Not declared in SentencePiece's installed headers but exported by libsentencepiece; without
// it every training run prints its whole configuration and progress to stderr.
namespace sentencepiece::logging {
void SetMinLogLevel(int v);
}

struct rgpb_spm_model {
    sentencepiece::SentencePieceProcessor processor;
};

namespace {

thread_local std::string g_last_error;

int fail(const std::string& message) {
    g_last_error = message;
    return -1;
}

template <typename Body>
int guarded(Body&& body) {
    try {
        return body();
    } catch (const std::exception& e) {
        return fail(std::string("SentencePiece: ") + e.what());
    } catch (...) {
        return fail("SentencePiece: unknown exception");
    }
}

}  // namespace

extern "C" {

__attribute__((visibility("default"))) int rgpb_spm_abi(void) {
    return RGPB_SPM_ABI;
}

__attribute__((visibility("default"))) const char* rgpb_spm_last_error(void) {
    return g_last_error.c_str();
}

__attribute__((visibility("default"))) int rgpb_spm_train(const char* const* keys,
                                                          const char* const* values, int count,
                                                          unsigned int seed) {
    return guarded([&] {
        std::unordered_map<std::string, std::string> kwargs;
        for (int i = 0; i < count; ++i)
            kwargs[keys[i]] = values[i];
        sentencepiece::logging::SetMinLogLevel(2);  // errors only
        sentencepiece::SetRandomGeneratorSeed(seed);
        auto status = sentencepiece::SentencePieceTrainer::Train(kwargs);
        if (!status.ok())
            return fail(status.ToString());
        return 0;
    });
}

__attribute__((visibility("default"))) rgpb_spm_model* rgpb_spm_load(const char* model_path) {
    try {
        auto model = std::make_unique<rgpb_spm_model>();
        auto status = model->processor.Load(model_path);
        if (!status.ok()) {
            fail(status.ToString());
            return nullptr;
        }
        return model.release();
    } catch (const std::exception& e) {
        fail(std::string("SentencePiece: ") + e.what());
    } catch (...) {
        fail("SentencePiece: unknown exception");
    }
    return nullptr;
}

__attribute__((visibility("default"))) void rgpb_spm_free(rgpb_spm_model* model) {
    delete model;
}

__attribute__((visibility("default"))) int rgpb_spm_piece_count(const rgpb_spm_model* model) {
    return model->processor.GetPieceSize();
}

__attribute__((visibility("default"))) int rgpb_spm_is_control(const rgpb_spm_model* model,
                                                               int id) {
    if (id < 0 || id >= model->processor.GetPieceSize())
        return 0;
    return model->processor.IsControl(id) ? 1 : 0;
}

__attribute__((visibility("default"))) int rgpb_spm_is_unknown(const rgpb_spm_model* model,
                                                               int id) {
    if (id < 0 || id >= model->processor.GetPieceSize())
        return 0;
    return model->processor.IsUnknown(id) ? 1 : 0;
}

__attribute__((visibility("default"))) const char* rgpb_spm_id_to_piece(const rgpb_spm_model* model,
                                                                        int id) {
    if (id < 0 || id >= model->processor.GetPieceSize())
        return "";
    return model->processor.IdToPiece(id).c_str();
}

__attribute__((visibility("default"))) int rgpb_spm_encode(const rgpb_spm_model* model,
                                                           const char* text, size_t size,
                                                           int32_t** ids, size_t* count) {
    *ids = nullptr;
    *count = 0;
    return guarded([&] {
        std::vector<int> out;
        auto status = model->processor.Encode(std::string(text, size), &out);
        if (!status.ok())
            return fail(status.ToString());
        // malloc, not new[]: the caller frees through rgpb_spm_free_buffer() and must not
        // care which allocator the module uses; +1 so an empty result is still a valid pointer.
        auto* buffer = static_cast<int32_t*>(std::malloc((out.size() + 1) * sizeof(int32_t)));
        if (!buffer)
            return fail("SentencePiece: out of memory");
        for (size_t i = 0; i < out.size(); ++i)
            buffer[i] = static_cast<int32_t>(out[i]);
        *ids = buffer;
        *count = out.size();
        return 0;
    });
}

__attribute__((visibility("default"))) int rgpb_spm_decode(const rgpb_spm_model* model,
                                                           const int32_t* ids, size_t count,
                                                           char** text, size_t* size) {
    *text = nullptr;
    *size = 0;
    return guarded([&] {
        std::vector<int> in(ids, ids + count);
        std::string out;
        auto status = model->processor.Decode(in, &out);
        if (!status.ok())
            return fail(status.ToString());
        auto* buffer = static_cast<char*>(std::malloc(out.size() + 1));
        if (!buffer)
            return fail("SentencePiece: out of memory");
        std::memcpy(buffer, out.data(), out.size());
        buffer[out.size()] = '\0';
        *text = buffer;
        *size = out.size();
        return 0;
    });
}

__attribute__((visibility("default"))) void rgpb_spm_free_buffer(void* buffer) {
    std::free(buffer);
}

}  // extern "C"
