// drivers/pgp/handler/tests/peer.h — test helpers: temp dirs, real OpenPGP peers, their listings.
//
// Tests run the real gpg and sq in a temporary GNUPGHOME (never the user's own
// keyrings) to make fixtures, and read `gpg --list-packets` to learn what the
// peer says each packet holds, so the parser is checked against an
// independent implementation.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <umd/wire.h>

namespace umd::pgp::testing {

/// A private temporary directory, removed with everything in it.
class TempDir {
public:
    TempDir();
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::string& path() const { return path_; }
    std::string file(const std::string& name) const { return path_ + "/" + name; }

private:
    std::string path_;
};

struct RunResult {
    int status = -1;   ///< exit status, or -1 if the command did not exit normally
    std::string out;
};

/// Runs a shell command, capturing its standard output (standard error goes to the test log).
RunResult run(const std::string& command);

Bytes read_file(const std::string& path);
void write_file(const std::string& path, std::string_view content);

/// Single-quotes a string for the shell.
std::string quote(const std::string& s);

/// gpg with its home in a temp dir, batch mode, no passphrase.
class Gpg {
public:
    Gpg();
    /// "gpg --homedir ... --batch ... " followed by `args`; fails the test if gpg fails.
    std::string operator()(const std::string& args) const;
    /// Runs without asserting; returns the result.
    RunResult try_run(const std::string& args) const;
    /// Generates a primary key (algorithm as --quick-gen-key spells it); returns its fingerprint.
    std::string generate(const std::string& uid, const std::string& algo) const;
    /// Fingerprints (upper-case hex) of the primary key and subkeys of `fpr`, in --list-keys order.
    std::vector<std::string> fingerprints(const std::string& fpr) const;
    std::string file(const std::string& name) const { return dir_.file(name); }

private:
    TempDir dir_;
};

/// One packet as `gpg --list-packets` describes it.
struct ListedPacket {
    int tag = 0;
    std::size_t offset = 0;
    std::size_t length = 0;
    std::vector<std::string> lines;
    /// The first line containing `needle`, or "" if none.
    std::string line_with(const std::string& needle) const;
};

/// Parses `gpg --list-packets` output.
std::vector<ListedPacket> parse_listing(const std::string& listing);

/// The (type, length) of each subpacket gpg lists as hashed (or unhashed).
std::vector<std::pair<int, int>> listed_subpackets(const ListedPacket& packet, bool hashed);

/// Walks a raw subpacket area: (type, length without the type octet).
std::vector<std::pair<int, int>> walk_subpackets(ByteView area);

/// Bit count of an MPI value without leading zeros.
std::size_t bit_count(ByteView value);

/// Upper-case hex.
std::string hex(ByteView bytes);

/// The dotted form of a DER OID body (without tag and length octets), as gpg, pgpdump
/// and sq print curve OIDs ("1.3.6...").
std::string dotted_oid(ByteView body);

}  // namespace umd::pgp::testing
