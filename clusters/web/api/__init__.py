"""The console's own API: everything the console does, for scripts, with an OpenAPI document and its page.

`/api/webui/v1/` (the document at `openapi.json`, the interactive page at `docs`). A script sends an API
token (created and revoked by its user under API tokens) as `Authorization: Bearer cwui_...`; a signed-in
browser uses its session (with the CSRF header for changes). Every endpoint calls the services the views
call, which check the same roles; a Viewer's token reads only. Bad input answers 422 with each field, what
is wrong and the fix, as the forms do.
"""

from ninja import NinjaAPI
from ninja.security import HttpBearer, django_auth

from webui import tokens

from . import configuration, errors, failover, runs


class TokenAuth(HttpBearer):
    """`Authorization: Bearer cwui_...`: the token's user, with that user's role."""

    def authenticate(self, request, token):
        user = tokens.user_for(token)
        if user is not None:
            request.user = user  # the services and role checks see the token's user
        return user


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
    auth=[TokenAuth(), django_auth],
)
errors.install(api)
api.add_router("/clusters/", configuration.router)
api.add_router("/clusters/", runs.cluster_router)
api.add_router("/runs/", runs.router)
api.add_router("/clusters/", failover.router)
