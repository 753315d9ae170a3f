// apps/umdd/guard/bounded_queue.h — the exec guard's queue of decisions for its workers.
//
// Trusted side, privileged (umdd's exec guard). Bounded so that a flood of
// first-time files costs a fixed amount of memory: push() waits while the queue is
// full (the reader stalls; the kernel keeps the events, nothing is allowed because
// of load), pop() waits while it is empty. close() wakes everyone: push() then
// refuses, pop() hands out what is left and then nothing.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <optional>

namespace umd::guard {

template <class T>
class BoundedQueue {
public:
    explicit BoundedQueue(std::size_t capacity) : capacity_(capacity == 0 ? 1 : capacity) {}

    /// Waits for room; false when the queue was closed. `waited` is set when it had to wait.
    bool push(T item, bool* waited = nullptr)
    {
        std::unique_lock guard(lock_);
        if (waited) *waited = items_.size() >= capacity_;
        not_full_.wait(guard, [&] { return closed_ || items_.size() < capacity_; });
        if (closed_) return false;
        items_.push_back(std::move(item));
        guard.unlock();
        not_empty_.notify_one();
        return true;
    }

    /// Waits for an item; nullopt once the queue is closed and empty.
    std::optional<T> pop()
    {
        std::unique_lock guard(lock_);
        not_empty_.wait(guard, [&] { return closed_ || !items_.empty(); });
        if (items_.empty()) return std::nullopt;
        T item = std::move(items_.front());
        items_.pop_front();
        guard.unlock();
        not_full_.notify_one();
        return item;
    }

    void close()
    {
        {
            std::lock_guard guard(lock_);
            closed_ = true;
        }
        not_full_.notify_all();
        not_empty_.notify_all();
    }

    std::size_t size() const
    {
        std::lock_guard guard(lock_);
        return items_.size();
    }
    std::size_t capacity() const noexcept { return capacity_; }

private:
    mutable std::mutex lock_;
    std::condition_variable not_full_, not_empty_;
    std::deque<T> items_;
    std::size_t capacity_;
    bool closed_ = false;
};

}  // namespace umd::guard
