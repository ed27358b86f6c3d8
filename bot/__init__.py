"""FTZ Facts: answers quick factual questions about the Xinjiang Pilot Free Trade Zone, with verbatim sources."""

__version__ = "0.1.0"
APP_NAME = "ftz-facts"  # names the per-user data and cache directories
