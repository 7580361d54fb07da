import json

from django.conf import settings
from django.core.management import call_command
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from devtools.demo import demo_create, demo_exists
from goals.selectors import strategy_current
from institutions.commands import MunicipalCommand
from institutions.models import Membership, User

STRATEGY_FILE = settings.BASE_DIR / "fixtures" / "strategy_mariagerfjord.json"
DEMO_FILE = settings.BASE_DIR / "fixtures" / "demo.json"


class Command(MunicipalCommand):
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
        with translation.override("da"):
            heading = _("Demo logins (password for all: %(password)s):")
            self.stdout.write("\n" + heading % {"password": document["password"]})
            for user in document["users"]:
                self.stdout.write(f"  {user['email']:<30} {_demo_role(user)}")


def _demo_role(user: dict) -> str:
    """The person's role as the app names it: "Udvalg", "Leder, Nordbakkeskolen"."""
    if user.get("superuser"):
        return str(_("Superuser"))
    memberships = user.get("memberships", [])
    if not memberships:
        return str(User.Role(user["role"]).label)
    return "; ".join(f"{Membership.Role(role).label}, {name}" for name, role in memberships)
