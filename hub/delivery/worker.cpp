// The delivery thread.
#include "hub/delivery/worker.hpp"

#include <utility>

namespace recount::hub::delivery {

DeliveryWorker::DeliveryWorker() : thread_([this] { run(); }) {}

DeliveryWorker::~DeliveryWorker() { stop(); }

void DeliveryWorker::submit(std::function<void()> job) {
  {
    const std::lock_guard lock(mutex_);
    if (stopping_) return;
    jobs_.push_back(std::move(job));
  }
  wake_.notify_one();
}

void DeliveryWorker::stop() {
  {
    const std::lock_guard lock(mutex_);
    stopping_ = true;
    jobs_.clear();
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
}

void DeliveryWorker::run() {
  for (;;) {
    std::function<void()> job;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
      if (stopping_) return;
      job = std::move(jobs_.front());
      jobs_.pop_front();
    }
    job();
  }
}

}  // namespace recount::hub::delivery
