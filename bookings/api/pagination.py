from django.core.paginator import Paginator
from django.db.models import Count, Window
from rest_framework.pagination import PageNumberPagination

TOTAL = "_pagination_total"


class CountingPaginator(Paginator):
    """One query per page instead of two: the page's rows carry the total (`COUNT(*) OVER ()`, computed before
    LIMIT/OFFSET) instead of a COUNT before them. Over the Data API each query is a call (about 20 ms to AWS).

    Only a page with no rows needs the COUNT: the first page of nothing (count 0), or a number past the end (an
    EmptyPage from Django's own checks)."""

    def page(self, number):
        whole = _whole(number)
        if whole is None or whole < 1:
            return super().page(number)  # Django's errors: not an integer, less than 1
        bottom = (whole - 1) * self.per_page
        rows = list(self.object_list.annotate(**{TOTAL: Window(Count("*"))})[bottom : bottom + self.per_page])
        if not rows and (whole > 1 or not self.allow_empty_first_page):
            return super().page(number)  # past the end: Django counts and raises EmptyPage
        self.count = getattr(rows[0], TOTAL) if rows else 0  # the cached_property Django's page links read
        if self.orphans and bottom + self.per_page + self.orphans >= self.count:
            return super().page(number)  # a last page that takes the orphans: Django's slicing
        return self._get_page(rows, whole, self)


def _whole(number) -> int | None:
    try:
        return None if isinstance(number, float) and not number.is_integer() else int(number)
    except (TypeError, ValueError):
        return None


class Pagination(PageNumberPagination):
    django_paginator_class = CountingPaginator
    page_size_query_param = "page_size"
    max_page_size = 200
