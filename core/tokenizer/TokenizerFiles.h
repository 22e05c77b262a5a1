// The on-disk side of tokenizers shared by every kind: writing and checking the
// rgpb_tokenizer.json descriptor. Internal to core/tokenizer (the rest of the workbench goes
// through TokenizerFactory.h). Torch-free.
#pragma once

#include <nlohmann/json_fwd.hpp>

#include <string>

#include "core/tokenizer/Tokenizer.h"

namespace rgpb {

// Creates `dir` if needed and writes `descriptor` plus "format": 1 and the specials to
// dir/rgpb_tokenizer.json. Throws rgpb::Error naming the file when it cannot be written.
void writeDescriptor(const std::string& dir, nlohmann::json descriptor,
                     const SpecialTokens& specials);

// Throws InputError("<path> (specials.<name>)") when the descriptor's "specials" object, if
// present, disagrees with `expected` (ids are fixed per tokenizer, a mismatch means the files
// were edited or written by something else).
void checkDescriptorSpecials(const nlohmann::json& descriptor, const std::string& path,
                             const SpecialTokens& expected);

// Reading tokenizer.json files: InputError "<source> (<key>)" saying `what`.
[[noreturn]] void throwAtKey(const std::string& source, const std::string& key,
                             const std::string& what);
// obj[key] as a bool: `fallback` when absent or null; InputError "<source> (<path>.<key>)" when
// it is not a bool.
bool optionalBool(const nlohmann::json& obj, const char* key, bool fallback,
                  const std::string& source, const std::string& path);

}  // namespace rgpb
