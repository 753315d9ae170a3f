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
        Slot slot{&job};
        {
            std::lock_guard guard(lock_);
            queue_.push_back(&slot);
        }
        wake_.notify_all();
        std::unique_lock guard(lock_);
        done_.wait(guard, [&] { return slot.done; });
    }

private:
    struct Slot {
        const std::function<void()>* job;
        bool done = false;
    };

    void loop(std::stop_token stop)
    {
        std::unique_lock guard(lock_);
        while (!stop.stop_requested()) {
            wake_.wait(guard, [&] { return stop.stop_requested() || !queue_.empty(); });
            while (!queue_.empty()) {
                Slot* slot = queue_.front();
                queue_.pop_front();
                guard.unlock();
                (*slot->job)();
                guard.lock();
                slot->done = true;
                done_.notify_all();
            }
        }
    }

    std::mutex lock_;
    std::condition_variable wake_, done_;
    std::deque<Slot*> queue_;
    std::jthread thread_;  // last: started after the members it uses exist
};

}  // namespace

void run_on_spawn_thread_erased(const std::function<void()>& job)
{
    static SpawnThread spawner;
    spawner.run(job);
}

}  // namespace umd::detail
