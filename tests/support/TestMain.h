#pragma once
// Test registration. tests/CMakeLists.txt builds one executable per test group (core, widgets,
// app, ...) from all the group's test files, so LibTorch and Qt headers are read and linked once
// per group rather than once per file. Each file ends with RGPB_TEST_MAIN(ItsClass) where a
// QTEST_MAIN would stand; CTest runs `<group executable> <file name> [QTest options]`, one file's
// class per process, exactly as a standalone test executable would.
#include <QObject>

namespace rgpb::test {

using TestFactory = QObject* (*)();
// Runs instead of the test when the test spawns its own executable as a child process with
// extra arguments (argv[0] is the executable, argv[1] the first argument after the test name);
// returns -1 when the arguments are not a child invocation, so the test runs.
using ChildMain = int (*)(int argc, char** argv);

// Registers the test class of `sourceFile` (its __FILE__) under the file's base name.
bool registerTest(const char* sourceFile, TestFactory factory, ChildMain child = nullptr);

}  // namespace rgpb::test

#define RGPB_TEST_MAIN(TestClass)                      \
    static const bool rgpbTestRegistered_##TestClass = \
        ::rgpb::test::registerTest(__FILE__, [] { return static_cast<QObject*>(new TestClass); });

#define RGPB_TEST_MAIN_WITH_CHILD(TestClass, childMain)                            \
    static const bool rgpbTestRegistered_##TestClass = ::rgpb::test::registerTest( \
        __FILE__, [] { return static_cast<QObject*>(new TestClass); }, childMain);
