// tests/umdd/umdd_test.cpp — umdd against well-behaved and hostile clients.
//
// Each suite starts a real umdd (the built executable) on a private socket and talks
// to it with the protocol's own encoder over raw SOCK_SEQPACKET connections, as any
// client could. After every hostile client, the daemon must still answer a
// well-behaved one, and its descriptors must be back where they were.
#include <gtest/gtest.h>

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <functional>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <umd/unique_fd.h>

#include <zlib.h>

#include <fmt/format.h>

#include <sys/mman.h>

#include "apps/umdd/protocol/protocol.h"
#include "drivers/bpfilter/tests/kernel_replace.h"
#include "drivers/bpfilter/tests/table_blob.h"
#include "drivers/pgp/trusted/tests/peer.h"

namespace umd::daemon {
namespace {

/// A keyring and a message clear-signed with its key, made by gpg for the whole suite.
std::string keyring;
std::string release;
pgp::test::Gpg* gpg_home = nullptr;

/// The daemon's descriptors of sockets and files: connections and what clients passed.
/// (Pipes, pidfds and memfds come and go with the handlers and their spares.)
int count_fds_of(pid_t pid)
{
    const std::string dir = "/proc/" + std::to_string(pid) + "/fd";
    int n = 0;
    if (DIR* d = ::opendir(dir.c_str())) {
        while (dirent* e = ::readdir(d)) {
            if (e->d_name[0] == '.') continue;
            char target[256] = {};
            if (::readlink((dir + "/" + e->d_name).c_str(), target, sizeof target - 1) <= 0) continue;
            std::string t = target;
            if (t.starts_with("socket:") || (t.starts_with("/") && !t.starts_with("/memfd:"))) ++n;
        }
        ::closedir(d);
    }
    return n;
}

/// count_fds_of() once the daemon has caught up with closed connections (no timing
/// is asserted: it waits until two counts 100 ms apart agree, at most 5 s).
int settled_fds(pid_t pid)
{
    int last = count_fds_of(pid);
    for (int i = 0; i < 50; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        int now = count_fds_of(pid);
        if (now == last) return now;
        last = now;
    }
    return last;
}

/// A umdd of its own on a private socket, stopped with SIGTERM at the end.
class Daemon {
public:
    explicit Daemon(const std::string& config_text)
    {
        char tmpl[] = "/tmp/umdd-test.XXXXXX";
        dir_ = ::mkdtemp(tmpl);
        ::chmod(dir_.c_str(), 0755);   // the unprivileged client must reach the socket
        std::ofstream(dir_ + "/umdd.toml") << config_text;
        socket_ = dir_ + "/umdd.sock";
        pid_ = ::fork();
        if (pid_ == 0) {
            int log = ::open((dir_ + "/umdd.log").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
            ::dup2(log, 2);
            ::execl(UMDD, UMDD, "--foreground", "--config", (dir_ + "/umdd.toml").c_str(), "--db", (dir_ + "/trust.mdb").c_str(),
                    "--socket", socket_.c_str(),
                    "--log-level", "debug", static_cast<char*>(nullptr));
            ::_exit(127);
        }
        for (int i = 0; i < 200 && ::access(socket_.c_str(), F_OK) != 0; ++i)
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ~Daemon()
    {
        if (pid_ > 0) stop();
        std::system(("rm -rf " + dir_).c_str());
    }
    /// SIGTERM; the exit status.
    int stop()
    {
        ::kill(pid_, SIGTERM);
        int status = 0;
        ::waitpid(pid_, &status, 0);
        pid_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    pid_t pid() const { return pid_; }
    const std::string& socket() const { return socket_; }
    std::string config_path() const { return dir_ + "/umdd.toml"; }
    std::string log() const
    {
        std::ifstream in(dir_ + "/umdd.log");
        return std::string(std::istreambuf_iterator<char>(in), {});
    }
    /// Whether the log comes to contain `text`: umdd writes its log from a thread of its
    /// own, after the request is answered, so a line may follow the reply (up to 10 s).
    bool logged(std::string_view text) const
    {
        for (int i = 0; i < 500; ++i) {
            if (log().find(text) != std::string::npos) return true;
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        return false;
    }

private:
    std::string dir_, socket_;
    pid_t pid_ = -1;
};

UniqueFd connect_to(const std::string& path)
{
    UniqueFd fd(::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0));
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path.c_str());
    if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) return UniqueFd();
    return fd;
}

bool send_with_fds(int sock, const Bytes& message, const std::vector<int>& fds)
{
    // Not send_datagram(): this client must be able to send more descriptors than a request may carry.
    iovec iov{const_cast<std::uint8_t*>(message.data()), message.size()};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    std::vector<char> control(CMSG_SPACE(sizeof(int) * std::max<std::size_t>(fds.size(), 1)));
    if (!fds.empty()) {
        msg.msg_control = control.data();
        msg.msg_controllen = control.size();
        cmsghdr* c = CMSG_FIRSTHDR(&msg);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int) * fds.size());
        std::memcpy(CMSG_DATA(c), fds.data(), sizeof(int) * fds.size());
    }
    return ::sendmsg(sock, &msg, MSG_NOSIGNAL) == static_cast<ssize_t>(message.size());
}

/// The reply's fields or umdd's error; Errc::io when the connection ended first.
Result<Bytes> receive_reply(int sock)
{
    Bytes buffer(max_message);
    timeval tv{20, 0};
    ::setsockopt(sock, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ssize_t n = ::recv(sock, buffer.data(), buffer.size(), 0);
    if (n <= 0) return fail(Errc::io, "no reply");
    auto reply = UMD_TRY(decode_reply(ByteView(buffer.data(), static_cast<std::size_t>(n))));
    if (!reply.fields) return std::unexpected(reply.fields.error());
    return Bytes(reply.fields->begin(), reply.fields->end());
}

Result<Bytes> call(int sock, Operation op, ByteView fields, const std::vector<int>& fds = {}, std::uint32_t id = 7)
{
    if (!send_with_fds(sock, encode_request({op, id}, fields), fds)) return fail(Errc::io, "send");
    return receive_reply(sock);
}

/// A pgp verify of the suite's signed message with `file` as the signed message.
Result<PgpVerifyReply> verify(int sock, int file_fd, int keyring_fd = -1)
{
    UniqueFd ring(keyring_fd < 0 ? ::open(keyring.c_str(), O_RDONLY | O_CLOEXEC) : -1);
    PgpVerifyRequest r;
    r.keyrings = 1;
    r.names = {keyring, "the file"};
    auto fields = UMD_TRY(call(sock, Operation::pgp_verify, encode_fields(r), {keyring_fd < 0 ? ring.get() : keyring_fd, file_fd}));
    ByteReader in(fields, "reply");
    return decode_pgp_verify_reply(in);
}

Result<StatusReply> status(int sock)
{
    auto fields = UMD_TRY(call(sock, Operation::status, {}));
    ByteReader in(fields, "reply");
    return decode_status(in);
}

/// The daemon still serves: a fresh connection gets a valid verdict.
void expect_still_serving(const Daemon& d)
{
    UniqueFd sock = connect_to(d.socket());
    ASSERT_TRUE(sock) << d.log();
    UniqueFd file(::open(release.c_str(), O_RDONLY | O_CLOEXEC));
    auto v = verify(sock.get(), file.get());
    ASSERT_TRUE(v) << v.error().message << "\n" << d.log();
    EXPECT_TRUE(v->valid);
}

class Umdd : public ::testing::Test {
protected:
    static void SetUpTestSuite()
    {
        gpg_home = new pgp::test::Gpg();
        const std::string fpr = gpg_home->generate("umdd test <umdd@example.org>", "rsa3072");
        keyring = gpg_home->export_key(fpr, "keyring.gpg");
        std::ofstream(gpg_home->file("message.txt")) << "signed for the umdd tests\n";
        release = gpg_home->file("message.asc");
        gpg_home->gpg("--local-user " + fpr + " --clearsign --output " + release + " " + gpg_home->file("message.txt"));
        ASSERT_EQ(::access(release.c_str(), R_OK), 0) << "gpg made no signed message";
    }
    static void TearDownTestSuite()
    {
        delete gpg_home;
        gpg_home = nullptr;
    }
};

TEST_F(Umdd, VerifiesAndReportsItsDrivers)
{
    Daemon d("");
    expect_still_serving(d);
    UniqueFd sock = connect_to(d.socket());
    auto st = status(sock.get());
    ASSERT_TRUE(st) << st.error().message;
    ASSERT_FALSE(st->drivers.empty());
    for (const auto& driver : st->drivers) EXPECT_NE(driver.sandbox.find("strict"), std::string::npos) << driver.sandbox;
    EXPECT_EQ(d.stop(), 0) << d.log();
}

TEST_F(Umdd, FilesThatAreNotRegularAreRefusedAndNothingWaits)
{
    Daemon d("");
    UniqueFd sock = connect_to(d.socket());
    int fifo_pipe[2];
    ASSERT_EQ(::pipe(fifo_pipe), 0);   // a pipe nobody writes to: reading it would wait forever
    UniqueFd read_end(fifo_pipe[0]), write_end(fifo_pipe[1]);
    UniqueFd directory(::open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    UniqueFd zero(::open("/dev/zero", O_RDONLY | O_CLOEXEC));
    UniqueFd other(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    for (int fd : {read_end.get(), directory.get(), zero.get(), other.get()}) {
        auto v = verify(sock.get(), fd);
        ASSERT_FALSE(v);
        EXPECT_EQ(v.error().code, Errc::bad_input) << v.error().message;
        EXPECT_NE(v.error().message.find("not a regular file"), std::string::npos) << v.error().message;
    }
    expect_still_serving(d);
}

TEST_F(Umdd, MalformedRequestsEndTheirConnectionOnly)
{
    Daemon d("");
    expect_still_serving(d);   // the handlers (and their spares) are up: their pipes count
    const int before = settled_fds(d.pid());
    {
        // A datagram larger than any request.
        UniqueFd sock = connect_to(d.socket());
        Bytes huge(max_message + 100, 0x55);
        ASSERT_TRUE(send_with_fds(sock.get(), huge, {}));
        auto r = receive_reply(sock.get());
        ASSERT_FALSE(r);
        EXPECT_EQ(r.error().code, Errc::bad_input) << r.error().message;
    }
    {
        // Too many descriptors: every one that arrived is closed again.
        UniqueFd sock = connect_to(d.socket());
        std::vector<UniqueFd> files;
        std::vector<int> fds;
        for (int i = 0; i < 200; ++i) {
            files.emplace_back(::open("/dev/null", O_RDONLY | O_CLOEXEC));
            fds.push_back(files.back().get());
        }
        ASSERT_TRUE(send_with_fds(sock.get(), encode_request({Operation::status, 1}, {}), fds));
        auto r = receive_reply(sock.get());
        ASSERT_FALSE(r);
    }
    {
        // Garbage, a wrong magic, an unknown operation, trailing bytes.
        for (Bytes bad : {Bytes{1, 2, 3}, Bytes(24, 0), encode_request({static_cast<Operation>(99), 1}, {}),
                          encode_request({Operation::status, 1}, Bytes{0})}) {
            UniqueFd sock = connect_to(d.socket());
            ASSERT_TRUE(send_with_fds(sock.get(), bad, {}));
            EXPECT_FALSE(receive_reply(sock.get()));
        }
    }
    {
        // A verify that names more descriptors than it sends.
        UniqueFd sock = connect_to(d.socket());
        PgpVerifyRequest r;
        r.keyrings = 3;
        r.names = {"a", "b", "c", "d"};
        auto reply = call(sock.get(), Operation::pgp_verify, encode_fields(r));
        ASSERT_FALSE(reply);
        EXPECT_EQ(reply.error().code, Errc::bad_input);
    }
    expect_still_serving(d);
    EXPECT_EQ(settled_fds(d.pid()), before) << "descriptors leaked";
}

TEST_F(Umdd, ClientsThatStallOrVanishDoNotStopOthers)
{
    Daemon d("[limits]\nmax_in_flight = 4\n");
    expect_still_serving(d);   // the handlers (and their spares) are up: their pipes count
    const int before = settled_fds(d.pid());
    {
        // Sends many requests and never reads a reply.
        UniqueFd greedy = connect_to(d.socket());
        for (int i = 0; i < 200; ++i)
            if (!send_with_fds(greedy.get(), encode_request({Operation::status, static_cast<std::uint32_t>(i)}, {}), {})) break;
        // Disconnects in the middle of a verification.
        UniqueFd gone = connect_to(d.socket());
        UniqueFd ring(::open(keyring.c_str(), O_RDONLY | O_CLOEXEC)), file(::open(release.c_str(), O_RDONLY | O_CLOEXEC));
        PgpVerifyRequest r;
        r.keyrings = 1;
        r.names = {"k", "f"};
        ASSERT_TRUE(send_with_fds(gone.get(), encode_request({Operation::pgp_verify, 1}, encode_fields(r)), {ring.get(), file.get()}));
        gone.reset();
        // Many idle connections.
        std::vector<UniqueFd> idle;
        for (int i = 0; i < 1000; ++i) idle.push_back(connect_to(d.socket()));
        expect_still_serving(d);
    }
    expect_still_serving(d);
    EXPECT_EQ(settled_fds(d.pid()), before) << "descriptors leaked";
    EXPECT_EQ(d.stop(), 0) << d.log();
}

/// Runs `body` in a child process as user nobody; its exit status.
template <class Body>
int as_nobody(Body body)
{
    pid_t pid = ::fork();
    if (pid == 0) {
        if (::setgid(65534) != 0 || ::setuid(65534) != 0) ::_exit(90);
        ::_exit(body());
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 99;
}

TEST_F(Umdd, AnUnprivilegedUserVerifiesButMayNotReload)
{
    if (::getuid() != 0) GTEST_SKIP() << "needs root to switch to user nobody";
    Daemon d("");
    // Opened here and inherited: the client passes descriptors it holds, whatever the
    // files' permissions (the suite's files are in a directory only root may read).
    UniqueFd file(::open(release.c_str(), O_RDONLY | O_CLOEXEC)), ring(::open(keyring.c_str(), O_RDONLY | O_CLOEXEC));
    int code = as_nobody([&] {
        UniqueFd sock = connect_to(d.socket());
        if (!sock) return 10;
        auto v = verify(sock.get(), file.get(), ring.get());
        if (!v || !v->valid) return 11;
        auto reload = call(sock.get(), Operation::reload, {});
        if (reload || reload.error().code != Errc::not_permitted) return 12;
        return 0;
    });
    EXPECT_EQ(code, 0) << d.log();
    UniqueFd sock = connect_to(d.socket());
    EXPECT_TRUE(call(sock.get(), Operation::reload, {})) << "root may reload";
    EXPECT_TRUE(d.logged("refused: reload needs root")) << d.log();
}

TEST_F(Umdd, AHandlerThatServedOneUserIsRecycledBeforeAnother)
{
    if (::getuid() != 0) GTEST_SKIP() << "needs root to switch to user nobody";
    Daemon d("[drivers.pgp]\ninstances = 1\n");
    auto pgp_pid = [&]() -> std::int32_t {
        UniqueFd sock = connect_to(d.socket());
        auto st = status(sock.get());
        if (!st) return -1;
        for (const auto& driver : st->drivers)
            if (driver.name == "pgp#0") return driver.pid;
        return -1;
    };
    {
        UniqueFd sock = connect_to(d.socket());
        UniqueFd file(::open(release.c_str(), O_RDONLY | O_CLOEXEC));
        ASSERT_TRUE(verify(sock.get(), file.get()));
    }
    const std::int32_t root_handler = pgp_pid();
    ASSERT_GT(root_handler, 0);
    {
        // Root again: the same handler serves.
        UniqueFd sock = connect_to(d.socket());
        UniqueFd file(::open(release.c_str(), O_RDONLY | O_CLOEXEC));
        ASSERT_TRUE(verify(sock.get(), file.get()));
    }
    EXPECT_EQ(pgp_pid(), root_handler);
    UniqueFd file(::open(release.c_str(), O_RDONLY | O_CLOEXEC)), ring(::open(keyring.c_str(), O_RDONLY | O_CLOEXEC));
    int code = as_nobody([&] {
        UniqueFd sock = connect_to(d.socket());
        auto v = verify(sock.get(), file.get(), ring.get());
        return v && v->valid ? 0 : 1;
    });
    ASSERT_EQ(code, 0) << d.log();
    const std::int32_t nobody_handler = pgp_pid();
    EXPECT_GT(nobody_handler, 0);
    EXPECT_NE(nobody_handler, root_handler) << "the handler root's input reached served user nobody";
}

/// The exit status `umd --standalone pgp verify` gives for `file`.
int standalone_status(const std::string& file)
{
    const std::string command = std::string(UMD_CLI) + " --standalone pgp verify --keyring " + keyring + " " + file + " >/dev/null 2>&1";
    int status = std::system(command.c_str());
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/// The exit status the CLI would give for a daemon's answer.
int status_of(const Result<PgpVerifyReply>& reply)
{
    if (!reply) return exit_code(reply.error().code);
    return reply->valid ? 0 : 1;
}

TEST_F(Umdd, ManyClientsAtOnceGetTheStandaloneVerdicts)
{
    // A valid message, the same with one byte of its text changed, and garbage.
    const std::string tampered = gpg_home->file("tampered.asc"), garbage = gpg_home->file("garbage.asc");
    std::string text;
    {
        std::ifstream in(release);
        text.assign(std::istreambuf_iterator<char>(in), {});
    }
    std::string changed = text;
    changed[changed.find("signed for")] = 'S';
    std::ofstream(tampered) << changed;
    std::ofstream(garbage) << "-----BEGIN PGP SIGNED MESSAGE-----\n\x01\x02 not really\n";
    const std::vector<std::string> inputs{release, tampered, garbage};
    std::vector<int> expected;
    for (const auto& input : inputs) expected.push_back(standalone_status(input));
    ASSERT_EQ(expected[0], 0);
    ASSERT_EQ(expected[1], 1);
    ASSERT_EQ(expected[2], 2);

    Daemon d("");
    expect_still_serving(d);
    const int before = settled_fds(d.pid());
    constexpr int clients = 64, each = 100;
    std::vector<std::thread> threads;
    std::atomic<int> mismatches{0}, done{0};
    for (int c = 0; c < clients; ++c) {
        threads.emplace_back([&, c] {
            UniqueFd sock = connect_to(d.socket());
            for (int i = 0; i < each; ++i) {
                const std::size_t which = static_cast<std::size_t>(c + i) % inputs.size();
                UniqueFd file(::open(inputs[which].c_str(), O_RDONLY | O_CLOEXEC));
                if (status_of(verify(sock.get(), file.get())) != expected[which]) ++mismatches;
                ++done;
            }
        });
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(done, clients * each);
    EXPECT_EQ(mismatches, 0) << d.log();
    expect_still_serving(d);
    EXPECT_EQ(settled_fds(d.pid()), before) << "descriptors leaked";
    EXPECT_EQ(d.stop(), 0) << d.log();
}

/// An OpenPGP compressed data packet of 1 GiB of zeros (about 1 MiB deflated): the
/// handler spends a while expanding it before it stops at its limit.
Bytes decompression_bomb()
{
    z_stream zs{};
    deflateInit(&zs, 1);
    Bytes zeros(1 << 20, 0), compressed, buffer(1 << 16);
    for (int i = 0; i < 1024; ++i) {
        zs.next_in = zeros.data();
        zs.avail_in = static_cast<uInt>(zeros.size());
        do {
            zs.next_out = buffer.data();
            zs.avail_out = static_cast<uInt>(buffer.size());
            deflate(&zs, i == 1023 ? Z_FINISH : Z_NO_FLUSH);
            compressed.insert(compressed.end(), buffer.data(), buffer.data() + (buffer.size() - zs.avail_out));
        } while (zs.avail_out == 0);
    }
    deflateEnd(&zs);
    const std::size_t body = compressed.size() + 1;   // algorithm byte, then the stream
    Bytes packet{0xC8, 0xFF, static_cast<std::uint8_t>(body >> 24), static_cast<std::uint8_t>(body >> 16),
                 static_cast<std::uint8_t>(body >> 8), static_cast<std::uint8_t>(body), 2};
    packet.insert(packet.end(), compressed.begin(), compressed.end());
    return packet;
}

/// CPU time (user + system, in clock ticks) a process has used, from /proc.
long cpu_ticks(pid_t pid)
{
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string text((std::istreambuf_iterator<char>(stat)), {});
    auto close = text.rfind(')');
    if (close == std::string::npos) return -1;
    std::istringstream fields(text.substr(close + 2));
    std::string field;
    long utime = 0, stime = 0;
    for (int i = 3; fields >> field; ++i) {   // field 3 is the state
        if (i == 14) utime = std::stol(field);
        if (i == 15) {
            stime = std::stol(field);
            break;
        }
    }
    return utime + stime;
}

TEST_F(Umdd, AHandlerKilledMidRequestFailsThatRequestOnly)
{
    const std::string bomb = gpg_home->file("bomb.gpg");
    {
        Bytes b = decompression_bomb();
        std::ofstream(bomb, std::ios::binary).write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
    }
    // One OpenPGP handler: the victim's request runs on it.
    Daemon d("[drivers.pgp]\ninstances = 1\n");
    expect_still_serving(d);
    auto handler_pid = [&]() -> std::int32_t {
        UniqueFd sock = connect_to(d.socket());
        if (auto st = status(sock.get()))
            for (const auto& driver : st->drivers)
                if (driver.name == "pgp#0") return driver.pid;
        return -1;
    };
    bool crashed = false;
    for (int attempt = 0; attempt < 5 && !crashed; ++attempt) {
        const std::int32_t pid = handler_pid();
        ASSERT_GT(pid, 0);
        const long before = cpu_ticks(pid);
        std::atomic<bool> answered{false};
        std::optional<Result<PgpVerifyReply>> victim;
        std::thread t([&] {
            UniqueFd sock = connect_to(d.socket());
            UniqueFd file(::open(bomb.c_str(), O_RDONLY | O_CLOEXEC));
            victim.emplace(verify(sock.get(), file.get()));
            answered = true;
        });
        // Killed once it is busy expanding the bomb (its CPU time moves), not before.
        while (!answered && cpu_ticks(pid) >= 0 && cpu_ticks(pid) < before + 3)
            std::this_thread::sleep_for(std::chrono::milliseconds(2));
        if (!answered) ::kill(pid, SIGKILL);
        t.join();
        ASSERT_TRUE(victim && !*victim) << "a decompression bomb cannot verify";
        // Finished before the kill (a fast machine): bad_input; try again.
        crashed = (*victim).error().code == Errc::handler_crashed;
        if (!crashed) {
            EXPECT_EQ((*victim).error().code, Errc::bad_input) << (*victim).error().message;
        }
    }
    EXPECT_TRUE(crashed) << "the handler was never caught mid-request";
    // The others: a fresh handler serves the next request of anyone.
    expect_still_serving(d);
    expect_still_serving(d);
    EXPECT_EQ(d.stop(), 0) << d.log();
}

/// A socket of the test's own in a fresh directory, answering each request with `answer`
/// (a lying daemon), on a thread; or, with `as_uid`, served by a child of that uid.
class FakeDaemon {
public:
    explicit FakeDaemon(std::function<Bytes(const RequestHeader&)> answer) : answer_(std::move(answer))
    {
        char tmpl[] = "/tmp/umdd-fake.XXXXXX";
        dir_ = ::mkdtemp(tmpl);
        ::chmod(dir_.c_str(), 0777);
        socket_ = dir_ + "/fake.sock";
    }
    ~FakeDaemon()
    {
        if (child_ > 0) {
            ::kill(child_, SIGKILL);
            ::waitpid(child_, nullptr, 0);
        }
        if (listener_) ::shutdown(listener_.get(), SHUT_RDWR);   // a waiting accept() returns: the thread ends
        if (thread_.joinable()) thread_.join();
        listener_.reset();
        std::system(("rm -rf " + dir_).c_str());
    }
    /// Serves from a thread of this process (root: a daemon the client believes).
    void serve_here()
    {
        listen();
        thread_ = std::thread([this] {
            UniqueFd c(::accept(listener_.get(), nullptr, nullptr));
            if (!c) return;
            Bytes buffer(max_message);
            ssize_t n = ::recv(c.get(), buffer.data(), buffer.size(), 0);
            if (n <= 0) return;
            auto request = decode_request(ByteView(buffer.data(), static_cast<std::size_t>(n)));
            if (!request) return;
            Bytes reply = answer_(request->first);
            (void)!::send(c.get(), reply.data(), reply.size(), MSG_NOSIGNAL);
        });
    }
    /// Listens from a child running as `uid` (it never answers).
    void serve_as(uid_t uid)
    {
        child_ = ::fork();
        if (child_ == 0) {
            if (::setgid(uid) != 0 || ::setuid(uid) != 0) ::_exit(90);
            listen();
            for (;;) ::pause();
        }
        for (int i = 0; i < 200 && ::access(socket_.c_str(), F_OK) != 0; ++i)
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    const std::string& socket() const { return socket_; }

private:
    void listen()
    {
        listener_ = UniqueFd(::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0));
        sockaddr_un addr{};
        addr.sun_family = AF_UNIX;
        std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", socket_.c_str());
        ::bind(listener_.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr);
        ::listen(listener_.get(), 4);
    }
    std::function<Bytes(const RequestHeader&)> answer_;
    std::string dir_, socket_;
    UniqueFd listener_;
    std::thread thread_;
    pid_t child_ = -1;
};

/// `umd --socket S pgp verify` of the suite's message: its exit status and stderr.
std::pair<int, std::string> cli_verify(const std::string& socket, const std::string& extra = "")
{
    const std::string err = socket + ".err";
    const std::string command = std::string(UMD_CLI) + " --socket " + socket + " pgp verify " + extra + " --keyring " + keyring +
                                " " + release + " >/dev/null 2>" + err;
    int status = std::system(command.c_str());
    std::ifstream in(err);
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, std::string(std::istreambuf_iterator<char>(in), {})};
}

TEST_F(Umdd, TheClientBelievesNoDaemonOfAnotherUser)
{
    if (::getuid() != 0) GTEST_SKIP() << "needs root to serve a socket as user nobody";
    FakeDaemon fake([](const RequestHeader& h) { return encode_reply_ok(h.id, encode_fields(PgpVerifyReply{.valid = true})); });
    fake.serve_as(65534);
    auto [code, err] = cli_verify(fake.socket());
    EXPECT_EQ(code, 4) << err;
    EXPECT_NE(err.find("not trusted"), std::string::npos) << err;
}

TEST_F(Umdd, TheClientRefusesADaemonsSelfContradictingAnswers)
{
    // "valid" without a single good signer.
    {
        FakeDaemon fake([](const RequestHeader& h) { return encode_reply_ok(h.id, encode_fields(PgpVerifyReply{.valid = true})); });
        fake.serve_here();
        auto [code, err] = cli_verify(fake.socket());
        EXPECT_EQ(code, 3) << err;
        EXPECT_NE(err.find("contradicts"), std::string::npos) << err;
    }
    // More content announced than the memfd holds.
    {
        FakeDaemon fake([](const RequestHeader& h) {
            PgpVerifyReply r;
            r.valid = true;
            r.good_signers = {"AAAA"};
            r.content_size = 1 << 20;
            return encode_reply_ok(h.id, encode_fields(r));
        });
        fake.serve_here();
        auto [code, err] = cli_verify(fake.socket(), "--output " + fake.socket() + ".out");
        EXPECT_EQ(code, 3) << err;
        EXPECT_NE(err.find("fewer written"), std::string::npos) << err;
        EXPECT_NE(::access((fake.socket() + ".out").c_str(), F_OK), 0) << "nothing is written from a refused answer";
    }
}

TEST_F(Umdd, ABrokenConfigurationIsRefusedAndTheOldOneStays)
{
    Daemon d("[limits]\nmax_in_flight = 4\n");
    std::ofstream(d.config_path()) << "[limits]\nmax_in_flight = \"many\"\n";
    UniqueFd sock = connect_to(d.socket());
    auto refused = call(sock.get(), Operation::reload, {});
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, Errc::bad_input) << refused.error().message;
    EXPECT_NE(refused.error().message.find("max_in_flight"), std::string::npos) << refused.error().message;
    ::kill(d.pid(), SIGHUP);   // the same through the signal: logged, still serving
    expect_still_serving(d);
    EXPECT_TRUE(d.logged("reload refused")) << d.log();
    std::ofstream(d.config_path()) << "[limits]\nmax_in_flight = 2\n";
    EXPECT_TRUE(call(sock.get(), Operation::reload, {})) << d.log();
    expect_still_serving(d);
    EXPECT_EQ(d.stop(), 0) << d.log();
}

}  // namespace
namespace {

/// An iptables socket option through umdd on the socket `netns` (its namespace's tables); the
/// answer umdd wrote to the memfd in `answer`.
Result<BpfilterReply> bpfilter_call(int sock, int netns, BpfilterOption option, ByteView value, Bytes* answer = nullptr)
{
    UniqueFd memfd(::memfd_create("bpfilter value", MFD_CLOEXEC));
    if (!memfd || ::write(memfd.get(), value.data(), value.size()) != static_cast<ssize_t>(value.size())) return fail(Errc::io, "memfd");
    const BpfilterRequest request{option, static_cast<std::uint32_t>(value.size())};
    auto fields = UMD_TRY(call(sock, Operation::bpfilter, encode_fields(request), {netns, memfd.get()}));
    ByteReader in(fields, "reply");
    auto reply = UMD_TRY(decode_bpfilter_reply(in));
    if (answer) {
        answer->resize(reply.out_size);
        if (::pread(memfd.get(), answer->data(), answer->size(), 0) != static_cast<ssize_t>(answer->size())) return fail(Errc::io, "memfd read");
    }
    return reply;
}

using bpfilter::test::bytes_of;

TEST_F(Umdd, IptablesSocketOptionsAreAnsweredAsTheKernelAnswersThem)
{
    using namespace umd::bpfilter::test;
    auto kernel_initial = kernel_table_after({});
    if (!kernel_initial) GTEST_SKIP() << "needs root and network namespaces";
    Daemon d("");
    UniqueFd sock = connect_to(d.socket());
    // The tables are umdd's, keyed by the namespace of the caller's socket: the machine's
    // own namespace is only a key here, its kernel tables are never touched.
    UniqueFd netns(::socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW));
    ASSERT_TRUE(netns);
    const auto get_info = [&](ipt_getinfo& info) {
        ipt_getinfo ask{};
        std::strcpy(ask.name, "filter");
        Bytes answer;
        auto r = bpfilter_call(sock.get(), netns.get(), BpfilterOption::get_info, bytes_of(ask), &answer);
        EXPECT_TRUE(r) << (r ? "" : r.error().message) << d.log();
        if (!r || r->result != 0 || answer.size() != sizeof info) return r ? r->result : -1;
        std::memcpy(&info, answer.data(), sizeof info);
        return 0;
    };
    ipt_getinfo info{};
    ASSERT_EQ(get_info(info), 0);
    EXPECT_EQ(0, std::memcmp(&info, &kernel_initial->info, sizeof info)) << "a new namespace's filter table differs from the kernel's";

    // A replacement, checked by the sandboxed handler; the old counters come back.
    Blob blob = filter_with_user_chain().build();
    const std::uint32_t four = info.num_entries;
    std::memcpy(blob.data() + offsetof(ipt_replace, num_counters), &four, sizeof four);
    Bytes counters;
    auto replaced = bpfilter_call(sock.get(), netns.get(), BpfilterOption::set_replace, blob, &counters);
    ASSERT_TRUE(replaced) << replaced.error().message << d.log();
    EXPECT_EQ(replaced->result, 0) << replaced->reason;
    EXPECT_EQ(counters.size(), four * sizeof(xt_counters));

    // Read back as the kernel reads back the same table.
    auto kernel = kernel_table_after(blob);
    ASSERT_TRUE(kernel);
    ASSERT_EQ(get_info(info), 0);
    EXPECT_EQ(0, std::memcmp(&info, &kernel->info, sizeof info));
    ipt_get_entries head{};
    std::strcpy(head.name, "filter");
    head.size = info.size;
    Bytes ask = bytes_of(head);
    ask.resize(sizeof head + info.size, 0);
    Bytes entries;
    auto read = bpfilter_call(sock.get(), netns.get(), BpfilterOption::get_entries, ask, &entries);
    ASSERT_TRUE(read);
    ASSERT_EQ(read->result, 0) << read->reason;
    ASSERT_EQ(entries.size(), sizeof head + kernel->entries.size());
    EXPECT_EQ(0, std::memcmp(entries.data() + sizeof head, kernel->entries.data(), kernel->entries.size())) << "GET_ENTRIES differs from the kernel's";

    // Refusals: the kernel's errno, the stored table unchanged.
    auto stale = bpfilter_call(sock.get(), netns.get(), BpfilterOption::set_replace, blob);   // num_counters says 4, there are 8
    ASSERT_TRUE(stale);
    EXPECT_EQ(stale->result, -EAGAIN);
    Blob hostile = blob;
    const std::uint16_t zero = 0;
    std::memcpy(hostile.data() + header_size + offsetof(ipt_entry, next_offset), &zero, sizeof zero);
    auto refused = bpfilter_call(sock.get(), netns.get(), BpfilterOption::set_replace, hostile);
    ASSERT_TRUE(refused);
    EXPECT_EQ(refused->result, -EINVAL);
    EXPECT_FALSE(refused->reason.empty());
    ASSERT_EQ(get_info(info), 0);
    EXPECT_EQ(info.num_entries, 8u);
    ipt_getinfo wrong_size{};
    auto short_info = bpfilter_call(sock.get(), netns.get(), BpfilterOption::get_info, ByteView(bytes_of(wrong_size)).first(40));
    ASSERT_TRUE(short_info);
    EXPECT_EQ(short_info->result, -EINVAL);

    // Revisions of the supported extensions.
    const auto revision = [&](BpfilterOption option, const char* name, std::uint8_t wanted) {
        xt_get_revision rev{};
        std::strcpy(rev.name, name);
        rev.revision = wanted;
        auto r = bpfilter_call(sock.get(), netns.get(), option, bytes_of(rev));
        return r ? r->result : -9999;
    };
    EXPECT_EQ(revision(BpfilterOption::get_revision_match, "tcp", 0), 0);
    EXPECT_EQ(revision(BpfilterOption::get_revision_match, "conntrack", 1), 3);
    EXPECT_EQ(revision(BpfilterOption::get_revision_match, "multiport", 0), -EPROTONOSUPPORT);
    EXPECT_EQ(revision(BpfilterOption::get_revision_target, "REJECT", 0), 0);
    EXPECT_EQ(revision(BpfilterOption::get_revision_target, "NOSUCH", 0), -ENOENT);

    // A descriptor that is no AF_INET socket: the request is refused, umdd serves on.
    UniqueFd not_a_namespace(::open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC));
    UniqueFd sock2 = connect_to(d.socket());
    EXPECT_FALSE(bpfilter_call(sock2.get(), not_a_namespace.get(), BpfilterOption::get_info, bytes_of(ipt_getinfo{})));
    expect_still_serving(d);
    EXPECT_EQ(d.stop(), 0) << d.log();
}

/// GET_INFO and GET_ENTRIES of the filter table through umdd: the entries, without the header.
Result<Bytes> entries_through(int sock, int netns)
{
    ipt_getinfo ask{};
    std::strcpy(ask.name, "filter");
    Bytes answer;
    auto info = UMD_TRY(bpfilter_call(sock, netns, BpfilterOption::get_info, bytes_of(ask), &answer));
    if (info.result != 0 || answer.size() != sizeof ask) return fail(Errc::protocol, "GET_INFO: {}", info.result);
    std::memcpy(&ask, answer.data(), sizeof ask);
    ipt_get_entries head{};
    std::strcpy(head.name, "filter");
    head.size = ask.size;
    Bytes request = bytes_of(head);
    request.resize(sizeof head + ask.size, 0);
    auto entries = UMD_TRY(bpfilter_call(sock, netns, BpfilterOption::get_entries, request, &answer));
    if (entries.result != 0 || answer.size() != request.size()) return fail(Errc::protocol, "GET_ENTRIES: {}", entries.result);
    return Bytes(answer.begin() + sizeof head, answer.end());
}

TEST_F(Umdd, EveryTruncationOfAnIptablesTableGetsTheKernelsErrnoAndTheTableStays)
{
    using namespace umd::bpfilter::test;
    char tmpl[] = "/tmp/umdd-bpfilter.XXXXXX";
    const std::string dir = ::mkdtemp(tmpl);
    std::ofstream(dir + "/rules") << "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\n:custom - [0:0]\n"
                                     "-A INPUT -p tcp -m multiport --dports 80,443 -m comment --comment web -j ACCEPT\n"
                                     "-A INPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT\n"
                                     "-A INPUT -j custom\n"
                                     "-A custom -s 10.0.0.0/8 -j LOG --log-prefix \"ten: \"\n"
                                     "-A custom -p tcp -j REJECT --reject-with tcp-reset\n"
                                     "COMMIT\n";
    constexpr unsigned mutations = 200;
    const auto variants = [](const Bytes& table) { return truncations_and_mutations(table, mutations); };
    const auto kernel = iptables_table_and_kernel_answers(dir + "/rules", dir + "/xtables.lock", variants);
    std::system(("rm -rf " + dir).c_str());
    if (!kernel) GTEST_SKIP() << "needs root, network namespaces and iptables-legacy";

    Daemon d("");
    UniqueFd sock = connect_to(d.socket());
    UniqueFd netns(inet_socket_in_new_namespace());
    ASSERT_TRUE(netns);
    // The table iptables wrote, in place of the new namespace's 4 entries.
    Bytes first = kernel->table;
    const std::uint32_t initial_entries = 4;
    std::memcpy(first.data() + offsetof(ipt_replace, num_counters), &initial_entries, sizeof initial_entries);
    auto taken = bpfilter_call(sock.get(), netns.get(), BpfilterOption::set_replace, first);
    ASSERT_TRUE(taken && taken->result == 0) << (taken ? taken->reason : taken.error().message) << d.log();
    const auto before = entries_through(sock.get(), netns.get());
    ASSERT_TRUE(before) << before.error().message;

    const auto requests = variants(kernel->table);
    ASSERT_EQ(requests.size(), kernel->errors.size());
    const std::size_t truncations = requests.size() - mutations;
    unsigned differ = 0, accepted = 0;
    const auto started = std::chrono::steady_clock::now();
    for (std::size_t i = 0; i < requests.size(); ++i) {
        auto r = bpfilter_call(sock.get(), netns.get(), BpfilterOption::set_replace, requests[i]);
        ASSERT_TRUE(r) << "request " << i << ": " << r.error().message << d.log();
        const int ours = -r->result;
        const std::string what = i < truncations ? fmt::format("a cut to {} bytes", requests[i].size()) : fmt::format("mutation {}", i - truncations);
        if (i < truncations) {
            EXPECT_NE(ours, 0) << what << " was taken";
        }
        if (ours != kernel->errors[i] && ++differ <= 10)
            ADD_FAILURE() << what << ": umdd says " << std::strerror(ours) << " (" << r->reason << "), the kernel " << std::strerror(kernel->errors[i]);
        if (ours == 0) {
            ++accepted;   // a harmless mutation: the table back as it was, as on the kernel's side
            auto back = bpfilter_call(sock.get(), netns.get(), BpfilterOption::set_replace, kernel->table);
            ASSERT_TRUE(back && back->result == 0) << what;
        }
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    std::printf("[          ] %zu truncations and %u mutations of a %zu-byte table from iptables-legacy: %u mutations taken, "
                "%u answers differ from the kernel's; %.2f s\n", truncations, mutations, kernel->table.size(), accepted, differ, seconds);
    EXPECT_EQ(differ, 0u);
    const auto after = entries_through(sock.get(), netns.get());
    ASSERT_TRUE(after) << after.error().message;
    EXPECT_TRUE(*after == *before) << "the stored table changed";
    EXPECT_TRUE(*after == kernel->entries_after) << "the stored table reads back differently from the kernel's";
    auto st = status(sock.get());
    ASSERT_TRUE(st);
    for (const auto& driver : st->drivers) {
        if (driver.name == "bpfilter") {
            EXPECT_EQ(driver.restarts, 0u) << "a request crashed the handler";
        }
    }
    EXPECT_EQ(d.stop(), 0) << d.log();
}

TEST_F(Umdd, TheTablesOfANamespaceThatDiedAreDropped)
{
    UniqueFd dying(bpfilter::test::inet_socket_in_new_namespace()), living(bpfilter::test::inet_socket_in_new_namespace());
    if (::geteuid() != 0 || !dying || !living) GTEST_SKIP() << "needs root and network namespaces";
    Daemon d("");
    UniqueFd sock = connect_to(d.socket());
    ipt_getinfo ask{};
    std::strcpy(ask.name, "filter");
    for (int netns : {dying.get(), living.get()}) {
        auto r = bpfilter_call(sock.get(), netns, BpfilterOption::get_info, bytes_of(ask));
        ASSERT_TRUE(r && r->result == 0) << d.log();
    }
    std::uint64_t cookie = 0;
    socklen_t len = sizeof cookie;
    ASSERT_EQ(::getsockopt(dying.get(), SOL_SOCKET, SO_NETNS_COOKIE, &cookie, &len), 0);
    const std::string dropped = fmt::format("network namespace {:#x} is gone", cookie);
    EXPECT_FALSE(d.log().find(dropped) != std::string::npos) << "dropped while it lived";
    dying.reset();   // umdd holds nothing of it: this was the namespace's last reference
    // umdd learns of the death at its next bpfilter call (the kernel cleans a namespace up
    // asynchronously: at most 20 s here).
    bool seen = false;
    for (int i = 0; i < 400 && !seen; ++i) {
        auto r = bpfilter_call(sock.get(), living.get(), BpfilterOption::get_info, bytes_of(ask));
        ASSERT_TRUE(r && r->result == 0) << d.log();
        seen = d.log().find(dropped) != std::string::npos;
        if (!seen) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    EXPECT_TRUE(seen) << d.log();
    EXPECT_EQ(d.log().find("is gone", d.log().find(dropped) + dropped.size()), std::string::npos) << "the living namespace was dropped";
    EXPECT_EQ(d.stop(), 0) << d.log();
}

TEST_F(Umdd, ABpfilterRequestWithoutItsDescriptorsIsRefusedAndUmddServesOn)
{
    if (::geteuid() != 0) GTEST_SKIP() << "the bpfilter operation is for administrators (root here)";
    Daemon d("");
    expect_still_serving(d);
    const int before = settled_fds(d.pid());
    UniqueFd inet(::socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW));
    UniqueFd memfd(::memfd_create("bpfilter value", MFD_CLOEXEC));
    ASSERT_TRUE(inet && memfd);
    ipt_getinfo ask{};
    std::strcpy(ask.name, "filter");
    ASSERT_EQ(::write(memfd.get(), &ask, sizeof ask), static_cast<ssize_t>(sizeof ask));
    int pipe_fds[2];
    ASSERT_EQ(::pipe2(pipe_fds, O_CLOEXEC), 0);
    UniqueFd pipe_read(pipe_fds[0]), pipe_write(pipe_fds[1]);
    const Bytes get_info = encode_fields(BpfilterRequest{BpfilterOption::get_info, sizeof ask});
    const struct Case {
        const char* what;
        Bytes fields;
        std::vector<int> fds;
    } cases[] = {
        {"no descriptor", get_info, {}},
        {"the socket without its memfd", get_info, {inet.get()}},
        {"a descriptor too many", get_info, {inet.get(), memfd.get(), memfd.get()}},
        {"the memfd where the socket belongs", get_info, {memfd.get(), inet.get()}},
        {"a pipe for the memfd", get_info, {inet.get(), pipe_read.get()}},
        {"a value larger than the memfd holds", encode_fields(BpfilterRequest{BpfilterOption::get_info, 4096}), {inet.get(), memfd.get()}},
    };
    for (const Case& c : cases) {
        UniqueFd sock = connect_to(d.socket());
        auto reply = call(sock.get(), Operation::bpfilter, c.fields, c.fds);
        ASSERT_FALSE(reply) << c.what << " was answered";
        EXPECT_EQ(reply.error().code, Errc::bad_input) << c.what << ": " << reply.error().message;
    }
    // The well-formed request is answered, and nothing passed was kept.
    UniqueFd sock = connect_to(d.socket());
    auto answered = bpfilter_call(sock.get(), inet.get(), BpfilterOption::get_info, bytes_of(ask));
    ASSERT_TRUE(answered) << answered.error().message << d.log();
    EXPECT_EQ(answered->result, 0);
    sock.reset();
    expect_still_serving(d);
    EXPECT_EQ(settled_fds(d.pid()), before) << "umdd kept a descriptor it was passed";
    EXPECT_EQ(d.stop(), 0) << d.log();
}

}  // namespace

}  // namespace umd::daemon
