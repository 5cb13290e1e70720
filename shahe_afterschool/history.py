"""One manager class per history model, built once (django-simple-history).

`instance.history` (and `Model.history`) is a descriptor that calls
`HistoryManager.from_queryset(HistoricalQuerySet)` on every access: Django's `from_queryset` builds a
new class each time (a `type()` call over the query set's public methods, found with
`inspect.getmembers`). simple-history reads the descriptor on every save of a model with history,
to write the historical row, so the suite and the portal built a class per saved row: 0.5 ms each,
about a tenth of the suite's time, most of the cost of a historical record.

`memoize_history_manager_classes()` (from `accounts.apps`) makes `from_queryset` of `HistoryManager`
and its subclasses return the class built for the same arguments the first time. The classes are
the same as before (same name, bases and methods; Django builds them from nothing but the
arguments), so every manager behaves as before: only `type()` is not called again. Managers stay
one per access (the descriptor still makes a new one for its instance)."""
from __future__ import annotations

import threading

_built: dict = {}
_lock = threading.Lock()


def memoize_history_manager_classes() -> None:
    from django.db.models.manager import BaseManager
    from simple_history.manager import HistoryManager

    if getattr(HistoryManager.from_queryset, "_shahe_memoized", False):
        return
    build = BaseManager.from_queryset.__func__

    def from_queryset(cls, queryset_class, class_name=None):
        key = (cls, queryset_class, class_name)
        manager_class = _built.get(key)
        if manager_class is None:
            with _lock:
                manager_class = _built.get(key)
                if manager_class is None:
                    manager_class = _built[key] = build(cls, queryset_class, class_name)
        return manager_class

    from_queryset._shahe_memoized = True
    HistoryManager.from_queryset = classmethod(from_queryset)
