// tests/core/blob_test.cpp — handler images in sealed memfds.
#include <fcntl.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <umd/blob.h>

#include "core/test_util.h"

namespace umd {
namespace {

TEST(Blob, LoadsIntoASealedMemfd)
{
    auto blob = Blob::load(test::hostile_image(), "test");
    ASSERT_TRUE(blob) << blob.error().message;
    EXPECT_EQ(blob->size(), test::hostile_image().size());
    int seals = ::fcntl(blob->fd(), F_GET_SEALS);
    EXPECT_EQ(seals & (F_SEAL_WRITE | F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_SEAL), F_SEAL_WRITE | F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_SEAL);
    // The executed image can not change any more.
    EXPECT_EQ(::pwrite(blob->fd(), "x", 1, 0), -1);
    EXPECT_EQ(::ftruncate(blob->fd(), 0), -1);
    std::string link(256, '\0');
    auto n = ::readlink(("/proc/self/fd/" + std::to_string(blob->fd())).c_str(), link.data(), link.size());
    ASSERT_GT(n, 0);
    EXPECT_EQ(link.substr(0, 11), "/memfd:test");
}

TEST(Blob, RefusesAnEmptyImage)
{
    auto blob = Blob::load({}, "empty");
    ASSERT_FALSE(blob);
    EXPECT_EQ(blob.error().code, Errc::invalid_argument);
}

TEST(Blob, LoadFileReportsAMissingFile)
{
    auto blob = Blob::load_file("/nonexistent/handler");
    ASSERT_FALSE(blob);
    EXPECT_EQ(blob.error().code, Errc::io);
}

TEST(Blob, ClosesItsDescriptor)
{
    int before = test::count_fds();
    { auto blob = Blob::load(test::hostile_image(), "test"); ASSERT_TRUE(blob); }
    EXPECT_EQ(test::count_fds(), before);
}

}  // namespace
}  // namespace umd
