// src/spare_handler.cpp — a handler started ahead of need (trusted side).
#include "spare_handler.h"

#include <condition_variable>
#include <mutex>
#include <optional>

#include "spawn_thread.h"

namespace umd::detail {

/// Shared by the driver and the job on the spawn thread, so neither outlives it.
struct SpareHandler::Pending {
    std::mutex lock;
    std::condition_variable done_cv;
    bool done = false;
    std::optional<Result<std::unique_ptr<HandlerProcess>>> result;

    Result<std::unique_ptr<HandlerProcess>> wait()
    {
        std::unique_lock guard(lock);
        done_cv.wait(guard, [&] { return done; });
        return std::move(*result);
    }
};

SpareHandler::~SpareHandler() { discard(); }

void SpareHandler::prepare(const Blob& blob, const SpawnOptions& options)
{
    if (pending_) return;
    pending_ = std::make_shared<Pending>();
    post_to_spawn_thread([pending = pending_, &blob, &options] {
        auto started = HandlerProcess::spawn(blob, options);  // already on the spawn thread: runs inline
        std::lock_guard guard(pending->lock);
        pending->result.emplace(std::move(started));
        pending->done = true;
        pending->done_cv.notify_all();
    });
}

std::unique_ptr<HandlerProcess> SpareHandler::take()
{
    if (!pending_) return nullptr;
    auto started = pending_->wait();
    pending_.reset();
    if (!started) return nullptr;
    // A spare that died while it waited (killed from outside, out of memory) is no use.
    if ((*started)->poll_exit()) return nullptr;
    return std::move(*started);
}

void SpareHandler::discard()
{
    take();  // the returned process, if any, is killed and reaped as it goes out of scope
}

void retire_in_background(std::unique_ptr<HandlerProcess> process)
{
    if (!process) return;
    process->kill();
    std::shared_ptr<HandlerProcess> retired(std::move(process));
    post_to_spawn_thread([retired]() mutable { retired.reset(); });  // the destructor reaps
}

void wait_for_background_work()
{
    run_on_spawn_thread_erased([] {});  // the spawn thread runs its jobs in order
}

pid_t SpareHandler::ready_pid() const
{
    if (!pending_) return -1;
    std::lock_guard guard(pending_->lock);
    if (!pending_->done || !*pending_->result) return -1;
    return (**pending_->result)->pid();
}

}  // namespace umd::detail
