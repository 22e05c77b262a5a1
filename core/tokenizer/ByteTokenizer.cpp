#include "core/tokenizer/ByteTokenizer.h"

#include <nlohmann/json.hpp>

#include "core/tokenizer/TokenizerFiles.h"
#include "core/util/Error.h"

namespace rgpb {

std::vector<int32_t> ByteTokenizer::encode(const std::string& text) const {
    std::vector<int32_t> ids;
    ids.reserve(text.size());
    for (unsigned char byte : text)
        ids.push_back(kFirstByteId + static_cast<int32_t>(byte));
    return ids;
}

std::string ByteTokenizer::decode(const std::vector<int32_t>& ids) const {
    std::string text;
    text.reserve(ids.size());
    for (std::size_t i = 0; i < ids.size(); ++i) {
        int32_t id = ids[i];
        requireArgument(id >= 0 && id < kVocabSize, "ByteTokenizer::decode", "ids",
                        detail::concat("ids in [0, ", kVocabSize, ")"), "id ", id, " at position ",
                        i);
        if (id < kFirstByteId)
            continue;  // specials carry no text
        text.push_back(static_cast<char>(static_cast<unsigned char>(id - kFirstByteId)));
    }
    return text;
}

void ByteTokenizer::save(const std::string& dir) const {
    nlohmann::json descriptor = {{"kind", kind()}, {"vocab_size", kVocabSize}};
    writeDescriptor(dir, descriptor, specials());
}

}  // namespace rgpb
