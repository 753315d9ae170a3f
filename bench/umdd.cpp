// bench/umdd.cpp — case `umdd`: small verifications through a running umdd with 1, 4 and
// 16 concurrent clients against the same verification in-process through the library,
// and umdd's resident memory idle and after 10 000 requests (trusted side).
//
// The verification: a detached Ed25519 signature over a 1 KiB file (made with gpg in a
// temporary home). In-process: one Driver (strict), the keyring built once,
// pgp::verify_with_keyring() per request on one thread. Through umdd: each client
// thread opens the three files, passes them as descriptors and waits for its verdict
// (apps/umd/daemon_client), as `umd pgp verify` does. Per request = the batch's wall
// time / its requests; the bar: ≤ 1.3 × the in-process per-request time.
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <thread>

#include <umd/sandbox.h>
#include <umd/unique_fd.h>
#include <umd_generated/pgp_loader.h>

#include "apps/umd/daemon_client.h"
#include "cases.h"
#include "drivers/pgp/trusted/keyring_cache.h"
#include "drivers/pgp/trusted/verify_files.h"
#include "temp_dir.h"
#include "umdd_process.h"

namespace umd::bench {
namespace {

struct Fixture {
    std::string keyring, signature, data;
};

Result<Fixture> make_fixture(const std::string& dir)
{
    const std::string home = dir + "/gnupg";
    const std::string gpg = "gpg --homedir " + home + " --batch --quiet --pinentry-mode loopback --passphrase ''";
    Fixture f{dir + "/key.gpg", dir + "/data.sig", dir + "/data"};
    std::ofstream(f.data) << std::string(1024, 'x');
    const std::string script = "mkdir -m 700 " + home + " && " + gpg + " --quick-gen-key 'umd-bench <bench@example.org>' ed25519 sign never" +
                               " && " + gpg + " --export --output " + f.keyring + " && " + gpg + " --detach-sign --output " +
                               f.signature + " " + f.data + " && gpgconf --homedir " + home + " --kill all";
    if (std::system((script + " >/dev/null 2>&1").c_str()) != 0) return fail(Errc::not_found, "gpg could not make the bench's key and signature");
    return f;
}

pgp::FilesToVerify files_of(const Fixture& f)
{
    pgp::FilesToVerify files;
    files.keyrings = {pgp::FileRef(f.keyring)};
    files.signature = pgp::FileRef(f.signature);
    files.file = pgp::FileRef(f.data);
    return files;
}

/// One verification through umdd, as the CLI sends it.
Status verify_through(cli::DaemonClient& client, const Fixture& f)
{
    UniqueFd ring(::open(f.keyring.c_str(), O_RDONLY | O_CLOEXEC)), sig(::open(f.signature.c_str(), O_RDONLY | O_CLOEXEC)),
        data(::open(f.data.c_str(), O_RDONLY | O_CLOEXEC));
    daemon::PgpVerifyRequest r;
    r.keyrings = 1;
    r.detached = true;
    r.names = {f.keyring, f.signature, f.data};
    const int fds[] = {ring.get(), sig.get(), data.get()};
    auto fields = UMD_TRY(client.call(daemon::Operation::pgp_verify, daemon::encode_fields(r), fds));
    ByteReader in(fields, "reply");
    auto reply = UMD_TRY(daemon::decode_pgp_verify_reply(in));
    if (!reply.valid) return fail(Errc::rejected, "umdd said not valid");
    return {};
}

/// Wall time per request of `clients` threads doing `each` verifications through umdd.
Result<double> through_umdd_ns(const std::string& socket, const Fixture& f, unsigned clients, unsigned each)
{
    std::atomic<int> failures{0};
    auto start = std::chrono::steady_clock::now();
    std::vector<std::thread> threads;
    for (unsigned c = 0; c < clients; ++c)
        threads.emplace_back([&] {
            auto client = cli::DaemonClient::connect(socket);
            if (!client) {
                ++failures;
                return;
            }
            for (unsigned i = 0; i < each; ++i)
                if (!verify_through(*client, f)) ++failures;
        });
    for (auto& t : threads) t.join();
    const double ns = std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start).count();
    if (failures) return fail(Errc::internal, "{} verifications through umdd failed", failures.load());
    return ns / (clients * each);
}

/// Wall time per empty request (status) through umdd, one client.
Result<double> status_round_trip_ns(const std::string& socket, unsigned n)
{
    auto client = UMD_TRY(cli::DaemonClient::connect(socket));
    auto start = std::chrono::steady_clock::now();
    for (unsigned i = 0; i < n; ++i) UMD_TRY(client.call(daemon::Operation::status, {}, {}));
    return std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start).count() / n;
}

