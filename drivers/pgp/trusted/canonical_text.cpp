// drivers/pgp/trusted/canonical_text.cpp — line-ending canonicalisation, and the hashed form of cleartext lines.
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

}  // namespace umd::pgp
