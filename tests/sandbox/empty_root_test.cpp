// tests/sandbox/empty_root_test.cpp — the empty-root layer on its own (trusted side
// test): in a child with its own user and mount namespaces, enter_empty_root()
// leaves a root and working directory that are empty, read-only, and that ".."
// cannot climb out of, while the test's own file system is untouched.
#include <dirent.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <gtest/gtest.h>

#include <umd/sandbox.h>

#include "../../src/sandbox/child_steps.h"

namespace umd::sandbox {
namespace {

/// What the child found, sent back as fixed fields.
struct Findings {
    int enter_error = -1;
    int entries = -1;        ///< names in "/" other than "." and ".."
    int dotdot_entries = -1; ///< names in "/../.." other than "." and ".."
    int create_errno = 0;    ///< creating a file in "/" must fail
    bool same_inode = false; ///< "/" and "/../.." are the same directory
};

int count_entries(const char* path)
{
    DIR* dir = ::opendir(path);
    if (!dir) return -1;
    int n = 0;
    while (dirent* e = ::readdir(dir))
        if (std::strcmp(e->d_name, ".") != 0 && std::strcmp(e->d_name, "..") != 0) ++n;
    ::closedir(dir);
    return n;
}

Findings explore()
{
    int pipe_fds[2];
    if (::pipe(pipe_fds) != 0) return {};
    pid_t pid = ::fork();
    if (pid == 0) {
        Findings f;
        if (::unshare(CLONE_NEWUSER | CLONE_NEWNS) != 0) ::_exit(2);
        f.enter_error = child::enter_empty_root();
        if (f.enter_error == 0) {
            f.entries = count_entries("/");
            f.dotdot_entries = count_entries("/../..");
            int fd = ::open("/escape", O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
            f.create_errno = fd < 0 ? errno : 0;
            struct stat root {}, up {};
            f.same_inode = ::stat("/", &root) == 0 && ::stat("/../..", &up) == 0 && root.st_ino == up.st_ino &&
                           root.st_dev == up.st_dev;
        }
        (void)!::write(pipe_fds[1], &f, sizeof f);
        ::_exit(0);
    }
    ::close(pipe_fds[1]);
    Findings f;
    if (::read(pipe_fds[0], &f, sizeof f) != sizeof f) f = Findings{};
    ::close(pipe_fds[0]);
    ::waitpid(pid, nullptr, 0);
    return f;
}

TEST(SandboxEmptyRoot, IsEmptyReadOnlyAndInescapableByDotDot)
{
#if defined(__SANITIZE_THREAD__)
    // Observed: under ThreadSanitizer the forked child's unshare and empty-root steps do
    // not complete (the handlers' own clone3 path works and is covered by the escape tests).
    GTEST_SKIP() << "the forked explorer does not run under ThreadSanitizer";
#endif
    if (!kernel_support().other_namespaces || !kernel_support().empty_root) GTEST_SKIP() << kernel_support().notes;
    Findings f = explore();
    ASSERT_EQ(f.enter_error, 0) << std::strerror(f.enter_error);
    EXPECT_EQ(f.entries, 0);
    EXPECT_EQ(f.dotdot_entries, 0);
    EXPECT_TRUE(f.same_inode) << "\"..\" leads out of the empty root";
    EXPECT_EQ(f.create_errno, EROFS);
    // The test's own view is unchanged.
    EXPECT_GT(count_entries("/"), 0);
}

}  // namespace
}  // namespace umd::sandbox