/// Wall time per round trip of a 12-byte datagram between two threads over a
/// SOCK_SEQPACKET socketpair: the floor of any request to another process here.
Result<double> socketpair_round_trip_ns(unsigned n)
{
    int pair[2];
    if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) != 0) return fail_errno(errno, "socketpair");
    UniqueFd near(pair[0]), far(pair[1]);
    std::thread echo([&] {
        char buffer[64];
        for (ssize_t got; (got = ::recv(far.get(), buffer, sizeof buffer, 0)) > 0;) (void)!::send(far.get(), buffer, static_cast<std::size_t>(got), 0);
    });
    char message[12] = {}, reply[64];
    auto start = std::chrono::steady_clock::now();
    for (unsigned i = 0; i < n; ++i) {
        (void)!::send(near.get(), message, sizeof message, 0);
        (void)!::recv(near.get(), reply, sizeof reply, 0);
    }
    const double ns = std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start).count() / n;
    ::shutdown(near.get(), SHUT_RDWR);
    echo.join();
    return ns;
}

}  // namespace

Result<std::vector<Row>> run_umdd(const Settings& settings)
{
    if (settings.umdd_path.empty()) return fail(Errc::not_found, "umdd was not found next to umd-bench: give --umdd PATH");
    auto dir = UMD_TRY(TempDir::make("umd-bench-umdd."));
    auto f = UMD_TRY(make_fixture(dir.path()));
    auto daemon = UMD_TRY(UmddProcess::start(settings.umdd_path, dir.path()));

    // In-process: the same library calls umdd makes, one thread.
    auto options = UMD_TRY(driver_options("strict"));
    Driver driver("pgp", std::move(options));
    UMD_TRY(driver.load(pgp::loader_module().blob()));
    pgp::KeyringCache cache;
    const pgp::FilesToVerify files = files_of(f);
    auto in_process = [&]() -> Status {
        auto ring = UMD_TRY(cache.get(driver, files.keyrings, files.policy));
        auto verified = UMD_TRY(pgp::verify_with_keyring(driver, *ring, files));
        if (!verified.verdict.valid()) return fail(Errc::rejected, "in-process verdict not valid");
        return {};
    };
    auto warm = UMD_TRY(through_umdd_ns(daemon->socket, f, 1, 20));
    (void)warm;
    UMD_TRY(in_process());
    const long idle_rss = daemon->rss_kib();

    const unsigned per_batch = settings.iterations ? settings.iterations : 400;
    std::vector<Row> rows;
    std::uint64_t served = 20;
    for (unsigned clients : {1u, 4u, 16u}) {
        std::vector<double> measured, baseline;
        for (int round = 0; round < 3; ++round) {   // interleaved: noise falls on both
            auto start = std::chrono::steady_clock::now();
            for (unsigned i = 0; i < per_batch; ++i) UMD_TRY(in_process());
            baseline.push_back(std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start).count() / per_batch);
            measured.push_back(UMD_TRY(through_umdd_ns(daemon->socket, f, clients, per_batch / clients)));
            served += per_batch / clients * clients;
        }
        Row row;
        row.case_name = "umdd";
        row.name = fmt::format("1 KiB detached verify through umdd, {} client(s)", clients);
        row.baseline = "the same in-process (library, one thread)";
        row.measured_ns = median(measured);
        row.baseline_ns = median(baseline);
        row.bar = 1.3;
        row.unit = "ns/request";
        row.extra["clients"] = clients;
        row.extra["requests_per_s"] = 1e9 / row.measured_ns;
        row.notes = "per request = wall time / requests; clients share the machine's CPUs with umdd";
        rows.push_back(std::move(row));
    }

    // What one hop to umdd costs by itself, against the floor of any hop to another
    // thread here: the 1-client gap above is this hop plus the descriptors' passing.
    {
        std::vector<double> measured, baseline;
        for (int round = 0; round < 3; ++round) {
            baseline.push_back(UMD_TRY(socketpair_round_trip_ns(per_batch * 5)));
            measured.push_back(UMD_TRY(status_round_trip_ns(daemon->socket, per_batch * 5)));
            served += per_batch * 5;
        }
        Row hop;
        hop.case_name = "umdd";
        hop.name = "empty request (status) through umdd, 1 client";
        hop.baseline = "SOCK_SEQPACKET socketpair echo between two threads";
        hop.measured_ns = median(measured);
        hop.baseline_ns = median(baseline);
        hop.bar_kind = "none";
        hop.unit = "ns/request";
        hop.notes = "the hop's own cost: what a request through umdd adds to the work it asks for";
        rows.push_back(std::move(hop));
    }

    // Memory: 10 000 requests more, then the daemon's resident set again.
    for (std::uint64_t left = 10000; left > 0;) {
        const unsigned batch = static_cast<unsigned>(std::min<std::uint64_t>(left, 1000));
        UMD_TRY(through_umdd_ns(daemon->socket, f, 4, batch / 4));
        left -= batch;
        served += batch;
    }
    Row memory;
    memory.case_name = "umdd";
    memory.name = "umdd VmRSS after 10 000 more requests";
    memory.baseline = "umdd VmRSS idle after its first requests";
    memory.measured_ns = static_cast<double>(daemon->rss_kib());
    memory.baseline_ns = static_cast<double>(idle_rss);
    memory.bar_kind = "none";
    memory.unit = "KiB";
    memory.extra["requests_served"] = served;
    rows.push_back(std::move(memory));
    return rows;
}

}  // namespace umd::bench
