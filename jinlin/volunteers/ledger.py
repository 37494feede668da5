"""The double-entry ledger every value of this app moves on (hours of the time bank, points).

Rules, each enforced here and checked by `ledger_verify` (`jinlin timebank verify`):

1. Value moves only by a transfer; a transfer's postings sum to zero, in one currency.
2. An account's balance is the sum of its postings. `Account.balance` is a cache written in the
   same transaction as the postings, under a row lock.
3. No posting takes an account below its floor (−credit_limit); issuing accounts have no limit:
   they are where credited hours come from, so their balance is minus everything in circulation.
4. Nothing is edited or deleted; a correction is a reversing transfer (same legs, signs flipped),
   which may be posted once per transfer and is itself subject to rule 3.

Concurrency: the accounts of a transfer are locked in ascending id order (SELECT … FOR UPDATE on
PostgreSQL; SQLite's IMMEDIATE transactions serialise writers), so two transfers touching the
same accounts queue instead of both reading the old balance, and cannot deadlock.
"""

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from jinlin.core.models import OrgKind, OrgUnit, User

from .errors import InsufficientBalance, StateConflict
from .models import Account, AccountKind, Currency, LedgerMode, LedgerSettings, Posting, Transfer, TransferKind

ZERO = Decimal("0")
CENT = Decimal("0.01")


def community_of(unit: OrgUnit | None) -> OrgUnit | None:
    """The community (社区/村) a unit lies in: itself, or the nearest community above it."""
    seen = 0
    while unit is not None and seen < 12:
        if unit.kind == OrgKind.COMMUNITY:
            return unit
        unit = unit.parent
        seen += 1
    return None


def settings_for(community: OrgUnit) -> LedgerSettings:
    found = LedgerSettings.objects.filter(community=community).first()
    return found or LedgerSettings(community=community)


def _get_or_create(lookup: dict, defaults: dict) -> Account:
    found = Account.objects.filter(**lookup).first()
    if found is not None:
        return found
    try:
        with transaction.atomic():
            return Account.objects.create(**lookup, **defaults)
    except IntegrityError:  # created by a concurrent request a moment ago
        return Account.objects.get(**lookup)


def person_account(user: User, currency: str = Currency.HOURS, community: OrgUnit | None = None) -> Account:
    """A person's account in `currency`, opened on first use.

    Hours: floor 0, or the community's mutual-credit limit when it runs mutual credit.
    Points: no floor — a minus item (扣分) is a record of conduct, not a spend, so it may take a
    member below zero; the ranking shows the net.
    """
    limit: Decimal | None = ZERO
    if currency == Currency.POINTS:
        limit = None
    elif community is not None:
        conf = settings_for(community)
        if conf.mode == LedgerMode.MUTUAL:
            limit = conf.mutual_credit_limit
    return _get_or_create(
        {"kind": AccountKind.PERSON, "currency": currency, "user": user},
        {
            "name": user.name,
            "credit_limit": limit,
            "scope_code": community.code if community is not None else "",
            "org": community,
        },
    )


def issuing_account(org: OrgUnit, currency: str = Currency.HOURS) -> Account:
    return _get_or_create(
        {"kind": AccountKind.ISSUING, "currency": currency, "org": org, "user": None},
        {"name": f"{org.name} 发行账户", "credit_limit": None, "scope_code": org.code},
    )


def sponsor_account(org: OrgUnit, currency: str = Currency.HOURS) -> Account:
    return _get_or_create(
        {"kind": AccountKind.SPONSOR, "currency": currency, "org": org, "user": None},
        {"name": org.name, "credit_limit": ZERO, "scope_code": org.code},
    )


def _amount(value) -> Decimal:
    return Decimal(str(value)).quantize(CENT)


@transaction.atomic
def transfer_post(
    *,
    legs: Iterable[tuple[Account, Decimal]],
    kind: str,
    memo: str = "",
    actor: User | None = None,
    ref: str = "",
    reverses: Transfer | None = None,
    at: datetime | None = None,
) -> Transfer:
    """Post one transfer. `legs` are (account, signed amount); they must sum to zero.

    Raises InsufficientBalance (nothing written) when a leg would take an account below its floor.
    """
    by_account: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for account, amount in legs:
        by_account[account.pk] += _amount(amount)
    by_account = {pk: a for pk, a in by_account.items() if a != ZERO}
    if len(by_account) < 2:
        raise ValueError("a transfer moves value between at least two accounts")
    if sum(by_account.values(), ZERO) != ZERO:
        raise ValueError("the postings of a transfer must sum to zero")
    locked = list(Account.objects.select_for_update().filter(pk__in=by_account).order_by("pk"))
    currencies = {a.currency for a in locked}
    if len(locked) != len(by_account) or len(currencies) != 1:
        raise ValueError("a transfer is between existing accounts of one currency")
    for account in locked:
        new = account.balance + by_account[account.pk]
        if by_account[account.pk] < 0 and account.floor is not None and new < account.floor:
            raise InsufficientBalance(
                _("%(name)s 的余额不足：现有 %(balance)s，需要 %(need)s。")
                % {"name": account.name, "balance": account.balance, "need": -by_account[account.pk]}
            )
    transfer = Transfer.objects.create(
        kind=kind,
        currency=currencies.pop(),
        memo=memo[:200],
        actor=actor if actor is not None and actor.pk else None,
        ref=ref,
        reverses=reverses,
        at=at or timezone.now(),
    )
    Posting.objects.bulk_create(Posting(transfer=transfer, account_id=pk, amount=a) for pk, a in by_account.items())
    for account in locked:
        account.balance += by_account[account.pk]
        # A plain UPDATE of the cache column under the row lock taken above.
        Account.objects.filter(pk=account.pk).update(balance=account.balance)
    return transfer


