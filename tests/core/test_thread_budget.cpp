// ThreadBudget (issue 19): concurrent runs in one process share the cores instead of each
// asking for all of them; shares follow runs as they come and go.
#include <QtTest>

#include "tests/support/TestMain.h"

#include <optional>

#include "core/util/ThreadBudget.h"

namespace rgpb_test_thread_budget {

using namespace rgpb;

class TestThreadBudget : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void runsShareTheCores() {
        ThreadBudget budget(4);
        std::optional<ThreadBudget::Lease> a(budget.acquire(0));
        QCOMPARE(a->threads(), 4);  // alone: every core
        std::optional<ThreadBudget::Lease> b(budget.acquire(0));
        QCOMPARE(a->threads(), 2);  // two runs: 2 + 2
        QCOMPARE(b->threads(), 2);
        QCOMPARE(b->concurrentRuns(), 2);
        std::optional<ThreadBudget::Lease> c(budget.acquire(0));
        QCOMPARE(a->threads(), 1);  // three runs on 4 cores: 1 each (4 / 3 rounded down)
        QCOMPARE(c->threads(), 1);
        c.reset();
        b.reset();
        QCOMPARE(a->threads(), 4);  // the others ended: all cores again
        QCOMPARE(budget.leases(), 1);
    }

    void anAskedCountCapsTheShare() {
        ThreadBudget budget(8);
        ThreadBudget::Lease one = budget.acquire(1);
        QCOMPARE(one.threads(), 1);
        ThreadBudget::Lease many = budget.acquire(16);
        QCOMPARE(many.threads(), 4);  // asked 16, two runs on 8 cores: 4
        QCOMPARE(one.threads(), 1);
    }

    void moreRunsThanCoresStillGetOneThreadEach() {
        ThreadBudget budget(2);
        std::vector<ThreadBudget::Lease> leases;
        for (int i = 0; i < 5; ++i)
            leases.push_back(budget.acquire(0));
        for (const auto& l : leases)
            QCOMPARE(l.threads(), 1);
        QCOMPARE(budget.leases(), 5);
        ThreadBudget::Lease moved = std::move(leases.back());
        leases.pop_back();
        QCOMPARE(budget.leases(), 5);  // a moved lease is still one lease
    }
};

RGPB_TEST_MAIN(TestThreadBudget)
}  // namespace rgpb_test_thread_budget
#include "test_thread_budget.moc"
