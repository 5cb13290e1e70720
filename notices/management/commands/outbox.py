"""`manage.py outbox [--to PHONE] [--last N]`: the messages the outbox kept (no provider configured),
newest last, e.g. to read the sign-in code that was "sent" to a phone in the demo."""
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from notices.selectors import outbox_messages


class Command(BaseCommand):
    help = "Print the messages kept in the outbox (development and demo: no SMS or WeChat provider configured)."

    def add_arguments(self, parser):
        parser.add_argument("--to", default="", help="a phone number (any form) or a WeChat openid")
        parser.add_argument("--last", type=int, default=10, help="how many messages (the newest)")

    def handle(self, *args, **options):
        if options["last"] < 1:
            raise CommandError("--last must be at least 1")
        rows = list(outbox_messages(to=options["to"])[: options["last"]])
        if not rows:
            self.stdout.write("(no messages)")
        for row in reversed(rows):
            at = timezone.localtime(row.created_at).strftime("%Y-%m-%d %H:%M:%S")
            self.stdout.write(f"{at}  {row.channel:6}  {row.to}  {row.text}")
