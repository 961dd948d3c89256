"""The `bot` command line: serve over Socket Mode, chat in a terminal, migrate, sweep, send the
tech digests, erase a person, print stats and replay failed jobs."""
