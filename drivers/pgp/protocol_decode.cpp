// drivers/pgp/protocol_decode.cpp — decodes and bounds-checks the OpenPGP handler's reply.
//
// Trusted side (Manager). The reply comes from a process that may be fully
// compromised, so every count, length, tag, order and field shape is checked
// against docs/protocol-pgp.md and Limits before it is used; every failure is
// Errc::protocol. Nothing is allocated from a claimed length: values are views
// into the payload and are copied only after their length has been checked.
// This is shape validation only; whether the records tell the truth is decided
// later, by rebuilding hashed bytes from them (drivers/pgp/trusted/).
#include <algorithm>
#include <cstring>

#include "drivers/pgp/protocol.h"

namespace umd::pgp {
namespace {

using namespace wire;

constexpr std::size_t max_hints = 8;
constexpr std::size_t max_hash_headers = 64;

std::unexpected<Error> protocol_error(const Error& e) { return std::unexpected(Error{Errc::protocol, e.message}); }

/// UMD_TRY for reading the reply: a read that fails is the handler breaking the protocol.
#define PROTOCOL_TRY(...)                                                      \
    ({                                                                         \
        auto protocol_try_result_ = (__VA_ARGS__);                             \
        if (!protocol_try_result_) return protocol_error(protocol_try_result_.error()); \
        *std::move(protocol_try_result_);                                      \
    })

bool is_mpi(ByteView v) { return !v.empty() && v[0] != 0; }
bool is_sig_mpi(ByteView v) { return v.empty() || v[0] != 0; }   // a zero r or s is empty; it cannot verify anyway

bool known_hash(std::uint8_t id)
{
    constexpr std::uint8_t ids[] = {1, 2, 3, 8, 9, 10, 11, 12, 14};
    return std::ranges::find(ids, id) != std::end(ids);
}

/// Counts records against Limits::max_records.
struct Budget {
    std::size_t records = 0;
    Status take()
    {
        if (++records > Limits::max_records) return fail(Errc::protocol, "more than {} records", Limits::max_records);
        return {};
    }
};

Result<std::vector<Bytes>> read_fields(ByteReader& in, std::size_t min, std::size_t max, std::size_t each, const char* what)
{
    auto count = PROTOCOL_TRY(in.u8());
    if (count < min || count > max) return fail(Errc::protocol, "{}: {} fields (allowed {}..{})", what, count, min, max);
    std::vector<Bytes> fields;
    for (unsigned i = 0; i < count; ++i) {
        auto field = PROTOCOL_TRY(in.blob(each));
        fields.emplace_back(field.begin(), field.end());
    }
    return fields;
}

Status check_key_fields(const Key& key)
{
    const auto& f = key.fields;
    auto want = [&](std::size_t n) -> Status {
        if (f.size() != n) return fail(Errc::protocol, "key algorithm {}: {} fields, expected {}", key.algorithm, f.size(), n);
        return {};
    };
    auto mpis = [&](std::size_t from) -> Status {
        for (std::size_t i = from; i < f.size(); ++i)
            if (!is_mpi(f[i])) return fail(Errc::protocol, "key algorithm {}: field {} is not a minimal MPI", key.algorithm, i);
        return {};
    };
    auto oid = [&]() -> Status {
        if (f[0].empty() || f[0].size() >= 255) return fail(Errc::protocol, "curve OID of {} bytes", f[0].size());
        return {};
    };
    switch (key.algorithm) {
    case 1: case 2: case 3:
        if (auto ok = want(2); !ok) return ok;
        return mpis(0);
    case 17:
        if (auto ok = want(4); !ok) return ok;
        return mpis(0);
    case 19: case 22:
        if (auto ok = want(2); !ok) return ok;
        if (auto ok = oid(); !ok) return ok;
        return mpis(1);
    case 27:
        if (auto ok = want(1); !ok) return ok;
        if (f[0].size() != 32) return fail(Errc::protocol, "Ed25519 key of {} bytes", f[0].size());
        return {};
    case 28:
        if (auto ok = want(1); !ok) return ok;
        if (f[0].size() != 57) return fail(Errc::protocol, "Ed448 key of {} bytes", f[0].size());
        return {};
    default:
        return want(1);
    }
}

Result<Key> read_key(ByteView value, bool subkey)
{
    ByteReader in(value, "key");
    Key key;
    key.subkey = subkey;
    auto offset = PROTOCOL_TRY(in.u32());
    key.offset = offset;
    auto version = PROTOCOL_TRY(in.u8());
    auto created = PROTOCOL_TRY(in.u32());
    auto algorithm = PROTOCOL_TRY(in.u8());
    if (version != 4 && version != 6) return fail(Errc::protocol, "key version {}", version);
    key.version = version;
    key.created = created;
    key.algorithm = algorithm;
    auto fields = UMD_TRY(read_fields(in, 1, Limits::max_fields, Limits::max_field, "key"));
    key.fields = std::move(fields);
    if (auto ok = in.expect_end(); !ok) return protocol_error(ok.error());
    UMD_TRY(check_key_fields(key));
    return key;
}

Status check_signature_fields(const Signature& sig)
{
    const auto& f = sig.fields;
    auto want = [&](std::size_t n) -> Status {
        if (f.size() != n)
            return fail(Errc::protocol, "signature algorithm {}: {} values, expected {}", sig.pk_algorithm, f.size(), n);
        return {};
    };
    auto mpis = [&]() -> Status {
        for (const Bytes& v : f)
            if (!is_sig_mpi(v)) return fail(Errc::protocol, "signature algorithm {}: value is not a minimal MPI", sig.pk_algorithm);
        return {};
    };
    switch (sig.pk_algorithm) {
    case 1: case 2: case 3:
        if (auto ok = want(1); !ok) return ok;
        return mpis();
    case 17: case 19: case 22:
        if (auto ok = want(2); !ok) return ok;
        return mpis();
    case 27:
        if (auto ok = want(1); !ok) return ok;
        if (f[0].size() != 64) return fail(Errc::protocol, "Ed25519 signature of {} bytes", f[0].size());
        return {};
    case 28:
        if (auto ok = want(1); !ok) return ok;
        if (f[0].size() != 114) return fail(Errc::protocol, "Ed448 signature of {} bytes", f[0].size());
        return {};
    default:
        return want(1);
    }
}

Result<Signature> read_signature_body(ByteReader& in)
{
    Signature sig;
    auto context = PROTOCOL_TRY(in.u8());
    auto version = PROTOCOL_TRY(in.u8());
    auto type = PROTOCOL_TRY(in.u8());
    auto pk_algorithm = PROTOCOL_TRY(in.u8());
    auto hash_algorithm = PROTOCOL_TRY(in.u8());
    auto left16 = PROTOCOL_TRY(in.u16());
    if (context > static_cast<std::uint8_t>(SigContext::back_signature))
        return fail(Errc::protocol, "signature context {}", context);
    if (version != 4 && version != 6) return fail(Errc::protocol, "signature version {}", version);
    sig.context = static_cast<SigContext>(context);
    sig.version = version;
    sig.type = type;
    sig.pk_algorithm = pk_algorithm;
    sig.hash_algorithm = hash_algorithm;
    sig.left16 = left16;
    auto salt = PROTOCOL_TRY(in.blob(Limits::max_salt));
    if (version == 4 && !salt.empty()) return fail(Errc::protocol, "v4 signature with a salt");
    if (version == 6 && salt.empty()) return fail(Errc::protocol, "v6 signature without a salt");
    sig.salt.assign(salt.begin(), salt.end());
    auto hashed = PROTOCOL_TRY(in.blob(Limits::max_subpacket_area));
    sig.hashed_area.assign(hashed.begin(), hashed.end());
    auto unhashed = PROTOCOL_TRY(in.blob(Limits::max_subpacket_area));
    sig.unhashed_area.assign(unhashed.begin(), unhashed.end());
    auto fields = UMD_TRY(read_fields(in, 0, Limits::max_fields, Limits::max_field, "signature"));
    sig.fields = std::move(fields);
    UMD_TRY(check_signature_fields(sig));
    auto hints = UMD_TRY(read_fields(in, 0, max_hints, 32, "issuer hints"));
    for (const Bytes& h : hints)
        if (h.size() != 8 && h.size() != 20 && h.size() != 32)
            return fail(Errc::protocol, "issuer hint of {} bytes", h.size());
    sig.issuer_hints = std::move(hints);
    return sig;
}

Result<Certificate> read_certificate(ByteView value, Budget& budget)
{
    ByteReader in(value, "certificate");
    Certificate cert;
    // Phases enforce the order: primary key, user IDs, subkeys, bound signatures.
    enum { want_primary, in_user_ids, in_subkeys, in_signatures } phase = want_primary;
    while (!in.empty()) {
        auto rec = PROTOCOL_TRY(in.record(value.size()));
        UMD_TRY(budget.take());
        if (phase == want_primary && rec.tag != tag_primary_key)
            return fail(Errc::protocol, "certificate does not start with its primary key");
        switch (rec.tag) {
        case tag_primary_key: {
            if (phase != want_primary) return fail(Errc::protocol, "second primary key in a certificate");
            auto key = UMD_TRY(read_key(rec.value, false));
            cert.primary = std::move(key);
            phase = in_user_ids;
            break;
        }
        case tag_user_id:
            if (phase != in_user_ids) return fail(Errc::protocol, "user ID out of order");
            if (rec.value.size() > Limits::max_user_id) return fail(Errc::protocol, "user ID of {} bytes", rec.value.size());
            cert.user_ids.emplace_back(as_chars(rec.value));
            break;
        case tag_subkey: {
            if (phase != in_user_ids && phase != in_subkeys) return fail(Errc::protocol, "subkey out of order");
            auto key = UMD_TRY(read_key(rec.value, true));
            cert.subkeys.push_back(std::move(key));
            phase = in_subkeys;
            break;
        }
        case tag_bound_signature: {
            phase = in_signatures;
            ByteReader body(rec.value, "bound signature");
            auto target = PROTOCOL_TRY(body.u32());
            auto sig = UMD_TRY(read_signature_body(body));
            if (auto ok = body.expect_end(); !ok) return protocol_error(ok.error());
            std::size_t bound = 0;
            switch (sig.context) {
            case SigContext::standalone: return fail(Errc::protocol, "standalone signature inside a certificate");
            case SigContext::primary_key: bound = 1; break;
            case SigContext::user_id: bound = cert.user_ids.size(); break;
            case SigContext::subkey: case SigContext::back_signature: bound = cert.subkeys.size(); break;
            }
            if (target >= bound) return fail(Errc::protocol, "signature target {} out of range ({})", target, bound);
            cert.signatures.push_back({std::move(sig), target});
            break;
        }
        default:
            return fail(Errc::protocol, "unknown certificate record tag 0x{:04X}", rec.tag);
        }
    }
    if (phase == want_primary) return fail(Errc::protocol, "certificate without a primary key");
    return cert;
}

bool trailing_blank(std::uint8_t c) { return c == ' ' || c == '\t' || c == '\r'; }

/// Reads the text lines record; decode() then checks them against the input.
/// A plain loop over fixed 8-byte entries: an InRelease file has ~1500 lines.
Result<std::vector<TextLine>> read_text_lines(ByteView value)
{
    if (value.size() % 8 != 0) return fail(Errc::protocol, "text lines record of {} bytes", value.size());
    const std::size_t count = value.size() / 8;
    if (count > Limits::max_text_lines) return fail(Errc::protocol, "{} text lines", count);
    auto le32 = [](const std::uint8_t* p) {
        return std::uint32_t{p[0]} | std::uint32_t{p[1]} << 8 | std::uint32_t{p[2]} << 16 | std::uint32_t{p[3]} << 24;
    };
    std::vector<TextLine> lines(count);
    const std::uint8_t* p = value.data();
    for (TextLine& line : lines) {
        line = {le32(p), le32(p + 4)};
        p += 8;
    }
    return lines;
}

Status check_kind(const Parsed& p)
{
    bool certs = !p.certificates.empty(), sigs = !p.signatures.empty(), text = p.text.has_value();
    bool lines = p.text_lines.has_value();
    bool headers = !p.cleartext_hash_headers.empty();
    if (lines && p.kind != InputKind::cleartext) return fail(Errc::protocol, "text lines outside a cleartext message");
    switch (p.kind) {
    case InputKind::certificates:
        if (certs && !sigs && !text && !headers && p.literal_format == 0) return {};
        break;
    case InputKind::detached_signature:
        if (!certs && sigs && !text && !headers && p.literal_format == 0) return {};
        break;
    case InputKind::cleartext:
        if (!certs && sigs && !text && lines && p.literal_format == 0) return {};
        break;
    case InputKind::inline_message:
        if (!certs && sigs && text && !headers) return {};
        break;
    }
    return fail(Errc::protocol, "records do not match input kind {}", static_cast<int>(p.kind));
}

}  // namespace

Result<Parsed> decode(ByteView payload) { return decode(payload, Bytes{}); }

Result<Parsed> decode(ByteView payload, Bytes input)
{
    ByteReader in(payload, "reply");
    Parsed parsed;
    Budget budget;
    // Phases enforce the top-level order: header, certificates, signatures, text, hash headers.
    enum { want_header, in_certificates, in_signatures, after_text, after_headers } phase = want_header;
    while (!in.empty()) {
        auto rec = PROTOCOL_TRY(in.record(payload.size()));
        UMD_TRY(budget.take());
        if (phase == want_header && rec.tag != tag_header) return fail(Errc::protocol, "reply does not start with a header");
        switch (rec.tag) {
        case tag_header: {
            if (phase != want_header) return fail(Errc::protocol, "second header");
            if (rec.value.size() != 4) return fail(Errc::protocol, "header of {} bytes", rec.value.size());
            if (rec.value[0] != format_version) return fail(Errc::protocol, "format version {}", rec.value[0]);
            if (rec.value[1] < 1 || rec.value[1] > 4) return fail(Errc::protocol, "input kind {}", rec.value[1]);
            if (rec.value[2] > 1) return fail(Errc::protocol, "armored flag {}", rec.value[2]);
            parsed.kind = static_cast<InputKind>(rec.value[1]);
            parsed.armored = rec.value[2] == 1;
            parsed.literal_format = rec.value[3];
            phase = in_certificates;
            break;
        }
        case tag_certificate: {
            if (phase != in_certificates) return fail(Errc::protocol, "certificate out of order");
            auto cert = UMD_TRY(read_certificate(rec.value, budget));
            parsed.certificates.push_back(std::move(cert));
            break;
        }
        case tag_signature: {
            if (phase != in_certificates && phase != in_signatures) return fail(Errc::protocol, "signature out of order");
            ByteReader body(rec.value, "signature");
            auto sig = UMD_TRY(read_signature_body(body));
            if (auto ok = body.expect_end(); !ok) return protocol_error(ok.error());
            if (sig.context != SigContext::standalone) return fail(Errc::protocol, "top-level signature with a key context");
            parsed.signatures.push_back(std::move(sig));
            phase = in_signatures;
            break;
        }
        case tag_text:
            if (phase != in_certificates && phase != in_signatures) return fail(Errc::protocol, "text out of order");
            if (rec.value.size() > Limits::max_text) return fail(Errc::protocol, "text of {} bytes", rec.value.size());
            parsed.text.emplace(rec.value.begin(), rec.value.end());
            phase = after_text;
            break;
        case tag_text_lines: {
            if (phase != in_certificates && phase != in_signatures) return fail(Errc::protocol, "text lines out of order");
            auto lines = UMD_TRY(read_text_lines(rec.value));
            UMD_TRY(check_text_lines(input, lines, true));
            parsed.text_lines = std::move(lines);
            phase = after_text;
            break;
        }
        case tag_hash_headers:
            if (phase == want_header || phase == after_headers) return fail(Errc::protocol, "hash headers out of order");
            if (rec.value.empty() || rec.value.size() > max_hash_headers)
                return fail(Errc::protocol, "{} hash headers", rec.value.size());
            for (std::uint8_t id : rec.value)
                if (!known_hash(id)) return fail(Errc::protocol, "unknown hash header algorithm {}", id);
            parsed.cleartext_hash_headers.assign(rec.value.begin(), rec.value.end());
            phase = after_headers;
            break;
        default:
            return fail(Errc::protocol, "unknown record tag 0x{:04X}", rec.tag);
        }
    }
    if (phase == want_header) return fail(Errc::protocol, "empty reply");
    UMD_TRY(check_kind(parsed));
    if (parsed.text_lines) parsed.input = std::move(input);
    return parsed;
}

namespace {

constexpr std::string_view cleartext_begin_line = "-----BEGIN PGP SIGNED MESSAGE-----";
constexpr std::string_view signature_begin_line = "-----BEGIN PGP SIGNATURE-----";

/// The line of `in` that starts at `pos`: its bytes up to the line feed (excluded),
/// and where the next line starts (in.size() when there is none).
struct RawLine {
    std::string_view text;
    std::size_t next;
};
RawLine raw_line(std::string_view in, std::size_t pos)
{
    std::size_t lf = in.find('\n', pos);
    if (lf == std::string_view::npos) return {in.substr(pos), in.size()};
    return {in.substr(pos, lf - pos), lf + 1};
}

std::string_view without_trailing_blanks(std::string_view line)
{
    while (!line.empty() && trailing_blank(static_cast<std::uint8_t>(line.back()))) line.remove_suffix(1);
    return line;
}

/// Where the dash-escaped text of a cleartext message starts: after blank lines, the
/// BEGIN line, the armor header lines and the blank line that ends them (RFC 9580
/// §7). Read from the Manager's own copy of the input: which bytes are headers is
/// not the handler's to say.
Result<std::size_t> cleartext_body_start(std::string_view in)
{
    std::size_t pos = 0;
    for (;;) {
        if (pos >= in.size()) return fail(Errc::protocol, "cleartext: the input has no '{}' line", cleartext_begin_line);
        RawLine line = raw_line(in, pos);
        pos = line.next;
        std::string_view trimmed = without_trailing_blanks(line.text);
        if (trimmed.empty()) continue;
        if (trimmed != cleartext_begin_line) return fail(Errc::protocol, "cleartext: the input does not start with '{}'", cleartext_begin_line);
        break;
    }
    for (;;) {
        if (pos >= in.size()) return fail(Errc::protocol, "cleartext: the input ends inside its armor headers");
        RawLine line = raw_line(in, pos);
        pos = line.next;
        if (without_trailing_blanks(line.text).empty()) return pos;
    }
}

}  // namespace

/// Which lines make up the text is the handler's claim. Its shape is checked against
/// the bytes the Manager sent: inside them, after the previous line's end (so
/// ascending and never overlapping or touching), no line feed inside a line (the
/// lines are the only thing joined by line ends) and no trailing blank (never
/// signed). With `content`, the claim is also checked to be the only one the input
/// allows (check_cleartext_framing): the lines must cover the text exactly.
Status check_text_lines(ByteView input, const std::vector<TextLine>& lines, bool content)
{
    if (lines.size() > Limits::max_text_lines) return fail(Errc::protocol, "{} text lines", lines.size());
    std::uint64_t next_free = 0;   // the first byte a line may start at
    for (std::size_t i = 0; i < lines.size(); ++i) {
        const TextLine line = lines[i];
        const std::uint64_t end = std::uint64_t{line.offset} + line.length;
        if (line.offset < next_free)
            return fail(Errc::protocol, "text line {} at {} overlaps or precedes the previous one", i, line.offset);
        if (end > input.size())
            return fail(Errc::protocol, "text line {} ({}+{}) is outside the input of {} bytes", i, line.offset, line.length,
                        input.size());
        next_free = end + 1;
        if (!content || line.length == 0) continue;
        const std::uint8_t* p = input.data() + line.offset;
        if (trailing_blank(p[line.length - 1])) return fail(Errc::protocol, "text line {} ends in a blank", i);
        if (std::memchr(p, '\n', line.length)) return fail(Errc::protocol, "text line {} holds a line feed", i);
    }
    if (!content) return {};
    return check_cleartext_framing(input, lines);
}

/// The text of a cleartext message is every line between the blank line after the
/// armor headers and the signature delimiter, so the claimed lines must be exactly
/// those: the first starts where the text does, each line of the input is one
/// claimed line (its "- " escape removed, nothing else), only trailing blanks and a
/// line feed lie between one line and the next, and the last is followed by the
/// line that opens the signature. Any byte of the text a line does not cover would
/// be unsigned, yet a reader of the file (or of --output) would take it as signed.
/// Linear in the input's size. Call after the shape checks of check_text_lines().
Status check_cleartext_framing(ByteView input, const std::vector<TextLine>& lines)
{
    const std::string_view in = as_chars(input);
    auto start = UMD_TRY(cleartext_body_start(in));
    std::size_t raw = start;   // where the next line of the input starts
    for (std::size_t i = 0; i < lines.size(); ++i) {
        const TextLine line = lines[i];
        std::size_t expected = raw;
        if (in.substr(raw).starts_with("- ")) expected = raw + 2;
        else if (raw < in.size() && in[raw] == '-')
            return fail(Errc::protocol, "text line {}: the input's line at {} starts with '-' and is not dash-escaped", i, raw);
        if (line.offset != expected)
            return fail(Errc::protocol, "text line {} starts at {}, where the input's line starts at {}", i, line.offset, expected);
        std::size_t after = std::size_t{line.offset} + line.length;
        while (after < in.size() && in[after] != '\n' && trailing_blank(static_cast<std::uint8_t>(in[after]))) ++after;
        if (after >= in.size() || in[after] != '\n')
            return fail(Errc::protocol, "text line {} does not end where the input's line does", i);
        raw = after + 1;
    }
    if (without_trailing_blanks(raw_line(in, raw).text) != signature_begin_line || raw >= in.size())
        return fail(Errc::protocol, "the text lines end at {}, which is not where the signature starts", raw);
    return {};
}

Bytes cleartext_output(ByteView input, const std::vector<TextLine>& lines)
{
    Bytes out;
    out.reserve(joined_text_size(lines) + 2 * lines.size());
    for (const TextLine& line : lines) {
        const std::uint64_t end = std::uint64_t{line.offset} + line.length;
        if (end > input.size()) break;   // never for lines checked by check_text_lines()
        const std::uint8_t* p = input.data() + line.offset;
        out.insert(out.end(), p, p + line.length);
        std::size_t lf = static_cast<std::size_t>(end);
        while (lf < input.size() && input[lf] != '\n') ++lf;
        if (lf > end && lf < input.size() && input[lf - 1] == '\r') out.push_back('\r');
        out.push_back('\n');
    }
    return out;
}

Bytes join_text_lines(ByteView input, const std::vector<TextLine>& lines, std::string_view eol)
{
    Bytes out;
    std::size_t size = lines.empty() ? 0 : (lines.size() - 1) * eol.size();
    for (const TextLine& line : lines) size += line.length;
    out.reserve(size);
    for (std::size_t i = 0; i < lines.size(); ++i) {
        if (i > 0) out.insert(out.end(), eol.begin(), eol.end());
        const std::uint8_t* p = input.data() + lines[i].offset;
        out.insert(out.end(), p, p + lines[i].length);   // reserved: no reallocation, no zero fill first
    }
    return out;
}

std::size_t joined_text_size(const std::vector<TextLine>& lines)
{
    std::size_t size = lines.empty() ? 0 : lines.size() - 1;
    for (const TextLine& line : lines) size += line.length;
    return size;
}

}  // namespace umd::pgp
#undef UMD_TRY
