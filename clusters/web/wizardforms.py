"""Forms of the cluster generation wizard and of the config-mode pages it shares, in the guide's words."""

from ipaddress import ip_address

from django import forms

from clusters.aws.account import AwsAccount
from clusters.models import Cluster, FailoverGroup, ForcedStop, InterconnectAddress, object_name
from clusters.operation import groups, recovery
from monitors.models import MonitorResource
from monitors.registry import MONITOR_TYPES
from resources.models import GroupResource
from resources.registry import RESOURCE_TYPES


class ClusterForm(forms.ModelForm):
    class Meta:
        model = Cluster
        fields = ["name", "language", "comment"]

    def clean_name(self):
        name = self.cleaned_data["name"]
        taken = Cluster.objects.filter(name__iexact=name).exclude(pk=self.instance.pk).first()
        if taken is not None:
            raise forms.ValidationError(f"A cluster named {taken.name} exists already: choose another Cluster Name.")
        return name


class ServerAddForm(forms.Form):
    name = forms.CharField(label="Server Name", max_length=63, validators=[object_name])
    address = forms.GenericIPAddressField(
        label="IP Address", protocol="IPv4", help_text="The instance's private IP address."
    )

    def __init__(self, *args, cluster: Cluster, **kwargs):
        self.cluster = cluster
        super().__init__(*args, **kwargs)

    def clean_name(self):
        name = self.cleaned_data["name"]
        if self.cluster.servers.filter(name__iexact=name).exists():
            raise forms.ValidationError(f"Server {name} is already in the cluster; server names must be unique.")
        return name

    def clean_address(self):
        address = self.cleaned_data["address"]
        taken = InterconnectAddress.objects.filter(interconnect__cluster=self.cluster, address=address)
        owner = taken.select_related("server").first()
        if owner is not None:
            raise forms.ValidationError(
                f"{address} is the IP address of {owner.server.name} already: enter this server's own private IP "
                "address."
            )
        account = AwsAccount()
        cidrs = account.vpc_cidrs()
        if account.readable("vpcs") and cidrs and not any(ip_address(address) in cidr for cidr in cidrs):
            raise forms.ValidationError(
                f"{address} is outside the VPC ({', '.join(sorted({str(c) for c in cidrs}))}): enter the private "
                "IP address of the server's instance."
            )
        return address


class InterconnectForm(forms.Form):
    """The Interconnect table: an address per server on each row, and its MDC."""

    def __init__(self, *args, interconnects, servers, addresses, **kwargs):
        self.rows = []
        super().__init__(*args, **kwargs)
        mdc_choices = [("", "Do Not Use")] + [(f"mdc{i + 1}", f"mdc{i + 1}") for i in range(len(interconnects))]
        for ic in interconnects:
            cells = []
            for server in servers:
                key = f"ic{ic.pk}-s{server.pk}"
                self.fields[key] = forms.GenericIPAddressField(
                    label=f"{server.name} IP Address (interconnect {ic.priority + 1})",
                    protocol="IPv4",
                    required=False,
                    initial=addresses.get((ic.pk, server.pk), ""),
                )
                cells.append(self[key])
            self.fields[f"ic{ic.pk}-mdc"] = forms.ChoiceField(
                label=f"MDC (interconnect {ic.priority + 1})", choices=mdc_choices, required=False, initial=ic.mdc
            )
            self.rows.append((ic, cells, self[f"ic{ic.pk}-mdc"]))
        self.servers = servers

    def clean(self):
        cleaned = super().clean()
        for _, cells, _ in self.rows:
            owners: dict[str, str] = {}
            for cell, server in zip(cells, self.servers, strict=True):
                address = cleaned.get(cell.name)
                if not address and cell.name not in self.errors:
                    self.add_error(cell.name, f"Enter {server.name}'s IP address on this interconnect.")
                elif address in owners:
                    self.add_error(
                        cell.name,
                        f"{address} is {owners[address]}'s address on this interconnect: enter {server.name}'s own.",
                    )
                elif address:
                    owners[address] = server.name
        return cleaned


class ObjectStorageForm(forms.Form):
    platform = forms.ChoiceField(label="Platform", choices=[("s3", "Amazon S3")])
    bucket = forms.CharField(label="Bucket Name", max_length=63, widget=forms.TextInput(attrs={"list": "aws-buckets"}))


class WitnessForm(forms.Form):
    host = forms.CharField(label="Target Host", max_length=255)
    port = forms.IntegerField(label="Service Port", min_value=1, max_value=65535, initial=80)


