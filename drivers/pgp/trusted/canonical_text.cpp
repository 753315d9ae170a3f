// drivers/pgp/trusted/canonical_text.cpp — line ending and trailing whitespace canonicalisation.
//
// Trusted side.
#include "drivers/pgp/trusted/canonical_text.h"

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
template <class Emit>
void for_each_stripped_line(ByteView text, Emit emit)
{
    std::size_t start = 0;
    for (;;) {
        std::size_t end = start;
        while (end < text.size() && text[end] != '\n') ++end;
        std::size_t stop = end;
        while (stop > start && (text[stop - 1] == ' ' || text[stop - 1] == '\t' || text[stop - 1] == '\r')) --stop;
        emit(text.subspan(start, stop - start), end < text.size());
        if (end >= text.size()) break;
        start = end + 1;
    }
}

Bytes join_lines(ByteView text, std::string_view eol)
{
    Bytes out;
    out.reserve(text.size() + text.size() / 16);
    for_each_stripped_line(text, [&](ByteView line, bool more) {
        out.insert(out.end(), line.begin(), line.end());
        if (more) out.insert(out.end(), eol.begin(), eol.end());
    });
    return out;
}
}  // namespace

Bytes cleartext_output(ByteView text) { return join_lines(text, "\n"); }
Bytes cleartext_hashed(ByteView text) { return join_lines(text, "\r\n"); }

}  // namespace umd::pgp
