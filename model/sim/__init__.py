"""The zone simulator (``bgpcascade simulate``, and the Z3 engine's unrolled step).

- :mod:`.events`: the triggers, one frozen dataclass per event kind, :class:`Priority`.
- :mod:`.state`: nodes, session groups, work items, the event queue.
- :mod:`.queues`: one FIFO per node, batches, capacity.
- :mod:`.ribs`: RFC 4456 decisions and the RIB effects of UPDATEs.
- :mod:`.timers`: each session end's timers, and what a write restarts.
- :mod:`.transport`: each session direction's socket buffers (TCP back-pressure).
- :mod:`.sessions`: the FSM at both ends, TCP, session messages, triggers.
- :mod:`.measurements`: queue delay, isolated clients, unreachable pairs.
- :mod:`.core`: :class:`Sim`, the step function.

docs/model.md ("Dynamics") has the semantics.
"""

from .core import Sim
from .events import REASONS, Priority, SessionEvent, Trigger, TriggerKind
from .state import BACKLOG_S, DEFAULT_LINK_DELAY, ZERO

__all__ = ["BACKLOG_S", "DEFAULT_LINK_DELAY", "REASONS", "ZERO", "Priority", "SessionEvent",
           "Sim", "Trigger", "TriggerKind"]
