// drivers/pgp/trusted/tests/peer.h — test helpers: temp dirs, running gpg/sq/sqv, parsing files.
//
// Test-only. Every GnuPG home is a fresh temporary directory; nothing touches
// the user's keyrings. Files are parsed by the handler's parser in-process,
// then encoded and decoded, so the records take the same path as over the pipe.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "drivers/pgp/protocol.h"
#include "drivers/pgp/trusted/verifier.h"

namespace umd::pgp::test {

/// A temporary directory, removed with its contents on destruction.
class TempDir {
public:
    TempDir();
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::filesystem::path& path() const { return path_; }
    std::string file(const std::string& name) const { return (path_ / name).string(); }

private:
    std::filesystem::path path_;
};

struct Run {
    int status = -1;   ///< exit status, or -1 when killed
    std::string out;
};
/// Runs a shell command, capturing stdout (stderr goes to the test log).
Run run(const std::string& command);

/// A GnuPG home in a temp dir with helpers to make keys and signatures.
class Gpg {
public:
    Gpg();
    /// Stops the agent this home started, so the directory can be removed.
    ~Gpg();
    Gpg(const Gpg&) = delete;
    Gpg& operator=(const Gpg&) = delete;
    std::string home() const { return dir_.path().string(); }
    std::string file(const std::string& name) const { return dir_.file(name); }
    /// `gpg --homedir H --batch ... args`; returns the exit status.
    Run gpg(const std::string& args) const;
    /// Generates a primary-only key; returns its fingerprint.
    std::string generate(const std::string& uid, const std::string& algo, const std::string& usage = "sign",
                         const std::string& expire = "never", const std::string& extra = "") const;
    /// Adds a subkey; returns its fingerprint.
    std::string add_subkey(const std::string& primary, const std::string& algo, const std::string& usage,
                           const std::string& extra = "") const;
    /// Exports a certificate (binary) to a file; returns the path.
    std::string export_key(const std::string& fpr, const std::string& name) const;
    /// Fingerprints of a key from `--with-colons --fingerprint` (primary first).
    std::vector<std::string> colon_fingerprints(const std::string& fpr) const;

private:
    TempDir dir_;
};

std::string read_file(const std::string& path);
void write_file(const std::string& path, std::string_view data);

/// Parses a file with the handler's parser and takes the result over the wire format.
Result<Parsed> parse_file(const std::string& path);
/// Keyring from files.
Result<Keyring> keyring_from(const std::vector<std::string>& paths, const Policy& policy = {});
/// Verifies a detached signature file over a data file; Result error for malformed input.
Result<Verdict> verify_files(const Keyring& ring, const std::string& sig, const std::string& data, const Policy& policy = {});
/// sqv's verdict: exit status 0 = valid.
bool sqv_accepts(const std::string& keyring, const std::string& sig, const std::string& data, const std::string& extra = "");

}  // namespace umd::pgp::test
