"""Ask the configured witnesses (AURIC_PROVENANCE_WITNESSES) to cosign the latest checkpoint."""

from typing import Any

from django.core.management.base import BaseCommand

from auric.provenance.witnessing import collect_cosignatures


class Command(BaseCommand):
    help = "Collect witness cosignatures (C2SP tlog-witness) on the latest checkpoint."

    def handle(self, *args: Any, **options: Any) -> None:
        results = collect_cosignatures()
        if not results:
            self.stdout.write("no witnesses configured, or the log is empty")
        for name, cosigned in sorted(results.items()):
            self.stdout.write(f"{name}: {'cosigned' if cosigned else 'refused or unreachable'}")
