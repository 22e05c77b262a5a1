// Loads rgpb_spm, the SentencePiece shim module, into the process with dlopen(RTLD_DEEPBIND)
// and hands out its C entry points. SentencePiece cannot be linked into the core directly (its
// protobuf-lite clashes with LibTorch's libprotobuf, see core/tokenizer/spm_shim/rgpb_spm.h);
// a deep-bound module resolves its SentencePiece and protobuf symbols inside its own
// dependency tree first, so both copies live side by side. Torch-free.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/tokenizer/spm_shim/rgpb_spm.h"

namespace rgpb::spm {

// The module's functions, resolved once.
struct ShimApi {
    std::string path;  // the file that was loaded
    decltype(&rgpb_spm_abi) abi = nullptr;
    decltype(&rgpb_spm_last_error) last_error = nullptr;
    decltype(&rgpb_spm_train) train = nullptr;
    decltype(&rgpb_spm_load) load = nullptr;
    decltype(&rgpb_spm_free) free = nullptr;
    decltype(&rgpb_spm_piece_count) piece_count = nullptr;
    decltype(&rgpb_spm_is_control) is_control = nullptr;
    decltype(&rgpb_spm_is_unknown) is_unknown = nullptr;
    decltype(&rgpb_spm_id_to_piece) id_to_piece = nullptr;
    decltype(&rgpb_spm_encode) encode = nullptr;
    decltype(&rgpb_spm_decode) decode = nullptr;
    decltype(&rgpb_spm_free_buffer) free_buffer = nullptr;
};

// Where the module is looked for, in order: $RGPB_SPM_SHIM (a file; when set, the only
// candidate), the running executable's folder, <executable folder>/../lib/rgpb (installed layout),
// and the build tree it was built in.
std::vector<std::string> shimCandidates();

// Loads the module on first use (thread-safe) and returns its entry points. Throws rgpb::Error
// listing every place tried and why each failed.
const ShimApi& shim();

// `model`'s ids for `text`, and its text for `ids` (through the module's buffers). Throw
// rgpb::Error with SentencePiece's reason when it fails.
std::vector<int32_t> encode(const rgpb_spm_model* model, const std::string& text);
std::string decode(const rgpb_spm_model* model, const std::vector<int32_t>& ids);

}  // namespace rgpb::spm
