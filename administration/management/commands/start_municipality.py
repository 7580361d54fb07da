from django.core.exceptions import ValidationError
from django.core.management.base import CommandError
from django.utils import translation
from django.utils.translation import gettext as _

from administration.services import NotEmpty, municipality_start
from institutions.commands import MunicipalCommand
from institutions.services import invitation_link


class Command(MunicipalCommand):
    help = (
        "Start an empty installation for a municipality with its first consultant, and print "
        "the consultant's invitation link. Safe to run again."
    )

    def add_arguments(self, parser):
        parser.add_argument("--name", required=True, help='e.g. "Viborg Kommune"')
        parser.add_argument("--email", required=True, help="the first consultant's e-mail")
        parser.add_argument("--first-name", default="")
        parser.add_argument("--last-name", default="")
        parser.add_argument("--base-url", default="http://127.0.0.1:8000")

    def handle(self, *args, **options):
        base_url = options["base_url"].rstrip("/")
        with translation.override("da"):
            try:
                consultant = municipality_start(
                    name=" ".join(options["name"].split()),
                    email=options["email"].strip(),
                    first_name=options["first_name"],
                    last_name=options["last_name"],
                    base_url=base_url,
                )
            except NotEmpty as error:
                raise CommandError(str(error)) from error
            except ValidationError as error:
                raise CommandError("; ".join(error.messages)) from error
            if consultant.has_usable_password():
                self.stdout.write(
                    _("%(email)s has chosen a password: sign in at %(url)s")
                    % {"email": consultant.email, "url": base_url}
                )
                return
            self.stdout.write(
                self.style.SUCCESS(
                    _("%(email)s is invited. Choose a password with this link (it works once):")
                    % {"email": consultant.email}
                )
            )
            self.stdout.write(f"  {invitation_link(person=consultant, base_url=base_url)}")
            self.stdout.write(_("Then sign in: “Getting started” shows the next steps."))
