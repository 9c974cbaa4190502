"""API tokens: how scripts (Lambda, SSM Automation, CI) sign in to the console's own API."""

from django.conf import settings
from django.db import models


class ApiToken(models.Model):
    """A user's token for the API; it acts with that user's role. Only its digest is stored."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField("Name", max_length=60, help_text="What uses it, e.g. lambda-failover-check")
    prefix = models.CharField(max_length=16, editable=False)  # shown so that the user recognises the token
    digest = models.CharField(max_length=64, unique=True, editable=False)  # SHA-256 of the token
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
