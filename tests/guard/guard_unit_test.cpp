// tests/guard/guard_unit_test.cpp — the exec guard's parts without fanotify: the
// decision cache, the event parser's checks, the hasher, the histogram, the audit
// rate limit, the bounded queue. Tests of the trusted side (umdd's exec guard).
#include <sys/fanotify.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstring>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "apps/umdd/guard/audit_log.h"
#include "apps/umdd/guard/bounded_queue.h"
#include "apps/umdd/guard/decision_cache.h"
#include "apps/umdd/guard/fanotify_group.h"
#include "apps/umdd/guard/file_hasher.h"
#include "apps/umdd/guard/latency_histogram.h"
#include "drivers/rpm/trusted/claim_check.h"
#include "drivers/rpm/trusted/header_digest.h"

namespace umd::guard {
namespace {

FileIdentity identity(ino_t ino, std::int64_t size = 100, long mtime = 1, long ctime = 1)
{
    FileIdentity id;
    id.dev = 7;
    id.ino = ino;
    id.regular = true;
    id.size = size;
    id.mtime = {mtime, 0};
    id.ctime = {ctime, 0};
    return id;
}

PendingEvent event(bool exec) { return PendingEvent{UniqueFd(), exec, 1, 0}; }

Knowledge trusted_elf()
{
    Knowledge k;
    k.content = Content::elf;
    k.trust = Trust::trusted;
    k.reason = Reason::trusted;
    return k;
}

/// Admits `id` as a miss and completes the decision with `k`.
void decide(DecisionCache& cache, const FileIdentity& id, const Knowledge& k, bool exec = true)
{
    PendingEvent e = event(exec);
    auto a = cache.admit(id, e);
    ASSERT_EQ(a.kind, DecisionCache::Admit::miss);
    auto at = cache.begin(*a.pending);
    auto f = cache.finish(*a.pending, at, k, false);
    ASSERT_EQ(f.outcome, DecisionCache::Outcome::done);
    ASSERT_EQ(f.waiters.size(), 1u);
}

TEST(GuardCache, HitOnlyForTheSameContent)
{
    DecisionCache cache(16);
    decide(cache, identity(1), trusted_elf());
    PendingEvent e = event(true);
    EXPECT_EQ(cache.admit(identity(1), e).kind, DecisionCache::Admit::hit);
    // Only the ctime moved (mtime and size restored, as touch -r and truncate do): a miss.
    EXPECT_EQ(cache.admit(identity(1, 100, 1, 2), e).kind, DecisionCache::Admit::miss);
}

TEST(GuardCache, SizeOrMtimeChangeIsAMiss)
{
    DecisionCache cache(16);
    decide(cache, identity(1), trusted_elf());
    PendingEvent e = event(true);
    EXPECT_EQ(cache.admit(identity(1, 101), e).kind, DecisionCache::Admit::miss);
    decide(cache, identity(2), trusted_elf());
    EXPECT_EQ(cache.admit(identity(2, 100, 5), e).kind, DecisionCache::Admit::miss);
}

TEST(GuardCache, DropAndInvalidateForget)
{
    DecisionCache cache(16);
    decide(cache, identity(1), trusted_elf());
    decide(cache, identity(2), trusted_elf());
    cache.drop(7, 1);
    PendingEvent e = event(true);
    EXPECT_EQ(cache.admit(identity(1), e).kind, DecisionCache::Admit::miss);
    const auto before = cache.generation();
    cache.invalidate_all();
    EXPECT_EQ(cache.generation(), before + 1);
    EXPECT_EQ(cache.admit(identity(2), e).kind, DecisionCache::Admit::miss);
}

TEST(GuardCache, EvictsTheLeastRecentlyUsed)
{
    DecisionCache cache(2);
    decide(cache, identity(1), trusted_elf());
    decide(cache, identity(2), trusted_elf());
    PendingEvent e = event(true);
    ASSERT_EQ(cache.admit(identity(1), e).kind, DecisionCache::Admit::hit);   // 1 is now the most recent
    decide(cache, identity(3), trusted_elf());                                 // evicts 2
    EXPECT_EQ(cache.size(), 2u);
    EXPECT_EQ(cache.evictions(), 1u);
    EXPECT_EQ(cache.admit(identity(1), e).kind, DecisionCache::Admit::hit);
    EXPECT_EQ(cache.admit(identity(3), e).kind, DecisionCache::Admit::hit);
    EXPECT_EQ(cache.admit(identity(2), e).kind, DecisionCache::Admit::miss);
}

TEST(GuardCache, EventsJoinADecisionUnderWay)
{
    DecisionCache cache(16);
    PendingEvent first = event(true), second = event(true);
    auto a = cache.admit(identity(1), first);
    ASSERT_EQ(a.kind, DecisionCache::Admit::miss);
    EXPECT_EQ(cache.admit(identity(1), second).kind, DecisionCache::Admit::joined);
    auto at = cache.begin(*a.pending);
    auto f = cache.finish(*a.pending, at, trusted_elf(), false);
    ASSERT_EQ(f.outcome, DecisionCache::Outcome::done);
    EXPECT_EQ(f.waiters.size(), 2u);
    PendingEvent third = event(true);
    EXPECT_EQ(cache.admit(identity(1), third).kind, DecisionCache::Admit::hit);
}

TEST(GuardCache, AModificationDuringTheDecisionIsNotCached)
{
    DecisionCache cache(16);
    PendingEvent e = event(true);
    auto a = cache.admit(identity(1), e);
    auto at = cache.begin(*a.pending);
    cache.drop(7, 1);   // FAN_MODIFY while the worker hashes
    EXPECT_EQ(cache.finish(*a.pending, at, trusted_elf(), false).outcome, DecisionCache::Outcome::dropped);
    // The worker's second look: answered, not stored.
    auto again = cache.begin(*a.pending);
    auto f = cache.finish(*a.pending, again, trusted_elf(), false);
    EXPECT_EQ(f.outcome, DecisionCache::Outcome::done);
    PendingEvent next = event(true);
    EXPECT_EQ(cache.admit(identity(1), next).kind, DecisionCache::Admit::miss);
}

TEST(GuardCache, AnInvalidationDuringTheDecisionIsNotCached)
{
    DecisionCache cache(16);
    PendingEvent e = event(true);
    auto a = cache.admit(identity(1), e);
    auto at = cache.begin(*a.pending);
    cache.invalidate_all();   // the trust database changed while the worker asked the old one
    EXPECT_EQ(cache.finish(*a.pending, at, trusted_elf(), false).outcome, DecisionCache::Outcome::done);
    PendingEvent next = event(true);
    EXPECT_EQ(cache.admit(identity(1), next).kind, DecisionCache::Admit::miss);
}

TEST(GuardCache, AnExecJoiningANonElfOpenNeedsTrust)
{
    DecisionCache cache(16);
    PendingEvent open = event(false), exec = event(true);
    auto a = cache.admit(identity(1), open);
    auto at = cache.begin(*a.pending);
    EXPECT_FALSE(at.need_trust);
    ASSERT_EQ(cache.admit(identity(1), exec).kind, DecisionCache::Admit::joined);
    Knowledge not_elf;
    not_elf.content = Content::not_elf;
    not_elf.reason = Reason::not_elf;
    EXPECT_EQ(cache.finish(*a.pending, at, not_elf, false).outcome, DecisionCache::Outcome::need_trust);
    EXPECT_TRUE(cache.begin(*a.pending).need_trust);
    // A non-ELF file known only as such answers opens, not execs.
    decide(cache, identity(2), not_elf, false);
    PendingEvent open2 = event(false), exec2 = event(true);
    EXPECT_EQ(cache.admit(identity(2), open2).kind, DecisionCache::Admit::hit);
    EXPECT_EQ(cache.admit(identity(2), exec2).kind, DecisionCache::Admit::miss);
}

TEST(GuardCache, FailuresAreNeverCached)
{
    DecisionCache cache(16);
    Knowledge failed;
    failed.failed = true;
    failed.reason = Reason::decider_failed;
    decide(cache, identity(1), failed);
    PendingEvent e = event(true);
    EXPECT_EQ(cache.admit(identity(1), e).kind, DecisionCache::Admit::miss);
}

TEST(GuardVerdict, ExecNeedsTrustOpenNeedsTrustOnlyForElf)
{
    Knowledge not_elf;
    not_elf.content = Content::not_elf;
    EXPECT_TRUE(verdict_for(not_elf, false).allow);
    Knowledge untrusted_elf;
    untrusted_elf.content = Content::elf;
    untrusted_elf.trust = Trust::untrusted;
    EXPECT_FALSE(verdict_for(untrusted_elf, false).allow);
    EXPECT_FALSE(verdict_for(untrusted_elf, true).allow);
    Knowledge untrusted_script = untrusted_elf;
    untrusted_script.content = Content::not_elf;
    EXPECT_TRUE(verdict_for(untrusted_script, false).allow);
    EXPECT_FALSE(verdict_for(untrusted_script, true).allow);
    EXPECT_TRUE(verdict_for(trusted_elf(), true).allow);
    Knowledge failed = trusted_elf();
    failed.failed = true;
    EXPECT_FALSE(verdict_for(failed, false).allow);
}

// ---- the event parser: fanotify metadata is the kernel's, but checked before use ----

std::vector<std::uint8_t> metadata(std::uint8_t vers, std::uint16_t metadata_len, std::uint32_t event_len, std::uint64_t mask)
{
    fanotify_event_metadata m{};
    m.event_len = event_len;
    m.vers = vers;
    m.metadata_len = metadata_len;
    m.mask = mask;
    m.fd = FAN_NOFD;
    m.pid = 42;
    std::vector<std::uint8_t> out(sizeof m);
    std::memcpy(out.data(), &m, sizeof m);
    return out;
}

TEST(GuardEvents, WellFormedEventsAreSplit)
{
    auto buffer = metadata(FANOTIFY_METADATA_VERSION, FAN_EVENT_METADATA_LEN, FAN_EVENT_METADATA_LEN, FAN_OPEN_PERM);
    auto second = metadata(FANOTIFY_METADATA_VERSION, FAN_EVENT_METADATA_LEN, FAN_EVENT_METADATA_LEN, FAN_MODIFY);
    buffer.insert(buffer.end(), second.begin(), second.end());
    std::vector<FanotifyEvent> events;
    ASSERT_TRUE(parse_events(buffer, events));
    ASSERT_EQ(events.size(), 2u);
    EXPECT_EQ(events[0].mask, FAN_OPEN_PERM);
    EXPECT_EQ(events[1].mask, FAN_MODIFY);
    EXPECT_EQ(events[1].pid, 42);
}

TEST(GuardEvents, InconsistentHeadersAreRefused)
{
    std::vector<FanotifyEvent> events;
    auto other_version = metadata(FANOTIFY_METADATA_VERSION + 1, FAN_EVENT_METADATA_LEN, FAN_EVENT_METADATA_LEN, FAN_OPEN_PERM);
    EXPECT_EQ(parse_events(other_version, events).error().code, Errc::protocol);
    auto short_metadata = metadata(FANOTIFY_METADATA_VERSION, 8, FAN_EVENT_METADATA_LEN, FAN_OPEN_PERM);
    EXPECT_EQ(parse_events(short_metadata, events).error().code, Errc::protocol);
    auto past_end = metadata(FANOTIFY_METADATA_VERSION, FAN_EVENT_METADATA_LEN, 4096, FAN_OPEN_PERM);
    EXPECT_EQ(parse_events(past_end, events).error().code, Errc::protocol);
    auto event_shorter_than_metadata = metadata(FANOTIFY_METADATA_VERSION, FAN_EVENT_METADATA_LEN, 8, FAN_OPEN_PERM);
    EXPECT_EQ(parse_events(event_shorter_than_metadata, events).error().code, Errc::protocol);
    auto truncated = metadata(FANOTIFY_METADATA_VERSION, FAN_EVENT_METADATA_LEN, FAN_EVENT_METADATA_LEN, FAN_OPEN_PERM);
    truncated.resize(10);
    EXPECT_EQ(parse_events(truncated, events).error().code, Errc::protocol);
    EXPECT_TRUE(events.empty());
}

// ---- the hasher ----

UniqueFd memfd_with(const std::string& content)
{
    UniqueFd fd(::memfd_create("guard-test", MFD_CLOEXEC));
    EXPECT_TRUE(fd);
    EXPECT_EQ(::write(fd.get(), content.data(), content.size()), static_cast<ssize_t>(content.size()));
    return fd;
}

TEST(GuardHasher, KnownDigestsInOnePassAcrossChunks)
{
    namespace da = rpm::digest_algo;
    const std::uint32_t algos[] = {da::sha256, da::sha512};
    auto hasher = FileHasher::create(algos, 7);   // a chunk size that splits the input unevenly
    ASSERT_TRUE(hasher) << hasher.error().message;
    auto fd = memfd_with("abc");
    auto d = hasher->hash(fd.get());
    ASSERT_TRUE(d) << d.error().message;
    ASSERT_EQ(d->count, 2u);
    EXPECT_EQ(rpm::to_hex(d->digests[0].view()), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    EXPECT_EQ(d->digests[1].algo, da::sha512);
    EXPECT_EQ(rpm::to_hex(d->digests[1].view()).substr(0, 16), "ddaf35a193617aba");
    EXPECT_FALSE(d->elf);
    std::string long_input(1000, 'a');
    auto long_fd = memfd_with(long_input);
    auto d2 = hasher->hash(long_fd.get());
    ASSERT_TRUE(d2);
    EXPECT_EQ(d2->bytes, 1000u);
    EXPECT_EQ(rpm::to_hex(d2->digests[0].view()), rpm::sha256_hex(as_bytes(long_input)));
}

TEST(GuardHasher, ElfMagicAndUnsupportedAlgorithms)
{
    auto elf = memfd_with(std::string("\x7f" "ELF", 4) + "rest");
    EXPECT_TRUE(*has_elf_magic(elf.get()));
    auto text = memfd_with("#!/bin/sh\n");
    EXPECT_FALSE(*has_elf_magic(text.get()));
    auto tiny = memfd_with("\x7f");
    EXPECT_FALSE(*has_elf_magic(tiny.get()));
    const std::uint32_t bogus[] = {99};
    EXPECT_EQ(FileHasher::create(bogus).error().code, Errc::invalid_argument);
    EXPECT_EQ(FileHasher::create({}).error().code, Errc::invalid_argument);
}

// ---- the histogram, the audit log, the queue ----

TEST(GuardLatency, PercentilesFromBuckets)
{
    LatencyHistogram h;
    for (int i = 0; i < 98; ++i) h.record(3'000);        // 3 µs: bucket [2, 4) µs
    h.record(5'000'000);                                   // 5 ms
    h.record(9'000'000);                                   // 9 ms
    const auto s = h.summary();
    EXPECT_EQ(s.count, 100u);
    EXPECT_EQ(s.p50_ns, 4'000u);
    EXPECT_GE(s.p99_ns, 5'000'000u);
    EXPECT_LE(s.p99_ns, 9'000'000u);
    EXPECT_EQ(s.max_ns, 9'000'000u);
}

TEST(GuardAudit, RateLimitCountsWhatItSuppresses)
{
    std::vector<AuditRecord> seen;
    std::mutex lock;
    AuditLog log([&](const AuditRecord& r) { std::lock_guard g(lock); seen.push_back(r); }, {.per_second = 0, .burst = 3, .queue = 16});
    int admitted = 0;
    for (int i = 0; i < 10; ++i) {
        if (auto s = log.admit()) {
            ++admitted;
            AuditRecord r;
            r.pid = i;
            log.submit(std::move(r));
        }
    }
    log.stop();
    EXPECT_EQ(admitted, 3);
    EXPECT_EQ(log.counters().suppressed, 7u);
    EXPECT_EQ(log.counters().records, 3u);
    EXPECT_EQ(seen.size(), 3u);
}

TEST(GuardAudit, AFullQueueDropsInsteadOfBlocking)
{
    std::mutex gate;
    gate.lock();   // the sink blocks until the end of the test, like a stalled journald
    AuditLog log([&](const AuditRecord&) { std::lock_guard g(gate); }, {.per_second = 0, .burst = 100, .queue = 2});
    for (int i = 0; i < 10; ++i) {
        ASSERT_TRUE(log.admit());
        log.submit(AuditRecord{});   // never blocks
    }
    EXPECT_GE(log.counters().dropped, 7u);   // one may be in the sink, two queued
    gate.unlock();
    log.stop();
}

TEST(GuardQueue, CloseHandsOutWhatIsLeft)
{
    BoundedQueue<int> q(2);
    ASSERT_TRUE(q.push(1));
    ASSERT_TRUE(q.push(2));
    std::thread pusher([&] { EXPECT_TRUE(q.push(3)); });   // full: waits until the pop below
    EXPECT_EQ(*q.pop(), 1);
    pusher.join();
    q.close();
    EXPECT_FALSE(q.push(4));
    EXPECT_EQ(*q.pop(), 2);
    EXPECT_EQ(*q.pop(), 3);
    EXPECT_FALSE(q.pop());
}

}  // namespace
}  // namespace umd::guard
