// tests/core/text_test.cpp — untrusted text made safe for JSON and terminals
// (umd/text.h), and what a handler's bad_input message looks like once it has
// crossed into the trusted side (Driver::send_recv).
#include <gtest/gtest.h>

#include <umd/manager.h>
#include <umd/text.h>

#include "core/test_util.h"

namespace umd {
namespace {

/// No byte below 0x20, no DEL, no C1 control (as UTF-8: C2 80..C2 9F).
bool terminal_safe(std::string_view s)
{
    for (std::size_t i = 0; i < s.size(); ++i) {
        auto u = static_cast<unsigned char>(s[i]);
        if (u < 0x20 || u == 0x7F) return false;
        if (u == 0xC2 && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) < 0xA0) return false;
    }
    return is_valid_utf8(s);
}

TEST(Text, ValidUtf8IsRecognised)
{
    EXPECT_TRUE(is_valid_utf8("plain ASCII"));
    EXPECT_TRUE(is_valid_utf8("J\xC3\xBCrgen \xE2\x82\xAC \xF0\x9F\x94\x91"));   // ü € 🔑
    EXPECT_FALSE(is_valid_utf8("\xFF\xFE"));
    EXPECT_FALSE(is_valid_utf8("\xC0\xAF"));            // overlong '/'
    EXPECT_FALSE(is_valid_utf8("\xED\xA0\x80"));        // a surrogate
    EXPECT_FALSE(is_valid_utf8("\xF4\x90\x80\x80"));    // above U+10FFFF
    EXPECT_FALSE(is_valid_utf8("\xE2\x82"));            // truncated
}

TEST(Text, Utf8TextEscapesOnlyInvalidBytes)
{
    EXPECT_EQ(utf8_text("Hash: \xFF\xFE"), "Hash: \\xff\\xfe");
    EXPECT_EQ(utf8_text("J\xC3\xBCrgen\tx"), "J\xC3\xBCrgen\tx");   // valid text, controls included, unchanged
    EXPECT_EQ(utf8_text("a\xE2\x82" "b"), "a\\xe2\\x82b");
    EXPECT_TRUE(is_valid_utf8(utf8_text("\xC0\xAF\xED\xA0\x80\xF4\x90\x80\x80")));
}

TEST(Text, PrintableTextEscapesControlsInvalidBytesAndDisplayTricks)
{
    EXPECT_EQ(printable_text("Hash: \xFF\xFE"), "Hash: \\xff\\xfe");
    EXPECT_EQ(printable_text("red \x1B[31mtext\x07"), "red \\x1b[31mtext\\x07");
    EXPECT_EQ(printable_text("two\nlines\r\tand DEL\x7F"), "two\\x0alines\\x0d\\x09and DEL\\x7f");
    EXPECT_EQ(printable_text("c1 \xC2\x9B" "31m"), "c1 \\xc2\\x9b31m");                // 8-bit CSI
    EXPECT_EQ(printable_text("evil\xE2\x80\xAEtxt.exe"), "evil\\xe2\\x80\\xaetxt.exe");  // RIGHT-TO-LEFT OVERRIDE
    EXPECT_EQ(printable_text("J\xC3\xBCrgen <j@example.org>"), "J\xC3\xBCrgen <j@example.org>");
    EXPECT_EQ(printable_text("kept\nlines\n\n", LineFeeds::keep), "kept\nlines");
    EXPECT_EQ(printable_text("trailing line feed\n"), "trailing line feed");
    EXPECT_EQ(printable_text("abcdef", LineFeeds::escape, 3), "abc...");
    // Cut inside a sequence: the stray lead byte is escaped, not left invalid.
    EXPECT_EQ(printable_text("\xE2\x82\xAC\xE2\x82\xAC", LineFeeds::escape, 4), "\xE2\x82\xAC\\xe2...");
}

TEST(Text, EveryByteStringComesOutSafeAndTheCleaningIsIdempotent)
{
    // Every byte value, alone and in pairs (65 536 inputs): always safe, and cleaning twice changes nothing.
    for (unsigned a = 0; a < 256; ++a) {
        for (unsigned b = 0; b < 256; ++b) {
            std::string in{static_cast<char>(a), static_cast<char>(b), '\xE2', '\x80'};
            std::string out = printable_text(in);
            ASSERT_TRUE(terminal_safe(out)) << a << " " << b;
            ASSERT_EQ(printable_text(out), out);
            std::string json = utf8_text(in);
            ASSERT_TRUE(is_valid_utf8(json));
            ASSERT_EQ(utf8_text(json), json);
        }
    }
}

// A handler's bad_input words reach the caller safe for any output: valid UTF-8, one
// line, no control character (the pgp handler quotes input bytes in its messages).
TEST(Text, AHandlersBadInputMessageIsMadeSafeAtTheBoundary)
{
    auto driver = test::hostile_driver("bad-input-text", std::chrono::milliseconds(5000));
    ASSERT_TRUE(driver);
    auto reply = driver->send_recv(1, as_bytes("request"));
    ASSERT_FALSE(reply);
    EXPECT_EQ(reply.error().code, Errc::bad_input) << reply.error().message;
    const std::string& m = reply.error().message;
    EXPECT_TRUE(terminal_safe(m)) << m;
    EXPECT_NE(m.find("Hash: \\xff\\xfe"), std::string::npos) << m;
    EXPECT_NE(m.find("\\x1b[2J"), std::string::npos) << m;
    EXPECT_NE(m.find("\\x0a"), std::string::npos) << m;
    EXPECT_NE(m.find("J\xC3\xBCrgen"), std::string::npos) << "valid UTF-8 stays readable: " << m;
    EXPECT_NE(driver->status().pid, -1) << "a bad_input answer is not a failure";
}

}  // namespace
}  // namespace umd
