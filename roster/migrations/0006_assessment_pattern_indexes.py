"""Drop the ``varchar_pattern_ops`` twins PostgreSQL gets for the indexed text columns of the
gradebook tables (sourcedId, status, source system). They serve only ``LIKE 'prefix%'``
queries, which nothing issues here (the OneRoster ``~`` filter is a contains match, which no
btree serves), and every assessment line item and result the learning pipeline writes paid
three index insertions for them. Django drops such indexes with ``IF EXISTS`` when a field
changes, so later migrations are unaffected."""

from django.db import migrations

TABLES = ("roster_assessmentlineitem", "roster_assessmentresult")


def pattern_indexes_drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = ANY(%s) "
            "AND indexdef LIKE '%%varchar_pattern_ops%%'",
            [list(TABLES)],
        )
        for (name,) in cursor.fetchall():
            cursor.execute(f'DROP INDEX IF EXISTS "{name}"')


class Migration(migrations.Migration):
    dependencies = [("roster", "0005_user_password_sealed")]

    operations = [migrations.RunPython(pattern_indexes_drop, migrations.RunPython.noop)]
