"""Django's CommonMiddleware, except under the tenant API: a path missing its trailing slash is answered 308
Permanent Redirect, which keeps the method and the body, for every method. Django answers 301 (clients turn a
redirected POST into a GET) and, under DEBUG, refuses to redirect a POST at all (a 500)."""

from django.middleware.common import CommonMiddleware
from django.utils.http import escape_leading_slashes

API_PREFIX = "/api"


class SlashRedirectMiddleware(CommonMiddleware):
    def _api(self, request) -> bool:
        return request.path == API_PREFIX or request.path.startswith(API_PREFIX + "/")

    def get_full_path_with_slash(self, request):
        if self._api(request):
            return escape_leading_slashes(request.get_full_path(force_append_slash=True))
        return super().get_full_path_with_slash(request)

    def _keeping_the_method(self, request, response):
        if response is not None and response.status_code == 301 and self._api(request):
            response.status_code = 308
        return response

    def process_request(self, request):
        return self._keeping_the_method(request, super().process_request(request))

    def process_response(self, request, response):
        return self._keeping_the_method(request, super().process_response(request, response))
