// Test helpers for SentencePiece model files: a reader of the ModelProto's protobuf wire format
// (pieces with scores and types, the normalizer's precompiled table), base64, and training a
// small unigram model through the rgpb_spm shim. Independent of the code under test: the reader
// is written from the protobuf encoding rules and sentencepiece_model.proto's field numbers
// (ModelProto: 1 pieces {1 piece, 2 score, 3 type}, 3 normalizer_spec {2 precompiled_charsmap}).
#pragma once

#include <cstdint>
#include <cstring>
#include <fstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "core/tokenizer/SpmShim.h"

namespace rgpb::test {

struct SpmProto {
    struct Piece {
        std::string text;
        float score = 0;
        int type = 1;  // 1 normal, 2 unknown, 3 control, 4 user defined
    };
    std::vector<Piece> pieces;
    std::string charsmap;  // normalizer_spec.precompiled_charsmap
};

inline uint64_t readVarint(const std::string& b, size_t& at) {
    uint64_t v = 0;
    for (int shift = 0; at < b.size(); shift += 7) {
        const auto c = static_cast<unsigned char>(b[at++]);
        v |= static_cast<uint64_t>(c & 0x7F) << shift;
        if (!(c & 0x80))
            return v;
    }
    throw std::runtime_error("truncated varint");
}

// Calls field(number, wire_type, bytes_or_value) for each field of a message.
template <typename F>
void forEachField(const std::string& b, F&& field) {
    for (size_t at = 0; at < b.size();) {
        const uint64_t key = readVarint(b, at);
        const int number = static_cast<int>(key >> 3), wire = static_cast<int>(key & 7);
        if (wire == 0) {
            field(number, wire, std::string(), readVarint(b, at));
        } else if (wire == 2) {
            const auto n = static_cast<size_t>(readVarint(b, at));
            if (n > b.size() - at)
                throw std::runtime_error("truncated field");
            field(number, wire, b.substr(at, n), 0);
            at += n;
        } else if (wire == 5) {
            if (at + 4 > b.size())
                throw std::runtime_error("truncated fixed32");
            uint32_t v;
            std::memcpy(&v, b.data() + at, 4);
            field(number, wire, std::string(), v);
            at += 4;
        } else if (wire == 1) {
            at += 8;
        } else {
            throw std::runtime_error("unexpected wire type");
        }
    }
}

inline SpmProto readSpmProto(const std::string& bytes) {
    SpmProto proto;
    forEachField(bytes, [&](int number, int, const std::string& sub, uint64_t) {
        if (number == 1) {
            SpmProto::Piece p;
            forEachField(sub, [&](int n, int, const std::string& s, uint64_t v) {
                if (n == 1)
                    p.text = s;
                else if (n == 2) {
                    const auto bits = static_cast<uint32_t>(v);
                    std::memcpy(&p.score, &bits, 4);
                } else if (n == 3)
                    p.type = static_cast<int>(v);
            });
            proto.pieces.push_back(p);
        } else if (number == 3) {
            forEachField(sub, [&](int n, int, const std::string& s, uint64_t) {
                if (n == 2)
                    proto.charsmap = s;
            });
        }
    });
    return proto;
}

inline std::string base64(const std::string& bytes) {
    static const char* alphabet =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    for (size_t i = 0; i < bytes.size(); i += 3) {
        uint32_t v = static_cast<unsigned char>(bytes[i]) << 16;
        if (i + 1 < bytes.size())
            v |= static_cast<unsigned char>(bytes[i + 1]) << 8;
        if (i + 2 < bytes.size())
            v |= static_cast<unsigned char>(bytes[i + 2]);
        out += alphabet[(v >> 18) & 63];
        out += alphabet[(v >> 12) & 63];
        out += i + 1 < bytes.size() ? alphabet[(v >> 6) & 63] : '=';
        out += i + 2 < bytes.size() ? alphabet[v & 63] : '=';
    }
    return out;
}

using SpmOptions = std::vector<std::pair<std::string, std::string>>;

// Trains a unigram model of `vocab_size` pieces on `corpus` (one sentence a line) with
// SentencePiece's default nmt_nfkc normalization, in T5's layout (pad 0, eos 1, unk 2, no bos) or
// with `t5_layout` false in SentencePiece's default one (unk 0, <s> 1, </s> 2, no pad), and
// returns the .model file's path. `more`: further SentencePiece options (later ones win).
inline std::string trainSpm(const std::string& dir, const std::string& corpus, int vocab_size,
                            bool t5_layout = true, const SpmOptions& more = {}) {
    const std::string input = dir + "/corpus.txt";
    std::ofstream(input, std::ios::binary | std::ios::trunc) << corpus;
    const std::string prefix = dir + "/t5spm";
    SpmOptions options = {{"input", input},
                          {"model_prefix", prefix},
                          {"model_type", "unigram"},
                          {"vocab_size", std::to_string(vocab_size)},
                          {"hard_vocab_limit", "false"},
                          {"num_threads", "1"},
                          {"character_coverage", "1.0"},
                          {"shuffle_input_sentence", "false"}};
    if (t5_layout) {
        for (const auto& [k, v] : {std::pair<const char*, const char*>{"pad_id", "0"},
                                   {"eos_id", "1"},
                                   {"unk_id", "2"},
                                   {"bos_id", "-1"}})
            options.emplace_back(k, v);
    }
    options.insert(options.end(), more.begin(), more.end());
    std::vector<const char*> keys, values;
    for (const auto& [k, v] : options) {
        keys.push_back(k.c_str());
        values.push_back(v.c_str());
    }
    const spm::ShimApi& api = spm::shim();
    if (api.train(keys.data(), values.data(), static_cast<int>(keys.size()), 7) != 0)
        throw std::runtime_error(std::string("training failed: ") + api.last_error());
    return prefix + ".model";
}

}  // namespace rgpb::test
