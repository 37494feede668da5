"""`jinlin rekey`: re-encrypt every encrypted field under the current key (key rotation).

Set `JINLIN_FIELD_KEYS=new,old` (newest first), run `jinlin rekey`, then drop the old key. Every
model's `EncryptedTextField` columns are found through the app registry; rows are read raw (the
tokens, not the plaintext), in primary-key batches, each batch in its own transaction. A token
already under the current key is left as it is, so a second run changes nothing and an
interrupted run can simply be started again. Digests are not touched: their key does not rotate.
"""

from collections.abc import Callable

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import connection, models, transaction

from jinlin.core.audit import audit_record
from jinlin.core.crypto import EncryptedTextField, is_current, reencrypt


def encrypted_columns() -> list[tuple[type[models.Model], list[str]]]:
    found: list[tuple[type[models.Model], list[str]]] = []
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed:
            continue
        columns = [str(f.column) for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]
        if columns:
            found.append((model, columns))
    return found


def rekey(*, batch: int = 500, log: Callable[[str], object] | None = None) -> dict[str, int]:
    changed: dict[str, int] = {}
    quote = connection.ops.quote_name
    for model, columns in encrypted_columns():
        table, pk = quote(str(model._meta.db_table)), quote(str(model._meta.pk.column))
        cols = ", ".join(quote(c) for c in columns)
        last, count = None, 0
        while True:
            with transaction.atomic(), connection.cursor() as cursor:
                where = f"WHERE {pk} > %s " if last is not None else ""
                cursor.execute(
                    f"SELECT {pk}, {cols} FROM {table} {where}ORDER BY {pk} LIMIT %s",  # noqa: S608 — names from the registry
                    ([last] if last is not None else []) + [batch],
                )
                rows = cursor.fetchall()
                for row in rows:
                    updates = {
                        column: reencrypt(token)
                        for column, token in zip(columns, row[1:], strict=True)
                        if token and not is_current(token)
                    }
                    if updates:
                        sets = ", ".join(f"{quote(c)} = %s" for c in updates)
                        cursor.execute(
                            f"UPDATE {table} SET {sets} WHERE {pk} = %s",  # noqa: S608 — names from the registry
                            [*updates.values(), row[0]],
                        )
                        count += 1
            if not rows:
                break
            last = rows[-1][0]
        changed[model._meta.label_lower] = count
        if log:
            log(f"{model._meta.label_lower}: {count} rows re-encrypted ({', '.join(columns)})")
    with transaction.atomic():
        audit_record(actor=None, action="keys.rekey", object_type="core.crypto", after=changed)
    return changed


class Command(BaseCommand):
    help = "Re-encrypt every encrypted field under the first of JINLIN_FIELD_KEYS (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--batch", type=int, default=500)

    def handle(self, *args, batch, **options):
        changed = rekey(batch=batch, log=self.stdout.write)
        self.stdout.write(f"re-encrypted {sum(changed.values())} rows")