class FencingForm(forms.Form):
    kind = forms.ChoiceField(label="Type", choices=ForcedStop.Kind.choices, required=False)

    def __init__(self, *args, servers, instance_ids, **kwargs):
        super().__init__(*args, **kwargs)
        self.servers = servers
        for server in servers:
            self.fields[f"s{server.pk}"] = forms.CharField(
                label="Instance ID",
                required=False,
                initial=instance_ids.get(server.pk, ""),
                widget=forms.TextInput(attrs={"list": "aws-instances", "autocomplete": "off"}),
            )

    def per_server(self):
        return [(server, self[f"s{server.pk}"]) for server in self.servers]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("kind") == ForcedStop.Kind.AWS:
            for server in self.servers:
                value = (cleaned.get(f"s{server.pk}") or "").strip()
                if not value.startswith("i-"):
                    self.add_error(f"s{server.pk}", f"Enter the AWS instance ID of {server.name} (i-...).")
        return cleaned


class GroupDefinitionForm(forms.ModelForm):
    class Meta:
        model = FailoverGroup
        fields = ["name", "comment"]

    def __init__(self, *args, cluster, **kwargs):
        self.cluster = cluster
        super().__init__(*args, **kwargs)

    def clean_name(self):
        name = self.cleaned_data["name"]
        if self.cluster.groups.filter(name=name).exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(f"A group named {name} exists already; group names must be unique.")
        return name


