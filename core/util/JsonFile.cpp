#include "core/util/JsonFile.h"

#include <nlohmann/json.hpp>

#include "core/util/Error.h"

namespace rgpb {

std::string jsonErrorDetail(const std::exception& error, bool with_line) {
    const std::string what = error.what();
    const std::size_t at = what.find(with_line ? "line " : "column ");
    if (at != std::string::npos)
        return excerpt(what.substr(at));
    // Not a syntax error (out_of_range.406: a number too large for a double): drop the tag.
    const std::size_t tag = what.find("] ");
    return excerpt(tag == std::string::npos ? what : what.substr(tag + 2));
}

namespace {

template <class Json>
Json parseAs(const std::string& text, const std::string& where, const std::string& expected) {
    try {
        return Json::parse(text);
    } catch (const nlohmann::json::exception& error) {
        const bool one_line = text.find('\n') == std::string::npos;
        throw InputError(where, "not valid JSON (" + jsonErrorDetail(error, !one_line) + ")" +
                                    (expected.empty() ? std::string() : ", expected " + expected));
    }
}

}  // namespace

nlohmann::json parseJson(const std::string& text, const std::string& where,
                         const std::string& expected) {
    return parseAs<nlohmann::json>(text, where, expected);
}

nlohmann::ordered_json parseOrderedJson(const std::string& text, const std::string& where,
                                        const std::string& expected) {
    return parseAs<nlohmann::ordered_json>(text, where, expected);
}

}  // namespace rgpb
