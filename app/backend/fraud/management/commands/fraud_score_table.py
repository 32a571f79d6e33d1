"""Score every row of payments_transaction with a model file, as checkout scores one attempt,
and write each row's score and per-feature errors to a CSV file. The parity test compares it with
the TypeScript scan of the same table (actions/fraud-scan/__tests__/backend-parity.test.ts)."""

import csv

from django.core.management.base import BaseCommand, CommandError

from fraud.features import featurize
from fraud.model_file import ModelFileError, load_model
from fraud.selectors import transaction_aggregates
from payments.models import Transaction


class Command(BaseCommand):
    help = "Write each payments_transaction row's fraud score and per-feature errors to a CSV file."

    def add_arguments(self, parser):
        parser.add_argument("--model", required=True, help="a fraud-scan model file (profile transactions)")
        parser.add_argument("--output", required=True, help="the CSV file to write")

    def handle(self, *args, model: str, output: str, **options):
        try:
            fraud_model = load_model(model)
        except ModelFileError as error:
            raise CommandError(str(error)) from None
        rows = 0
        with open(output, "w", newline="", encoding="utf-8") as out:
            writer = csv.writer(out)
            writer.writerow(["id", "score", *fraud_model.units, "drivers"])
            for attempt in Transaction.objects.order_by("id").iterator(chunk_size=1000):
                assessment = fraud_model.assess(
                    featurize(attempt, transaction_aggregates(attempt=attempt, in_table=True))
                )
                writer.writerow(
                    [
                        attempt.pk,
                        repr(assessment.score),
                        *(repr(float(e)) for e in assessment.errors),
                        "; ".join(f"{d.feature} {d.share:.6f}" for d in assessment.drivers),
                    ]
                )
                rows += 1
        self.stdout.write(f"scored {rows} rows into {output}")
