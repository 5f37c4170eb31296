"""PostgreSQL: ``event_store_append``, one statement that locks, checks, numbers and inserts.

The recorder calls it outside any transaction when it can (a statement is its own
transaction), so the table lock is held for the function's own work and the commit's WAL
flush only, with no client round trip in between. See
:class:`todo_shared.eventstore.recorder.PostgresRecorder`.
"""

from django.db import migrations

FUNCTION = r"""
CREATE OR REPLACE FUNCTION event_store_append(
    check_streams text[], check_versions integer[], events jsonb, recorded timestamptz
) RETURNS TABLE (appended_after bigint, conflict_stream text, conflict_version integer)
LANGUAGE plpgsql AS $fn$
DECLARE
    newest bigint;
    actual integer;
    i integer;
BEGIN
    -- Readers are not blocked; appends wait here, so positions commit in the order they are
    -- assigned and none is burnt by a rollback (the commit follows at once).
    LOCK TABLE event_store IN EXCLUSIVE MODE;
    FOR i IN 1 .. coalesce(cardinality(check_streams), 0) LOOP
        SELECT coalesce(max(s.version), 0) INTO actual
            FROM event_store s WHERE s.stream = check_streams[i];
        IF actual <> check_versions[i] THEN
            RETURN QUERY SELECT NULL::bigint, check_streams[i], actual;
            RETURN;
        END IF;
    END LOOP;
    SELECT coalesce(max(s.position), 0) INTO newest FROM event_store s;
    IF jsonb_array_length(events) > 0 THEN
        INSERT INTO event_store (position, event_id, stream, version, type, schema_version,
                                 occurred_at, recorded_at, channels, data, metadata)
        SELECT newest + e.n, (e.ev->>'event_id')::uuid, e.ev->>'stream',
               (e.ev->>'version')::integer, e.ev->>'type', 1,
               (e.ev->>'occurred_at')::timestamptz, recorded,
               e.ev->'channels', e.ev->'data', e.ev->'metadata'
        FROM jsonb_array_elements(events) WITH ORDINALITY AS e(ev, n);
        INSERT INTO event_store_channel (channel, position)
        SELECT c.channel, newest + e.n
        FROM jsonb_array_elements(events) WITH ORDINALITY AS e(ev, n),
             jsonb_array_elements_text(e.ev->'channels') AS c(channel);
        PERFORM pg_notify('todo_event_store', '');  -- delivered at commit
    END IF;
    RETURN QUERY SELECT newest, NULL::text, NULL::integer;
END
$fn$;
"""

DROP = (
    "DROP FUNCTION IF EXISTS event_store_append(text[], integer[], jsonb, timestamptz);"
)


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FUNCTION)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("eventstore", "0001_initial")]
    operations = [migrations.RunPython(create, drop)]
