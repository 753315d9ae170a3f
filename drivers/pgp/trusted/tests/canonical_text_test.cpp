// Tests of the canonical text forms (trusted side).
#include <gtest/gtest.h>

#include "drivers/pgp/trusted/canonical_text.h"

namespace umd::pgp {
namespace {

std::string canon(std::initializer_list<std::string_view> chunks)
{
    TextCanonicalizer c;
    Bytes out;
    for (auto chunk : chunks) c.feed(as_bytes(chunk), out);
    c.finish(out);
    return std::string(as_chars(out));
}

TEST(CanonicalText, LineEndingsBecomeCrLf)
{
    EXPECT_EQ(canon({"a\nb\r\nc\rd"}), "a\r\nb\r\nc\r\nd");
    EXPECT_EQ(canon({"a\r", "\nb\r"}), "a\r\nb\r\n");   // CR LF split across chunks
    EXPECT_EQ(canon({"  \n"}), "  \r\n");               // no whitespace stripping for 0x01 data
}

}  // namespace
}  // namespace umd::pgp
