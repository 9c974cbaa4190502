"""The console's own API: everything the console does, for scripts, with an OpenAPI document and its page.

`/api/webui/v1/` (the document at `openapi.json`, the interactive page at `docs`). A script sends an API
token (created and revoked by its user under API tokens) as `Authorization: Bearer cwui_...`; a signed-in
browser uses its session (with the CSRF header for changes). Every endpoint calls the services the views
call, which check the same roles; a Viewer's token reads only. Bad input answers 422 with each field, what
is wrong and the fix, as the forms do.
"""

from django.conf import settings
from ninja import NinjaAPI
from ninja.security import APIKeyCookie, HttpBearer

from webui import tokens

from . import alerts, configuration, errors, failover, runs


class TokenAuth(HttpBearer):
    """`Authorization: Bearer cwui_...`: the token's user, with that user's role. A request that sends any other
    Authorization (an unknown or revoked token, another scheme) is refused 401, whatever session it has."""

    def __call__(self, request):
        header = request.headers.get(self.header, "")
        if not header:
            return None  # no credentials sent: a signed-in browser's session may do
        scheme, _, token = header.partition(" ")
        if scheme.lower() != self.openapi_scheme:
            raise errors.BadToken
        return self.authenticate(request, token.strip())

    def authenticate(self, request, token):
        user = tokens.user_for(token)
        if user is None:
            raise errors.BadToken
        request.user = user  # the services and role checks see the token's user
        return user


class SessionAuth(APIKeyCookie):
    """A signed-in browser: its session, with the CSRF header for changes. A request signed in nowhere is 401
    (ninja's own session check refuses it for CSRF first, 403)."""

    param_name = settings.SESSION_COOKIE_NAME

    def _get_key(self, request):
        return super()._get_key(request) if request.user.is_authenticated else None

    def authenticate(self, request, key):
        return request.user if key and request.user.is_authenticated else None


class ConsoleAPI(NinjaAPI):
    def get_openapi_operation_id(self, operation) -> str:
        """An operation's ID is its contract with generated clients: it names the operation, not the module
        that holds it (ninja's own default would change with every move of the code)."""
        return f"clusters_web_api_{operation.view_func.__name__}"


api = ConsoleAPI(
    title="Cluster WebUI API",
    version="1",
    description=__doc__,
    urls_namespace="webui-api",
    auth=[TokenAuth(), SessionAuth()],
)
errors.install(api)
api.add_router("/clusters/", configuration.router)
api.add_router("/clusters/", runs.cluster_router)
api.add_router("/clusters/", alerts.router)
api.add_router("/runs/", runs.router)
api.add_router("/clusters/", failover.router)
