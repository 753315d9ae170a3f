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

TEST(CanonicalText, CleartextStripsTrailingWhitespace)
{
    Bytes text = {'a', ' ', '\t', '\n', 'b', '\n', '\n', 'c', ' '};
    EXPECT_EQ(as_chars(cleartext_hashed(text)), "a\r\nb\r\n\r\nc");
    EXPECT_EQ(as_chars(cleartext_output(text)), "a\nb\n\nc");
    EXPECT_EQ(as_chars(cleartext_hashed(Bytes{})), "");
}

TEST(CanonicalText, CleartextEdgesOfLines)
{
    auto hashed = [](std::string_view s) { return std::string(as_chars(cleartext_hashed(as_bytes(s)))); };
    auto output = [](std::string_view s) { return std::string(as_chars(cleartext_output(as_bytes(s)))); };
    EXPECT_EQ(hashed("a\n"), "a\r\n");             // a final LF ends an empty last line
    EXPECT_EQ(hashed("\n"), "\r\n");
    EXPECT_EQ(hashed("\n\n"), "\r\n\r\n");
    EXPECT_EQ(hashed(" \t\r"), "");                 // blanks only: nothing left
    EXPECT_EQ(hashed("a\r\n \nb"), "a\r\n\r\nb");    // a CR before LF is trailing whitespace
    EXPECT_EQ(hashed("a\rb"), "a\rb");              // a CR inside a line stays
    EXPECT_EQ(output(" x \n\t\n"), " x\n\n");
    std::string big;
    for (int i = 0; i < 5000; ++i) big += "line " + std::to_string(i) + (i % 3 ? " \n" : "\n");
    std::string want_h, want_o;
    for (int i = 0; i < 5000; ++i) {
        want_h += "line " + std::to_string(i) + "\r\n";
        want_o += "line " + std::to_string(i) + "\n";
    }
    EXPECT_EQ(hashed(big), want_h);
    EXPECT_EQ(output(big), want_o);
}

}  // namespace
}  // namespace umd::pgp
