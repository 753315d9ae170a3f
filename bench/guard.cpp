// bench/guard.cpp — case `guard`: what the exec guard in umdd costs (trusted side; root only).
//
// In a mount namespace of the bench's own, two loop-mounted ext2 images get the same
// files: one (mounted as type ext2, which nothing else here uses) guarded by a umdd
// (`--guard`), the other (mounted as type ext4) not. The trust database vouches for every file
// (a synthetic package: bench/synthetic_package.h). Rows, each measured against the
// same work on the unguarded tmpfs in the same run, interleaved:
//   1. warm exec storm: posix_spawn (vfork) + wait of a small trusted program whose
//      verdict is cached (bar: ≤ 1.02 ×);
//   2. opens: open + close of a trusted ELF file and of a data file (bar: ≤ 1.1 ×);
//   3. cold decisions: 100 distinct 2 MB executables, each executed once on each side;
//      what the guard adds per exec, against the SHA-256 floor of the same bytes (read
//      and hashed in this process, same run; bar: ≤ 1.3 ×);
//   4. the restart window: umdd SIGKILLed and started again at once (as systemd's
//      Restart=always with RestartSec=0 does), the time until an untrusted program is
//      refused again (none of it is a bar: the figure the docs report).
// With --fapolicyd DIR (its Debian package unpacked with dpkg -x), fapolicyd then guards
// the same image (bench/fapolicyd_side.h) and rows 1-3 are measured again for it; the
// cold row's bar compares what each adds (umdd's ≤ 0.6 × fapolicyd's).
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <sys/mount.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

#include <openssl/evp.h>

#include "apps/umd/daemon_client.h"
#include "cases.h"
#include "fapolicyd_side.h"
#include "drivers/rpm/trusted/trust_db.h"
#include "synthetic_package.h"
#include "temp_dir.h"
#include "umdd_process.h"

extern char** environ;

namespace umd::bench {
namespace {

constexpr unsigned cold_files = 100;
constexpr std::size_t cold_size = 2 << 20;

/// posix_spawn (vfork) + wait: 0 when the program ran and exited 0, else the spawn's
/// error (EPERM: the guard refused the exec) or -1 for another exit.
int spawn_wait(const std::string& path)
{
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
    char* argv[] = {const_cast<char*>(path.c_str()), nullptr};
    pid_t pid = -1;
    const int rc = ::posix_spawn(&pid, path.c_str(), &actions, nullptr, argv, environ);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) return rc;
    int status = 0;
    ::waitpid(pid, &status, 0);
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

Op exec_op(const std::string& path)
{
    return [path]() -> Status {
        if (int rc = spawn_wait(path); rc != 0) return fail(Errc::internal, "{}: {}", path, rc > 0 ? std::strerror(rc) : "failed");
        return {};
    };
}

Op open_op(const std::string& path)
{
    return [path]() -> Status {
        const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0) return fail_errno(errno, "open {}", path);
        ::close(fd);
        return {};
    };
}

Result<Bytes> read_file(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in) return fail(Errc::io, "cannot read {}", path);
    return Bytes(std::istreambuf_iterator<char>(in), {});
}

void write_file(const std::string& path, ByteView bytes)
{
    std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    ::chmod(path.c_str(), 0755);
}

/// SHA-256 of the file at `path`, read with pread in 256 KiB chunks (what the guard does).
Result<std::string> sha256_of(const std::string& path)
{
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return fail_errno(errno, "open {}", path);
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr);
    std::vector<std::uint8_t> buffer(256 << 10);
    off_t at = 0;
    for (ssize_t n; (n = ::pread(fd, buffer.data(), buffer.size(), at)) > 0; at += n) EVP_DigestUpdate(ctx, buffer.data(), static_cast<std::size_t>(n));
    unsigned char md[32];
    unsigned len = 0;
    EVP_DigestFinal_ex(ctx, md, &len);
    EVP_MD_CTX_free(ctx);
    ::close(fd);
    static constexpr char digits[] = "0123456789abcdef";
    std::string hex;
    for (unsigned i = 0; i < len; ++i) hex += digits[md[i] >> 4], hex += digits[md[i] & 15];
    return hex;
}

