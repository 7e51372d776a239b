"""What each school feature contributes to the school overview and the dashboard, per child and per class.

Features register here when their module is imported (schools.apps); the overview (schools.hub_views) and the
dashboard section render whatever is registered, in order, so neither knows the features.

A child summary is `fn(viewer, student) -> dict | None` and a class summary `fn(teacher, school_class) -> dict |
None`; None hides the entry. The template receives the dict as `summary` plus `student` or `school_class`.
Each function must cost a fixed number of queries.
"""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Summary:
    key: str
    template: str
    get: Callable
    order: int = 100


_child: dict[str, Summary] = {}
_class: dict[str, Summary] = {}


def register_child(key, template, get, order=100):
    """Add (or replace, by key) what a feature shows about one child to a guardian or to the student."""
    _child[key] = Summary(key, template, get, order)


def register_class(key, template, get, order=100):
    """Add (or replace, by key) what a feature shows a teacher about one of their classes."""
    _class[key] = Summary(key, template, get, order)


def _render(registry, person, subject, name):
    entries = []
    for summary in sorted(registry.values(), key=lambda s: (s.order, s.key)):
        value = summary.get(person, subject)
        if value is not None:
            entries.append({"key": summary.key, "template": summary.template, "summary": value, name: subject})
    return entries


def for_child(viewer, student):
    return _render(_child, viewer, student, "student")


def for_class(teacher, school_class):
    return _render(_class, teacher, school_class, "school_class")