class StartupServersForm(forms.Form):
    servers = forms.ModelMultipleChoiceField(
        label="Servers that can run the group",
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="None selected: every server can run the group, in the servers' order.",
    )

    def __init__(self, *args, cluster, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["servers"].queryset = cluster.servers.all()


class GroupAttributesForm(forms.ModelForm):
    class Meta:
        model = FailoverGroup
        fields = ["startup", "failover", "failback"]


class ResourceDefinitionForm(forms.Form):
    type = forms.ChoiceField(label="Type")
    name = forms.CharField(label="Name", max_length=31, validators=[object_name])
    comment = forms.CharField(label="Comment", max_length=127, required=False)

    def __init__(self, *args, cluster, instance: GroupResource | None = None, **kwargs):
        self.cluster, self.instance = cluster, instance
        super().__init__(*args, **kwargs)
        self.fields["type"].choices = RESOURCE_TYPES.choices(cluster.server_os)
        if instance is not None and instance.type not in dict(self.fields["type"].choices):
            self.fields["type"].choices += [(instance.type, instance.type_spec.label)]  # imported from another OS
        if instance is not None:
            self.fields["type"].disabled = True  # a resource keeps its type

    def clean_name(self):
        name = self.cleaned_data["name"]
        taken = self.cluster.resources.filter(name=name)
        if self.instance is not None:
            taken = taken.exclude(pk=self.instance.pk)
        if taken.exists():
            raise forms.ValidationError(f"A group resource named {name} exists already; names must be unique.")
        return name


class DependencyForm(forms.Form):
    follow_default = forms.BooleanField(label="Follow the default dependency", required=False, initial=True)
    depends_on = forms.ModelMultipleChoiceField(
        label="Dependent Resources", queryset=None, required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, resource: GroupResource, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["depends_on"].queryset = resource.group.resources.exclude(pk=resource.pk)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("follow_default"):
            cleaned["depends_on"] = []
        return cleaned


def _keep_defaults_unstated(cleaned: dict, stored: dict, defaults: dict) -> None:
    """A value the product applies by default is shown filled in; left at it, it stays unstated (a file that left
    it out is written back as it was)."""
    for field, default in defaults.items():
        if stored.get(field) in (None, "") and cleaned.get(field) in (default, str(default)):
            cleaned[field] = "" if isinstance(default, str) else None


class RecoveryOperationForm(forms.ModelForm):
    """Recovery Operation: each blank value is shown as the default the engine applies (clusters.operation.groups)."""

    DEFAULTS = {
        "act_retry": groups.ACT_RETRY,
        "act_failover": groups.ACT_FAILOVER,
        "act_final_action": str(groups.ACT_FINAL),
        "deact_retry": groups.DEACT_RETRY,
        "deact_final_action": str(groups.DEACT_FINAL),
    }

    class Meta:
        model = GroupResource
        fields = ["act_retry", "act_failover", "act_final_action", "deact_retry", "deact_final_action"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.stored = {field: getattr(self.instance, field) for field in self.DEFAULTS}
        for field, default in self.DEFAULTS.items():
            if self.stored[field] in (None, ""):
                self.initial[field] = default

    def clean(self):
        cleaned = super().clean()
        _keep_defaults_unstated(cleaned, self.stored, self.DEFAULTS)
        return cleaned


class MonitorDefinitionForm(forms.Form):
    type = forms.ChoiceField(label="Type")
    name = forms.CharField(label="Name", max_length=31, validators=[object_name])
    comment = forms.CharField(label="Comment", max_length=127, required=False)

    def __init__(self, *args, cluster, instance: MonitorResource | None = None, **kwargs):
        self.cluster, self.instance = cluster, instance
        super().__init__(*args, **kwargs)
        self.fields["type"].choices = MONITOR_TYPES.choices()
        if instance is not None:
            self.fields["type"].disabled = True

    def clean_name(self):
        name = self.cleaned_data["name"]
        taken = self.cluster.monitors.filter(name=name)
        if self.instance is not None:
            taken = taken.exclude(pk=self.instance.pk)
        if taken.exists():
            raise forms.ValidationError(f"A monitor resource named {name} exists already; names must be unique.")
        return name


class MonitorCommonForm(forms.ModelForm):
    class Meta:
        model = MonitorResource
        fields = ["interval", "timeout", "retry_count", "wait_to_start", "monitor_timing", "target_resource"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        spec = self.instance.type_spec
        resources = self.instance.cluster.resources.all()
        if spec.target_types:
            resources = resources.filter(type__in=spec.target_types)
        self.fields["target_resource"].queryset = resources

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("monitor_timing") == "active" and not cleaned.get("target_resource"):
            self.add_error("target_resource", "Monitor Timing is Active: choose the Target Resource to watch.")
        if cleaned.get("timeout") and cleaned.get("interval") is not None and cleaned["timeout"] < 1:
            self.add_error("timeout", "Enter a Timeout of 1 second or more.")
        return cleaned


class RecoveryActionForm(forms.Form):
    target = forms.ChoiceField(label="Recovery Target")
    restart_threshold = forms.IntegerField(
        label="Maximum Reactivation Count", min_value=0, max_value=99, required=False
    )
    failover_threshold = forms.IntegerField(label="Maximum Failover Count", min_value=0, max_value=99, required=False)
    final_action = forms.ChoiceField(label="Final Action", choices=MonitorResource.FinalAction.choices, required=False)

    def __init__(self, *args, monitor: MonitorResource, **kwargs):
        cluster = monitor.cluster
        super().__init__(*args, **kwargs)
        self.stored = {f: getattr(monitor, f) for f in ("restart_threshold", "failover_threshold", "final_action")}
        self.fields["target"].choices = (
            [("cls:", "LocalServer")]
            + [(f"grp:{g.pk}", f"{g.name} (group)") for g in cluster.groups.all()]
            + [(f"rsc:{r.pk}", f"{r.name} (resource)") for r in cluster.resources.all()]
        )
        pk = {"rsc": monitor.recovery_resource_id, "grp": monitor.recovery_group_id}.get(monitor.recovery_target, "")
        self.initial.setdefault("target", f"{monitor.recovery_target}:{pk or ''}")
        for field, default in self.defaults(monitor.recovery_target).items():  # blank: the engine's default, shown
            value = self.stored[field]
            self.initial.setdefault(field, default if value in (None, "") else value)

    @staticmethod
    def defaults(target: str) -> dict:
        """What the engine applies where a value is not stated (clusters.operation.recovery)."""
        return {
            "restart_threshold": recovery.DEFAULT_RESTARTS if target != "cls" else 0,
            "failover_threshold": recovery.DEFAULT_FAILOVERS,
            "final_action": recovery.DEFAULT_FINAL,
        }

    def clean(self):
        cleaned = super().clean()
        _keep_defaults_unstated(cleaned, self.stored, self.defaults(cleaned.get("target", "").partition(":")[0]))
        return cleaned

    def changes(self, cluster) -> dict:
        kind, _, pk = self.cleaned_data["target"].partition(":")
        return {
            "recovery_target": kind,
            "recovery_resource": cluster.resources.get(pk=pk) if kind == "rsc" else None,
            "recovery_group": cluster.groups.get(pk=pk) if kind == "grp" else None,
            "restart_threshold": self.cleaned_data.get("restart_threshold"),
            "failover_threshold": self.cleaned_data.get("failover_threshold"),
            "final_action": self.cleaned_data.get("final_action") or "",
        }
