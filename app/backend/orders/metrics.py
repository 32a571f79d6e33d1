"""Business metrics on /metrics, next to django-prometheus' technical ones: what a shop owner
watches (checkouts by outcome, money taken) and what an alert on card testing can key on."""

from prometheus_client import Counter

CHECKOUTS = Counter(
    "shop_checkouts_total",
    "Checkout attempts that reached payment or stock checks, by outcome.",
    ["outcome"],  # paid, declined, rejected, error, out_of_stock
)
REVENUE = Counter("shop_revenue_total", "Money taken by successful checkouts, in major units.", ["currency"])
