"""`python -m bot`: the ftz-bot command line (no arguments runs the bot)."""

import sys

from bot.cli import main

if __name__ == "__main__":
    sys.exit(main())
