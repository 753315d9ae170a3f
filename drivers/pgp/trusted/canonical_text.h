// drivers/pgp/trusted/canonical_text.h — the canonical text forms that text signatures hash.
//
// Trusted side. RFC 9580 §5.2.1.2: a text signature (type 0x01) hashes the
// document with line endings converted to CR LF. §7.2: a cleartext signed
// message is hashed the same way, with trailing spaces and tabs removed from
// every line, and without the line ending before the armor header line: the
// handler names those lines in the input (protocol.h TextLine, already without
// dash escapes and trailing blanks) and feed_cleartext_hashed joins them.
#pragma once

#include <functional>
#include <vector>

#include <umd/wire.h>

#include "drivers/pgp/protocol.h"

namespace umd::pgp {

/// Streaming line-ending canonicaliser: LF, CR and CR LF all become CR LF.
class TextCanonicalizer {
public:
    /// Appends the canonical form of `chunk` to `out`.
    void feed(ByteView chunk, Bytes& out);
    /// Flushes a pending state (a CR at the end of the data becomes CR LF).
    void finish(Bytes& out);

private:
    bool pending_cr_ = false;
};

/// The hashed form of a cleartext message whose text is `lines` of `input` (the
/// Manager's own bytes; lines checked by check_text_lines): the lines joined by
/// CR LF, given to `sink` in pieces of at most a few tens of KiB gathered in one
/// small buffer, so the whole text is never copied and the hash is updated in
/// large steps rather than twice per line.
void feed_cleartext_hashed(ByteView input, const std::vector<TextLine>& lines, const std::function<void(ByteView)>& sink);

}  // namespace umd::pgp
