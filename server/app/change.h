#pragma once

namespace invoicehub::app {

// What an update did to one entity: as it was, and as it is now.
template <typename T>
struct Change {
  T before;
  T after;
};

}  // namespace invoicehub::app
