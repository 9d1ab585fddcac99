"""Check the stored log against itself (entries, tree nodes, checkpoints); exit 1 on any problem."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from auric.provenance.audit import audit


class Command(BaseCommand):
    help = "Audit the provenance log: entry hashes and signatures, tree nodes, signed checkpoints."

    def handle(self, *args: Any, **options: Any) -> None:
        report = audit(progress=lambda step: self.stdout.write(f"checking {step}…"))
        for problem in report.problems:
            self.stderr.write(problem)
        summary = (
            f"{report.entries} entries, {report.nodes} interior nodes, {report.checkpoints} checkpoints "
            f"(tree size {report.size})"
        )
        if not report.ok:
            raise CommandError(f"{len(report.problems)} problem(s) in {summary}")
        self.stdout.write(self.style.SUCCESS(f"log verified: {summary}"))
