"""Forms built from a type's parameter declarations: the Common tab and one tab per server."""

from django import forms

from clusters.configuration.config import TypedObject, frozen
from clusters.configuration.params import Param


def _as_form_value(p: Param, value):
    if p.kind == "iplist":
        return ", ".join(value or [])
    return value


def _field(p: Param, mdc_choices) -> forms.Field:
    if p.kind == "int":
        field = forms.IntegerField(min_value=p.minimum, max_value=p.maximum, required=False)
    elif p.kind == "bool":
        field = forms.BooleanField(required=False)
    elif p.kind == "choice":
        field = forms.ChoiceField(choices=p.choices, required=False)
    elif p.kind == "mdc":
        choices = [(m, m) for m in mdc_choices] or [("mdc1", "mdc1")]
        field = forms.ChoiceField(choices=choices if p.required else [("", "Do Not Use"), *choices], required=False)
    else:
        field = forms.CharField(required=False, max_length=255)
    field.label = p.label
    field.help_text = p.help
    if p.aws_list:
        field.widget.attrs["list"] = f"aws-{p.aws_list}"
        field.widget.attrs["autocomplete"] = "off"
    return field


class ParamsForm(forms.Form):
    """A type's parameters: `c-NAME` on the Common tab, `sPK-NAME` on a server's tab."""

    def __init__(
        self,
        data=None,
        *,
        spec,
        servers,
        object_name,
        parameters=None,
        server_parameters=None,
        sections=None,
        ctx=None,
        mdc_choices=(),
        **kwargs,
    ):
        self.spec, self.servers, self.object_name, self.ctx = spec, list(servers), object_name, ctx
        self.stored = dict(parameters or {})
        stored_servers = server_parameters or {}
        self.params = [p for p in spec.params if not p.hidden and (sections is None or p.section in sections)]
        self.per_server = [p for p in self.params if p.per_server]
        initial = {}
        for p in self.params:
            value = self.stored.get(p.name, p.default)
            if value is not None:
                initial[f"c-{p.name}"] = _as_form_value(p, value)
        for server in self.servers:
            values = stored_servers.get(str(server.pk), {})
            initial[f"s{server.pk}-individual"] = any(p.name in values for p in self.per_server)
            for p in self.per_server:
                if p.name in values:
                    initial[f"s{server.pk}-{p.name}"] = _as_form_value(p, values[p.name])
        super().__init__(data, initial=initial, **kwargs)
        for p in self.params:
            self.fields[f"c-{p.name}"] = _field(p, mdc_choices)
        for server in self.servers if self.per_server else ():
            individual = forms.BooleanField(required=False, label="Set Up Individually")
            individual.widget.attrs["data-reveals"] = f"server-{server.pk}-values"
            self.fields[f"s{server.pk}-individual"] = individual
            for p in self.per_server:
                self.fields[f"s{server.pk}-{p.name}"] = _field(p, mdc_choices)

    def fieldsets(self):
        """[(legend, individual checkbox or None, fields)]: the Common tab, then each server's tab."""
        sets = [("Common", None, [self[f"c-{p.name}"] for p in self.params], None)]
        for server in self.servers if self.per_server else ():
            sets.append(
                (
                    server.name,
                    self[f"s{server.pk}-individual"],
                    [self[f"s{server.pk}-{p.name}"] for p in self.per_server],
                    server.pk,
                )
            )
        return sets

    def aws_lists(self) -> set[str]:
        return {p.aws_list for p in self.params if p.aws_list}

    def _value(self, p: Param, raw):
        if p.kind == "iplist":
            items = [item.strip() for item in (raw or "").replace("\n", ",").split(",") if item.strip()]
            return items or None
        if p.kind == "bool":
            return bool(raw)
        if raw in (None, ""):
            return None
        return raw.strip() if isinstance(raw, str) else raw

    def clean(self):
        cleaned = super().clean()
        parameters = {k: v for k, v in self.stored.items() if k not in {p.name for p in self.params}}
        for p in self.params:
            value = self._value(p, cleaned.get(f"c-{p.name}"))
            # A value left at the product's default is not written out, unless it was before.
            if value is not None and (p.kind == "bool" or value != p.default or p.name in self.stored):
                parameters[p.name] = value
        server_parameters = {}
        for server in self.servers if self.per_server else ():
            if cleaned.get(f"s{server.pk}-individual"):
                values = {}
                for p in self.per_server:
                    value = self._value(p, cleaned.get(f"s{server.pk}-{p.name}"))
                    if value is not None:
                        values[p.name] = value
                server_parameters[server.name] = values
        self.parameters, self.server_parameters = parameters, server_parameters
        by_name = {s.name: server_parameters.get(s.name, {}) for s in self.servers}
        problems = self.spec.validate(self.object_name, parameters, by_name)
        if self.ctx is not None and not problems and self.spec.form_checks:
            typed = TypedObject(
                type=self.spec.code,
                name=self.object_name,
                spec=self.spec,
                parameters=frozen(parameters),
                servers=frozen(by_name),
            )
            problems = [
                p
                for p in self.spec.check_aws(typed, self.ctx)
                if p.check in self.spec.form_checks and p.severity == "error"
            ]
        about: dict[tuple, list[str]] = {}  # one message per field and text, naming every server it concerns
        for problem in problems:
            field = self._field_of(problem)
            if field in self.errors:  # its own value was refused already ("less than or equal to 65535")
                continue
            servers = about.setdefault((field, self.error_text(problem)), [])
            if problem.server and not (field or "").startswith("s"):  # not on the server's own tab: name it
                servers.append(problem.server)
        for (field, text), servers in about.items():
            self.add_error(field, f"{', '.join(servers)}: {text}" if servers else text)
        return cleaned

    @staticmethod
    def error_text(problem) -> str:
        """A problem as a sentence that keeps its subject ("EIP ALLOCATION ID is required. Enter ...")."""
        message = problem.message
        if message.split(" ", 1)[0] in ("is", "are", "must", "has"):
            message = f"{problem.field} {message}"
        return f"{message} {problem.fix}".strip()

    def _field_of(self, problem) -> str | None:
        param = next((p for p in self.params if p.label == problem.field), None)
        if param is None:
            return None
        server = next((s for s in self.servers if s.name == problem.server), None)
        if server is not None and param.per_server and self.cleaned_data.get(f"s{server.pk}-individual"):
            return f"s{server.pk}-{param.name}"
        return f"c-{param.name}"
