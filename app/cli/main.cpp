// `rgpb`: the headless command-line face of the workbench. Each subcommand lives in its own
// file (app/cli/*Command.cpp); this file only walks the command tree (Commands.h), answers
// --help at every level, and turns errors into one line and a non-zero exit code.
#include <torch/torch.h>
#include <nlohmann/json.hpp>

#include <cstring>
#include <exception>
#include <iostream>
#include <string>
#include <vector>

#include "app/cli/CliArgs.h"
#include "app/cli/Commands.h"
#include "core/util/Devices.h"
#include "core/util/Error.h"
#include "core/util/ProcessSetup.h"

namespace rgpb::cli {

Command versionCommand() {
    return {"version", "the version of rgpb and of LibTorch, and the devices it sees",
            "usage: rgpb version\n"
            "       rgpb --version\n\n"
            "Prints 'rgpb VERSION (LibTorch VERSION)' and the compute devices available.\n",
            [](const std::vector<std::string>& args) {
                if (!CliArgs(args, {}).positional().empty())
                    throw UsageError("version takes no arguments");
                std::cout << "rgpb " RGPB_VERSION " (LibTorch " TORCH_VERSION ")\n"
                          << "devices: " << describeDevices() << "\n"
                          << "OpenMP wait policy: " << openMpWaitPolicy() << "\n";
                return 0;
            }};
}

namespace {

std::string namesOf(const std::vector<Command>& commands) {
    std::string out;
    for (const Command& c : commands)
        out += (out.empty() ? "" : ", ") + c.name;
    return out;
}

// A path or name that is not UTF-8 reached a JSON file: names the argument that holds it.
std::string notUtf8(const std::vector<std::string>& args, const char* json_error) {
    const std::string why =
        ": names and paths are written into JSON files, which hold UTF-8 only; rename it";
    for (const std::string& a : args) {
        if (const std::string problem = utf8Problem(a); !problem.empty())
            return "'" + escapedBytes(a) + "' is not valid UTF-8 text (" + problem + ")" + why;
    }
    return "a name or path is not valid UTF-8 text (" + std::string(json_error) + ")" + why;
}

int dispatch(std::vector<std::string> args) {
    if (!args.empty() && args[0] == "--version")
        args[0] = "version";
    // `rgpb help [command...]` is `rgpb [command...] --help`.
    const bool help_word = !args.empty() && args[0] == "help";
    if (help_word) {
        args.erase(args.begin());
        args.push_back("--help");
    }
    const Command* command = &rootCommand();
    std::string path = command->name;
    std::size_t i = 0;
    while (!command->subcommands.empty() && i < args.size() && args[i].rfind("-", 0) != 0) {
        const Command* sub = nullptr;
        for (const Command& c : command->subcommands)
            if (c.name == args[i])
                sub = &c;
        if (!sub) {
            std::cerr << path << ": unknown command '" << args[i]
                      << "' (commands: " << namesOf(command->subcommands) << "; see '" << path
                      << " --help')\n";
            return 2;
        }
        command = sub;
        path += " " + args[i++];
    }
    const std::vector<std::string> rest(args.begin() + static_cast<std::ptrdiff_t>(i), args.end());
    if (asksForHelp(rest)) {
        std::cout << helpText(*command, path);
        return 0;
    }
    if (!command->run) {  // a group named without one of its commands
        if (command == &rootCommand() && rest.empty()) {
            std::cerr << helpText(*command, path);
        } else {
            std::cerr << path << ": expected a command: " << namesOf(command->subcommands)
                      << " (see '" << path << " --help')\n";
        }
        return 2;
    }
    try {
        return command->run(rest);
    } catch (const UsageError& e) {
        std::cerr << path << ": " << e.what() << " (see '" << path << " --help')\n";
    } catch (const c10::Error& e) {
        std::cerr << path << ": LibTorch error: " << e.what_without_backtrace() << "\n";
    } catch (const nlohmann::json::type_error& e) {
        // 316: a string that is not UTF-8 on its way into a JSON file (a path or a name).
        std::cerr << path << ": " << (e.id == 316 ? notUtf8(rest, e.what()) : e.what()) << "\n";
    } catch (const std::exception& e) {
        std::cerr << path << ": " << e.what() << "\n";
    }
    return 1;
}

}  // namespace
}  // namespace rgpb::cli

namespace {

// The commands that run tensor code start with OpenMP's passive wait policy (one more program
// load, ~0.3 s); listing runs, judging statistics or help does not pay for it. Runs before the
// C++ run-time starts (core/util/ProcessSetup.h): C string functions only.
bool computesWithTensors(int argc, char** argv) {
    static const char* const kCommands[] = {"train",  "resume",  "sweep",  "eval",  "gradlab",
                                            "sample", "compare", "logits", "study", "version"};
    if (argc < 2)
        return false;
    for (const char* c : kCommands) {
        if (std::strcmp(argv[1], c) == 0)
            return true;
    }
    return std::strcmp(argv[1], "--version") == 0;
}

}  // namespace

RGPB_PROCESS_SETUP_WHEN(&computesWithTensors)

int main(int argc, char** argv) {
    return rgpb::cli::dispatch(std::vector<std::string>(argv + 1, argv + argc));
}
