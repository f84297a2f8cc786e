"""The properties rollproof checks (docs/semantics.md#properties), one module each, in report order."""

from __future__ import annotations

from verifier.properties import availability, capacity, deadline, plan, progress, rollback, steps, surge

PROPERTIES = (availability, surge, capacity, progress, deadline, steps, plan, rollback)

# Those that also answer for a range of desired counts (`check_range`); a
# hand-written plan is for one count.
RANGE_PROPERTIES = (availability, surge, capacity, progress, deadline, steps, rollback)

