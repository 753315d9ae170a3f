// apps/umd/daemon_client.h — the CLI as a client of umdd (trusted side of the CLI; no driver runs here).
//
// When a umdd answers on its socket, `umd pgp verify`, `umd sample write` and
// `umd status` send their request there instead of starting a handler: files travel
// as descriptors the CLI opened itself. The answer is believed only from a daemon
// running as root or as the same user as the CLI (SO_PEERCRED on the connection):
// a socket at the expected path served by anyone else is refused, never trusted.
#pragma once

#include <chrono>
#include <optional>
#include <span>
#include <string>

#include <nlohmann/json.hpp>

#include <umd/error.h>
#include <umd/unique_fd.h>
#include <umd/wire.h>

#include "apps/umdd/protocol/protocol.h"

namespace umd::cli {

/// Opens a file that umdd is to read (read-only, not waiting on a FIFO), with the error
/// reading it standalone gives: `missing` when it does not exist, io otherwise.
Result<UniqueFd> open_for_daemon(const std::string& path, Errc missing = Errc::not_found);

/// A memfd for umdd to write a long answer into (a document, a digest list).
Result<UniqueFd> reply_file(const char* name);

/// The `size` bytes umdd says it wrote to `fd`: Errc::protocol when that is more
/// than `limit` or more than the file holds.
Result<Bytes> read_reply_file(int fd, std::uint64_t size, std::uint64_t limit);

/// Largest document (a description, the trust list) the CLI reads from umdd.
inline constexpr std::uint64_t max_document = std::uint64_t{1} << 30;

class DaemonClient {
public:
    /// Connects to the umdd at `path` and checks who serves it. Errc::not_found when
    /// nothing listens there (the caller may run standalone), not_permitted when the
    /// socket is served by a user the CLI does not trust.
    static Result<DaemonClient> connect(const std::string& path);

    /// Sends one request with `fds` and waits (at most `deadline`) for its reply: the
    /// reply's fields, or the error umdd answered.
    Result<Bytes> call(daemon::Operation op, ByteView fields, std::span<const int> fds,
                       std::chrono::milliseconds deadline = std::chrono::minutes(2));

    /// Calls an operation that answers with a JSON document (pgp_show, rpm_show,
    /// trust_list): `files` are sent, then a memfd that umdd writes the document to.
    Result<nlohmann::json> call_for_document(daemon::Operation op, ByteView fields, std::span<const int> files);

private:
    explicit DaemonClient(UniqueFd fd) : fd_(std::move(fd)) {}
    UniqueFd fd_;
    std::uint32_t next_id_ = 1;
    Bytes buffer_;   ///< replies are read here (one allocation per connection)
};

}  // namespace umd::cli
