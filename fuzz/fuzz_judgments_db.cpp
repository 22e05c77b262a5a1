// The judgments database's open path (store/JudgmentStore.h, what `rgpb judge-stats` and the
// Judge tab do with a file they are given): the input as the database file, opened read-only,
// then every read the statistics and the judging queue make. SQLite and Qt SQL are not
// instrumented; what is fuzzed is our checks of what the file says and our reading of rows.
#include <QCoreApplication>

#include "fuzz/FuzzSupport.h"
#include "store/JudgmentStore.h"

extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) {
    // Qt SQL loads its SQLite driver as a plugin, which needs an application object.
    static int qt_argc = 1;
    static char name[] = "fuzz_judgments_db";
    static char* qt_argv[] = {name, nullptr};
    static QCoreApplication app(qt_argc, qt_argv);
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using rgpb::judging::JudgmentStore;
    rgpb::fuzz::clearTempDir();  // -wal / -shm files an earlier input made SQLite create
    const std::string path =
        rgpb::fuzz::writeInput("judgments.sqlite", rgpb::fuzz::asText(data, size));
    rgpb::fuzz::expectClean([&] {
        JudgmentStore store(path, JudgmentStore::Mode::ReadOnly);
        for (const rgpb::judging::SetInfo& info : store.sets()) {
            (void)store.set(info.name);
            (void)store.presentations(info.id);
            (void)store.nextFor(info.id, "fuzz");
            (void)store.judgedCount(info.id, "fuzz");
            (void)store.liveVotes(info.id);
            (void)store.statsVotes(info.id);
            (void)store.modelAnswers(info.id, "model:fuzz");
        }
        (void)store.statsVotes();
        (void)store.modelJudgeConsistency();
    });
    return 0;
}
