from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count

from payments.models import Transaction


def generate(*args: str) -> str:
    out = StringIO()
    call_command("generate_demo_transactions", "--users", "20", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
class GenerateDemoTransactionsTests:
    def test_the_same_seed_gives_the_same_rows_and_replace_does_not_duplicate(self):
        generate()
        first = list(Transaction.objects.order_by("gateway_reference").values_list("card_fingerprint", "amount"))
        generate("--replace")
        again = list(Transaction.objects.order_by("gateway_reference").values_list("card_fingerprint", "amount"))
        assert first == again

    def test_until_pins_the_history_so_the_table_is_the_same_at_any_time(self):
        generate("--until", "2026-06-15T12:00:00+00:00")
        first = list(Transaction.objects.order_by("gateway_reference").values_list("created_at", "amount"))
        assert max(t for t, _ in first).isoformat() <= "2026-06-15T12:00:00+00:00"
        generate("--replace", "--until", "2026-06-15T12:00:00+00:00")
        again = list(Transaction.objects.order_by("gateway_reference").values_list("created_at", "amount"))
        assert first == again

    def test_until_without_an_offset_is_refused(self):
        with pytest.raises(CommandError, match="needs a UTC offset"):
            generate("--until", "2026-06-15T12:00:00")

    def test_the_planted_patterns_are_there(self):
        output = generate()
        assert "card_testing 30" in output and "many_cards 9" in output and "country_hop 5" in output
        burst = Transaction.objects.filter(user__email__startswith="card-tester")
        times = sorted(burst.values_list("created_at", flat=True))
        assert (times[-1] - times[0]).total_seconds() < 180
        assert burst.values("card_fingerprint").distinct().count() >= 25
        assert burst.exclude(status="succeeded").count() >= 15
        many = Transaction.objects.filter(user__email__startswith="many-cards")
        assert many.values("card_fingerprint").distinct().count() == 9
        hops = Transaction.objects.filter(user__email__startswith="country-hop")
        assert hops.values("billing_country").distinct().count() == 5

    def test_ordinary_rows_are_mostly_successful_with_stable_cards(self):
        generate()
        normal = Transaction.objects.filter(gateway_reference__startswith="demo_normal_")
        assert normal.filter(status="succeeded").count() / normal.count() > 0.8
        per_user = normal.values("user").annotate(cards=Count("card_fingerprint", distinct=True))
        assert max(row["cards"] for row in per_user) <= 2
