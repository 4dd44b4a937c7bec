# The BillPayGateway interface and its libcurl adapter: http_billpay_gateway
# moves bytes, billpay_transformer maps the vendor's JSON and statuses onto
# ours, gateway_factory picks the adapter for an account.
find_package(CURL REQUIRED)

add_library(invoicehub_billpay STATIC
  billpay_gateway.cc
  billpay_transformer.cc
  http_billpay_gateway.cc
  gateway_factory.cc)
target_include_directories(invoicehub_billpay PUBLIC ${PROJECT_SOURCE_DIR})
target_compile_options(invoicehub_billpay PRIVATE ${INVOICEHUB_WARNINGS})
target_link_libraries(invoicehub_billpay
  PUBLIC absl::status absl::statusor
  PRIVATE CURL::libcurl nlohmann_json::nlohmann_json absl::strings Threads::Threads)
