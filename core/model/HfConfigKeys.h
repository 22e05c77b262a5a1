// Typed reading of a Hugging Face config.json's keys, every complaint located as
// "source (key)": the one reader behind ModelConfig::fromHfJson (GPT-NeoX, GPT-2) and
// T5Config::fromHfJson. A key that is absent or null is "not given". Torch-free, header-only.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <limits>
#include <string>

#include "core/util/Error.h"

namespace rgpb {

class HfConfigKeys {
public:
    HfConfigKeys(const nlohmann::json& j, const std::string& source) : j_(j), source_(source) {}

    // The value of `key` (or of `alt`, a newer spelling of the same key), or nullptr when
    // neither is given.
    const nlohmann::json* find(const char* key, const char* alt = nullptr) const {
        for (const char* k : {key, alt}) {
            if (k == nullptr)
                continue;
            auto it = j_.find(k);
            if (it != j_.end() && !it->is_null())
                return &*it;
        }
        return nullptr;
    }
    [[noreturn]] void fail(const char* key, const std::string& problem) const {
        throw InputError(source_ + " (" + key + ")", problem);
    }

    // An integer in [min, max]; `fallback` when not given, or InputError when `required`.
    int64_t integer(const char* key, int64_t min, int64_t max, bool required,
                    int64_t fallback = 0) const {
        const nlohmann::json* v = find(key);
        if (v == nullptr) {
            if (required)
                fail(key, "missing key, expected an integer");
            return fallback;
        }
        if (!v->is_number_integer())
            fail(key, "expected an integer, got " + v->dump());
        const int64_t n = v->get<int64_t>();
        if (n < min || n > max) {
            fail(key, "expected an integer in [" + std::to_string(min) + ", " +
                          std::to_string(max) + "], got " + std::to_string(n));
        }
        return n;
    }
    // A required size of at most `max` `unit`s: what a file claims is checked before anything
    // is sized by it (a config.json claiming 10^9 layers must not build them).
    int64_t size(const char* key, int64_t max, const char* unit) const {
        const int64_t v = integer(key, std::numeric_limits<int64_t>::min(),
                                  std::numeric_limits<int64_t>::max(), true);
        if (v > max) {
            fail(key, "claims " + std::to_string(v) + " " + unit + ", more than the limit of " +
                          std::to_string(max) + ": refused before building the model");
        }
        return v;
    }
    // A number (> 0 when `positive`); `fallback` when not given.
    double number(const char* key, const char* alt, double fallback, bool positive = false) const {
        const nlohmann::json* v = find(key, alt);
        if (v == nullptr)
            return fallback;
        if (!v->is_number() || (positive && !(v->get<double>() > 0.0)))
            fail(key, std::string("expected a ") + (positive ? "positive " : "") + "number, got " +
                          v->dump());
        return v->get<double>();
    }
    bool boolean(const char* key, bool fallback) const {
        const nlohmann::json* v = find(key);
        if (v == nullptr)
            return fallback;
        if (!v->is_boolean())
            fail(key, "expected true or false, got " + v->dump());
        return v->get<bool>();
    }

private:
    const nlohmann::json& j_;
    const std::string& source_;
};

}  // namespace rgpb
