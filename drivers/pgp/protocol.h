// drivers/pgp/protocol.h — the records the OpenPGP handler sends to the Manager.
//
// Shared by both sides of the trust boundary. The handler (untrusted) parses
// OpenPGP data and fills these plain structs; encode() turns them into bounded
// TLV records (umd/wire.h). The Manager (trusted) calls decode(), which checks
// every length and count against the limits below before anything is
// allocated, and never sees an OpenPGP packet: it re-serialises key bodies from
// these fields to compute fingerprints, rebuilds signature trailers from the raw
// hashed area, and hashes the data itself. A lying handler can therefore cause a
// refusal, never a false accept. The wire layout is documented in docs/protocol-pgp.md.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <umd/error.h>
#include <umd/wire.h>

namespace umd::pgp {

/// Request types of the OpenPGP driver (frame header `type`).
enum class Request : std::uint8_t {
    parse = 1,   ///< payload: the bytes of one input (armored or binary); reply: encoded Parsed
};

/// Bounds the Manager enforces on every decoded record (and the handler respects).
struct Limits {
    static constexpr std::size_t max_records = 100'000;
    static constexpr std::size_t max_field = 2048;            ///< one key or signature field (MPI etc.)
    static constexpr std::size_t max_fields = 8;              ///< fields per key or signature
    static constexpr std::size_t max_user_id = 64 * 1024;
    static constexpr std::size_t max_subpacket_area = 65535;  ///< v4 limit; v6 areas are capped here too
    static constexpr std::size_t max_salt = 32;
    static constexpr std::size_t max_text = 256u << 20;       ///< cleartext / literal data bytes
    static constexpr std::size_t max_text_lines = 1u << 22;   ///< lines of a cleartext message's signed text
};

/// One line of a cleartext message's signed text, as a range of the input bytes
/// the Manager sent: the line after removing its dash escape ("- ") and its
/// trailing spaces, tabs and CR, without its line ending. Lines are ascending
/// and separated (each one starts after the previous one's end); the Manager
/// checks that against its own copy of the input and builds the text itself
/// (docs/protocol-pgp.md, "Text lines").
struct TextLine {
    std::uint32_t offset = 0;
    std::uint32_t length = 0;
    friend bool operator==(const TextLine&, const TextLine&) = default;
};

/// Where a signature stands, so the Manager knows what it signs.
enum class SigContext : std::uint8_t {
    standalone = 0,   ///< a detached / message signature over data
    primary_key = 1,  ///< direct-key (0x1F) or key revocation (0x20) on the cert's primary key
    user_id = 2,      ///< certification / revocation of the cert's most recent user ID
    subkey = 3,       ///< binding (0x18) or revocation (0x28) of the cert's most recent subkey
    back_signature = 4, ///< primary-key binding (0x19) embedded in the preceding subkey binding
};

/// One public key or subkey packet, as fields. For algorithms the Manager can
/// verify with, `fields` holds the algorithm's public values in packet order as
/// unsigned big-endian integers without leading zero bytes (MPIs) or as the raw
/// native octet strings (Ed25519: 32 bytes, Ed448: 57 bytes), and curve OIDs as
/// their raw DER contents (without the length octet):
///   RSA (1,2,3): n, e          DSA (17): p, q, g, y
///   ECDSA (19): oid, point     EdDSA legacy (22): oid, point (MPI value, 0x40 prefix)
///   Ed25519 (27): key          Ed448 (28): key
/// For any other algorithm (ElGamal, ECDH, X25519, ...) `fields` holds exactly one
/// element: the raw public key material as it appears in the packet, so the
/// Manager can still compute the fingerprint, but never verifies with it.
struct Key {
    bool subkey = false;
    std::uint8_t version = 0;   ///< 4 or 6
    std::uint32_t created = 0;
    std::uint8_t algorithm = 0;
    std::vector<Bytes> fields;
    /// Where the key packet's body starts in the decoded binary stream of the input
    /// (the input itself, or its armor blocks decoded and joined). For a keyring file
    /// the Manager finds key_body(key) at exactly this offset of its own copy of the
    /// file's bytes (trusted/anchor_check.h): a key no keyring file holds is refused.
    std::uint32_t offset = 0;
};

/// One signature packet, as fields. `hashed_area` and `unhashed_area` are the raw
/// subpacket areas (the Manager walks the hashed one itself; the unhashed one is
/// only ever a source of hints). `fields` are the signature values:
///   RSA: s      DSA, ECDSA, EdDSA legacy: r, s      Ed25519: 64 bytes   Ed448: 114 bytes
struct Signature {
    SigContext context = SigContext::standalone;
    std::uint8_t version = 0;   ///< 4 or 6
    std::uint8_t type = 0;      ///< signature type (0x00 binary, 0x01 text, 0x13 positive cert, ...)
    std::uint8_t pk_algorithm = 0;
    std::uint8_t hash_algorithm = 0;
    Bytes hashed_area;
    Bytes unhashed_area;
    std::uint16_t left16 = 0;   ///< the first two bytes of the hash, big-endian
    Bytes salt;                 ///< v6 only
    std::vector<Bytes> fields;
    /// Issuer key IDs (8 bytes) and fingerprints (20 or 32 bytes) the handler found
    /// in either area: hints of which key to try, never trusted as facts.
    std::vector<Bytes> issuer_hints;
};

/// A transferable public key: primary key, then user IDs and subkeys with their
/// signatures, in packet order (user attributes are skipped with their signatures).
struct Certificate {
    Key primary;
    std::vector<std::string> user_ids;
    std::vector<Key> subkeys;
    /// Signatures in packet order; `target` is the index into user_ids or subkeys
    /// for SigContext::user_id / subkey / back_signature, unused otherwise.
    struct Bound {
        Signature signature;
        std::uint32_t target = 0;
    };
    std::vector<Bound> signatures;
};

/// What kind of input the handler found.
enum class InputKind : std::uint8_t {
    certificates = 1,        ///< one or more transferable public keys (a keyring)
    detached_signature = 2,  ///< one or more signature packets over external data
    cleartext = 3,           ///< a cleartext-signed message
    inline_message = 4,      ///< one-pass signed / signed literal data (maybe compressed)
};

/// The parse result for one input.
struct Parsed {
    InputKind kind = InputKind::certificates;
    bool armored = false;
    std::vector<Certificate> certificates;
    std::vector<Signature> signatures;   ///< standalone signatures (detached, cleartext, inline)
    /// For inline messages: the literal data bytes.
    std::optional<Bytes> text;
    /// For cleartext: the lines of the signed text, as ranges of the input (no copy
    /// of the text crosses the pipe). The text is these lines joined with "\n"; the
    /// hashed form joins them with CR LF (RFC 9580 §7.2).
    std::optional<std::vector<TextLine>> text_lines;
    /// Trusted side only (never encoded): the input bytes the Manager sent, which
    /// `text_lines` point into. decode(payload, input) keeps them for cleartext.
    Bytes input;
    std::vector<std::uint8_t> cleartext_hash_headers;  ///< hash algorithms named by "Hash:" headers
    std::uint8_t literal_format = 0;     ///< literal data format octet ('b', 't', 'u', ...)
};

/// Record tags and the format version of the reply (docs/protocol-pgp.md).
namespace wire {
enum : std::uint16_t {
    tag_header = 0x0001,
    tag_certificate = 0x0002,
    tag_signature = 0x0003,
    tag_text = 0x0004,
    tag_hash_headers = 0x0005,
    tag_text_lines = 0x0006,
    tag_primary_key = 0x0101,
    tag_user_id = 0x0102,
    tag_subkey = 0x0103,
    tag_bound_signature = 0x0104,
};
inline constexpr std::uint8_t format_version = 3;
}  // namespace wire

/// Serialises a parse result into the reply payload (handler side).
Bytes encode(const Parsed& parsed);

/// Decodes and bounds-checks a reply payload (trusted side). Every count and
/// length is checked against Limits before it is used; any violation is
/// Errc::protocol (the handler broke the protocol). `input` is the Manager's own
/// copy of the bytes it sent: cleartext text lines are checked against it (inside
/// it, ascending, separated, no line ending inside a line, no trailing blank) and
/// it is kept in Parsed::input; for other kinds it is dropped.
Result<Parsed> decode(ByteView payload, Bytes input);
/// Same, without the input (a cleartext reply's lines then cannot fit and are refused).
Result<Parsed> decode(ByteView payload);

/// Checks claimed text lines against `input`: each inside it and starting after
/// the previous one's end (ascending, separated), at most Limits::max_text_lines.
/// With `content`, also that no line holds a line feed or ends in a blank (space,
/// tab, CR), and that the lines cover the text exactly (check_cleartext_framing).
/// Errc::protocol otherwise. decode() checks both; the verifier checks
/// the bounds again before it reads (a Parsed may not come from decode()).
Status check_text_lines(ByteView input, const std::vector<TextLine>& lines, bool content);

/// The framing of a cleartext message (see docs/protocol-pgp.md, "Text lines"):
/// the lines are exactly the input's lines between the blank line after its armor
/// headers and the signature delimiter, dash escapes and trailing blanks removed.
/// check_text_lines() with `content` calls it; Errc::protocol otherwise.
Status check_cleartext_framing(ByteView input, const std::vector<TextLine>& lines);

/// A verified cleartext message's text as gpgv --output and sq verify write it:
/// each line followed by the line ending it has in the input (CR LF when a CR
/// stands right before its line feed, else LF), the last one included.
Bytes cleartext_output(ByteView input, const std::vector<TextLine>& lines);

/// The signed text of a cleartext message: `lines` of `input` joined with `eol`.
/// The lines must have been checked by decode() against this input.
Bytes join_text_lines(ByteView input, const std::vector<TextLine>& lines, std::string_view eol);
/// Its size when joined with "\n".
std::size_t joined_text_size(const std::vector<TextLine>& lines);

}  // namespace umd::pgp
