// drivers/rpm/protocol.h — the records the RPM handler sends to the Manager.
//
// Shared by both sides of the trust boundary. The handler (untrusted) parses an
// RPM package file (lead, signature header, main header) and answers with:
//   - the exact main-header blob, as it stands in the file (magic, reserved,
//     il, dl, index, store): the bytes the header-only signatures cover;
//   - the raw OpenPGP signature packets from the signature header (never
//     parsed here: they go to the OpenPGP driver);
//   - the header SHA-256 digest the signature header claims (tag 273);
//   - one Claim per header field the Manager will use: "field F is index
//     entry k, tag t, type y, count c, data offset o".
// The Manager (trusted) decodes this with every length and count bounded
// (decode()), verifies a signature over the blob, then checks each claim
// against the signed blob itself (trusted/claim_check.h). A lying handler can
// cause a refusal, never a false accept. Wire layout: docs/rpm.md.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <umd/error.h>
#include <umd/wire.h>

namespace umd::rpm {

/// Request types of the RPM driver (frame header `type`).
enum class Request : std::uint8_t {
    /// payload: u64 total size of the file, then a prefix of the file (or all of it);
    /// reply: encoded Parsed.
    parse = 1,
};

/// Bounds both sides respect; decode() enforces them on every reply.
struct Limits {
    static constexpr std::size_t max_header = 64u << 20;     ///< main-header blob bytes (rpm allows 256 MiB)
    static constexpr std::size_t max_signatures = 16;
    static constexpr std::size_t max_signature = 64 * 1024;  ///< one OpenPGP signature packet
    static constexpr std::size_t max_claims = 32;
    static constexpr std::size_t first_read = 1u << 20;      ///< bytes of a file the Manager sends first
    static constexpr std::uint64_t max_input = 96u << 20;    ///< most bytes of a file ever sent
};

/// RPM header data types (rpm's rpmTagType).
enum class TagType : std::uint32_t {
    null = 0, char_ = 1, int8 = 2, int16 = 3, int32 = 4, int64 = 5,
    string = 6, bin = 7, string_array = 8, i18nstring = 9,
};

/// Tags this driver reads.
namespace tag {
inline constexpr std::uint32_t header_signatures = 62;   ///< region tag of the signature header
inline constexpr std::uint32_t header_immutable = 63;    ///< region tag of the main header
inline constexpr std::uint32_t sig_dsa = 267;            ///< header-only OpenPGP signature (DSA/EdDSA)
inline constexpr std::uint32_t sig_rsa = 268;            ///< header-only OpenPGP signature (RSA)
inline constexpr std::uint32_t sig_sha256 = 273;         ///< SHA-256 of the main header (hex string)
inline constexpr std::uint32_t sig_openpgp = 278;        ///< rpm 6: base64 OpenPGP signatures (string array)
inline constexpr std::uint32_t name = 1000;
inline constexpr std::uint32_t version = 1001;
inline constexpr std::uint32_t release = 1002;
inline constexpr std::uint32_t epoch = 1003;
inline constexpr std::uint32_t arch = 1022;
inline constexpr std::uint32_t file_modes = 1030;
inline constexpr std::uint32_t file_digests = 1035;
inline constexpr std::uint32_t file_flags = 1037;
inline constexpr std::uint32_t dir_indexes = 1116;
inline constexpr std::uint32_t base_names = 1117;
inline constexpr std::uint32_t dir_names = 1118;
inline constexpr std::uint32_t file_digest_algo = 5011;
inline constexpr std::uint32_t payload_digest = 5092;       ///< digest of the payload as it stands in the file (string array)
inline constexpr std::uint32_t payload_digest_algo = 5093;  ///< its algorithm (int32, PGPHASHALGO_*)
}  // namespace tag

/// The fields of the main header the Manager uses, with their tag and type.
enum class Field : std::uint8_t {
    name = 1, epoch, version, release, arch,
    file_digests, digest_algo, base_names, dir_names, dir_indexes, file_modes, file_flags,
    payload_digest, payload_digest_algo,
};
inline constexpr Field all_fields[] = {
    Field::name, Field::epoch, Field::version, Field::release, Field::arch,
    Field::file_digests, Field::digest_algo, Field::base_names, Field::dir_names,
    Field::dir_indexes, Field::file_modes, Field::file_flags,
    Field::payload_digest, Field::payload_digest_algo,
};
struct FieldSpec {
    std::uint32_t tag;
    TagType type;
    const char* name;
};
/// Tag and type of a field; std::nullopt for a value outside the enum.
std::optional<FieldSpec> field_spec(Field field) noexcept;

/// "Field F is index entry `index` of the main header, which says tag, type,
/// count and offset (relative to the start of the data store)."
/// A field with no claim is claimed absent (and the Manager checks that too).
struct Claim {
    Field field = Field::name;
    std::uint32_t index = 0;
    std::uint32_t tag = 0;
    std::uint32_t type = 0;
    std::uint32_t count = 0;
    std::uint32_t offset = 0;
};

/// One OpenPGP signature from the signature header: the tag it came from and
/// the raw packet bytes (base64-decoded for tag 278).
struct SignaturePacket {
    std::uint32_t tag = 0;
    Bytes packet;
};

/// The parse result for one package.
struct Parsed {
    /// When non-zero the input ended before the main header did: the total number
    /// of bytes of the file needed (every other field is empty then).
    std::uint64_t needed = 0;
    /// File offset of the main header. The Manager finds it itself from the
    /// file's fixed intros and refuses a reply whose offset or blob differ.
    std::uint64_t header_offset = 0;
    Bytes header;                             ///< the main-header blob, magic included: exactly the file's bytes there
    std::vector<SignaturePacket> signatures;  ///< in signature-header order
    std::optional<std::string> sha256;        ///< tag 273 as found (64 lower-case hex when well formed)
    std::vector<Claim> claims;                ///< at most one per field
};

/// Serialises a parse result into the reply payload (handler side).
Bytes encode(const Parsed& parsed);

/// Decodes and bounds-checks a reply payload (trusted side). Any violation is
/// Errc::protocol: the handler broke the protocol.
Result<Parsed> decode(ByteView payload);

/// Builds the parse request: the file's total size and a prefix of its bytes.
Bytes encode_request(std::uint64_t file_size, ByteView prefix);

/// Splits a parse request (handler side); bad_input when malformed.
struct ParseRequest {
    std::uint64_t file_size = 0;
    ByteView prefix;
};
Result<ParseRequest> decode_request(ByteView request);

}  // namespace umd::rpm