/// A loop-mounted ext2 image at `path` (in this process's own mount namespace),
/// unmounted on destruction (the loop device goes with it). Not copyable.
class Image {
public:
    explicit Image(std::string path) : path_(std::move(path)) {}
    Image(const Image&) = delete;
    Image& operator=(const Image&) = delete;
    ~Image() { ::umount2(path_.c_str(), MNT_DETACH); }
    const std::string& path() const noexcept { return path_; }

private:
    std::string path_;
};

/// Makes an ext2 image file and mounts it at `path` as `type` (ext2 for the guarded
/// one; ext4, which serves ext2 too, for the other, so that fapolicyd's watch_fs=ext2
/// sees one), then proves it is mounted there before anyone marks it: a mark on the
/// filesystem below (the machine's own) would guard every process on the machine.
Result<std::unique_ptr<Image>> mount_image(const std::string& path, const char* type)
{
    std::filesystem::create_directories(path);
    const std::string image = path + ".img";
    const std::string make = fmt::format("truncate -s 400M '{}' && mkfs.ext2 -q -F '{}' >/dev/null 2>&1 && mount -o loop -t {} '{}' '{}'",
                                         image, image, type, image, path);
    if (std::system(make.c_str()) != 0) return fail(Errc::system, "could not make and mount an ext2 image at {}", path);
    auto mounted = std::make_unique<Image>(path);
    struct statfs fs {};
    struct stat here {}, parent {};
    if (::statfs(path.c_str(), &fs) != 0 || fs.f_type != EXT2_SUPER_MAGIC || ::stat(path.c_str(), &here) != 0 ||
        ::stat((path + "/..").c_str(), &parent) != 0 || here.st_dev == parent.st_dev)
        return fail(Errc::internal, "{} is not the image just mounted: refusing to guard it", path);
    return mounted;
}

Row make_row(std::string name, std::string baseline, const Pair& p, double bar)
{
    return pair_row("guard", std::move(name), std::move(baseline), p, bar);
}

/// Rows 1 and 2 for the guard `who` on `g`, against the same on `p`.
Result<std::vector<Row>> warm_rows(const std::string& who, const std::string& g, const std::string& p, unsigned rounds)
{
    std::vector<Row> rows;
    rows.push_back(make_row(who + ": exec (vfork+exec+wait) of a trusted program, warm verdict", "the same unguarded",
                            UMD_TRY(interleave(rounds, exec_op(g + "true"), exec_op(p + "true"))), 1.02));
    rows.push_back(make_row(who + ": open+close of a trusted ELF file, warm verdict", "the same unguarded",
                            UMD_TRY(interleave(rounds * 20, open_op(g + "true"), open_op(p + "true"))), 1.1));
    rows.push_back(make_row(who + ": open+close of a data file", "the same unguarded",
                            UMD_TRY(interleave(rounds * 20, open_op(g + "data.txt"), open_op(p + "data.txt"))), 1.1));
    return rows;
}

/// Row 3 for the guard `who`: each big program once on each side, alternating; the floor
/// is SHA-256 of the same bytes read and hashed here.
Result<Row> cold_row(const std::string& who, const std::string& g, const std::string& p)
{
    double guarded_ns = 0, plain_ns = 0, floor_ns = 0, floor_guarded_ns = 0;
    for (unsigned i = 0; i < cold_files; ++i) {
        const std::string name = fmt::format("cold{:03}", i);
        const bool guarded_first = i % 2 == 0;
        for (int side = 0; side < 2; ++side) {
            const bool is_guarded = (side == 0) == guarded_first;
            const double ns = UMD_TRY(time_once(exec_op((is_guarded ? g : p) + name)));
            (is_guarded ? guarded_ns : plain_ns) += ns;
        }
        floor_ns += UMD_TRY(time_once([&]() -> Status {
            UMD_TRY(sha256_of(p + name));
            return {};
        }));
        floor_guarded_ns += UMD_TRY(time_once([&]() -> Status {
            UMD_TRY(sha256_of(g + name));
            return {};
        }));
    }
    Row cold;
    cold.case_name = "guard";
    cold.name = who + ": cold decision, what it adds to the first exec of a 2 MB program";
    cold.baseline = "SHA-256 of the same 2 MB (pread + hash, this process)";
    cold.measured_ns = (guarded_ns - plain_ns) / cold_files;
    cold.baseline_ns = floor_ns / cold_files;
    cold.bar = 1.3;
    cold.unit = "ns/exec";
    cold.extra["guarded_exec_ns"] = guarded_ns / cold_files;
    cold.extra["unguarded_exec_ns"] = plain_ns / cold_files;
    cold.extra["floor_on_guarded_ns"] = floor_guarded_ns / cold_files;
    return cold;
}


}  // namespace

