"""Rules and use cases: pure Python over plain data. No I/O, no settings, no clock."""
