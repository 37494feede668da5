"""Figures on each role's card on the home page (待派 12 · 超期 3 · 今日新增 40 …).

Core draws the home page but cannot know the domains, so each app registers, per role, a function
that counts what waits for one role binding (`@figures(Role.DISPATCHER)` in the app's `home.py`,
imported by its AppConfig.ready). Counts are capped (COUNT_CAP): a card says "1000+" rather than
counting a city's backlog on every visit to the home page; the cap and the count are the lists'
(core.selectors.capped_count).
"""

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from .models import RoleAssignment, User
from .selectors import COUNT_CAP, capped_count

__all__ = ["COUNT_CAP", "Figure", "capped_count", "figures", "figures_for"]


@dataclass(frozen=True)
class Figure:
    key: str  # stable name for tests and styling (e.g. "overdue")
    label: str
    value: int
    url: str | None = None
    # "alert" draws the figure in the danger colour when it is not zero (超期, 待评价 …).
    tone: str = ""

    @property
    def shown(self) -> str:
        return f"{COUNT_CAP}+" if self.value > COUNT_CAP else str(self.value)


FigureSource = Callable[[User, RoleAssignment], list[Figure]]
_sources: dict[str, list[FigureSource]] = defaultdict(list)


def figures(*roles: str) -> Callable[[FigureSource], FigureSource]:
    """Register the decorated function as a source of figures for the cards of these roles."""

    def decorator(fn: FigureSource) -> FigureSource:
        for role in roles:
            if fn not in _sources[role]:
                _sources[role].append(fn)
        return fn

    return decorator


def figures_for(user: User, assignment: RoleAssignment) -> list[Figure]:
    return [figure for source in _sources.get(assignment.role, []) for figure in source(user, assignment)]
