"""Sortable, filterable, paged tables: the query-string state a table page reads and writes.

    state = TableState.of(page.request, sortable={"id", "due_at"}, default_sort="id", per_page=50)
    total, rows = cases.list_cases(..., limit=state.per_page, offset=state.offset)
    table = state.with_total(total)
    return page.render("cell/cases.html", table=table, rows=rows)

In the template, `ui.sort_header(table, "due_at", t("cases.col.due"))` gives a header that sorts
(with `aria-sort`), `ui.pagination(table)` the pages, and `table.url(page=3)` any other link that
keeps the filters. Filters are ordinary GET fields of a form around the table (`ui.filters`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from urllib.parse import urlencode

from fastapi import Request

PER_PAGE_MAX = 200


@dataclass(frozen=True)
class TableState:
    path: str
    args: tuple[tuple[str, str], ...]  # the filters, in the order they came (not sort nor page)
    sort: str
    descending: bool
    page: int
    per_page: int
    total: int = 0

    @classmethod
    def of(
        cls,
        request: Request,
        *,
        sortable: set[str],
        default_sort: str,
        descending: bool = False,
        per_page: int = 50,
    ) -> TableState:
        q = request.query_params
        sort = q.get("sort") or default_sort
        if sort not in sortable:
            sort = default_sort
        order = q.get("order")
        try:
            page = max(1, int(q.get("page") or 1))
        except ValueError:
            page = 1
        args = tuple((k, v) for k, v in q.multi_items() if k not in {"sort", "order", "page"} and v != "")
        return cls(
            request.url.path,
            args,
            sort,
            descending if order is None else order == "desc",
            page,
            min(per_page, PER_PAGE_MAX),
        )

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def first_row(self) -> int:
        return min(self.total, self.offset + 1)

    @property
    def last_row(self) -> int:
        return min(self.total, self.offset + self.per_page)

    def with_total(self, total: int) -> TableState:
        return replace(self, total=total)

    def arg(self, name: str) -> str:
        return next((v for k, v in self.args if k == name), "")

    def args_of(self, name: str) -> list[str]:
        return [v for k, v in self.args if k == name]

    def url(self, **changes: object) -> str:
        """This table's address with some of sort / order / page changed, the filters kept."""
        params: list[tuple[str, str]] = list(self.args)
        sort = str(changes.get("sort", self.sort))
        order = changes.get("order", "desc" if self.descending else "asc")
        params += [("sort", sort), ("order", str(order))]
        page = int(changes.get("page", self.page))  # type: ignore[call-overload]
        if page > 1:
            params.append(("page", str(page)))
        return f"{self.path}?{urlencode(params)}"

    def sort_url(self, column: str) -> str:
        """Sort by `column`; the current sort column again flips its order. Back to page 1."""
        descending = not self.descending if column == self.sort else False
        return self.url(sort=column, order="desc" if descending else "asc", page=1)

    def aria_sort(self, column: str) -> str:
        if column != self.sort:
            return "none"
        return "descending" if self.descending else "ascending"
