-- The wake-up moves out of the append's transaction. A transaction that NOTIFYs takes PostgreSQL's notify
-- queue lock at commit and keeps it until its commit record is flushed, so every append serialised on one
-- disk flush: with eight writers on different clusters the event store ran at a quarter of a plain INSERT
-- (docs/benchmarks.md). The control plane now sends the NOTIFY after the append committed, in a statement of
-- its own. If a process dies in between, the others learn of the append from their periodic sweep instead:
-- later, never lost, since NOTIFY was only ever a wake-up.
DROP TRIGGER streams_appended ON streams;
DROP FUNCTION notify_stream_appended();
