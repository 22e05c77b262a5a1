#include "app/cli/Commands.h"

namespace rgpb::cli {

const std::vector<Command>& commands() {
    static const std::vector<Command> all = {
        trainCommand(),  resumeCommand(),   sweepCommand(),    runsCommand(),
        evalCommand(),   gradlabCommand(),  sampleCommand(),   compareCommand(),
        judgeStatsCommand(), judgeImportCommand(), tokenizeCommand(), exportHfCommand(),
        importHfCommand(), logitsCommand(),
    };
    return all;
}

}  // namespace rgpb::cli
