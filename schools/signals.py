"""Signals between school features, so one feature reacts to another without importing it.

`absence_reported(sender=Absence, absence=…)` is sent on commit of a new or widened absence (by a guardian or a
teacher); the lunch table cancels that child's lunches still cancellable within the absence.
"""

from django.dispatch import Signal

absence_reported = Signal()
