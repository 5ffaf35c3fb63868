"""A Fusion resource as the client reads it: its primary key, its change-time attribute, its child collections."""

from dataclasses import dataclass

# Set on an item whose child collections could not be read (a refused or unreadable answer): the record is
# quarantined with that reason instead of being synced without its children, or stopping its window.
UNREADABLE_CHILDREN = "ml_connector:unreadable_children"


@dataclass(frozen=True)
class ChildCollection:
    name: str  # the child resource, as in `…/child/<name>` and `expand=<name>`
    key: str  # its primary key attribute: children are ordered by it
    children: tuple["ChildCollection", ...] = ()

    def paths(self) -> list[str]:
        """Dotted `expand` paths from this collection to each leaf below it: `lines.schedules.distributions`."""
        below = [path for child in self.children for path in child.paths()]
        return [f"{self.name}.{path}" for path in below] or [self.name]

    @property
    def expand_below(self) -> str:
        """The `expand` for reading this collection directly: everything below it."""
        return expand_of(self.children)


@dataclass(frozen=True)
class WindowedResource:
    """A top-level resource read window by window in (change time, key) order."""

    name: str
    key: str
    changed_at: str
    children: tuple[ChildCollection, ...] = ()


def expand_of(children: tuple[ChildCollection, ...]) -> str:
    return ",".join(path for child in children for path in child.paths())


@dataclass(frozen=True)
class WholeResource:
    """A collection read whole, by offset in key order: small reference data without a change time."""

    name: str  # a path below the version root, or an href the pod gave
    key: str
