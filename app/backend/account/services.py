"""Writes for accounts: registration, profile, billing addresses."""

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError
from rest_framework_simplejwt.tokens import RefreshToken

from account.models import Address, User, normalize_email

MESSAGE_EMAIL_TAKEN = "An account with this email address already exists."
ADDRESS_FIELDS = ("full_name", "line1", "line2", "city", "state", "postal_code", "country")


@transaction.atomic
def user_create(
    *, email: str, password: str, first_name: str = "", last_name: str = "", is_staff: bool = False
) -> User:
    email = normalize_email(email)
    if User.objects.filter(email=email).exists():
        raise ValidationError({"email": [MESSAGE_EMAIL_TAKEN]})
    user = User(email=email, first_name=first_name, last_name=last_name, is_staff=is_staff)
    try:
        validate_password(password, user=user)
    except ValidationError as error:
        raise ValidationError({"password": error.messages}) from error
    user.set_password(password)
    user.full_clean()
    user.save()
    return user


@transaction.atomic
def user_update(*, user: User, first_name: str | None = None, last_name: str | None = None) -> User:
    if first_name is not None:
        user.first_name = first_name
    if last_name is not None:
        user.last_name = last_name
    user.full_clean()
    user.save(update_fields=["first_name", "last_name"])
    return user


def _make_default(address: Address) -> None:
    Address.objects.filter(user_id=address.user_id).exclude(pk=address.pk).update(is_default=False)


@transaction.atomic
def address_create(*, user: User, is_default: bool = False, **fields) -> Address:
    # Lock the user's row so two concurrent "first address" requests cannot both become default.
    User.objects.select_for_update().filter(pk=user.pk).first()
    first = not Address.objects.filter(user=user).exists()
    address = Address(
        user=user, is_default=is_default or first, **{k: fields[k] for k in ADDRESS_FIELDS if k in fields}
    )
    address.country = address.country.upper()
    address.full_clean()
    address.save()
    if address.is_default:
        _make_default(address)
    return address


@transaction.atomic
def address_update(*, address: Address, **fields) -> Address:
    for name in ADDRESS_FIELDS:
        if name in fields:
            setattr(address, name, fields[name])
    address.country = address.country.upper()
    if fields.get("is_default"):
        address.is_default = True
    address.full_clean()
    address.save()
    if address.is_default:
        _make_default(address)
    return address


@transaction.atomic
def address_delete(*, address: Address) -> None:
    user_id, was_default = address.user_id, address.is_default
    address.delete()
    if was_default:
        # Keep "the first address is the default" true: the oldest remaining one takes over.
        successor = Address.objects.filter(user_id=user_id).order_by("id").first()
        if successor:
            successor.is_default = True
            successor.save(update_fields=["is_default"])


def user_logout(*, refresh: str) -> None:
    """Blacklist a refresh token (simplejwt's token_blacklist): it cannot be refreshed again, so a
    stolen copy is useless after the owner signs out. Access tokens already issued from it still
    work until they expire (15 minutes). An invalid, expired or already-revoked token is 401."""
    try:
        RefreshToken(refresh).blacklist()
    except TokenError as error:
        raise InvalidToken(str(error)) from None
