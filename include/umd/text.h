// umd/text.h — making untrusted text safe for where it is shown (trusted side).
//
// Whatever a handler says in words (a bad_input message, its stderr, a user ID
// it parsed) is bytes under the input's control. Before any of it reaches an
// output, the trusted side makes it safe for that output:
//
//   - JSON needs valid UTF-8 (nlohmann::json throws on anything else):
//     utf8_text() keeps every valid sequence and writes each byte of an invalid
//     one as the four characters \xNN;
//   - a terminal (or a log read on one) must also not receive control
//     characters: printable_text() escapes, the same way, every byte that is not
//     part of valid UTF-8, the C0 controls and DEL, the C1 controls
//     (U+0080..U+009F, e.g. the 8-bit CSI), and the invisible characters that
//     reorder or break displayed text (U+200E/F, U+2028/9, U+202A..E, U+2066..9).
//
// Both are idempotent (their output is printable ASCII plus valid UTF-8) and
// their output is always valid UTF-8, so printable_text() is safe for JSON too.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace umd {

/// Whether `text` is entirely valid UTF-8 (no overlong forms, surrogates or code points above U+10FFFF).
bool is_valid_utf8(std::string_view text) noexcept;

/// `text` with every byte of an invalid UTF-8 sequence written as \xNN; valid text is unchanged.
std::string utf8_text(std::string_view text);

/// What printable_text() does with line feeds (tabs are always escaped).
enum class LineFeeds { escape, keep };

/// `text` made safe for a terminal (see above). At most `max_bytes` bytes of `text`
/// are looked at; a longer text ends in "...". Trailing line feeds are dropped.
std::string printable_text(std::string_view text, LineFeeds line_feeds = LineFeeds::escape,
                           std::size_t max_bytes = std::string_view::npos);

}  // namespace umd
