"""The console's API for the Alert Service: a cluster's destinations (targets masked once saved), adding,
changing and removing them (Administrator), and a Test whose answer goes to the caller alone (Operator)."""

from django.shortcuts import get_object_or_404
from ninja import Router, Schema, Status

from clusters.operation import alertservice
from clusters.runtime import AlertDestination
from clusters.web.forms import AlertDestinationForm
from webui.roles import Role, require_role

from .configuration import cluster_of
from .errors import Refused, problem
from .schemas import Errors

router = Router(tags=["Alert Service"])


class DestinationIn(Schema):
    kind: str  # sns, email or webhook
    target: str  # a topic ARN, an e-mail address or a webhook URL
    min_level: str = "warning"
    about: str = ""


class DestinationChange(Schema):
    kind: str | None = None
    target: str | None = None  # typed anew to replace it; left out, the saved one is kept
    min_level: str | None = None
    about: str | None = None


class DestinationOut(Schema):
    id: int
    kind: str
    target: str  # masked: a webhook's credentials, token path and query are never answered
    min_level: str
    about: str


class TestOut(Schema):
    delivered: bool
    detail: str  # why it was not delivered, for the caller only


def _out(destination: AlertDestination) -> dict:
    return {
        "id": destination.pk,
        "kind": destination.kind,
        "target": destination.shown_target,
        "min_level": destination.min_level,
        "about": destination.about,
    }


def _saved(cluster, data: dict, instance: AlertDestination | None = None) -> AlertDestination:
    """Saved as the page's form saves it, or refused with each field's problem."""
    form = AlertDestinationForm(data, instance=instance)
    if not form.is_valid():
        raise Refused(
            [problem(field, " ".join(messages), "Correct this value.") for field, messages in form.errors.items()]
        )
    form.instance.cluster = cluster
    return form.save()


@router.get("/{int:pk}/alert-destinations", response=list[DestinationOut], summary="The Alert Service's destinations")
def list_destinations(request, pk: int):
    require_role(request.user, Role.VIEWER)
    return [_out(d) for d in AlertDestination.objects.filter(cluster=cluster_of(pk))]


@router.post("/{int:pk}/alert-destinations", response={201: DestinationOut, 422: Errors}, summary="Add a destination")
def add_destination(request, pk: int, payload: DestinationIn):
    require_role(request.user, Role.ADMINISTRATOR)  # before anything is looked up
    return Status(201, _out(_saved(cluster_of(pk), payload.dict())))


@router.patch(
    "/{int:pk}/alert-destinations/{int:number}",
    response={200: DestinationOut, 422: Errors},
    summary="Change a destination (its target only by typing it anew)",
)
def change_destination(request, pk: int, number: int, payload: DestinationChange):
    require_role(request.user, Role.ADMINISTRATOR)
    destination = get_object_or_404(AlertDestination, pk=number, cluster=cluster_of(pk))
    data = {**_out(destination), "target": "", **payload.dict(exclude_none=True)}
    return _out(_saved(destination.cluster, data, destination))


@router.delete("/{int:pk}/alert-destinations/{int:number}", response={204: None}, summary="Remove a destination")
def remove_destination(request, pk: int, number: int):
    require_role(request.user, Role.ADMINISTRATOR)
    get_object_or_404(AlertDestination, pk=number, cluster=cluster_of(pk)).delete()
    return Status(204, None)


@router.post(
    "/{int:pk}/alert-destinations/{int:number}/test",
    response=TestOut,
    summary="Send a test alert now; the answer says why it failed (the alert log only that it did)",
)
def test_destination(request, pk: int, number: int):
    require_role(request.user, Role.OPERATOR)
    destination = get_object_or_404(AlertDestination, pk=number, cluster=cluster_of(pk))
    delivered, detail = alertservice.send_test(user=request.user, destination=destination)
    return {"delivered": delivered, "detail": detail}
