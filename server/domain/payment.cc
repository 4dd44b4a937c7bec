#include "server/domain/payment.h"

#include "server/domain/enum_names.h"

namespace invoicehub::domain {
namespace {

constexpr EnumNames<PaymentMethod, 6> kMethodNames = {{
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

std::string PaymentMethodName(PaymentMethod method) { return NameOf(kMethodNames, method); }

std::optional<PaymentMethod> PaymentMethodFromName(const std::string& name) { return ValueOf(kMethodNames, name); }

}  // namespace invoicehub::domain
