"""Page-number pagination, with the page size chosen by the client up to a ceiling."""

from rest_framework.pagination import PageNumberPagination


class ApiPagination(PageNumberPagination):
    """`?page=2&page_size=100`; responses carry count, next, previous and results.

    The ceiling keeps one request's cost bounded: a page's queries are fixed in number,
    but their rows are not.
    """

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
