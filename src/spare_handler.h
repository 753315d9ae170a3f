// src/spare_handler.h — a handler started ahead of need (trusted side).
//
// A sandboxed cold start costs milliseconds (namespaces, a fresh mount tree, an
// exec of the image). A driver that must recover quickly from a crashed, killed
// or recycled handler keeps one spare: started in the background on the spawn
// thread right after the running handler started, handed over when the next
// start is due. The spare runs under exactly the same sandbox and spawn options.
#pragma once

#include <sys/types.h>

#include <memory>

#include <umd/process.h>

namespace umd::detail {

class SpareHandler {
public:
    SpareHandler() = default;
    ~SpareHandler();
    SpareHandler(const SpareHandler&) = delete;
    SpareHandler& operator=(const SpareHandler&) = delete;

    /// Starts a spare in the background unless one is already pending or ready.
    /// `blob` and `options` must stay valid until take() or discard() returns.
    void prepare(const Blob& blob, const SpawnOptions& options);

    /// The spare, if one was prepared, started, and is still alive (waits for a start
    /// in progress); nullptr otherwise — the caller then starts a handler itself and
    /// so reports whatever kept the spare from starting.
    std::unique_ptr<HandlerProcess> take();

    /// Kills and reaps the spare (after waiting for a start in progress).
    void discard();

    /// The pid of a spare that is started and waiting, or -1 (never blocks).
    pid_t ready_pid() const;

private:
    struct Pending;
    std::shared_ptr<Pending> pending_;
};

/// Kills `process` now and reaps it on the spawn thread, so the caller does not
/// wait for the kernel to tear down its namespaces (a millisecond or more).
void retire_in_background(std::unique_ptr<HandlerProcess> process);

/// Returns once every handler retired (and every spare start queued) before this call is
/// done, so a driver that goes away leaves no process and no descriptor behind.
void wait_for_background_work();

}  // namespace umd::detail
