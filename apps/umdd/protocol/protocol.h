// apps/umdd/protocol/protocol.h — the messages between umdd and its clients (both sides).
//
// Specified in docs/umdd.md. One request or reply is one AF_UNIX SOCK_SEQPACKET
// message: a fixed header, then the operation's fields, little-endian, each string
// a u32 length and its bytes. Files travel as descriptors (SCM_RIGHTS) in the same
// message, opened by the client: the daemon never opens a path a client names.
// Every length and count is bounded before anything is allocated; a message that
// breaks a bound is Errc::bad_input and the daemon closes the connection.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <umd/error.h>
#include <umd/wire.h>

namespace umd::daemon {

inline constexpr std::uint32_t request_magic = 0x43444d55;   // "UMDC"
inline constexpr std::uint32_t reply_magic = 0x52444d55;     // "UMDR"
inline constexpr std::uint16_t protocol_version = 1;

/// Where umdd listens unless told otherwise (umdd.socket, umdd --socket, umd --socket).
inline constexpr const char* default_socket_path = "/run/umd/umdd.sock";

/// Largest message either way; a datagram that does not fit is refused whole.
inline constexpr std::size_t max_message = 64 * 1024;
/// Most descriptors one request carries.
inline constexpr std::size_t max_fds = 16;
/// Longest string field (a signer, a reason, an error message, a driver's sandbox text).
inline constexpr std::size_t max_string = 4096;
/// Most entries in a list field.
inline constexpr std::size_t max_list = 256;

enum class Operation : std::uint16_t {
    status = 1,        ///< the daemon's drivers and their isolation
    sample_write = 2,  ///< the sample driver's self-test
    pgp_verify = 3,    ///< `umd pgp verify`
    reload = 4,        ///< re-read the configuration, as SIGHUP does (administrators)
    rpm_verify = 5,    ///< `umd rpm verify`, one package a request
    pgp_show = 6,      ///< `umd pgp show`: the description as a document
    rpm_show = 7,      ///< `umd rpm show`: the description as a document
    trust_add = 8,     ///< `umd trust add`, up to max_trust_add packages a request (administrators)
    trust_remove = 9,  ///< `umd trust remove` (administrators)
    trust_list = 10,   ///< `umd trust list`: the list as a document
    trust_check = 11,  ///< `umd trust check`, up to max_trust_check files a request
    guard_status = 12, ///< `umd guard status`: the exec guard's counters as a document
    guard_mode = 13,   ///< `umd guard mode`: enforcing or permissive until the next start (administrators)
    guard_check = 14,  ///< `umd guard check`: what the guard would decide for a file, and why
    bpfilter = 15,     ///< an iptables socket option, served by the bpfilter driver's tables (administrators)
    bpfilter_eval = 16,   ///< `umd bpfilter eval`: the filter table's verdict on a described packet (administrators)
};

/// Who may ask for an operation (decided from the peer's credentials).
enum class Access { anyone, administrator };
Access access_of(Operation op) noexcept;
std::string_view operation_name(Operation op) noexcept;

struct RequestHeader {
    Operation operation{};
    std::uint32_t id = 0;
};

/// Fields of a pgp_verify request. Descriptors, in order: the keyrings, then the
/// signature if there is one, then the file, then the content memfd if asked for.
struct PgpVerifyRequest {
    std::uint32_t keyrings = 0;
    bool detached = false;
    std::uint32_t signatures = 1;
    std::optional<std::int64_t> not_before;
    std::optional<std::int64_t> not_after;
    bool keep_content = false;   ///< write a valid message's content to the last descriptor
    /// What the client calls each file (every descriptor but the content's), for messages only.
    std::vector<std::string> names;

