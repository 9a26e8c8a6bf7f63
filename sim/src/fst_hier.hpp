// The hierarchy of an FST trace, one variable at a time with its full scope
// name: the walk over fstReaderIterateHier (a stack of scope names) that every
// reader of the traces needs (fst_tools.cpp, unit_replay.cpp,
// scripts/power/fst_mem_access.cpp).  Header-only, so that the power flow's
// stand-alone tools need no library besides fstapi (sim/src on the include path,
// or included from beside it; Verilator's include directory for gtkwave/).
#pragma once
#include <string>
#include <vector>

#include "gtkwave/fstapi.h"

namespace esact::sim {

/// Calls f(scope, var) for every variable of the trace `fst` (an fstReaderOpen
/// context), in the order of the trace's hierarchy: `scope` is the dotted path
/// of the variable's scope ("TOP.esact_top.u_gemm"), `var` its fstHier entry
/// (var.name as the trace writes it, "name [hi:lo]" for Verilator's vectors;
/// var.handle, var.length, var.is_alias, var.typ).
template <class F>
void for_each_fst_var(void* fst, F&& f) {
  std::vector<std::string> stack;
  while (fstHier* h = fstReaderIterateHier(fst)) {
    switch (h->htyp) {
      case FST_HT_SCOPE: stack.emplace_back(h->u.scope.name); break;
      case FST_HT_UPSCOPE:
        if (!stack.empty()) stack.pop_back();
        break;
      case FST_HT_VAR: {
        std::string scope;
        for (const auto& s : stack) scope += (scope.empty() ? "" : ".") + s;
        f(static_cast<const std::string&>(scope), h->u.var);
        break;
      }
      default: break;
    }
  }
}

}  // namespace esact::sim
