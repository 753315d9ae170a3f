// tests/core/blob_test.cpp — handler images in sealed memfds.
#include <fcntl.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <umd/blob.h>

#include "core/test_util.h"
#include "src/backing_file.h"
#include "drivers/sample/trusted/sample.h"

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

namespace umd {
namespace {

Bytes read_back(const Blob& blob)
{
    Bytes out(blob.size());
    std::size_t got = 0;
    while (got < out.size()) {
        ssize_t n = ::pread(blob.fd(), out.data() + got, out.size() - got, static_cast<off_t>(got));
        if (n <= 0) break;
        got += static_cast<std::size_t>(n);
    }
    out.resize(got);
    return out;
}

// An embedded handler is copied by the kernel from the module's file: the bytes must be
// exactly the embedded ones.
TEST(Blob, AnEmbeddedImageIsFoundInItsFileAndCopiedExactly)
{
    auto image = sample::loader_module().blob();
    auto source = detail::backing_file_of(image);
    ASSERT_TRUE(source.has_value()) << "the sample blob lies in this test's read-only data";
    EXPECT_GE(source->offset, 0);

    auto blob = Blob::load(image, "embedded");
    ASSERT_TRUE(blob) << blob.error().message;
    Bytes copy = read_back(*blob);
    ASSERT_EQ(copy.size(), image.size());
    EXPECT_TRUE(std::equal(copy.begin(), copy.end(), image.begin()));
}

TEST(Blob, HeapBytesAreNotMistakenForAFile)
{
    Bytes heap(100000, 0x5a);
    EXPECT_FALSE(detail::backing_file_of(heap).has_value());
    EXPECT_FALSE(detail::backing_file_of({}).has_value());
    auto blob = Blob::load(heap, "heap");
    ASSERT_TRUE(blob);
    EXPECT_EQ(read_back(*blob), heap);
}

}  // namespace
}  // namespace umd
