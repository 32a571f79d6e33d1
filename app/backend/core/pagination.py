"""API.md's page: {count, page, page_size, num_pages, next, previous, results}."""

from typing import Any

from django.core.paginator import EmptyPage, Paginator
from django.db.models import QuerySet
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.utils.urls import replace_query_param

from core.exceptions import ApplicationError

DEFAULT_PAGE_SIZE = 12
MAX_PAGE_SIZE = 48
MESSAGE_PAGE_OUT_OF_RANGE = "That page does not exist."


class PageFilterSerializer(serializers.Serializer):
    """Validates ?page= and ?page_size=; list APIs' FilterSerializers inherit from it."""

    page = serializers.IntegerField(required=False, min_value=1, default=1)
    page_size = serializers.IntegerField(
        required=False, min_value=1, max_value=MAX_PAGE_SIZE, default=DEFAULT_PAGE_SIZE
    )


def paginate(
    *, queryset: QuerySet, request: Request, page: int, page_size: int, serializer_class: type[serializers.Serializer]
) -> dict[str, Any]:
    paginator = Paginator(queryset, page_size)  # an empty list is page 1 of 1, not an error
    try:
        current = paginator.page(page)
    except EmptyPage:
        raise ApplicationError(MESSAGE_PAGE_OUT_OF_RANGE, {"num_pages": paginator.num_pages}, 404) from None
    url = request.build_absolute_uri()
    return {
        "count": paginator.count,
        "page": page,
        "page_size": page_size,
        "num_pages": paginator.num_pages,
        "next": replace_query_param(url, "page", page + 1) if current.has_next() else None,
        "previous": replace_query_param(url, "page", page - 1) if current.has_previous() else None,
        "results": serializer_class(current.object_list, many=True).data,
    }
