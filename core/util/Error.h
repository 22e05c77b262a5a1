// Errors a user can cause. Every message names the thing at fault (argument, file, line, key)
// and what was expected, so the CLI can print it as one line and the GUI can show it verbatim.
#pragma once

#include <sstream>
#include <stdexcept>
#include <string>

namespace rgpb {

// Base class of every error the core raises on purpose; what() is a complete sentence.
class Error : public std::runtime_error {
public:
    explicit Error(const std::string& message) : std::runtime_error(message) {}
};

// Long work (reference caching, evaluation) stopped because the user asked to cancel.
class CancelledError : public Error {
public:
    CancelledError() : Error("cancelled by the user") {}
};

// A function argument (tensor shape, beta, probability) outside what the function accepts.
class ArgumentError : public Error {
public:
    ArgumentError(const std::string& where, const std::string& argument,
                  const std::string& expected, const std::string& got);
};

// Input read from a file (config, data, checkpoint) that does not have the expected form.
// `location` is "path:line" or "path:line:column" or "path (key)"; empty when unknown.
class InputError : public Error {
public:
    InputError(const std::string& location, const std::string& problem);
    const std::string& location() const { return location_; }

private:
    std::string location_;
};

// `text` cut to `max` characters with "... (N characters)" when longer: input quoted in a
// message stays one readable line however long the input is.
std::string excerpt(const std::string& text, std::size_t max = 200);

// Where `text` stops being UTF-8: empty when it is valid, else "byte 0xff at offset 3". Names
// and paths end up in JSON files (summary.json, run.json, results), which hold UTF-8 only.
std::string utf8Problem(const std::string& text);

// `text` with bytes outside printable ASCII written as \xNN: a name that is not UTF-8 quoted in
// a message that must stay printable.
std::string escapedBytes(const std::string& text);

namespace detail {
template <typename... Parts>
std::string concat(const Parts&... parts) {
    std::ostringstream out;
    (out << ... << parts);
    return out.str();
}
}  // namespace detail

// Throws ArgumentError unless `condition` holds; `expected` and `got` are only formatted on
// failure.
template <typename Expected, typename... Got>
void requireArgument(bool condition, const char* where, const char* argument,
                     const Expected& expected, const Got&... got) {
    if (!condition) {
        throw ArgumentError(where, argument, detail::concat(expected), detail::concat(got...));
    }
}

}  // namespace rgpb
