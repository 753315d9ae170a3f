// drivers/bpfilter/tests/namespace_watch_test.cpp — a namespace whose tables are kept is
// found gone once it died, and never while it lives (root only). The watch lives in a
// network namespace of the test's own, so the nsids it gives are given there, not in the
// machine's namespace.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <algorithm>
#include <cstdlib>
#include <optional>
#include <thread>

#include "drivers/bpfilter/tests/kernel_replace.h"
#include "drivers/bpfilter/trusted/namespace_watch.h"

namespace umd::bpfilter::test {
namespace {

/// `make()` run in a new network namespace, the test's thread back in its own after;
/// nullopt when no namespace could be made.
template <typename Make>
auto in_new_namespace(Make make) -> std::optional<decltype(make())>
{
    UniqueFd own(::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC));
    if (!own || ::unshare(CLONE_NEWNET) != 0) return std::nullopt;
    auto made = make();
    if (::setns(own.get(), CLONE_NEWNET) != 0) std::abort();   // the test cannot go on in the wrong namespace
    return made;
}

UniqueFd socket_in_new_namespace() { return UniqueFd(inet_socket_in_new_namespace()); }

/// A watch whose netlink sockets (and so the nsids it gives) are in a namespace of its own.
Result<std::unique_ptr<NamespaceWatch>> watch_in_own_namespace(std::size_t max_watched = 8192)
{
    auto watch = in_new_namespace([&] { return NamespaceWatch::open(max_watched); });
    if (!watch) return fail(Errc::system, "no network namespace could be made");
    return std::move(*watch);
}

NamespaceKey key_of(int sock)
{
    NamespaceKey key;
    socklen_t len = sizeof key.cookie;
    EXPECT_EQ(::getsockopt(sock, SOL_SOCKET, SO_NETNS_COOKIE, &key.cookie, &len), 0);
    return key;
}

class NamespaceWatchTest : public ::testing::Test {
protected:
    void SetUp() override
    {
        if (::geteuid() != 0) GTEST_SKIP() << "needs root (network namespaces, nsids)";
        auto w = watch_in_own_namespace();
        ASSERT_TRUE(w) << w.error().message;
        watch = std::move(*w);
    }
    /// Calls from `sock`'s namespace until `dead` is reported gone (the kernel cleans a
    /// namespace up after its last reference, asynchronously: at most 20 s here); the
    /// namespaces reported meanwhile.
    std::vector<NamespaceKey> calls_until_gone(int sock, NamespaceKey dead)
    {
        std::vector<NamespaceKey> reported;
        for (int i = 0; i < 400; ++i) {
            auto w = watch->watch(sock, key_of(sock));
            EXPECT_FALSE(w.not_watched) << w.not_watched->message;
            reported.insert(reported.end(), w.gone.begin(), w.gone.end());
            if (std::find(reported.begin(), reported.end(), dead) != reported.end()) break;
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        return reported;
    }
    std::unique_ptr<NamespaceWatch> watch;
};

TEST_F(NamespaceWatchTest, ANamespaceIsFoundGoneOnceItDiedAndNeverWhileItLives)
{
    UniqueFd a = socket_in_new_namespace(), b = socket_in_new_namespace();
    ASSERT_TRUE(a && b);
    const NamespaceKey dead = key_of(a.get()), alive = key_of(b.get());
    for (int i = 0; i < 2; ++i) {
        for (int sock : {a.get(), b.get()}) {
            auto w = watch->watch(sock, key_of(sock));
            EXPECT_TRUE(w.gone.empty());
            EXPECT_FALSE(w.not_watched) << w.not_watched->message;
        }
    }
    EXPECT_EQ(watch->watched(), 2u);
    a.reset();   // the watch holds nothing of a's namespace: this was its last reference
    EXPECT_EQ(calls_until_gone(b.get(), dead), std::vector<NamespaceKey>{dead});
    EXPECT_EQ(watch->watched(), 1u);
    EXPECT_TRUE(watch->watch(b.get(), alive).gone.empty());

    // A namespace made after it may get its nsid again: the news of the dead one does not
    // make the new one gone.
    UniqueFd c = socket_in_new_namespace();
    ASSERT_TRUE(c);
    b.reset();
    const auto reported = calls_until_gone(c.get(), alive);
    EXPECT_EQ(reported, std::vector<NamespaceKey>{alive});
    EXPECT_TRUE(watch->watch(c.get(), key_of(c.get())).gone.empty());
    EXPECT_EQ(watch->watched(), 1u);
}

TEST_F(NamespaceWatchTest, TheNumberOfNamespacesWatchedIsBounded)
{
    auto small = watch_in_own_namespace(1);
    ASSERT_TRUE(small);
    UniqueFd a = socket_in_new_namespace(), b = socket_in_new_namespace();
    ASSERT_TRUE(a && b);
    EXPECT_FALSE((*small)->watch(a.get(), key_of(a.get())).not_watched);
    const auto refused = (*small)->watch(b.get(), key_of(b.get()));
    ASSERT_TRUE(refused.not_watched);
    EXPECT_EQ((*small)->watched(), 1u);
    EXPECT_FALSE((*small)->watch(a.get(), key_of(a.get())).not_watched) << "a watched namespace stays watched";
}

}  // namespace
}  // namespace umd::bpfilter::test
