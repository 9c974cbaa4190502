from django import forms

from .clpconf.archive import MAX_ZIP_BYTES
from .models import object_name


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
