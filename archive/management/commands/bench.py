"""The performance benchmark of issue 6, run against an empty, migrated database.

`make bench` creates a scratch database per engine, migrates it, runs this command and
drops it. The command loads the seed collection (timed), builds the synthetic collection,
times the pages, search, re-anchoring and, with gunicorn and wrk, throughput under load,
and prints markdown tables (docs/performance.md explains them).
"""

import json
import os
import time
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils.text import slugify

from archive.benchmarking import load, report, scenarios
from archive.benchmarking.measure import PageClient, Result, profile
from archive.benchmarking.synthetic import Sizes, check, generate
from sources.models import Source

#: Throughput of the reader as a share of the minimal view's, without and with caching.
LOAD_TARGETS = {False: 0.3, True: 0.9}


class Command(BaseCommand):
    help = "Benchmark the archive on a synthetic collection (needs an empty database)."

    def add_arguments(self, parser):
        parser.add_argument("--scale", type=float, default=1.0, help="1 = the issue's sizes")
        for name, what in (
            ("articles", "articles"),
            ("words", "words per article"),
            ("annotations-per-article", "annotations per article"),
            ("people", "people"),
            ("events", "events"),
            ("quotes", "quotes"),
            ("star-mentions", "mentions of the most-mentioned person"),
        ):
            parser.add_argument(f"--{name}", type=int, help=f"number of {what} (overrides scale)")
        parser.add_argument("--seed", type=int, default=2023, help="of the generator")
        parser.add_argument(
            "--no-analyze",
            action="store_true",
            help="skip ANALYZE after generating: measure without planner statistics",
        )
        parser.add_argument("--repeat", type=int, default=20, help="timed runs per page")
        parser.add_argument("--warmup", type=int, default=3, help="untimed runs first")
        parser.add_argument("--skip-load", action="store_true", help="no gunicorn/wrk test")
        parser.add_argument(
            "--load-only", action="store_true", help="only loaddata and the load test"
        )
        parser.add_argument("--load-seconds", type=int, default=30)
        parser.add_argument("--connections", type=int, default=32)
        parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
        parser.add_argument("--redis-url", default="", help="cache of the cached load test")
        parser.add_argument("--output", help="also append the markdown report to this file")
        parser.add_argument("--json", action="store_true", help="print JSON, not markdown")
        parser.add_argument(
            "--profile", metavar="DIR", help="write a pyinstrument profile of each missed target"
        )

    def handle(self, *args, **options):
        self.refuse_unless_empty()
        if settings.DEBUG:
            self.stderr.write("DEBUG is on: timings include query logging (make bench sets 0).")
        if os.environ.get("ARCHIVE_CACHE", "") != "0":
            self.stderr.write("ARCHIVE_CACHE is not 0: in-process timings may be of the cache.")
        sizes = Sizes.scaled(
            options["scale"],
            articles=options["articles"],
            words=options["words"],
            annotations_per_article=options["annotations_per_article"],
            people=options["people"],
            events=options["events"],
            quotes=options["quotes"],
            star_mentions=options["star_mentions"],
        )
        try:
            sizes.check()
        except ValueError as error:
            raise CommandError(str(error)) from error
        machine = report.machine()
        call_command("collectstatic", interactive=False, verbosity=0)  # DEBUG off needs it

        self.say("Loading the seed collection")
        loading, seed_slug = scenarios.load_seed()
        self.say(f"Building the synthetic collection: {sizes}")
        collection = generate(
            sizes, seed=options["seed"], analyze=not options["no_analyze"], log=self.say
        )
        problems = check(collection)
        if problems:
            raise CommandError("The synthetic collection is broken: " + "; ".join(problems[:10]))
        self.say(f"Built in {collection.seconds['total']:.0f} s: {dict(collection.counts)}")

        results, others, search_rows = [loading], [], []
        if not options["load_only"]:
            results, others, search_rows = self.time_in_process(
                collection, seed_slug, options["repeat"], options["warmup"]
            )
            results.append(loading)

        if options["profile"]:
            self.write_profiles(results, Path(options["profile"]))

        load_results = []
        if not options["skip_load"]:
            self.say(
                f"Load test: {options['connections']} connections, {options['load_seconds']} s"
            )
            load_results = load.load_test(
                {"Reader, longest seed article": f"/sources/{seed_slug}/"},
                database_url=_database_url(),
                seconds=options["load_seconds"],
                connections=options["connections"],
                workers=options["workers"],
                redis_url=options["redis_url"],
            )
        machine["load average at end"] = report.load_average()
        if options["json"]:
            self.stdout.write(
                json.dumps(
                    {
                        "machine": machine,
                        "sizes": vars(sizes),
                        "generation_seconds": collection.seconds,
                        "counts": dict(collection.counts),
                        "results": [r.as_dict() for r in results + others],
                        "search": search_rows,
                        "load": [vars(r) for r in load_results],
                    },
                    indent=2,
                )
            )
            return
        text = self.markdown(machine, collection, results, others, search_rows, load_results)
        self.stdout.write(text)
        if options["output"]:
            with open(options["output"], "a", encoding="utf-8") as out:
                out.write(text + "\n")

    def time_in_process(self, collection, seed_slug: str, repeat: int, warmup: int):
        few = max(3, repeat // 4)
        client = PageClient()
        self.say("Timing pages")
        results = scenarios.pages(client, collection, seed_slug, repeat=repeat, warmup=warmup)
        self.say("Timing search")
        page, direct, search_rows = scenarios.searches(
            client, collection.queries, repeat=few, warmup=1
        )
        self.say("Timing other pages")
        others = scenarios.other_pages(client, collection, repeat=few)
        self.say("Timing re-anchoring")
        reanchor = scenarios.reanchoring(collection.dense, repeat=few)
        return [*results, page, direct, reanchor], others, search_rows

    def refuse_unless_empty(self):
        count = Source.objects.count()
        if count:
            name = connection.settings_dict["NAME"]
            raise CommandError(
                f"The benchmark needs an empty, migrated database, and {name} holds {count} "
                "sources. Point DATABASE_URL at a scratch database (make bench does this)."
            )

    def write_profiles(self, results: list[Result], folder: Path):
        folder.mkdir(parents=True, exist_ok=True)
        missed = [r for r in results if r.passed is False and r.call is not None]
        for number, result in enumerate(missed, start=1):
            path = folder / f"{connection.vendor}-{number}-{slugify(result.scenario)[:60]}.txt"
            path.write_text(f"{result.scenario}\n\n{profile(result.call)}", encoding="utf-8")
            self.say(f"Profile of a missed target: {path}")

    def say(self, message: str):
        self.stderr.write(f"[{time.strftime('%H:%M:%S')}] {message}")

    def markdown(self, machine, collection, results: list[Result], others, rows, load_results):
        sizes = collection.sizes
        seconds = collection.seconds
        parts = [
            f"### {connection.vendor}: {report.command_line()}",
            "",
            report.machine_lines(machine),
            "",
            f"Collection: {sizes.articles:,} articles of about {sizes.words:,} words with "
            f"{sizes.annotations_per_article} annotations each, {sizes.people:,} people, "
            f"{sizes.events:,} events, {sizes.quotes:,} quotes; plus the seed collection and "
            f"two articles of {sizes.special_words:,} words with {sizes.dense_annotations:,} "
            f"and {sizes.sparse_annotations} annotations: "
            f"{collection.counts['annotations']:,} synthetic annotations in all. Generated in "
            f"{seconds['total']:.0f} s ({seconds['articles']:.0f} s writing, "
            f"{seconds['search index']:.0f} s rebuilding the search index, "
            + (
                f"{seconds['analyze']:.1f} s for ANALYZE)."
                if "analyze" in seconds
                else "no ANALYZE: the planner has no statistics)."
            ),
            "",
            report.results_table(results),
        ]
        if others:
            parts += ["", "Other pages (no target):", "", report.results_table(others)]
        if rows:
            parts += ["", "Search, query by query:", "", report.search_table(rows)]
        if load_results:
            parts += ["", "Under load:", "", report.load_table(load_results, targets=LOAD_TARGETS)]
        return "\n".join(parts) + "\n"


def _database_url() -> str:
    """The URL gunicorn needs to reach this very database."""
    url = os.environ.get("DATABASE_URL")
    if url:
        return url
    if connection.vendor == "sqlite":
        return f"sqlite:///{connection.settings_dict['NAME']}"
    raise CommandError("Set DATABASE_URL: the load test's gunicorn must use the same database")
