// One thread that runs jobs in order, off the hub's io_context: deliveries (file writes, webhook
// POSTs), so a slow or silent receiver never stalls ingest or the API, and the catalog publisher's
// readings, so a large catalog's never does. Jobs report back by posting to the io_context
// themselves.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

namespace recount::hub::delivery {

// Thread-safe. Destroying it stops it: queued jobs are dropped and the running one is waited for
// (each job bounds its own time: a webhook attempt has a timeout).
class DeliveryWorker {
 public:
  DeliveryWorker();
  DeliveryWorker(const DeliveryWorker&) = delete;
  DeliveryWorker& operator=(const DeliveryWorker&) = delete;
  ~DeliveryWorker();

  // Queues `job` to run on the worker's thread after the jobs queued before it. Never blocks on
  // a job. After stop(), jobs are dropped.
  void submit(std::function<void()> job);

  // Drops the queued jobs and waits for the running one; later submits are dropped. Idempotent.
  void stop();

 private:
  void run();

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> jobs_;
  bool stopping_ = false;
  std::thread thread_;  // last: started once the members above exist
};

}  // namespace recount::hub::delivery
