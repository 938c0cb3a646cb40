"""Lists in pages: one helper reads page, sort and filters from the query string (bounded and
checked: a bad value falls back to the default, never an error), applies them in SQL with a
total count, and gives the template what the `_paging.html` macros render."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Generic, TypeVar

import sqlalchemy as sa
from flask import request, url_for
from sqlmodel import Session

T = TypeVar("T")

PER_PAGE = 50
PER_PAGE_CHOICES = (20, 50, 100, 200)
MAX_PAGE = 100_000
MAX_SEARCH = 100
# A list counts at most this many rows and then shows "more than 10,000": counting a whole
# 500,000-row audit log on every view costs more than the page itself (issue 12).
COUNT_CAP = 10_000


@dataclass(frozen=True)
class Filter:
    """One filter field of a list: a text box, a choice list or a date."""

    name: str
    label: Any
    kind: str = "text"  # "text", "choice", "date", "number"
    choices: tuple[tuple[str, Any], ...] = ()


@dataclass
class ListSpec:
    """What a list can be sorted and filtered by, in SQL expressions."""

    sorts: Mapping[str, Any]  # key in the query string -> column
    default_sort: str
    default_desc: bool = True
    search: Sequence[Any] = ()  # columns the free text `q` looks in
    choices: Mapping[str, Any] = field(default_factory=dict)  # name -> column (values checked)
    numbers: Mapping[str, Any] = field(default_factory=dict)  # name -> integer id column
    clauses: Mapping[str, Callable[[str], Any]] = field(default_factory=dict)  # name -> WHERE
    date_column: Any = None  # the column `from` / `to` bound
    filters: Sequence[Filter] = ()  # what the filter form shows


@dataclass
class Page(Generic[T]):
    """One page of a list, with what the pager and the sort links need."""

    items: list[T]
    total: int
    page: int
    per_page: int
    sort: str
    desc: bool
    args: dict[str, str]  # the filters in force, as given
    filters: Sequence[Filter] = ()
    capped: bool = False  # more than `total` rows match (only the first COUNT_CAP counted)
    more: bool = False  # a capped list has rows after this page

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def first(self) -> int:
        return 0 if not self.total else (self.page - 1) * self.per_page + 1

    @property
    def last(self) -> int:
        if self.capped:
            return (self.page - 1) * self.per_page + len(self.items)
        return min(self.total, self.page * self.per_page)

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.more if self.capped else self.page < self.pages

    def url(self, **changes: Any) -> str:
        """This list's URL with some parameters changed (filters kept)."""
        params: dict[str, Any] = dict(self.args)
        params.update(page=self.page, sort=self.sort, dir="desc" if self.desc else "asc")
        if self.per_page != PER_PAGE:
            params["per_page"] = self.per_page
        params.update(changes)
        params = {k: v for k, v in params.items() if v not in (None, "")}
        if params.get("page") == 1:
            params.pop("page")
        view_args = dict(request.view_args or {})
        return url_for(request.endpoint or "main.index", **view_args, **params)

    def sort_url(self, key: str) -> str:
        """Sort by `key`; the same key again flips the direction."""
        desc = not self.desc if key == self.sort else key == "date" or key == "id"
        return self.url(sort=key, dir="desc" if desc else "asc", page=1)


def with_choices(spec: ListSpec, name: str, choices: Sequence[tuple[Any, Any]]) -> ListSpec:
    """The spec with the choices of filter `name` filled in (e.g. the banks, read per request)."""
    filters = tuple(
        replace(f, choices=tuple((str(v), label) for v, label in choices)) if f.name == name else f
        for f in spec.filters
    )
    return replace(spec, filters=filters)


def bounded_int(value: str | None, default: int, low: int, high: int) -> int:
    """A whole number from the query string, within [low, high]; the default if unreadable."""
    try:
        number = int(value) if value is not None else default
    except ValueError:
        return default
    return min(max(number, low), high)


def _date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _is_int(column: Any) -> bool:
    return isinstance(getattr(column, "type", None), sa.Integer)


