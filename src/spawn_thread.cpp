// src/spawn_thread.cpp — the long-lived thread that creates handler processes (trusted side).
#include "spawn_thread.h"

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

namespace umd::detail {
namespace {

class SpawnThread {
public:
    SpawnThread() : thread_([this](std::stop_token stop) { loop(stop); }) {}
    ~SpawnThread()
    {
        thread_.request_stop();
        wake_.notify_all();
    }

    void run(const std::function<void()>& job)
    {
        // Already on the spawn thread (a nested call): run inline.
        if (std::this_thread::get_id() == thread_.get_id()) return job();
        bool done = false;
        enqueue(Slot{[&job] { job(); }, &done});
        std::unique_lock guard(lock_);
        done_.wait(guard, [&] { return done; });
    }

    void post(std::function<void()> job) { enqueue(Slot{std::move(job), nullptr}); }

private:
    struct Slot {
        std::function<void()> job;
        bool* done;  ///< set when the job has run; null for posted jobs nobody waits for
    };

    void enqueue(Slot slot)
    {
        {
            std::lock_guard guard(lock_);
            queue_.push_back(std::move(slot));
        }
        wake_.notify_all();
    }

    void loop(std::stop_token stop)
    {
        std::unique_lock guard(lock_);
        while (!stop.stop_requested()) {
            wake_.wait(guard, [&] { return stop.stop_requested() || !queue_.empty(); });
            // Jobs still queued when the process ends run too: someone may wait for them.
            while (!queue_.empty()) {
                Slot slot = std::move(queue_.front());
                queue_.pop_front();
                guard.unlock();
                slot.job();
                slot.job = nullptr;  // destroy what the job captured outside the lock
                guard.lock();
                if (slot.done) {
                    *slot.done = true;
                    done_.notify_all();
                }
            }
        }
    }

    std::mutex lock_;
    std::condition_variable wake_, done_;
    std::deque<Slot> queue_;
    std::jthread thread_;  // last: started after the members it uses exist
};

SpawnThread& spawn_thread()
{
    static SpawnThread spawner;
    return spawner;
}

}  // namespace

void run_on_spawn_thread_erased(const std::function<void()>& job) { spawn_thread().run(job); }

void post_to_spawn_thread(std::function<void()> job) { spawn_thread().post(std::move(job)); }

}  // namespace umd::detail
