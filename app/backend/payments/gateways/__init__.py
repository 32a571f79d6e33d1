"""Which gateway charges cards: Stripe when STRIPE_SECRET_KEY is set, the offline one otherwise."""

from django.conf import settings

from payments.gateways.base import PaymentGateway


def get_gateway() -> PaymentGateway:
    if settings.STRIPE_SECRET_KEY:
        from payments.gateways.stripe_gateway import StripeGateway

        return StripeGateway(settings.STRIPE_SECRET_KEY, settings.STRIPE_API_BASE, settings.PAYMENT_GATEWAY_TIMEOUT)
    from payments.gateways.offline import OfflineGateway

    return OfflineGateway()
