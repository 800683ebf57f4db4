"""The embedded defaults: a local .xlsx hub, a SQLite journal queue, an .eml outbox."""
