// What tests of recountctl's commands share: the hub's routes served over real HTTP on 127.0.0.1.
#pragma once

#include <memory>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include "hub/http/client.hpp"
#include "hub/http/server.hpp"

namespace recount::testing {

// Serves `router` on a thread of its own while a command runs on the test's thread. It knows one
// token, kToken of the admin "ops-anna", which hub() sends.
class Serving {
 public:
  static constexpr std::string_view kToken = "serving-token";

  explicit Serving(const hub::Router& router)
      : server_(hub::HttpServer::listen(io_, hub::HostPort{"127.0.0.1", 0}, router, options()).value()),
        address_(server_->local_address()) {
    server_->start();
    thread_ = std::thread([this] { io_.run(); });
  }
  ~Serving() {
    boost::asio::post(io_, [this] { server_->stop(); });
    thread_.join();
  }
  const hub::HostPort& address() const { return address_; }
  // The server as recountctl's commands reach it, with kToken.
  hub::HubEndpoint hub() const {
    hub::HubEndpoint endpoint(address_);
    endpoint.token = kToken;
    return endpoint;
  }

 private:
  static hub::HttpServerOptions options() {
    hub::HttpServerOptions options;
    options.authenticate = [](std::string_view token) -> Result<std::optional<hub::auth::Principal>> {
      if (token != kToken) return std::optional<hub::auth::Principal>();
      return std::optional(hub::auth::Principal{"ops-anna", hub::auth::Role::kAdmin, std::nullopt});
    };
    return options;
  }

  boost::asio::io_context io_;
  std::unique_ptr<hub::HttpServer> server_;
  hub::HostPort address_;
  std::thread thread_;
};

}  // namespace recount::testing
