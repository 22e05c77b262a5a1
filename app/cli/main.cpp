// `rgpb`: the headless command-line face of the workbench. Each subcommand lives in its own
// file (app/cli/*Command.cpp); this file only dispatches and turns errors into one line and a
// non-zero exit code.
#include <torch/torch.h>

#include <exception>
#include <iostream>
#include <string>
#include <vector>

#include "app/cli/Commands.h"
#include "core/util/Devices.h"
#include "core/util/Error.h"

namespace {

void printUsage(std::ostream& out) {
    out << "rgpb " RGPB_VERSION
           " - train language models that reward good and penalize bad "
           "examples\n\n"
           "usage: rgpb <command> [options]\n\n"
           "commands:\n";
    for (const auto& c : rgpb::cli::commands()) {
        out << "  " << c.name;
        for (std::size_t i = c.name.size(); i < 18; ++i)
            out << ' ';
        out << c.summary << "\n";
    }
    out << "\n'rgpb <command> --help' describes a command.\n";
}

}  // namespace

int main(int argc, char** argv) {
    std::vector<std::string> args(argv + 1, argv + argc);
    if (args.empty() || args[0] == "help" || args[0] == "--help" || args[0] == "-h") {
        printUsage(std::cout);
        return args.empty() ? 2 : 0;
    }
    if (args[0] == "version" || args[0] == "--version") {
        std::cout << "rgpb " RGPB_VERSION " (LibTorch " TORCH_VERSION ")\n"
                  << "devices: " << rgpb::describeDevices() << "\n";
        return 0;
    }
    for (const auto& c : rgpb::cli::commands()) {
        if (c.name != args[0])
            continue;
        std::vector<std::string> rest(args.begin() + 1, args.end());
        if (!rest.empty() && (rest[0] == "--help" || rest[0] == "-h")) {
            std::cout << c.help;
            return 0;
        }
        try {
            return c.run(rest);
        } catch (const c10::Error& e) {
            std::cerr << "rgpb " << c.name << ": LibTorch error: " << e.what_without_backtrace()
                      << "\n";
        } catch (const std::exception& e) {
            std::cerr << "rgpb " << c.name << ": " << e.what() << "\n";
        }
        return 1;
    }
    std::cerr << "rgpb: unknown command '" << args[0] << "' (see 'rgpb help')\n";
    return 2;
}
