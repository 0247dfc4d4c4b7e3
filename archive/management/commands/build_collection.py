"""Compile an editorial catalogue folder into a loaddata fixture."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from archive.collection import CatalogueError, compile_collection


class Command(BaseCommand):
    help = "Compile a catalogue (TOML files and texts, see docs/collections.md) into a fixture."

    def add_arguments(self, parser):
        parser.add_argument("folder", type=Path, help="Catalogue folder, e.g. fixtures/openai-2023")
        parser.add_argument(
            "--output", "-o", type=Path, help="Fixture to write (default: <folder>.json)"
        )

    def handle(self, *args, folder: Path, output: Path | None, **options):
        if not folder.is_dir():
            raise CommandError(f"{folder} is not a folder")
        try:
            rows = compile_collection(folder)
        except CatalogueError as error:
            raise CommandError(str(error)) from error
        output = output or folder.with_suffix(".json")
        output.write_text(json.dumps(rows, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        counts: dict[str, int] = {}
        for row in rows:
            counts[row["model"]] = counts.get(row["model"], 0) + 1
        summary = ", ".join(f"{n} {model.split('.')[1]}" for model, n in counts.items())
        self.stdout.write(f"Wrote {output}: {summary}")
