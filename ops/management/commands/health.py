"""`manage.py health`: the readiness checks of /readyz, printed for an operator.

Exit status 0 when every check passes, 1 otherwise, so that it can serve as a systemd
`ExecStartPost=` / cron / monitoring probe. `--json` prints the body /readyz would answer.
"""
import json

from django.core.management.base import BaseCommand, CommandError

from shahe_afterschool import health


class Command(BaseCommand):
    help = "Check the database, Redis (when REDIS_URL is set) and, when configured, a Celery worker."

    def add_arguments(self, parser):
        parser.add_argument("--timeout", type=float, default=None, help="seconds per check (HEALTH_CHECK_TIMEOUT)")
        parser.add_argument("--celery", action="store_true", help="also ping a Celery worker, even if not configured")
        parser.add_argument("--json", action="store_true", help="print the JSON body of /readyz")

    def handle(self, *args, timeout=None, celery=False, json=False, **options):
        checks = health.enabled_checks()
        if celery:
            checks["celery"] = health.check_celery
        results = health.run_checks(timeout=timeout, checks=checks)
        ready = all(result.ok for result in results)
        if json:
            body = {"status": "ok" if ready else "unavailable", "checks": {r.name: r.as_json() for r in results}}
            self.stdout.write(_dumps(body))
        else:
            for result in results:
                status = self.style.SUCCESS("ok  ") if result.ok else self.style.ERROR("FAIL")
                error = f"  {result.error}" if result.error else ""
                self.stdout.write(f"{status} {result.name:<10} {result.ms:>8.1f} ms{error}")
        if not ready:
            raise CommandError("not ready: " + ", ".join(r.name for r in results if not r.ok), returncode=1)


def _dumps(body):
    return json.dumps(body, ensure_ascii=False)
