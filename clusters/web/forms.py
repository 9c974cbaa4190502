from django import forms

from clusters.aws.onprem import REPLACEMENTS, Choices
from clusters.clpconf.archive import MAX_ZIP_BYTES
from clusters.models import object_name
from clusters.operation.alertservice import validate_target
from clusters.runtime import AlertDestination


class ImportForm(forms.Form):
    file = forms.FileField(
        label="Configuration File",
        help_text="The zip that Export the Setting makes (clp.conf and scripts/), or a bare clp.conf.",
    )
    name = forms.CharField(
        label="Cluster Name",
        required=False,
        max_length=31,
        validators=[object_name],
        help_text="Leave empty to use the name in clp.conf.",
    )

    def __init__(self, *args, with_name: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if not with_name:
            del self.fields["name"]

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_ZIP_BYTES:
            raise forms.ValidationError(f"The file is {upload.size:,} bytes; the limit is {MAX_ZIP_BYTES:,}.")
        return upload


class OnPremToAwsForm(forms.Form):
    """Move to AWS: an EC2 instance per server, a replacement per floating IP, the AWS heartbeats."""

    bucket = forms.CharField(
        label="Bucket Name",
        max_length=63,
        widget=forms.TextInput(attrs={"list": "aws-buckets"}),
        help_text="The S3 bucket of the object storage heartbeat.",
    )
    witness_host = forms.CharField(
        label="Target Host",
        max_length=255,
        required=False,
        help_text="The witness server: witness heartbeat and HTTP NP resolution.",
    )
    witness_port = forms.IntegerField(label="Service Port", min_value=1, max_value=65535, initial=80)

    def __init__(self, *args, survey, **kwargs):

        super().__init__(*args, **kwargs)
        self.survey = survey
        for server in survey.servers:
            self.fields[f"instance-{server}"] = forms.CharField(
                label=f"Instance ID of {server}",
                max_length=32,
                help_text="Its private IP becomes the interconnect.",
                widget=forms.TextInput(attrs={"list": "aws-instances"}),
            )
        for fip in survey.floating_ips:
            self.fields[f"fip-{fip.name}-type"] = forms.ChoiceField(
                label=f"Replace {fip.name} ({fip.ip}) with", choices=[("", "—"), *REPLACEMENTS.items()]
            )
            for key, label, pick_list in (
                ("ip", "IP Address", ""),
                ("eipid", "EIP Allocation ID", "addresses"),
                ("hostedzoneid", "Hosted Zone ID", "hosted_zones"),
                ("recordset", "Resource Record Set Name", ""),
            ):
                self.fields[f"fip-{fip.name}-{key}"] = forms.CharField(
                    label=f"{label} for {fip.name}",
                    max_length=255,
                    required=False,
                    initial=fip.ip if key == "ip" else "",
                    widget=forms.TextInput(attrs={"list": f"aws-{pick_list}"} if pick_list else {}),
                )

    def server_fields(self):
        return [self[f"instance-{server}"] for server in self.survey.servers]

    def floating_ip_fields(self):
        return [(fip, [f for f in self if f.name.startswith(f"fip-{fip.name}-")]) for fip in self.survey.floating_ips]

    def choices(self):

        data = self.cleaned_data
        floating_ips = {}
        for fip in self.survey.floating_ips:
            prefix = f"fip-{fip.name}-"
            floating_ips[fip.name] = {k.removeprefix(prefix): v for k, v in data.items() if k.startswith(prefix) and v}
        return Choices(
            instances={s: data[f"instance-{s}"] for s in self.survey.servers},
            floating_ips=floating_ips,
            bucket=data["bucket"],
            witness_host=data.get("witness_host", ""),
            witness_port=data.get("witness_port") or 80,
        )


LOCAL_TIME = forms.DateTimeInput(attrs={"type": "datetime-local"})
LEVELS = [("", "Any"), ("info", "Info"), ("warning", "Warning"), ("error", "Error")]


class AlertFilterForm(forms.Form):
    """The alert log's filters; every field may stay empty."""

    server = forms.ChoiceField(label="Server", required=False)
    level = forms.ChoiceField(label="Level", required=False, choices=LEVELS)
    about = forms.CharField(label="Object or words", required=False, max_length=63)
    since = forms.DateTimeField(label="From", required=False, widget=LOCAL_TIME)
    until = forms.DateTimeField(label="To", required=False, widget=LOCAL_TIME)

    def __init__(self, *args, servers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["server"].choices = [("", "Any"), *((s, s) for s in servers)]


class AlertDestinationForm(forms.ModelForm):
    """Add a destination, or change one: a saved target is never shown again, so changing it is typing it anew
    (left empty, the saved one is kept)."""

    class Meta:
        model = AlertDestination
        fields = ["kind", "target", "min_level", "about"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["target"] = ""
            self.fields["target"].required = False
            self.fields["target"].help_text = (
                f"Now {self.instance.shown_target}. Type the whole target again to replace it; leave it empty to "
                "keep it."
            )

    def clean(self):
        data = super().clean()
        target = (data.get("target") or "").strip()
        if not target and self.instance.pk:
            target = self.instance.target  # not yet overwritten: the form's values are put on it after clean()
        if data.get("kind") and target:
            data["target"] = target
            try:
                validate_target(data["kind"], target)
            except forms.ValidationError as exc:
                self.add_error("target", exc)
        return data
