import getpass
import os

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from institutions.services import operator_save


class Command(BaseCommand):
    help = (
        "Make an e-mail address one of the platform's operators, who sign in on PLATFORM_HOST, "
        "add municipalities and see the platform's health; or give an operator a new password. "
        "The password is asked for, or read from OPERATOR_PASSWORD with --no-input; a new "
        "operator gets the secret of an authenticator app, whose code sign-in asks for too."
    )

    def add_arguments(self, parser):
        parser.add_argument("--email", required=True)
        parser.add_argument("--no-input", action="store_true", dest="no_input")

    def handle(self, *args, email: str, no_input: bool, **options):
        if no_input:
            password = os.environ.get("OPERATOR_PASSWORD", "")
        else:
            password = getpass.getpass("Password: ")
            if getpass.getpass("Password (again): ") != password:
                raise CommandError("The passwords differ.")
        with translation.override("da"):
            try:
                operator, authenticator_url = operator_save(email=email.strip(), password=password)
            except ValidationError as error:
                raise CommandError("; ".join(error.messages)) from error
        self.stdout.write(f"{operator.email} is an operator.")
        if authenticator_url:
            self.stdout.write(
                "Add this to the operator's authenticator app (it asks for its code at sign-in):"
            )
            self.stdout.write(f"  {authenticator_url}")
