import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Create the first Administrator when there is no user yet, and print its login once."

    def add_arguments(self, parser):
        parser.add_argument("--username", default="admin")

    def handle(self, *args, username, **options):
        User = get_user_model()
        if User.objects.exists():
            return
        password = secrets.token_urlsafe(12)
        user = User.objects.create_superuser(username=username, email="", password=password)
        user.groups.add(Group.objects.get_or_create(name="Administrator")[0])
        self.stdout.write(
            self.style.SUCCESS(
                f"First administrator created. User Name: {username}  Password: {password}\n"
                "This password is shown only once; change it after signing in."
            )
        )
