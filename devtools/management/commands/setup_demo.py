import json

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.utils import timezone

from devtools.demo import demo_create, demo_exists
from goals.selectors import strategy_current

STRATEGY_FILE = settings.BASE_DIR / "fixtures" / "strategy_mariagerfjord.json"
DEMO_FILE = settings.BASE_DIR / "fixtures" / "demo.json"


class Command(BaseCommand):
    help = "Load the Mariagerfjord strategy and the demo data, once; safe to run again."

    def handle(self, *args, **options):
        call_command("load_strategy", STRATEGY_FILE, stdout=self.stdout)
        document = json.loads(DEMO_FILE.read_text(encoding="utf-8"))
        if demo_exists(document=document):
            self.stdout.write("Demo data already present.")
        else:
            summary = demo_create(
                document=document, strategy=strategy_current(), now=timezone.now()
            )
            self.stdout.write(
                self.style.SUCCESS(
                    f"DEMO data created: {summary.institutions} institutions, "
                    f"{summary.users} users, {summary.progress_changes} progress changes."
                )
            )
        self.stdout.write(f"\nDemo logins (password for all: {document['password']}):")
        for user in document["users"]:
            memberships = ", ".join(
                f"{role} at {name}" for name, role in user.get("memberships", [])
            )
            role = "superuser" if user.get("superuser") else user["role"]
            self.stdout.write(f"  {user['email']:<30} {role} {memberships}".rstrip())
