// Reading one YAML mapping of a configuration file with checked keys: every value is read with its
// type and range checked, and a key nobody asked for is reported, always as
// "file:line:col: key.path: what is allowed". The run config reader (RunConfigYaml.cpp) and the
// study file reader (core/study/StudySpec.cpp) share it, so both files report problems the same
// way. Torch-free; the range and choice rules of run config keys come from ConfigFields.h.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cmath>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "core/config/ConfigFields.h"
#include "core/util/Error.h"

namespace rgpb {

// "source:line:col" of a YAML position; "source (--set)" for a node made by an override.
inline std::string yamlLocation(const std::string& source, const YAML::Mark& mark) {
    if (mark.line < 0) {
        return source + " (--set)";
    }
    return source + ":" + std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1);
}

// One YAML mapping being read: hands out its keys with type and range checks, then complains
// about any key nobody asked for. `source` must outlive the section (it is kept by reference).
class YamlSection {
public:
    YamlSection(const YAML::Node& node, std::string path, const std::string& source)
        : node_(node), path_(std::move(path)), source_(source) {
        if (node_ && !node_.IsNull() && !node_.IsMap()) {
            fail(node_, "expected a mapping of keys");
        }
    }

    [[noreturn]] void fail(const YAML::Node& at, const std::string& problem) const {
        throw InputError(yamlLocation(source_, at.Mark()),
                         (path_.empty() ? std::string("top level") : path_) + ": " + problem);
    }
    [[noreturn]] void failKey(const std::string& key, const YAML::Node& at,
                              const std::string& problem) const {
        throw InputError(yamlLocation(source_, at.Mark()), full(key) + ": " + problem);
    }
    std::string full(const std::string& key) const {
        return path_.empty() ? key : path_ + "." + key;
    }

    YAML::Node raw(const std::string& key) {
        known_.insert(key);
        if (!node_ || !node_.IsMap())
            return YAML::Node();
        return node_[key];
    }
    // Whether the mapping gives `key` a value (marks the key as known).
    bool has(const std::string& key) {
        YAML::Node n = raw(key);
        return n && !n.IsNull();
    }

    template <typename T>
    T scalar(const std::string& key, T fallback, const char* expected) {
        YAML::Node n = raw(key);
        if (!n || n.IsNull())
            return fallback;
        if (!n.IsScalar())
            failKey(key, n, std::string("expected ") + expected);
        try {
            return n.as<T>();
        } catch (const YAML::Exception&) {
            failKey(key, n, std::string("expected ") + expected + ", got '" + n.Scalar() + "'");
        }
    }

    double number(const std::string& key, double fallback, double lo, double hi,
                  bool lo_open = false) {
        std::ostringstream want;
        want << "a number in " << (lo_open ? "(" : "[") << lo << ", " << hi << "]";
        double v = scalar<double>(key, fallback, want.str().c_str());
        if (!std::isfinite(v) || v < lo || v > hi || (lo_open && v == lo)) {
            failKey(key, raw(key), "expected " + want.str() + ", got " + raw(key).Scalar());
        }
        return v;
    }

    int64_t integer(const std::string& key, int64_t fallback, int64_t lo, int64_t hi) {
        std::string want =
            "a whole number in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]";
        YAML::Node n = raw(key);
        if (!n || n.IsNull())
            return fallback;
        double d = scalar<double>(key, static_cast<double>(fallback), want.c_str());
        if (d != std::floor(d) || d < static_cast<double>(lo) || d > static_cast<double>(hi)) {
            failKey(key, n, "expected " + want + ", got " + n.Scalar());
        }
        return static_cast<int64_t>(d);
    }

    bool boolean(const std::string& key, bool fallback) {
        return scalar<bool>(key, fallback, "true or false");
    }

    std::string choice(const std::string& key, const std::string& fallback,
                       const std::vector<std::string>& allowed) {
        std::string v = scalar<std::string>(key, fallback, "a string");
        for (const auto& a : allowed) {
            if (v == a)
                return v;
        }
        std::string list;
        for (const auto& a : allowed)
            list += (list.empty() ? "" : ", ") + a;
        failKey(key, raw(key), "expected one of " + list + ", got '" + v + "'");
    }

    std::string text(const std::string& key, const std::string& fallback) {
        std::string v = scalar<std::string>(key, fallback, "a string");
        // Names and paths are written into JSON files, which hold UTF-8 only.
        if (const std::string problem = utf8Problem(v); !problem.empty())
            failKey(key, raw(key),
                    "'" + escapedBytes(v) + "' is not valid UTF-8 text (" + problem +
                        "): names and paths are written into JSON files, which hold UTF-8");
        return v;
    }

    // Reads `key` as the table's field `f` says (type, range, rule); `fallback` when absent.
    FieldValue field(const std::string& key, const ConfigField& f, const FieldValue& fallback) {
        YAML::Node n = raw(key);
        if (!n || n.IsNull())
            return fallback;
        FieldValue v = fallback;
        switch (f.type) {
            case FieldType::Text:
                v = text(key, "");
                break;
            case FieldType::Choice:
                v = choice(key, "", f.choices);
                break;
            case FieldType::Boolean:
                v = boolean(key, false);
                break;
            case FieldType::TriState:
                v = static_cast<int64_t>(boolean(key, false) ? 1 : 0);
                break;
            case FieldType::Integer:
                v = integer(key, 0, static_cast<int64_t>(f.min), static_cast<int64_t>(f.max));
                break;
            case FieldType::Number:
                v = number(key, 0.0, f.min, f.max, f.min_open);
                break;
            case FieldType::NumberPair: {
                const std::string want = "expected " + expectedText(f);
                if (!n.IsSequence() || n.size() != 2)
                    failKey(key, n, want);
                std::vector<double> pair;
                try {
                    pair = {n[0].as<double>(), n[1].as<double>()};
                } catch (const YAML::Exception&) {
                    failKey(key, n, want);
                }
                v = pair;
                break;
            }
        }
        const std::string problem = checkValue(f, v);
        if (!problem.empty())
            failKey(key, n, problem);
        return v;
    }

    YamlSection child(const std::string& key) { return YamlSection(raw(key), full(key), source_); }

    // Every key present must have been asked for.
    void finish() const {
        if (!node_ || !node_.IsMap())
            return;
        for (auto it = node_.begin(); it != node_.end(); ++it) {
            std::string key = it->first.Scalar();
            if (!known_.count(key)) {
                std::string list;
                for (const auto& k : known_)
                    list += (list.empty() ? "" : ", ") + k;
                throw InputError(yamlLocation(source_, it->first.Mark()),
                                 "unknown key '" + full(key) + "'; allowed here: " + list);
            }
        }
    }

    const YAML::Node& node() const { return node_; }
    const std::string& source() const { return source_; }
    const std::string& path() const { return path_; }

private:
    YAML::Node node_;
    std::string path_;
    const std::string& source_;
    std::set<std::string> known_;
};

// Parses a mapping of run config keys (every key of a run config; `stages` only when
// `with_stages`) at `node`, reporting keys as "<prefix>.<key>" at their position in `source`.
// The study file's `run` section and each task's `data` are read through it.
RunConfig parseRunConfigNode(const YAML::Node& node, const std::string& source,
                             const std::string& prefix, bool with_stages);

}  // namespace rgpb