@transaction.atomic
def transfer_reverse(*, transfer: Transfer, actor: User | None, memo: str = "") -> Transfer:
    """The correction of `transfer`: the same legs with the signs flipped, posted once."""
    if transfer.reverses_id is not None:
        raise StateConflict(_("冲正记录不能再冲正，请另行记账。"))
    if Transfer.objects.filter(reverses=transfer).exists():
        raise StateConflict(_("这笔记账已经冲正过。"))
    legs = [(p.account, -p.amount) for p in transfer.postings.select_related("account")]
    try:
        return transfer_post(
            legs=legs,
            kind=TransferKind.REVERSAL,
            memo=memo or _("冲正 #%(id)s") % {"id": transfer.pk},
            actor=actor,
            ref=transfer.ref,
            reverses=transfer,
        )
    except IntegrityError as exc:  # the one-to-one on `reverses`: a concurrent reversal won
        raise StateConflict(_("这笔记账已经冲正过。")) from exc


def balance_of(account: Account) -> Decimal:
    """The balance from the postings (the truth the cached column is checked against)."""
    return account.postings.aggregate(s=Sum("amount"))["s"] or ZERO


def expire_hours(*, community: OrgUnit, now: datetime | None = None, actor: User | None = None) -> list[Transfer]:
    """Hours older than the community's expiry go back to its issuing account, by transfers.

    First in, first out: of an account's balance, what is not covered by credits received within
    the window has expired. Nothing happens unless the community configured an expiry.
    """
    conf = settings_for(community)
    if not conf.expiry_days:
        return []
    now = now or timezone.now()
    since = now - timedelta(days=conf.expiry_days)
    issuing = issuing_account(community)
    done = []
    accounts = Account.objects.filter(kind=AccountKind.PERSON, currency=Currency.HOURS, org=community, balance__gt=0)
    for account in accounts:
        recent = account.postings.filter(amount__gt=0, transfer__at__gte=since).aggregate(s=Sum("amount"))["s"] or ZERO
        expired = account.balance - recent
        if expired > 0:
            done.append(
                transfer_post(
                    legs=[(account, -expired), (issuing, expired)],
                    kind=TransferKind.EXPIRY,
                    memo=_("超过 %(days)s 天未使用的时长到期") % {"days": conf.expiry_days},
                    actor=actor,
                    ref=f"expiry:{community.pk}",
                    at=now,
                )
            )
    return done


def ledger_verify() -> dict:
    """Every transfer sums to zero, every balance equals its postings, none is below its floor."""
    problems: list[str] = []
    unbalanced = Posting.objects.values("transfer_id").annotate(s=Sum("amount")).exclude(s=0)
    for row in unbalanced[:50]:
        problems.append(f"transfer {row['transfer_id']} sums to {row['s']}")
    mixed = Posting.objects.exclude(account__currency=F("transfer__currency")).values_list("transfer_id", flat=True)
    for tid in mixed[:50]:
        problems.append(f"transfer {tid} posts to an account of another currency")
    sums = dict(Posting.objects.values_list("account_id").annotate(s=Sum("amount")).values_list("account_id", "s"))
    total = ZERO
    accounts = 0
    for account in Account.objects.order_by("pk").iterator():
        accounts += 1
        derived = sums.get(account.pk) or ZERO
        total += derived
        if derived != account.balance:
            problems.append(f"account {account.pk} stores {account.balance} but its postings sum to {derived}")
        if account.floor is not None and derived < account.floor:
            problems.append(f"account {account.pk} is at {derived}, below its floor {account.floor}")
    return {
        "ok": not problems and total == ZERO,
        "accounts": accounts,
        "transfers": Transfer.objects.count(),
        "sum": str(total.normalize() if total else 0),
        "problems": problems,
    }
