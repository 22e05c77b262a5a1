// A small argument reader for the `rgpb` subcommands: positional words, `--flag value`,
// `--flag=value`, repeated flags, and errors that name the flag and what it expects.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/util/Error.h"

namespace rgpb::cli {

// A command line the command cannot read (unknown option, option without its value). main()
// adds where the command's help is.
class UsageError : public Error {
public:
    using Error::Error;
};

class CliArgs {
public:
    // `flags_with_values`: flags that take a value; `switches`: flags that do not. Any other
    // `--name` is a UsageError naming it and listing the accepted options.
    CliArgs(const std::vector<std::string>& args, const std::vector<std::string>& flags_with_values,
            const std::vector<std::string>& switches = {});

    const std::vector<std::string>& positional() const { return positional_; }
    bool has(const std::string& flag) const;
    std::optional<std::string> value(const std::string& flag) const;  // last occurrence
    std::vector<std::string> values(const std::string& flag) const;   // every occurrence
    double number(const std::string& flag, double fallback) const;    // throws on non-numbers
    long long integer(const std::string& flag, long long fallback) const;

private:
    std::vector<std::string> positional_;
    std::multimap<std::string, std::string> flags_;
};

// "0.05,0.1" -> {0.05, 0.1}; "a:b:n" -> n evenly spaced values from a to b. Throws rgpb::Error
// naming `flag` on anything else.
std::vector<double> parseNumberList(const std::string& flag, const std::string& text);

}  // namespace rgpb::cli
