"""Build the demo municipality Musterwil: pages, people, organisations (idempotent)."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from account.demo_clients import DEMO_REDIRECT_URI, ensure_demo_client
from account.demo_users import DEMO_PASSWORD, ensure_demo_organisations, ensure_demo_users
from home.demo_content import ensure_demo_site
from integrations.demo_content import (
    demo_endpoint,
    ensure_demo_application,
    ensure_demo_school_application,
    ensure_demo_utility_application,
)
from schools.demo_content import ensure_demo_school
from services.demo_content import ensure_demo_services
from utilities import demo_content as utility_demo


class Command(BaseCommand):
    help = "Create or refresh the demo municipality Musterwil with its demo users (password: musterwil-demo)."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="Run even with DEBUG=False (never on a live site).")

    def handle(self, *args, force=False, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "seed_demo creates accounts with a published password and refuses to run with DEBUG=False. "
                "Use --force only on a throw-away installation."
            )
        with transaction.atomic():
            home = ensure_demo_site()
            users = ensure_demo_users()
            organisations = ensure_demo_organisations(users)
            services = ensure_demo_services(home, users, organisations)
            school = ensure_demo_school(home, users)
            application, token = ensure_demo_application()
            school_application, school_token = ensure_demo_school_application()
            utility = utility_demo.ensure_demo_utilities(users)
            utility_application, utility_token = ensure_demo_utility_application()
            login_client = ensure_demo_client()
        self.stdout.write(self.style.SUCCESS(f"Musterwil is ready at the site root ({home.title})."))
        self.stdout.write(f"Demo users ({len(users)}), password '{DEMO_PASSWORD}':")
        for user in users.values():
            self.stdout.write(f"  {user.email}")
        self.stdout.write(f"Organisations: {', '.join(sorted(organisations))}")
        self.stdout.write(
            f"Services: {len(services['pages'])} service pages; {len(services['created_cases'])} demo cases created."
        )
        self.stdout.write(f"Specialist application '{application.name}' (all demo services), API token: {token}")
        self.stdout.write("  reference client on the pull feed: make client")
        endpoint = demo_endpoint(application)
        if endpoint is not None:
            state = "active" if endpoint.is_active else "inactive; docs/integration.md says how to switch it on"
            self.stdout.write(f"  webhook endpoint {endpoint.url} ({state}); receive its webhooks with")
            self.stdout.write(
                f"    .venv/bin/python -m integrations.client --token {token} listen --secret {endpoint.secret} --ask"
            )
        self.stdout.write(
            f"Specialist application '{school_application.name}' (school records, absence events), "
            f"API token: {school_token}"
        )
        self.stdout.write("  guide: docs/integration.md")
        self.stdout.write(
            f"School: {school['school'].name} with classes {', '.join(sorted(school['classes']))}; "
            "parents, teachers and students find it under /account/school/; guide: docs/schools.md"
        )
        if utility:
            to_try = utility["to_try"]
            self.stdout.write(
                f"Utility: customer account {utility['customer'].customer_number} of {users['customer'].email} "
                f"({utility['written']} meter readings added); guide: docs/utilities.md"
            )
            if to_try.is_linked:
                self.stdout.write(f"  customer account {to_try.customer_number} has been linked by someone already")
            else:
                self.stdout.write(
                    f"  link customer account {to_try.customer_number} under /account/utilities/ with the "
                    f"activation code {utility_demo.DEMO_ACTIVATION_CODE}"
                )
        self.stdout.write(
            f"Specialist application '{utility_application.name}' (destination "
            f"'{utility_application.destinations}', utility records and meter readings), API token: {utility_token}"
        )
        self.stdout.write(
            f"Login client '{login_client.name}' for apps (public, PKCE): client id {login_client.id}, "
            f"redirect {DEMO_REDIRECT_URI}; guide: docs/login-and-privacy.md"
        )
