#include "core/util/Error.h"

namespace rgpb {

ArgumentError::ArgumentError(const std::string& where, const std::string& argument,
                             const std::string& expected, const std::string& got)
    : Error(where + ": argument '" + argument + "' must be " + expected +
            (got.empty() ? std::string() : ", got " + got)) {}

InputError::InputError(const std::string& location, const std::string& problem)
    : Error(location.empty() ? problem : location + ": " + problem), location_(location) {}

std::string excerpt(const std::string& text, std::size_t max) {
    if (text.size() <= max)
        return text;
    return text.substr(0, max) + "... (" + std::to_string(text.size()) + " characters)";
}

}  // namespace rgpb
