"""First run of `make run`: load the seed collection into an empty database, add a demo editor."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from sources.models import Source

DEMO_USERNAME = "editor"
DEMO_PASSWORD = "archive-demo"  # noqa: S105 (a documented local demo account, refused unless DEBUG)


class Command(BaseCommand):
    help = "Load the seed collection if the database has no sources, and create the demo editor."

    def add_arguments(self, parser):
        parser.add_argument(
            "--fixture", default="openai-2023", help="Collection to load when empty"
        )

    def handle(self, *args, fixture, **options):
        if not settings.DEBUG:
            raise CommandError("setup_demo creates a known password: run it only with DEBUG=1")
        if Source.objects.exists():
            self.stdout.write("The database already holds sources: nothing loaded.")
        else:
            call_command("loaddata", fixture, verbosity=options["verbosity"])
        user, created = get_user_model().objects.get_or_create(
            username=DEMO_USERNAME, defaults={"is_staff": True, "email": "editor@example.org"}
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
            # The demo shows the whole workflow: Publishers may also publish.
            user.groups.add(Group.objects.get(name="Publishers"))
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo editor: username {DEMO_USERNAME!r}, password {DEMO_PASSWORD!r}, "
                "in the Publishers group (log in at http://127.0.0.1:8000/admin/)"
            )
        )
