"""The `bot` command line (main.py: the table of commands): `serve` the bot over Socket Mode,
`chat` in a terminal, and an operator's `migrate`, `sweep`, `digest`, `forget-user`, `stats`
and `replay-failed` (admin.py); the start-up checks and the database every command shares
(checks.py, database.py)."""
