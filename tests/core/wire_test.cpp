// tests/core/wire_test.cpp — bounded record encoding and frame headers.
#include <gtest/gtest.h>

#include <umd/frame.h>
#include <umd/wire.h>

namespace umd {
namespace {

TEST(Wire, RoundTripsFieldsAndRecords)
{
    ByteWriter w;
    w.u8(1);
    w.u16(0x1234);
    w.u32(0xDEADBEEF);
    w.u64(0x0102030405060708ull);
    w.record(7, as_bytes("hello"));
    auto handle = w.begin_record(9);
    w.u32(42);
    w.end_record(handle);
    ByteReader r(w.data());
    EXPECT_EQ(*r.u8(), 1);
    EXPECT_EQ(*r.u16(), 0x1234);
    EXPECT_EQ(*r.u32(), 0xDEADBEEF);
    EXPECT_EQ(*r.u64(), 0x0102030405060708ull);
    auto rec = r.record(16);
    ASSERT_TRUE(rec);
    EXPECT_EQ(rec->tag, 7);
    EXPECT_EQ(as_chars(rec->value), "hello");
    auto nested = r.record(16);
    ASSERT_TRUE(nested);
    EXPECT_EQ(nested->value.size(), 4u);
    EXPECT_TRUE(r.expect_end());
}

TEST(Wire, RefusesOverrunsAndOversizedFields)
{
    ByteWriter w;
    w.record(1, as_bytes("0123456789"));
    ByteReader tight(w.data());
    auto rec = tight.record(4);
    ASSERT_FALSE(rec);
    EXPECT_EQ(rec.error().code, Errc::bad_input);
    // Every truncation of a valid record is an error, never a read past the end.
    for (std::size_t cut = 0; cut < w.size(); ++cut) {
        ByteReader r(ByteView(w.data().data(), cut));
        EXPECT_FALSE(r.record(64)) << "cut at " << cut;
    }
    ByteReader trailing(w.data());
    ASSERT_TRUE(trailing.u16());
    EXPECT_FALSE(trailing.expect_end());
}

TEST(Frame, HeaderRoundTrips)
{
    FrameHeader h;
    h.type = 3;
    h.request_id = 0x01020304;
    h.status = 2;
    h.length = 0xA0B0C0D0;
    std::uint8_t buf[frame_header_size];
    encode_header(h, buf);
    EXPECT_EQ(buf[0], 0x4D);  // "MU" little-endian of 0x554D
    EXPECT_EQ(buf[1], 0x55);
    FrameHeader back = decode_header(buf);
    EXPECT_EQ(back.magic, frame_magic);
    EXPECT_EQ(back.version, frame_version);
    EXPECT_EQ(back.type, 3);
    EXPECT_EQ(back.request_id, 0x01020304u);
    EXPECT_EQ(back.status, 2u);
    EXPECT_EQ(back.length, 0xA0B0C0D0u);
}

}  // namespace
}  // namespace umd