    std::size_t fd_count() const noexcept { return keyrings + (detached ? 1 : 0) + 1 + (keep_content ? 1 : 0); }
};

/// Fields of an rpm_verify request. Descriptors: the keyrings, the package, and with
/// `digests` a writable memfd that receives the verified package's file digests.
struct RpmVerifyRequest {
    std::uint32_t keyrings = 0;
    bool digests = false;
    std::vector<std::string> names;   ///< the keyrings' and the package's, for messages only
};

/// A verified package: its NEVRA and signer, and (asked for) its digests' algorithm and
/// the bytes of the digest list written to the memfd (rpm_digest_list).
struct RpmVerified {
    std::string nevra, signer;
    std::uint32_t digest_algo = 0;
    std::uint64_t list_size = 0;
};

/// The verdict on one package: verified, or why not.
struct RpmVerifyReply {
    Result<RpmVerified> verified = RpmVerified{};
};

/// The digest list umdd writes for rpm_verify with `digests`: per regular file with
/// content, its hex digest and its path (each a u32 length and bytes).
struct RpmFileDigest {
    std::string digest, path;
};
Bytes encode_rpm_digest_list(const std::vector<RpmFileDigest>& files);
Result<std::vector<RpmFileDigest>> decode_rpm_digest_list(ByteView list);

struct SampleWriteRequest {
    std::uint64_t offset = 0;
};

/// One driver as the daemon reports it.
struct DriverReport {
    std::string name;
    std::string state;
    std::int32_t pid = -1;
    std::uint64_t starts = 0, restarts = 0, requests = 0, failures = 0;
    std::string sandbox;
    std::string error;
};

struct StatusReply {
    std::vector<DriverReport> drivers;
    std::string trust_db;         ///< the trust database the daemon serves (its directory)
    std::string trust_db_error;   ///< why it is not open; empty when it is
};

/// pgp_show and rpm_show. Descriptors: the file, then a writable memfd that receives
/// the description: the JSON document `umd pgp show --json` / `umd rpm show --json` print.
struct ShowRequest {
    std::string name;   ///< what the client calls the file, for messages only
};

/// The answer of pgp_show, rpm_show and trust_list: the bytes of the JSON document
/// written to the client's memfd (always valid UTF-8).
struct DocumentReply {
    std::uint64_t size = 0;
};

/// Most packages in one trust_add request, and files in one trust_check request: a
/// reply stays within max_message whatever the messages say.
inline constexpr std::size_t max_trust_add = 8;
inline constexpr std::size_t max_trust_check = 4;

/// trust_add. Descriptors: the keyrings, then the packages; `names` names each.
/// Every package is verified as `umd rpm verify` does and checked for weak digests;
/// those that pass are written in one transaction.
struct TrustAddRequest {
    std::uint32_t keyrings = 0;
    bool allow_weak_digests = false;
    std::vector<std::string> names;
};

/// Per package, in order: the NEVRA added, or why it was refused. Every success is
/// committed when the reply is sent; a failed commit is the request's error instead.
struct TrustAddReply {
    std::vector<Result<std::string>> packages;
};

struct TrustRemoveRequest {
    std::string nevra;
};

/// trust_list. Descriptors: a writable memfd for the document `umd trust list --json` prints.
/// trust_check. Descriptors: the files; `names` names each.
struct TrustCheckRequest {
    bool allow_weak_digests = false;
    std::vector<std::string> names;
};

/// One file's answer: its digest ("<algo>:<hex>") and the first package vouching for
/// it (none: not trusted).
struct TrustCheckAnswer {
    std::string digest;
    std::uint32_t vouchers = 0;
    std::string nevra, path;
};

struct TrustCheckReply {
    std::vector<Result<TrustCheckAnswer>> files;
};

/// guard_mode: the mode to switch to. The reply has no fields.
struct GuardModeRequest {
    bool permissive = false;
};

/// guard_check. Descriptor: the file. The answer: what the guard decides for an exec
/// of it and for an open of it (ld.so's open of a library), and why.
struct GuardCheckRequest {
    std::string name;
};

struct GuardCheckReply {
    bool guarded = false;        ///< the file is on a guarded filesystem
    bool permissive = false;     ///< the guard's mode now
    bool elf = false;
    bool exec_allowed = false;   ///< the verdict on executing it (before the mode)
    bool open_allowed = false;   ///< the verdict on opening it (before the mode)
    std::string reason;          ///< "trusted", "untrusted", ... (guard::reason_name)
    std::string digest;          ///< "<algorithm>:<hex>" hashed, empty when none was
    std::string nevra, path;     ///< the package vouching for it, when trusted
};

struct PgpVerifyReply {
    bool valid = false;
    std::uint32_t required = 1;
    std::vector<std::string> good_signers;
    struct Bad {
        std::string issuer, reason;
    };
    std::vector<Bad> bad;
    std::uint64_t content_size = 0;   ///< bytes written to the content memfd (valid and asked for)
    /// Every signature of the input (pgp::SignatureReport, field for field; `outcome`
    /// 0 good, 1 bad, 2 no key, 3 unchecked): what umd-gpgv's status lines say.
    struct Signature {
        std::uint8_t outcome = 3, version = 0, type = 0, pk_algorithm = 0, hash_algorithm = 0;
        std::uint32_t created = 0, expires_after = 0;
        std::string key, primary;
    };
    std::vector<Signature> signatures;
};

// Requests: encode (client) and decode (daemon; the input is a client's, not trusted).
Bytes encode_request(const RequestHeader& header, ByteView fields);
/// The header, and a reader positioned at the operation's fields.
Result<std::pair<RequestHeader, ByteReader>> decode_request(ByteView message);

Bytes encode_fields(const PgpVerifyRequest& r);
Result<PgpVerifyRequest> decode_pgp_verify(ByteReader& in);
Bytes encode_fields(const RpmVerifyRequest& r);
Result<RpmVerifyRequest> decode_rpm_verify(ByteReader& in);
Bytes encode_fields(const SampleWriteRequest& r);
Result<SampleWriteRequest> decode_sample_write(ByteReader& in);
Bytes encode_fields(const ShowRequest& r);
Result<ShowRequest> decode_show(ByteReader& in);
Bytes encode_fields(const TrustAddRequest& r);
Result<TrustAddRequest> decode_trust_add(ByteReader& in);
Bytes encode_fields(const TrustRemoveRequest& r);
Result<TrustRemoveRequest> decode_trust_remove(ByteReader& in);
Bytes encode_fields(const TrustCheckRequest& r);
Result<TrustCheckRequest> decode_trust_check(ByteReader& in);
Bytes encode_fields(const GuardModeRequest& r);
Result<GuardModeRequest> decode_guard_mode(ByteReader& in);
Bytes encode_fields(const GuardCheckRequest& r);
Result<GuardCheckRequest> decode_guard_check(ByteReader& in);

// Replies: encode (daemon) and decode (client; believed only from a daemon whose
// credentials the client checked).
Bytes encode_reply_ok(std::uint32_t id, ByteView fields);
Bytes encode_reply_error(std::uint32_t id, const Error& error);
/// The request id and either the fields of a success or the daemon's error.
struct DecodedReply {
    std::uint32_t id = 0;
    Result<ByteView> fields;
};
Result<DecodedReply> decode_reply(ByteView message);

Bytes encode_fields(const StatusReply& r);
Result<StatusReply> decode_status(ByteReader& in);
Bytes encode_fields(const RpmVerifyReply& r);
Result<RpmVerifyReply> decode_rpm_verify_reply(ByteReader& in);
Bytes encode_fields(const PgpVerifyReply& r);
Result<PgpVerifyReply> decode_pgp_verify_reply(ByteReader& in);
Bytes encode_fields(const DocumentReply& r);
Result<DocumentReply> decode_document_reply(ByteReader& in);
Bytes encode_fields(const TrustAddReply& r);
Result<TrustAddReply> decode_trust_add_reply(ByteReader& in);
Bytes encode_fields(const TrustCheckReply& r);
Result<TrustCheckReply> decode_trust_check_reply(ByteReader& in);
Bytes encode_fields(const GuardCheckReply& r);
Result<GuardCheckReply> decode_guard_check_reply(ByteReader& in);

/// The iptables socket options umdd serves (docs/bpfilter.md), as the kernel numbers them
/// within their direction (IPT_SO_SET_* and IPT_SO_GET_* share numbers).
enum class BpfilterOption : std::uint8_t {
    set_replace = 1,
    set_add_counters = 2,
    get_info = 3,
    get_entries = 4,
    get_revision_match = 5,
    get_revision_target = 6,
};

/// bpfilter. Descriptors: the caller's AF_INET socket (its network namespace chooses the
/// tables: SO_NETNS_COOKIE), then a memfd
/// holding the option value: `value_size` bytes, the caller's `optlen`. umdd writes its
/// answer into the same memfd from offset 0: a get's value, or a replace's old counters.
struct BpfilterRequest {
    BpfilterOption option = BpfilterOption::get_info;
    std::uint32_t value_size = 0;
};

/// What the socket option returns: `result` is 0, a revision (get_revision_*), or a
/// negative errno (the kernel's for the same call); `out_size` bytes were written to the
/// memfd; `reason` says why a table was refused.
struct BpfilterReply {
    std::int32_t result = 0;
    std::uint32_t out_size = 0;
    std::string reason;
};

/// bpfilter_eval: a packet described, and the filter table's chain it enters by (1 INPUT,
/// 2 FORWARD, 3 OUTPUT). Descriptor: an AF_INET socket made in the network namespace
/// whose table is asked (the caller's, or one it entered). Addresses in network byte
/// order, ports in host order; `state` 0 NEW, 1 ESTABLISHED, 2 RELATED, 3 INVALID, 4 UNTRACKED.
struct BpfilterEvalRequest {
    std::uint8_t hook = 1;
    std::uint8_t proto = 6;
    std::uint32_t src = 0, dst = 0;
    std::uint16_t sport = 0, dport = 0;
    std::uint8_t icmp_type = 8, icmp_code = 0, tcp_flags = 0x02;
    std::string in, out;   ///< at most 15 bytes each (IFNAMSIZ - 1)
    std::uint8_t state = 0;
    std::uint32_t mark = 0;
};

/// The verdict (0 ACCEPT, 1 DROP, 2 REJECT, 3 QUEUE) and the entry that decided it: its
/// chain, its number as `iptables -L --line-numbers` shows it (0 with `chain_end`: the
/// chain's policy), and the rule in iptables-save syntax.
struct BpfilterEvalReply {
    std::uint8_t verdict = 1;
    std::string chain;
    std::uint32_t number = 0;
    bool chain_end = false;
    std::uint32_t entry = 0;
    std::uint32_t reject_with = 0;
    std::uint32_t mark = 0;
    std::uint32_t steps = 0;
    std::string rule;
};

Bytes encode_fields(const BpfilterEvalRequest& r);
Result<BpfilterEvalRequest> decode_bpfilter_eval(ByteReader& in);
Bytes encode_fields(const BpfilterEvalReply& r);
Result<BpfilterEvalReply> decode_bpfilter_eval_reply(ByteReader& in);

Bytes encode_fields(const BpfilterRequest& r);
Result<BpfilterRequest> decode_bpfilter(ByteReader& in);
Bytes encode_fields(const BpfilterReply& r);
Result<BpfilterReply> decode_bpfilter_reply(ByteReader& in);

}  // namespace umd::daemon