Result<std::vector<Row>> run_guard(const Settings& settings)
{
    if (::geteuid() != 0) return fail(Errc::not_permitted, "the guard case needs root (fanotify, tmpfs mounts of its own)");
    if (settings.umdd_path.empty()) return fail(Errc::not_found, "umdd was not found next to umd-bench: give --umdd PATH");
    // Mounts of the bench's own: nobody else sees them, and they go with the process.
    if (::unshare(CLONE_NEWNS) != 0) return fail_errno(errno, "unshare(CLONE_NEWNS)");
    if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) return fail_errno(errno, "make / private");

    auto dir = UMD_TRY(TempDir::make("umd-bench-guard."));
    auto guarded = UMD_TRY(mount_image(dir.path() + "/guarded", "ext2"));
    auto plain = UMD_TRY(mount_image(dir.path() + "/plain", "ext4"));

    // The same files on both: a small program, a data file, 100 distinct 2 MB programs.
    const Bytes program = UMD_TRY(read_file("/bin/true"));
    std::vector<std::string> names = {"true", "data.txt"};
    std::mt19937_64 random(42);
    std::vector<Bytes> contents = {program, Bytes(4096, 'x')};
    for (unsigned i = 0; i < cold_files; ++i) {
        Bytes big = program;   // an ELF program with bytes after it still runs
        big.resize(cold_size);
        for (std::size_t at = program.size(); at + 8 <= big.size(); at += 8) {
            const std::uint64_t r = random();
            std::memcpy(big.data() + at, &r, 8);
        }
        names.push_back(fmt::format("cold{:03}", i));
        contents.push_back(std::move(big));
    }
    std::vector<std::string> paths, digests;
    std::vector<std::vector<std::string>> listed;   // path, size, SHA-256: fapolicyd's trust file
    for (std::size_t i = 0; i < names.size(); ++i) {
        for (const auto* root : {guarded.get(), plain.get()}) write_file(root->path() + "/" + names[i], contents[i]);
        paths.push_back("/opt/umd-bench/" + names[i]);
        digests.push_back(UMD_TRY(sha256_of(guarded->path() + "/" + names[i])));
        listed.push_back({guarded->path() + "/" + names[i], std::to_string(contents[i].size()), digests.back()});
    }
    Bytes unknown = program;
    unknown.push_back(0);   // another digest: no package vouches for it
    write_file(guarded->path() + "/unknown", unknown);
    ::sync();
    {
        auto db = UMD_TRY(rpm::TrustDb::open(dir.path() + "/trust.mdb"));
        auto package = UMD_TRY(synthetic_package("umd-bench-guard", paths, digests));
        UMD_TRY(db.add(package));
    }
    const std::vector<std::string> umdd_args = {"--db", dir.path() + "/trust.mdb", "--guard", guarded->path()};
    auto daemon = UMD_TRY(UmddProcess::start(settings.umdd_path, dir.path(), umdd_args));
    // A failure below says what umdd logged (its log goes with the temporary directory).
    const auto logged = [&](Error e) {
        std::ifstream in(dir.path() + "/umdd.log");
        std::string log((std::istreambuf_iterator<char>(in)), {});
        if (log.size() > 2000) log = log.substr(log.size() - 2000);
        e.message += "; umdd's log ends:\n" + log;
        return std::unexpected(std::move(e));
    };
    if (spawn_wait(guarded->path() + "/unknown") != EPERM) return logged(Error{Errc::internal, "the guard did not refuse an unknown program"});

    const std::string g = guarded->path() + "/", p = plain->path() + "/";
    const unsigned rounds = settings.iterations ? settings.iterations : 1000;
    // Warm: the first exec and open decide; every one after is answered from the cache.
    if (auto ran = exec_op(g + "true")(); !ran) return logged(ran.error());
    if (auto opened = open_op(g + "data.txt")(); !opened) return logged(opened.error());
    std::vector<Row> rows = UMD_TRY(warm_rows("umdd", g, p, rounds));
    rows.push_back(UMD_TRY(cold_row("umdd", g, p)));

    // The guard's own account of its decisions.
    auto client = UMD_TRY(cli::DaemonClient::connect(daemon->socket));
    auto status = UMD_TRY(client.call_for_document(daemon::Operation::guard_status, {}, {}));
    rows[3].extra["umdd_files_hashed"] = status["hashing"]["files"];
    rows[3].extra["umdd_bytes_hashed"] = status["hashing"]["bytes"];
    rows[3].extra["umdd_events"] = status["events"];
    // The cold row's added cost split: the workers' reading and hashing, and the rest.
    if (const double files = status["hashing"]["files"].get<double>(); files > 0)
        rows[3].extra["umdd_hash_ns_per_file"] = status["hashing"]["ns"].get<double>() / files;
    for (auto& row : rows) row.extra["umdd_decision_latency_p50_ns"] = status["latency"]["p50_ns"], row.extra["umdd_decision_latency_p99_ns"] = status["latency"]["p99_ns"];

    // The restart window: SIGKILL, then a new umdd at once; until an untrusted exec is refused again.
    std::vector<double> windows;
    for (int round = 0; round < 3; ++round) {
        const auto killed = std::chrono::steady_clock::now();
        daemon->kill_now();
        ::unlink((dir.path() + "/umdd.sock").c_str());
        auto restarted = UmddProcess::start_detached(settings.umdd_path, dir.path(), umdd_args);
        if (!restarted) return std::unexpected(restarted.error());
        daemon = std::move(*restarted);
        while (spawn_wait(g + "unknown") != EPERM) {
            if (std::chrono::steady_clock::now() - killed > std::chrono::seconds(30))
                return fail(Errc::timeout, "enforcement was not back 30 s after the restart");
        }
        windows.push_back(std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - killed).count());
        UMD_TRY(daemon->wait_ready());
    }
    Row window;
    window.case_name = "guard";
    window.name = "restart window: umdd SIGKILLed and started at once, until an untrusted exec is refused again";
    window.baseline = "-";
    window.measured_ns = median(windows);
    window.bar_kind = "none";
    window.unit = "ns";
    window.extra["rounds_ms"] = nlohmann::json::array();
    for (double w : windows) window.extra["rounds_ms"].push_back(w / 1e6);
    rows.push_back(std::move(window));
    daemon.reset();   // one guard at a time

    if (settings.fapolicyd_root.empty()) return rows;
    auto fapolicyd = UMD_TRY(FapolicydSide::start(settings.fapolicyd_root, dir.path() + "/fapolicyd", listed, g + "unknown"));
    auto theirs = UMD_TRY(warm_rows("fapolicyd", g, p, rounds));
    const Row their_cold = UMD_TRY(cold_row("fapolicyd", g, p));
    for (auto& row : theirs) {
        row.bar_kind = "none";   // the bars are umdd's; fapolicyd's figures stand beside them
        rows.push_back(std::move(row));
    }
    Row compared = their_cold;
    compared.bar_kind = "none";
    rows.push_back(std::move(compared));
    Row versus;
    versus.case_name = "guard";
    versus.name = "cold decision: what umdd adds to a first exec, against what fapolicyd adds";
    versus.baseline = "fapolicyd 1.1.7 (trust=file, integrity=sha256), same files, same run";
    versus.measured_ns = rows[3].measured_ns;
    versus.baseline_ns = their_cold.measured_ns;
    versus.bar = 0.6;
    versus.unit = "ns/exec";
    rows.push_back(std::move(versus));
    return rows;
}

}  // namespace umd::bench
