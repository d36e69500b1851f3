// Baseline import route.
#include "hub/http/baseline_routes.hpp"

#include "hub/baseline/baseline_import.hpp"
#include "hub/http/catalog_routes.hpp"

namespace recount::hub {

void add_baseline_routes(Router& router, HubWriter& writer, Ledger& ledger) {
  router.add(
      "POST", "/api/v1/import/baseline", auth::Role::kAdmin,
      [&writer, &ledger](const Request& request) {
        const auto options = import_options(request);
        if (!options) return Response::from(options.error());
        auto report = import_baselines(writer, ledger, request.body_bytes(), *options);
        if (!report) return Response::from(report.error());
        if (!report->errors.empty()) return rejected_import(report->errors, report->unlisted_errors);
        return Response::json(200, {{"kind", "baseline"},
                                    {"rows", report->rows},
                                    {"stored", report->stored},
                                    {"unchanged", report->unchanged},
                                    {"delimiter", delimiter_name(report->delimiter)},
                                    {"encoding", to_string(report->encoding)}});
      },
      BodyLimit::kImport);
}

}  // namespace recount::hub
