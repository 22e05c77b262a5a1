// Reading and writing the safetensors format (https://huggingface.co/docs/safetensors), the
// checkpoint format of Hugging Face models, and loading/saving a GptNeoX's weights with it.
// Implementation header: includes LibTorch; the GUI never includes it.
//
// Layout written: 8-byte little-endian u64 N; N bytes of JSON header (space-padded to a multiple
// of 8 so the data starts aligned) {"__metadata__": {string: string}, "<name>": {"dtype": "F32",
// "shape": [d0, d1, ...], "data_offsets": [begin, end]}, ...} with tensors sorted by name and
// offsets relative to the data section; then each tensor's raw little-endian bytes, C order,
// back to back in the same order. Tensors of any shape (0-d and empty included) and device;
// they are copied to the CPU to be written.
#pragma once

#include <torch/torch.h>

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "core/model/GptNeoX.h"
#include "core/model/SafetensorsHeader.h"

namespace rgpb {

// Writes through an AtomicFile (core/util/SafeFile.h): a crash or an error never leaves a
// half-written file at `path`, never damages a file already there, never writes through a link.
// Supports F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL. ArgumentError for a duplicate name or
// an unsupported dtype (checked before anything is written); rgpb::Error when the file cannot be
// written.
void saveSafetensors(const std::string& path,
                     const std::vector<std::pair<std::string, torch::Tensor>>& tensors,
                     const std::map<std::string, std::string>& metadata = {});

struct SafetensorsFile {
    std::vector<std::pair<std::string, torch::Tensor>> tensors;  // sorted by name, CPU
    std::map<std::string, std::string> metadata;                 // "__metadata__"
};

// InputError naming the path and what is wrong: missing file, truncated header/data, bad JSON,
// offsets out of range or overlapping, unknown dtype (says which, lists the supported),
// shape/size mismatch.
SafetensorsFile loadSafetensors(const std::string& path);

// The header alone: readSafetensorsHeader() in core/model/SafetensorsHeader.h (torch-free).
// The LibTorch dtype of a header's dtype.
torch::ScalarType torchDtype(SafetensorsDtype dtype);

// Copies the file's tensors into the model by name, converting dtype (f16/bf16 -> the model's
// dtype) and device. Everything is checked before anything is copied, so a bad file leaves the
// model as it was. Missing tensor, unexpected tensor, wrong shape -> InputError
// "path: tensor 'NAME' has shape [a, b], the model expects [c, d]".
void loadModelWeights(GptNeoX& model, const std::string& path);
// Saves namedWeights(model) with `metadata` plus {"format": "pt"} (what transformers expects).
void saveModelWeights(GptNeoX& model, const std::string& path,
                      const std::map<std::string, std::string>& metadata = {});

}  // namespace rgpb