def _bound(column: Any, day: date) -> date | datetime:
    """A day as the column compares it: midnight UTC for a timestamp column."""
    kind = getattr(column.type, "impl", column.type)
    return datetime.combine(day, time(0), tzinfo=UTC) if isinstance(kind, sa.DateTime) else day


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def apply_filters(
    query: Any, spec: ListSpec, args: Mapping[str, str]
) -> tuple[Any, dict[str, str]]:
    """The query narrowed by the filters in `args`; returns it and the filters kept."""
    kept: dict[str, str] = {}
    text = (args.get("q") or "").strip()[:MAX_SEARCH]
    if text and spec.search:
        query = query.where(sa.or_(*[c.ilike(_like(text), escape="\\") for c in spec.search]))
        kept["q"] = text
    allowed = {f.name: {v for v, _ in f.choices} for f in spec.filters if f.kind == "choice"}
    for name, column in spec.choices.items():
        value = (args.get(name) or "").strip()
        if value and value in allowed.get(name, {value}):
            query = query.where(column == (int(value) if _is_int(column) else value))
            kept[name] = value
    for name, clause in spec.clauses.items():
        value = (args.get(name) or "").strip()
        if value and value in allowed.get(name, {value}):
            query = query.where(clause(value))
            kept[name] = value
    for name, column in spec.numbers.items():
        number = bounded_int(args.get(name), 0, 0, 2**31 - 1)
        if number:
            query = query.where(column == number)
            kept[name] = str(number)
    if spec.date_column is not None:
        start, end = _date(args.get("from")), _date(args.get("to"))
        if start:
            query = query.where(spec.date_column >= _bound(spec.date_column, start))
            kept["from"] = start.isoformat()
        if end:
            # Up to the end of that day, for dates and timestamps alike.
            next_day = _bound(spec.date_column, end + timedelta(days=1))
            query = query.where(spec.date_column < next_day)
            kept["to"] = end.isoformat()
    return query, kept


def order(spec: ListSpec, args: Mapping[str, str]) -> tuple[str, bool, list[Any]]:
    """The sort key, direction and ORDER BY clauses (with the first sort column's id last)."""
    sort = args.get("sort") or spec.default_sort
    if sort not in spec.sorts:
        sort = spec.default_sort
    direction = args.get("dir")
    desc = spec.default_desc if direction not in ("asc", "desc") else direction == "desc"
    column = spec.sorts[sort]
    clauses = [column.desc() if desc else column.asc()]
    return sort, desc, clauses


def paginate(
    session: Session,
    query: Any,
    spec: ListSpec,
    *,
    tiebreak: Any,
    args: Mapping[str, str] | None = None,
    scalars: bool = True,
) -> Page[Any]:
    """One page of `query` (an ORM select) by the request's page, sort and filters."""
    given = request.args if args is None else args
    query, kept = apply_filters(query, spec, given)
    sort, desc, clauses = order(spec, given)
    per_page = bounded_int(given.get("per_page"), PER_PAGE, 1, max(PER_PAGE_CHOICES))
    total = count_capped(session, query)
    capped = total > COUNT_CAP
    if capped:
        total = COUNT_CAP
        page = bounded_int(given.get("page"), 1, 1, MAX_PAGE)
    else:
        page = min(bounded_int(given.get("page"), 1, 1, MAX_PAGE), max(1, -(-total // per_page)))
    clauses.append(tiebreak.desc() if desc else tiebreak.asc())
    rows = session.execute(
        query.order_by(None).order_by(*clauses).offset((page - 1) * per_page).limit(per_page + 1)
    )
    items = list(rows.scalars().all() if scalars else rows.all())
    more = len(items) > per_page
    del items[per_page:]
    return Page(items, total, page, per_page, sort, desc, kept, spec.filters, capped, more)


def count_capped(session: Session, query: Any) -> int:
    """How many rows `query` gives, counting no further than COUNT_CAP + 1."""
    limited = query.order_by(None).limit(COUNT_CAP + 1).subquery()
    return int(session.execute(sa.select(sa.func.count()).select_from(limited)).scalar_one())


def empty_page(spec: ListSpec) -> Page[Any]:
    """An empty list (a role that sees none of these rows)."""
    return Page([], 0, 1, PER_PAGE, spec.default_sort, spec.default_desc, {}, spec.filters)
