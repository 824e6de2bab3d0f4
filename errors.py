"""One base error for everything a user may be told about.

Anything raised as an :class:`ImagechatError` carries a message written for the person
at the other end (it names the path, the value or the limit); channels print it as is,
never a traceback.
"""


class ImagechatError(Exception):
    """An error whose message is fit to show to a user."""


class ConfigError(ImagechatError):
    """Settings that cannot be used: a bad TOML file, an unknown profile, a bad value."""


class InvalidInput(ImagechatError):
    """Input the user gave that we refuse before doing any work."""


class NotAvailable(ImagechatError):
    """A capability that this profile or this build does not offer."""
