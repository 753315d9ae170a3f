// bench/fapolicyd_side.h — fapolicyd run beside the exec guard, for `umd-bench guard` (trusted side; root).
//
// fapolicyd is never installed: its Debian package unpacked with `dpkg -x` is run in the
// foreground, inside the bench's own mount namespace, where overlays on /etc, /var/lib,
// /run and /usr/share give it the fixed paths it reads and writes (nothing of the
// machine's changes). It watches only the file system type of the guarded image (ext2:
// nothing else on these machines is), trusts files by SHA-256 (`trust=file`,
// `integrity=sha256`), allows what it trusts, logs and denies other executions, and
// allows other opens. Stopped by pid (SIGTERM) when the object goes.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <umd/error.h>

namespace umd::bench {

class FapolicydSide {
public:
    /// Starts fapolicyd from `root` (a dpkg -x directory), trusting `files` (path, size,
    /// lower-case hex SHA-256), its state in `dir`; waits until `unknown` (a program it
    /// does not trust, on the guarded image) is refused. The caller's mount namespace
    /// must be its own.
    static Result<std::unique_ptr<FapolicydSide>> start(const std::string& root, const std::string& dir,
                                                        const std::vector<std::vector<std::string>>& files,
                                                        const std::string& unknown);
    ~FapolicydSide();
    std::string version;

private:
    FapolicydSide() = default;
    pid_t pid_ = -1;
    std::vector<std::string> overlays_;
};

}  // namespace umd::bench
