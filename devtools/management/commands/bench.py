import json
from pathlib import Path

from django.core.management.base import CommandError

from devtools.bench import bench_run
from institutions.commands import MunicipalCommand

# How much longer a page may take on the larger database (docs: the performance contract).
RATIO_LIMIT = 1.5


class Command(MunicipalCommand):
    help = (
        "Measure the main pages, the tick, the reports and the handleplan batch on the data "
        "present; print a table and write JSON. Run generate_scale first for Copenhagen scale."
    )

    def add_arguments(self, parser):
        parser.add_argument("--repeat", type=int, default=20, help="Requests per page.")
        parser.add_argument(
            "--report-repeat", type=int, default=3, help="Runs per report kind (median)."
        )
        parser.add_argument("--batch-limit", type=int, default=40, help="Plans in the batch.")
        parser.add_argument("--no-batch", action="store_true", help="Skip the batch.")
        parser.add_argument(
            "--no-worker", action="store_true", help="Skip the worker's peak memory."
        )
        parser.add_argument(
            "--mixed-seconds",
            type=float,
            default=20,
            help="Seconds of reading, quiet and with a tick a second from another process "
            "(0 skips it; it needs a database a second process can reach).",
        )
        parser.add_argument(
            "--compare-with",
            default="",
            metavar="DATABASE_URL",
            help="Another database (another size of municipality, migrated alike): the pages "
            "are measured on both, a round on each in turn, and compared page by page.",
        )
        parser.add_argument("--json", default="bench.json", help="Where to write the JSON.")

    def handle(self, *args, **options):
        if min(options["repeat"], options["report_repeat"], options["batch_limit"]) < 1:
            raise CommandError("--repeat, --report-repeat and --batch-limit must be at least 1.")
        try:
            result = bench_run(
                repeat=options["repeat"],
                report_repeat=options["report_repeat"],
                batch_limit=options["batch_limit"],
                batch=not options["no_batch"],
                worker=not options["no_worker"],
                mixed_seconds=options["mixed_seconds"],
                compare_with=options["compare_with"],
            )
        except RuntimeError as error:
            raise CommandError(str(error)) from error
        data = result.as_json()
        Path(options["json"]).write_text(json.dumps(data, indent=2), encoding="utf-8")
        self._table(data)
        self.stdout.write(f"JSON written to {options['json']}")

    def _table(self, data):
        write = self.stdout.write
        write("Data: " + ", ".join(f"{key} {value}" for key, value in data["data"].items()))
        write(f"{'page':<38}{'queries':>8}{'median ms':>11}{'p95 ms':>9}{'× bare':>8}{'KB':>8}")
        for page in data["pages"]:
            write(
                f"{page['name']:<38}{page['queries']:>8}{page['median_ms']:>11.1f}"
                f"{page['p95_ms']:>9.1f}{page['ratio']:>8.2f}{page['kb']:>8.1f}"
            )
        write(
            f"{'report':<14}{'pages':>6}{'HTML s':>8}{'WeasyPrint s':>14}{'task s':>8}{'ratio':>7}"
        )
        for report in data["reports"]:
            write(
                f"{report['kind']:<14}{report['pages']:>6}{report['html_s']:>8.2f}"
                f"{report['weasyprint_s']:>14.2f}{report['task_s']:>8.2f}{report['ratio']:>7.2f}"
            )
        if data["compared"]:
            self._compared(data)
        if data["mixed"]:
            mixed = data["mixed"]
            write(
                f"Mixed load: {mixed['seconds']} s of reading quiet, then with "
                f"{mixed['ticks']} ticks from another process"
            )
            write(f"{'page':<17}{'quiet median':>13}{'p95':>8}{'ticking median':>16}{'p95':>8}")
            for name, page in mixed["pages"].items():
                quiet, ticking = page["quiet"], page["ticking"]
                write(
                    f"{name:<17}{quiet['median_ms']:>13.1f}{quiet['p95_ms']:>8.1f}"
                    f"{ticking['median_ms']:>16.1f}{ticking['p95_ms']:>8.1f}"
                )
        for table, made in data.get("spreadsheets", {}).items():
            write(f"Spreadsheet '{table}' by a worker: {made['seconds']} s, {made['kb']} KB")
        if data["worker_peak_mb"] is not None:
            write(f"Worker peak memory (revision report): {data['worker_peak_mb']} MB")
        if data["batch"]:
            batch = data["batch"]
            write(
                f"Batch of {batch['plans']} handleplaner: one worker {batch['one_worker_s']} s, "
                f"two workers {batch['two_workers_s']} s, speed-up {batch['speedup']}×"
            )

    def _compared(self, data):
        """Each page here beside the same page on the other database."""
        write, other = self.stdout.write, data["compared"]
        write(
            "Compared with: " + ", ".join(f"{key} {value}" for key, value in other["data"].items())
        )
        write(
            f"{'page':<38}{'queries':>10}{'ms here':>9}{'ms there':>10}{'here:there':>12}"
            f"{'KB here':>9}{'KB there':>10}"
        )
        over = []
        for here, there in zip(data["pages"], other["pages"], strict=True):
            ratio = here["median_ms"] / there["median_ms"]
            if ratio > RATIO_LIMIT:
                over.append(here["name"])
            queries = f"{here['queries']}/{there['queries']}"
            write(
                f"{here['name']:<38}{queries:>10}{here['median_ms']:>9.1f}"
                f"{there['median_ms']:>10.1f}{ratio:>12.2f}{here['kb']:>9.1f}{there['kb']:>10.1f}"
            )
        write(f"Pages over {RATIO_LIMIT}× the other's time: {', '.join(over) or 'none'}")
