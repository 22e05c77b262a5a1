// The main() of every test group executable (see TestMain.h): `<exe> <test name> [QTest
// options]` runs that test's class, the way QTEST_MAIN / QTEST_GUILESS_MAIN would.
#include "tests/support/TestMain.h"

#include <QtTest>
#ifdef RGPB_TEST_GUI
#include <QApplication>
#endif

#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <vector>
#include "core/util/ProcessSetup.h"

namespace rgpb::test {
namespace {

struct Entry {
    const char* sourceFile;
    TestFactory factory;
    ChildMain child;
};

std::map<std::string, Entry>& registry() {
    static std::map<std::string, Entry> tests;
    return tests;
}

std::string baseName(const char* path) {
    std::string name(path);
    if (const auto slash = name.find_last_of('/'); slash != std::string::npos)
        name.erase(0, slash + 1);
    if (const auto dot = name.rfind('.'); dot != std::string::npos)
        name.erase(dot);
    return name;
}

int usage(const char* exe, const char* problem) {
    std::fprintf(stderr, "%s\nusage: %s <test> [QTest options]; this executable's tests:\n",
                 problem, exe);
    for (const auto& [name, entry] : registry())
        std::fprintf(stderr, "  %s\n", name.c_str());
    return 2;
}

}  // namespace

bool registerTest(const char* sourceFile, TestFactory factory, ChildMain child) {
    registry()[baseName(sourceFile)] = Entry{sourceFile, factory, child};
    return true;
}

}  // namespace rgpb::test

RGPB_PROCESS_SETUP()

int main(int argc, char** argv) {
    using namespace rgpb::test;
    if (argc < 2 || argv[1][0] == '-')
        return usage(argv[0], "name the test to run");
    const auto found = registry().find(argv[1]);
    if (found == registry().end())
        return usage(argv[0], (std::string("no test '") + argv[1] + "'").c_str());
    const Entry& entry = found->second;
    // argv without the test name: what the test's own main would have seen.
    std::vector<char*> args{argv[0]};
    args.insert(args.end(), argv + 2, argv + argc);
    int count = static_cast<int>(args.size());
    args.push_back(nullptr);
#ifdef RGPB_TEST_GUI
    QApplication app(count, args.data());
#else
    QCoreApplication app(count, args.data());
#endif
    app.setAttribute(Qt::AA_Use96Dpi, true);
    if (entry.child) {
        if (const int code = entry.child(count, args.data()); code >= 0)
            return code;
    }
    std::unique_ptr<QObject> test(entry.factory());
#ifdef QT_TESTCASE_BUILDDIR
    QTest::setMainSourcePath(entry.sourceFile, QT_TESTCASE_BUILDDIR);
#endif
    return QTest::qExec(test.get(), count, args.data());
}
