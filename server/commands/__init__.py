"""`kiosk-server` command groups beyond serving: audit, org, user (registered by server/cli.py).

The groups use server.cli's --db option and _open(); importing server.cli first (here) means
`import server.commands.audit` works on its own too, not only through the `kiosk-server` entry.
"""
import server.cli  # noqa: F401 - defines db_option/_open before the groups below use them
