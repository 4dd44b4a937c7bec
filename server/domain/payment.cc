#include "server/domain/payment.h"

#include <array>
#include <utility>

namespace invoicehub::domain {
namespace {

constexpr std::array<std::pair<PaymentMethod, const char*>, 6> kMethodNames = {{
    {PaymentMethod::kCheck, "check"},
    {PaymentMethod::kAch, "ach"},
    {PaymentMethod::kCard, "card"},
    {PaymentMethod::kWire, "wire"},
    {PaymentMethod::kCash, "cash"},
    {PaymentMethod::kOther, "other"},
}};

}  // namespace

bool AllInvoicesReverted(const Payment& payment) {
  bool any = false;
  for (const Allocation& allocation : payment.allocations) {
    if (allocation.source != AllocationSource::kPayment) continue;
    if (allocation.state != AllocationState::kReleased) return false;
    any = true;
  }
  return any;
}

std::string PaymentMethodName(PaymentMethod method) {
  for (const auto& [value, name] : kMethodNames)
    if (value == method) return name;
  return "other";
}

std::optional<PaymentMethod> PaymentMethodFromName(const std::string& name) {
  for (const auto& [value, method_name] : kMethodNames)
    if (name == method_name) return value;
  return std::nullopt;
}

}  // namespace invoicehub::domain
