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

}  // namespace umd::daemon
