// drivers/pgp/trusted/canonical_text.cpp — line ending and trailing whitespace canonicalisation.
//
// Trusted side.
#include "drivers/pgp/trusted/canonical_text.h"

#include <cstring>

namespace umd::pgp {

void TextCanonicalizer::feed(ByteView chunk, Bytes& out)
{
    out.reserve(out.size() + chunk.size() + chunk.size() / 16);
    for (std::uint8_t c : chunk) {
        if (pending_cr_) {
            out.push_back('\r');
            out.push_back('\n');
            pending_cr_ = false;
            if (c == '\n') continue;
        }
        if (c == '\r') pending_cr_ = true;
        else if (c == '\n') {
            out.push_back('\r');
            out.push_back('\n');
        } else out.push_back(c);
    }
}

void TextCanonicalizer::finish(Bytes& out)
{
    if (pending_cr_) {
        out.push_back('\r');
        out.push_back('\n');
        pending_cr_ = false;
    }
}

namespace {
bool trailing_blank(std::uint8_t c) { return c == ' ' || c == '\t' || c == '\r'; }

/// One pass over the text: memchr finds each line end, memcpy moves the line
/// without its trailing blanks. The output is sized once from the line count
/// (nothing is ever longer than the text plus the longer line endings), so a
/// 150 KB InRelease costs two scans and one copy instead of a push_back per byte.
Bytes join_lines(ByteView text, std::string_view eol)
{
    if (text.empty()) return {};
    const std::uint8_t* p = text.data();
    const std::uint8_t* const end = p + text.size();
    std::size_t line_ends = 0;   // memchr, not std::count: g++ -O2 does not vectorise the latter
    for (const std::uint8_t* q = p; (q = static_cast<const std::uint8_t*>(std::memchr(q, '\n', static_cast<std::size_t>(end - q))));
         ++q)
        ++line_ends;
    Bytes out(text.size() + line_ends * (eol.size() - 1));
    std::uint8_t* o = out.data();
    for (;;) {
        const auto* nl = static_cast<const std::uint8_t*>(std::memchr(p, '\n', static_cast<std::size_t>(end - p)));
        const std::uint8_t* stop = nl ? nl : end;
        while (stop > p && trailing_blank(stop[-1])) --stop;
        std::memcpy(o, p, static_cast<std::size_t>(stop - p));
        o += stop - p;
        if (!nl) break;
        std::memcpy(o, eol.data(), eol.size());
        o += eol.size();
        p = nl + 1;
        if (p == end) break;   // a final LF: the last line is empty
    }
    out.resize(static_cast<std::size_t>(o - out.data()));
    return out;
}
}  // namespace

Bytes cleartext_output(ByteView text) { return join_lines(text, "\n"); }

void feed_cleartext_hashed(ByteView input, const std::vector<TextLine>& lines, const std::function<void(ByteView)>& sink)
{
    constexpr std::size_t chunk = 32 * 1024;   // stays in L1/L2 between the copy and the hash
    Bytes buffer(chunk);
    std::size_t used = 0;
    auto flush = [&] {
        if (used) sink(ByteView(buffer.data(), used));
        used = 0;
    };
    auto put = [&](const std::uint8_t* p, std::size_t n) {
        if (used + n > chunk) flush();
        if (n > chunk) {   // a long line goes to the hash straight from the input
            sink(ByteView(p, n));
            return;
        }
        std::memcpy(buffer.data() + used, p, n);
        used += n;
    };
    static constexpr std::uint8_t crlf[] = {'\r', '\n'};
    for (std::size_t i = 0; i < lines.size(); ++i) {
        if (i > 0) put(crlf, 2);
        if (lines[i].length) put(input.data() + lines[i].offset, lines[i].length);
    }
    flush();
}
Bytes cleartext_hashed(ByteView text) { return join_lines(text, "\r\n"); }

}  // namespace umd::pgp
