"""Re-export of `bot.localapi.faults` under the tests' old name."""

from bot.localapi.faults import INJECTED, Fault, FaultKind, make_fault

__all__ = ["INJECTED", "Fault", "FaultKind", "make_fault"]
